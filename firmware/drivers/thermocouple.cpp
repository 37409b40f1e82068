// Temperature chips on SPI (config_thermocouple, query_thermocouple): MAX31855, MAX31856 and
// MAX6675 thermocouple amplifiers and the MAX31865 RTD converter. A timer schedules the reads,
// the task does the SPI transfers and reports thermocouple_result; readings out of the host's
// range or flagged faulty by the chip shut the MCU down once max_invalid_count of them come in a
// row (max_invalid_count 0 or 1: the first one).
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"
#include "drivers/spidev.h"

namespace fw {

// (Declared outside the anonymous namespace: the generated message id has external linkage.)
FW_RESPONSE(resp_thermocouple_result, "thermocouple_result oid=%c next_clock=%u value=%u fault=%c");

namespace {

enum : uint8_t { TC_MAX31855 = 0, TC_MAX31856 = 1, TC_MAX31865 = 2, TC_MAX6675 = 3 };

struct Thermocouple {
  Timer timer;
  uint32_t rest_time, min_value, max_value;
  SpiDev* spi;
  uint8_t chip_type, pending, invalid_count, max_invalid_count;
};

TaskWake g_thermocouple_wake;

uint_fast8_t thermocouple_event(Timer* t) {
  Thermocouple* tc = reinterpret_cast<Thermocouple*>(t);
  tc->pending = 1;
  sched_wake_task(&g_thermocouple_wake);
  tc->timer.waketime += tc->rest_time;
  return SF_RESCHEDULE;
}

uint32_t be32(const uint8_t* b) {
  return static_cast<uint32_t>(b[0]) << 24 | static_cast<uint32_t>(b[1]) << 16 |
         static_cast<uint32_t>(b[2]) << 8 | b[3];
}

// Read a register block: the address byte then `len` data bytes.
void read_regs(Thermocouple* tc, uint8_t reg, uint8_t len, uint8_t* out) {
  uint8_t msg[4] = {reg, 0, 0, 0};
  spidev_transfer(tc->spi, 1, static_cast<uint8_t>(len + 1), msg);
  for (uint8_t i = 0; i < len; i++) out[i] = msg[i + 1];
}

void respond(Thermocouple* tc, uint8_t oid, uint32_t next_clock, uint32_t value, uint8_t fault,
             bool chip_fault) {
  fw_sendf(resp_thermocouple_result, oid, next_clock, value, fault);
  bool out_of_range = value < tc->min_value || value > tc->max_value;
  if (!out_of_range && !fault && !chip_fault) {
    tc->invalid_count = 0;
    return;
  }
  if (++tc->invalid_count < tc->max_invalid_count) return;
  if (out_of_range)
    fw_try_shutdown("Thermocouple ADC out of range");
  else
    fw_try_shutdown("Thermocouple reader fault");
}

void sample(Thermocouple* tc, uint8_t oid, uint32_t next_clock) {
  uint8_t b[4] = {0, 0, 0, 0};
  switch (tc->chip_type) {
    case TC_MAX31855: {
      // 32 bits, no address: bit 16 is the fault flag.
      spidev_transfer(tc->spi, 1, 4, b);
      uint32_t value = be32(b);
      respond(tc, oid, next_clock, value, 0, value & 0x10000);
      break;
    }
    case TC_MAX31856: {
      // Linearised temperature (3 bytes from LTCBH) and the fault status register.
      uint8_t sr;
      read_regs(tc, 0x0C, 3, b + 1);
      read_regs(tc, 0x0F, 1, &sr);
      respond(tc, oid, next_clock, be32(b), sr, false);
      break;
    }
    case TC_MAX31865: {
      // RTD resistance (2 bytes from RTDMSB, bit 0 flags a fault) and the fault status.
      uint8_t fs;
      read_regs(tc, 0x01, 2, b + 2);
      read_regs(tc, 0x07, 1, &fs);
      uint32_t value = be32(b);
      respond(tc, oid, next_clock, value, fs, value & 1);
      break;
    }
    default: {
      // MAX6675: 16 bits, no address: bit 2 means the thermocouple is open.
      spidev_transfer(tc->spi, 1, 2, b + 2);
      uint32_t value = be32(b);
      respond(tc, oid, next_clock, value, 0, value & 0x04);
      break;
    }
  }
}

}  // namespace

FW_ENUM("thermocouple_type", "MAX31855", 0);
FW_ENUM("thermocouple_type", "MAX31856", 1);
FW_ENUM("thermocouple_type", "MAX31865", 2);
FW_ENUM("thermocouple_type", "MAX6675", 3);

FW_COMMAND(command_config_thermocouple,
           "config_thermocouple oid=%c spi_oid=%c thermocouple_type=%c");
void command_config_thermocouple(uint32_t* args) {
  if (args[2] > TC_MAX6675) fw_shutdown("Invalid thermocouple chip type");
  Thermocouple* tc =
      oid_alloc_t<Thermocouple>(static_cast<uint8_t>(args[0]), command_config_thermocouple);
  tc->timer.func = thermocouple_event;
  tc->spi = spidev_oid_lookup(static_cast<uint8_t>(args[1]));
  tc->chip_type = static_cast<uint8_t>(args[2]);
}

FW_COMMAND(command_query_thermocouple,
           "query_thermocouple oid=%c clock=%u rest_ticks=%u min_value=%u max_value=%u "
           "max_invalid_count=%c");
void command_query_thermocouple(uint32_t* args) {
  Thermocouple* tc =
      oid_lookup_t<Thermocouple>(static_cast<uint8_t>(args[0]), command_config_thermocouple);
  sched_del_timer(&tc->timer);
  tc->timer.waketime = args[1];
  tc->rest_time = args[2];
  tc->invalid_count = 0;
  if (!tc->rest_time) return;
  tc->min_value = args[3];
  tc->max_value = args[4];
  tc->max_invalid_count = static_cast<uint8_t>(args[5]);
  sched_add_timer(&tc->timer);
}

FW_TASK(thermocouple_task);
void thermocouple_task() {
  if (!sched_check_wake(&g_thermocouple_wake)) return;
  uint8_t oid;
  Thermocouple* tc;
  FW_FOREACH_OID(oid, tc, Thermocouple, command_config_thermocouple) {
    if (!tc->pending) continue;
    irq_disable();
    uint32_t next_clock = tc->timer.waketime;
    tc->pending = 0;
    irq_enable();
    sample(tc, oid, next_clock);
  }
}

}  // namespace fw
