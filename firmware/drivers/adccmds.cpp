// Analog inputs: oversampled readings on a schedule, reported in batches, with the range check
// that shuts the MCU down when a thermistor reads impossible values (config_analog_in,
// query_analog_in; reports analog_in_state).
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

namespace {

constexpr uint8_t kBytesPerSample = 2;

struct AnalogIn {
  Timer timer;
  uint32_t rest_time, sample_time, next_begin_time;
  uint16_t value, min_value, max_value;
  GpioAdc pin;
  uint8_t invalid_count, range_check_count;
  uint8_t state, sample_count;
  uint8_t bytes_per_report, data_count;
  uint8_t data[48];
};

TaskWake g_analog_wake;

// One conversion; after sample_count of them the sum is range-checked and handed to the task.
uint_fast8_t analog_in_event(Timer* timer) {
  AnalogIn* a = reinterpret_cast<AnalogIn*>(timer);
  uint32_t sample_delay = gpio_adc_sample(a->pin);
  if (sample_delay) {
    a->timer.waketime += sample_delay;
    return SF_RESCHEDULE;
  }
  uint16_t value = gpio_adc_read(a->pin);
  uint8_t state = a->state;
  if (state >= a->sample_count)
    state = 0;
  else
    value = static_cast<uint16_t>(value + a->value);
  a->value = value;
  a->state = static_cast<uint8_t>(state + 1);
  if (a->state < a->sample_count) {
    a->timer.waketime += a->sample_time;
    return SF_RESCHEDULE;
  }
  if (fw_likely(a->value >= a->min_value && a->value <= a->max_value)) {
    a->invalid_count = 0;
  } else if (++a->invalid_count >= a->range_check_count) {
    fw_try_shutdown("ADC out of range");
    a->invalid_count = 0;
  }
  sched_wake_task(&g_analog_wake);
  a->next_begin_time += a->rest_time;
  a->timer.waketime = a->next_begin_time;
  return SF_RESCHEDULE;
}

}  // namespace

FW_COMMAND(command_config_analog_in, "config_analog_in oid=%c pin=%u");
void command_config_analog_in(uint32_t* args) {
  GpioAdc pin = gpio_adc_setup(args[1]);
  AnalogIn* a = oid_alloc_t<AnalogIn>(static_cast<uint8_t>(args[0]), command_config_analog_in);
  a->timer.func = analog_in_event;
  a->pin = pin;
  a->state = 1;
}

FW_COMMAND(command_query_analog_in,
           "query_analog_in oid=%c clock=%u sample_ticks=%u sample_count=%c rest_ticks=%u "
           "bytes_per_report=%c min_value=%hu max_value=%hu range_check_count=%c");
void command_query_analog_in(uint32_t* args) {
  AnalogIn* a = oid_lookup_t<AnalogIn>(static_cast<uint8_t>(args[0]), command_config_analog_in);
  sched_del_timer(&a->timer);
  gpio_adc_cancel_sample(a->pin);
  a->next_begin_time = args[1];
  a->timer.waketime = a->next_begin_time;
  a->sample_time = args[2];
  a->sample_count = static_cast<uint8_t>(args[3]);
  a->state = static_cast<uint8_t>(a->sample_count + 1);
  a->rest_time = args[4];
  a->bytes_per_report = static_cast<uint8_t>(args[5]);
  a->data_count = 0;
  a->min_value = static_cast<uint16_t>(args[6]);
  a->max_value = static_cast<uint16_t>(args[7]);
  a->range_check_count = static_cast<uint8_t>(args[8]);
  if (!a->sample_count) return;
  if (a->bytes_per_report > sizeof(a->data)) fw_shutdown("Invalid analog_in bytes_per_report");
  sched_add_timer(&a->timer);
}

FW_TASK(analog_in_task);
void analog_in_task() {
  if (!sched_check_wake(&g_analog_wake)) return;
  uint8_t oid;
  AnalogIn* a;
  FW_FOREACH_OID(oid, a, AnalogIn, command_config_analog_in) {
    if (a->state != a->sample_count) continue;
    irq_disable();
    if (a->state != a->sample_count) {
      irq_enable();
      continue;
    }
    uint16_t value = a->value;
    uint32_t next_begin_time = a->next_begin_time;
    a->state++;
    irq_enable();
    uint8_t* d = &a->data[a->data_count];
    d[0] = static_cast<uint8_t>(value);
    d[1] = static_cast<uint8_t>(value >> 8);
    a->data_count = static_cast<uint8_t>(a->data_count + kBytesPerSample);
    if (a->data_count + kBytesPerSample > a->bytes_per_report) {
      FW_RESPONSE(resp_analog_in_state, "analog_in_state oid=%c next_clock=%u values=%*s");
      fw_sendf(resp_analog_in_state, oid, next_begin_time, Bytes{a->data, a->data_count});
      a->data_count = 0;
    }
  }
}

// Keep sampling after a shutdown (the host still shows temperatures) but stop converting now.
FW_SHUTDOWN(analog_in_shutdown);
void analog_in_shutdown() {
  uint8_t i;
  AnalogIn* a;
  FW_FOREACH_OID(i, a, AnalogIn, command_config_analog_in) {
    gpio_adc_cancel_sample(a->pin);
    if (a->sample_count) {
      a->state = static_cast<uint8_t>(a->sample_count + 1);
      a->next_begin_time += a->rest_time;
      a->timer.waketime = a->next_begin_time;
      sched_add_timer(&a->timer);
    }
  }
}

}  // namespace fw
