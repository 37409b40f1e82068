// LIS2DW and LIS3DH accelerometers on SPI or I2C (config_lis2dw, query_lis2dw,
// query_lis2dw_status): while the host has polling on, samples (x, y, z as little-endian 16-bit
// values) are read one at a time until the chip's fifo is empty and batched into
// sensor_bulk_data reports. The host programs the chip itself.
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"
#include "drivers/i2cdev.h"
#include "drivers/sensor_bulk.h"
#include "drivers/spidev.h"

namespace fw {

FW_ENUM("bus_oid_type", "spi", 0);
FW_ENUM("bus_oid_type", "i2c", 1);
FW_ENUM("lis_chip_type", "LIS2DW", 0);
FW_ENUM("lis_chip_type", "LIS3DH", 1);

namespace {

enum : uint8_t { BUS_SPI = 0, BUS_I2C = 1 };
enum : uint8_t { CHIP_LIS2DW = 0, CHIP_LIS3DH = 1 };

constexpr uint8_t kRegOutX = 0x28, kRegFifoSamples = 0x2F;
constexpr uint8_t kSpiRead = 0x80, kSpiMulti = 0x40, kI2cMulti = 0x80;
constexpr uint8_t kBytesPerSample = 6;

struct Lis2dw {
  Timer timer;
  uint32_t rest_ticks;
  union {
    SpiDev* spi;
    I2cDev* i2c;
  };
  uint8_t bus, chip, pending;
  SensorBulk sb;
};

TaskWake g_lis2dw_wake;

uint_fast8_t lis2dw_event(Timer* t) {
  Lis2dw* ax = reinterpret_cast<Lis2dw*>(t);
  ax->pending = 1;
  sched_wake_task(&g_lis2dw_wake);
  return SF_DONE;
}

void reschedule(Lis2dw* ax) {
  irq_disable();
  ax->timer.waketime = timer_read_time() + ax->rest_ticks;
  sched_add_timer(&ax->timer);
  irq_enable();
}

// The FIFO_SAMPLES register (bit 6: overrun; the sample count in the low bits).
uint8_t read_fifo_status(Lis2dw* ax) {
  if (ax->bus == BUS_SPI) {
    uint8_t msg[2] = {kRegFifoSamples | kSpiRead, 0};
    spidev_transfer(ax->spi, 1, sizeof(msg), msg);
    return msg[1];
  }
  uint8_t reg = kRegFifoSamples, status = 0;
  i2c_shutdown_on_err(i2c_dev_read(ax->i2c, 1, &reg, 1, &status));
  return status;
}

void read_sample(Lis2dw* ax, uint8_t* out) {
  if (ax->bus == BUS_SPI) {
    uint8_t msg[1 + kBytesPerSample] = {kRegOutX | kSpiRead};
    if (ax->chip == CHIP_LIS3DH) msg[0] |= kSpiMulti;  // auto-increment is opt-in there
    spidev_transfer(ax->spi, 1, sizeof(msg), msg);
    for (uint8_t i = 0; i < kBytesPerSample; i++) out[i] = msg[i + 1];
    return;
  }
  uint8_t reg = kRegOutX;
  if (ax->chip == CHIP_LIS3DH) reg |= kI2cMulti;
  i2c_shutdown_on_err(i2c_dev_read(ax->i2c, 1, &reg, kBytesPerSample, out));
}

void lis_query(Lis2dw* ax, uint8_t oid) {
  read_sample(ax, &ax->sb.data[ax->sb.data_count]);
  uint8_t status = read_fifo_status(ax);
  // The LIS3DH flags an empty fifo in bit 5; the LIS2DW counts the samples left.
  bool empty = ax->chip == CHIP_LIS3DH ? (status & 0x20) : !(status & 0x3f);
  ax->sb.data_count = static_cast<uint8_t>(ax->sb.data_count + kBytesPerSample);
  if (ax->sb.data_count + kBytesPerSample > static_cast<int>(sizeof(ax->sb.data)))
    sensor_bulk_report(&ax->sb, oid);
  if (status & 0x40) ax->sb.possible_overflows++;
  if (!empty) {
    sched_wake_task(&g_lis2dw_wake);
  } else {
    ax->pending = 0;
    reschedule(ax);
  }
}

}  // namespace

FW_COMMAND(command_config_lis2dw,
           "config_lis2dw oid=%c bus_oid=%c bus_oid_type=%c lis_chip_type=%c");
void command_config_lis2dw(uint32_t* args) {
  if (args[2] > BUS_I2C) fw_shutdown("bus_type invalid");
  if (args[3] > CHIP_LIS3DH) fw_shutdown("model type invalid");
  Lis2dw* ax = oid_alloc_t<Lis2dw>(static_cast<uint8_t>(args[0]), command_config_lis2dw);
  ax->timer.func = lis2dw_event;
  ax->bus = static_cast<uint8_t>(args[2]);
  if (ax->bus == BUS_SPI)
    ax->spi = spidev_oid_lookup(static_cast<uint8_t>(args[1]));
  else
    ax->i2c = i2cdev_oid_lookup(static_cast<uint8_t>(args[1]));
  ax->chip = static_cast<uint8_t>(args[3]);
}

FW_COMMAND(command_query_lis2dw, "query_lis2dw oid=%c rest_ticks=%u");
void command_query_lis2dw(uint32_t* args) {
  Lis2dw* ax = oid_lookup_t<Lis2dw>(static_cast<uint8_t>(args[0]), command_config_lis2dw);
  sched_del_timer(&ax->timer);
  ax->pending = 0;
  if (!args[1]) return;
  ax->rest_ticks = args[1];
  sensor_bulk_reset(&ax->sb);
  reschedule(ax);
}

FW_COMMAND(command_query_lis2dw_status, "query_lis2dw_status oid=%c");
void command_query_lis2dw_status(uint32_t* args) {
  uint8_t oid = static_cast<uint8_t>(args[0]);
  Lis2dw* ax = oid_lookup_t<Lis2dw>(oid, command_config_lis2dw);
  uint32_t time1 = timer_read_time();
  uint8_t status = read_fifo_status(ax);
  uint32_t time2 = timer_read_time();
  sensor_bulk_status(&ax->sb, oid, time1, time2 - time1, (status & 0x1f) * kBytesPerSample);
}

FW_TASK(lis2dw_task);
void lis2dw_task() {
  if (!sched_check_wake(&g_lis2dw_wake)) return;
  uint8_t oid;
  Lis2dw* ax;
  FW_FOREACH_OID(oid, ax, Lis2dw, command_config_lis2dw) {
    if (ax->pending) lis_query(ax, oid);
  }
}

}  // namespace fw
