// The receive window and transmit buffer of an interrupt-driven serial link (chip boards): the
// board's interrupt handler feeds received bytes in and takes bytes to send out, the console
// task runs the received blocks.
#pragma once

#include <stdint.h>

namespace fw {

// From the receive interrupt: one byte from the host.
void serial_rx_byte(uint8_t data);
// From the transmit interrupt: the next byte to send; false when there is none (then the board
// disables its transmit interrupt until serial_enable_tx_irq() is called again).
bool serial_tx_next(uint8_t* data);
// Provided by the board: start the transmit interrupt (there is data to send).
void serial_enable_tx_irq();
// Free bytes in the receive window (a USB link takes a packet only when it fits).
uint_fast8_t serial_rx_space();

}  // namespace fw
