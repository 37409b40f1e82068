// The host was idle for a while in batch mode: Klipper's serial queue writer then sends the
// background-priority messages it held back (its 5 ms idle rule; see mcu/batch_send_order.h).
// Called when klippy starts reading the batch input, after the ready handlers (display init)
// ran. No effect on a live queue, which has its own timers.
#pragma once

namespace kpp {

class SerialQueue;
void batch_host_idle(SerialQueue& queue);

}  // namespace kpp
