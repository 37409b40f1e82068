// MPU-9250 / MPU-6050 family accelerometers on I2C (config_mpu9250, query_mpu9250,
// query_mpu9250_status): while the host has polling on, the chip's fifo is read in blocks of
// 48 bytes (8 samples of x, y, z as big-endian 16-bit values) straight into sensor_bulk_data
// reports. The host programs the chip (rates, fifo enable) itself over i2c_transfer; a failed
// bus transfer shuts the MCU down (i2c_shutdown_on_err).
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"
#include "drivers/i2cdev.h"
#include "drivers/sensor_bulk.h"

namespace fw {

namespace {

constexpr uint8_t kRegIntStatus = 0x3A, kRegFifoCountH = 0x72, kRegFifo = 0x74;
constexpr uint8_t kFifoOverflowInt = 0x10;
constexpr uint16_t kFifoSize = 512;
constexpr uint8_t kBytesPerSample = 6, kBytesPerBlock = 48;

enum : uint8_t { MP_RUNNING = 1 << 0, MP_PENDING = 1 << 1 };

struct Mpu9250 {
  Timer timer;
  uint32_t rest_ticks;
  I2cDev* i2c;
  uint16_t fifo_bytes;  // bytes known to be in the chip's fifo
  uint8_t flags;
  SensorBulk sb;
};

TaskWake g_mpu9250_wake;

uint_fast8_t mpu9250_event(Timer* t) {
  Mpu9250* mp = reinterpret_cast<Mpu9250*>(t);
  mp->flags |= MP_PENDING;
  sched_wake_task(&g_mpu9250_wake);
  return SF_DONE;
}

void reschedule(Mpu9250* mp) {
  irq_disable();
  mp->timer.waketime = timer_read_time() + mp->rest_ticks;
  sched_add_timer(&mp->timer);
  irq_enable();
}

// Bytes in the chip's fifo.
uint16_t fifo_count(Mpu9250* mp) {
  uint8_t reg = kRegFifoCountH, msg[2];
  i2c_shutdown_on_err(i2c_dev_read(mp->i2c, 1, &reg, 2, msg));
  uint16_t count = static_cast<uint16_t>((msg[0] & 0x1f) << 8 | msg[1]);
  if (count > kFifoSize - kBytesPerSample) mp->sb.possible_overflows++;
  return count;
}

void mpu_query(Mpu9250* mp, uint8_t oid) {
  if (mp->fifo_bytes < kBytesPerBlock) mp->fifo_bytes = fifo_count(mp);
  if (mp->fifo_bytes >= kBytesPerBlock) {
    uint8_t reg = kRegFifo;
    i2c_shutdown_on_err(i2c_dev_read(mp->i2c, 1, &reg, kBytesPerBlock, mp->sb.data));
    mp->sb.data_count = kBytesPerBlock;
    mp->fifo_bytes = static_cast<uint16_t>(mp->fifo_bytes - kBytesPerBlock);
    sensor_bulk_report(&mp->sb, oid);
  }
  if (mp->fifo_bytes >= kBytesPerBlock) {
    sched_wake_task(&g_mpu9250_wake);  // another full block is waiting
  } else if (mp->flags & MP_RUNNING) {
    sched_del_timer(&mp->timer);
    mp->flags &= static_cast<uint8_t>(~MP_PENDING);
    reschedule(mp);
  }
}

}  // namespace

FW_COMMAND(command_config_mpu9250, "config_mpu9250 oid=%c i2c_oid=%c");
void command_config_mpu9250(uint32_t* args) {
  Mpu9250* mp = oid_alloc_t<Mpu9250>(static_cast<uint8_t>(args[0]), command_config_mpu9250);
  mp->timer.func = mpu9250_event;
  mp->i2c = i2cdev_oid_lookup(static_cast<uint8_t>(args[1]));
}

// rest_ticks 0 stops polling; otherwise the fifo is polled every rest_ticks from now on.
FW_COMMAND(command_query_mpu9250, "query_mpu9250 oid=%c rest_ticks=%u");
void command_query_mpu9250(uint32_t* args) {
  Mpu9250* mp = oid_lookup_t<Mpu9250>(static_cast<uint8_t>(args[0]), command_config_mpu9250);
  sched_del_timer(&mp->timer);
  mp->flags = 0;
  if (!args[1]) return;
  mp->rest_ticks = args[1];
  mp->flags = MP_RUNNING;
  mp->fifo_bytes = 0;
  sensor_bulk_reset(&mp->sb);
  reschedule(mp);
}

FW_COMMAND(command_query_mpu9250_status, "query_mpu9250_status oid=%c");
void command_query_mpu9250_status(uint32_t* args) {
  uint8_t oid = static_cast<uint8_t>(args[0]);
  Mpu9250* mp = oid_lookup_t<Mpu9250>(oid, command_config_mpu9250);
  uint8_t reg = kRegIntStatus, status = 0;
  i2c_shutdown_on_err(i2c_dev_read(mp->i2c, 1, &reg, 1, &status));
  if (status & kFifoOverflowInt) mp->sb.possible_overflows++;
  reg = kRegFifoCountH;
  uint8_t msg[2];
  uint32_t time1 = timer_read_time();
  int ret = i2c_dev_read(mp->i2c, 1, &reg, 2, msg);
  uint32_t time2 = timer_read_time();
  i2c_shutdown_on_err(ret);
  uint16_t fifo = static_cast<uint16_t>((msg[0] & 0x1f) << 8 | msg[1]);
  sensor_bulk_status(&mp->sb, oid, time1, time2 - time1, fifo);
}

FW_TASK(mpu9250_task);
void mpu9250_task() {
  if (!sched_check_wake(&g_mpu9250_wake)) return;
  uint8_t oid;
  Mpu9250* mp;
  FW_FOREACH_OID(oid, mp, Mpu9250, command_config_mpu9250) {
    if (mp->flags & MP_PENDING) mpu_query(mp, oid);
  }
}

}  // namespace fw
