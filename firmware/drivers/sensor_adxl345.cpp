// ADXL345 accelerometer on SPI (config_adxl345, query_adxl345, query_adxl345_status): while
// the host has polling on, the chip's fifo is drained in the background and its samples go to the host in bulk reports, five
// bytes per sample (x, y, z low bytes, then the high bits packed in two bytes).
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"
#include "drivers/sensor_bulk.h"
#include "drivers/spidev.h"

namespace fw {

namespace {

// Registers and the read flags of the chip's SPI protocol.
constexpr uint8_t kRegDataX0 = 0x32, kRegFifoStatus = 0x39;
constexpr uint8_t kRead = 0x80, kMulti = 0x40;
// FIFO_CTL as the host programs it (stream mode); seen right after the data registers, it
// proves the read was not garbled.
constexpr uint8_t kFifoCtl = 0x90;
constexpr uint8_t kBytesPerSample = 5;
constexpr uint8_t kFifoDepth = 32;

enum : uint8_t { AX_RUNNING = 1 << 0, AX_PENDING = 1 << 1 };

struct Adxl345 {
  Timer timer;
  uint32_t rest_ticks;
  SpiDev* spi;
  uint8_t flags;
  SensorBulk sb;
};

TaskWake g_adxl345_wake;

uint_fast8_t adxl345_event(Timer* t) {
  Adxl345* ax = reinterpret_cast<Adxl345*>(t);
  ax->flags |= AX_PENDING;
  sched_wake_task(&g_adxl345_wake);
  return SF_DONE;
}

void reschedule(Adxl345* ax) {
  irq_disable();
  ax->timer.waketime = timer_read_time() + ax->rest_ticks;
  sched_add_timer(&ax->timer);
  irq_enable();
}

// A high byte of a 13-bit two's complement value is all zeros or all ones above bit 3.
bool high_byte_ok(uint8_t b) { return (b & 0xf0) == 0 || (b & 0xf0) == 0xf0; }

// Read one sample (and the fifo status that follows it) and store it for the next report.
void adxl_query(Adxl345* ax, uint8_t oid) {
  uint8_t msg[9] = {kRegDataX0 | kRead | kMulti, 0, 0, 0, 0, 0, 0, 0, 0};
  spidev_transfer(ax->spi, 1, sizeof(msg), msg);
  uint8_t fifo = msg[8] & 0x7f;  // bit 7 is the trigger flag
  uint8_t* d = &ax->sb.data[ax->sb.data_count];
  if (!high_byte_ok(msg[2]) || !high_byte_ok(msg[4]) || !high_byte_ok(msg[6]) ||
      msg[7] != kFifoCtl || fifo > kFifoDepth) {
    // A glitch on the bus: tell the host with an all-ones sample.
    for (uint8_t i = 0; i < kBytesPerSample; i++) d[i] = 0xff;
    fifo = 0;
  } else {
    d[0] = msg[1];
    d[1] = msg[3];
    d[2] = msg[5];
    d[3] = static_cast<uint8_t>((msg[2] & 0x1f) | (msg[6] << 5));
    d[4] = static_cast<uint8_t>((msg[4] & 0x1f) | ((msg[6] << 2) & 0x60));
  }
  ax->sb.data_count = static_cast<uint8_t>(ax->sb.data_count + kBytesPerSample);
  if (ax->sb.data_count + kBytesPerSample > static_cast<int>(sizeof(ax->sb.data)))
    sensor_bulk_report(&ax->sb, oid);
  if (fifo >= kFifoDepth - 1) ax->sb.possible_overflows++;
  if (fifo > 1) {
    sched_wake_task(&g_adxl345_wake);  // more samples waiting in the chip
  } else if (ax->flags & AX_RUNNING) {
    sched_del_timer(&ax->timer);
    ax->flags &= static_cast<uint8_t>(~AX_PENDING);
    reschedule(ax);
  }
}

}  // namespace

FW_COMMAND(command_config_adxl345, "config_adxl345 oid=%c spi_oid=%c");
void command_config_adxl345(uint32_t* args) {
  Adxl345* ax = oid_alloc_t<Adxl345>(static_cast<uint8_t>(args[0]), command_config_adxl345);
  ax->timer.func = adxl345_event;
  ax->spi = spidev_oid_lookup(static_cast<uint8_t>(args[1]));
}

// rest_ticks 0 stops polling; otherwise the fifo is polled every rest_ticks from now on. The
// host itself switches the chip between standby and measuring.
FW_COMMAND(command_query_adxl345, "query_adxl345 oid=%c rest_ticks=%u");
void command_query_adxl345(uint32_t* args) {
  Adxl345* ax = oid_lookup_t<Adxl345>(static_cast<uint8_t>(args[0]), command_config_adxl345);
  sched_del_timer(&ax->timer);
  ax->flags = 0;
  if (!args[1]) return;
  ax->rest_ticks = args[1];
  ax->flags = AX_RUNNING;
  sensor_bulk_reset(&ax->sb);
  reschedule(ax);
}

FW_COMMAND(command_query_adxl345_status, "query_adxl345_status oid=%c");
void command_query_adxl345_status(uint32_t* args) {
  uint8_t oid = static_cast<uint8_t>(args[0]);
  Adxl345* ax = oid_lookup_t<Adxl345>(oid, command_config_adxl345);
  uint8_t msg[2] = {kRegFifoStatus | kRead, 0};
  uint32_t time1 = timer_read_time();
  spidev_transfer(ax->spi, 1, sizeof(msg), msg);
  uint32_t time2 = timer_read_time();
  uint8_t fifo = msg[1] & 0x7f;
  if (fifo > kFifoDepth) return;  // garbled: the host asks again
  sensor_bulk_status(&ax->sb, oid, time1, time2 - time1, fifo * kBytesPerSample);
}

FW_TASK(adxl345_task);
void adxl345_task() {
  if (!sched_check_wake(&g_adxl345_wake)) return;
  uint8_t oid;
  Adxl345* ax;
  FW_FOREACH_OID(oid, ax, Adxl345, command_config_adxl345) {
    if (ax->flags & AX_PENDING) adxl_query(ax, oid);
  }
}

}  // namespace fw
