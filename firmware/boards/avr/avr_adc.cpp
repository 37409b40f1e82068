// AVR analog inputs: one conversion at a time, started by the first sampler that asks.
#include "boards/avr/avr_chip.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

FW_CONSTANT("ADC_MAX", 1023);

namespace {
constexpr uint8_t kNone = 0xff;
// 13 ADC clocks at F_CPU/128, with margin.
constexpr uint32_t kConversionTicks = 13 * 128 + 200;
volatile uint8_t g_adc_chan = kNone;  // channel converting or holding a result
}  // namespace

FW_INIT(adc_init);
void adc_init() {
  // Prescaler 128: 125 kHz ADC clock at 16 MHz.
  ADCSRA = (1 << ADEN) | (1 << ADPS2) | (1 << ADPS1) | (1 << ADPS0);
}

GpioAdc gpio_adc_setup(uint32_t pin) {
  for (uint8_t chan = 0; chan < avr::kAdcPinCount; chan++) {
    if (pgm_read(&avr::kAdcPins[chan]) != pin) continue;
    // Analog use only: no digital input buffer, no pull-up.
    gpio_in_setup(pin, 0);
    avr::adc_disable_digital(chan);
    return GpioAdc{chan};
  }
  fw_shutdown("Not a valid ADC pin");
}

uint32_t gpio_adc_sample(GpioAdc g) {
  uint8_t cur = g_adc_chan;
  if (ADCSRA & (1 << ADSC)) return cur == g.chan ? 100 : kConversionTicks;
  if (cur == g.chan) return 0;                // result ready
  if (cur != kNone) return kConversionTicks;  // another sampler's result waits to be read
  g_adc_chan = g.chan;
  ADMUX = static_cast<uint8_t>((1 << REFS0) | (g.chan & 0x07));
  avr::adc_select_high(g.chan);
  ADCSRA |= 1 << ADSC;
  return kConversionTicks;
}

uint16_t gpio_adc_read(GpioAdc) {
  g_adc_chan = kNone;
  return ADC;
}

void gpio_adc_cancel_sample(GpioAdc g) {
  irqstatus_t flag = irq_save();
  if (g_adc_chan == g.chan) {
    while (ADCSRA & (1 << ADSC)) {
    }
    g_adc_chan = kNone;
  }
  irq_restore(flag);
}

}  // namespace fw
