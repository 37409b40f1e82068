// STM32 ADC, hardware PWM, SPI and I2C (master, polled).
#include "boards/stm32/stm32_chip.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

FW_CONSTANT("ADC_MAX", 4095);
FW_CONSTANT("PWM_MAX", 32768);

// ---- ADC ----

namespace {
constexpr uint8_t kNone = 0xff;
constexpr uint32_t kConversionTicks = KPP_CLOCK_FREQ / 50000;  // 20 us, longest sample time
volatile uint8_t g_adc_chan = kNone;
bool g_adc_ready;
}  // namespace

GpioAdc gpio_adc_setup(uint32_t pin) {
  int chan = stm32::adc_channel(pin);
  if (chan < 0) fw_shutdown("Not a valid ADC pin");
  if (!g_adc_ready) {
    stm32::adc_setup();
    g_adc_ready = true;
  }
  if (pin != 254) stm32::gpio_mode_analog(pin);
  return GpioAdc{static_cast<uint8_t>(chan)};
}

uint32_t gpio_adc_sample(GpioAdc g) {
  uint8_t cur = g_adc_chan;
  if (cur == g.chan) return stm32::adc_done() ? 0 : kConversionTicks / 4;
  if (cur != kNone) return kConversionTicks;
  g_adc_chan = g.chan;
  stm32::adc_start(g.chan);
  return kConversionTicks;
}

uint16_t gpio_adc_read(GpioAdc) {
  g_adc_chan = kNone;
  return stm32::adc_result();
}

void gpio_adc_cancel_sample(GpioAdc g) {
  irqstatus_t flag = irq_save();
  if (g_adc_chan == g.chan) {
    while (!stm32::adc_done()) {
    }
    stm32::adc_result();
    g_adc_chan = kNone;
  }
  irq_restore(flag);
}

// ---- hardware PWM: a 15-bit counter (PWM_MAX 32768) prescaled to the requested cycle ----

GpioPwm gpio_pwm_setup(uint32_t pin, uint32_t cycle_ticks, uint32_t val) {
  uint32_t count;
  const stm32::PwmPin* pins = stm32::pwm_pins(&count);
  for (uint32_t i = 0; i < count; i++) {
    if (pins[i].pin != pin) continue;
    uintptr_t base = stm32::pwm_timer(pins[i].timer);
    stm32::TimRegs* tim = reinterpret_cast<stm32::TimRegs*>(base);
    uint64_t timer_ticks =
        static_cast<uint64_t>(cycle_ticks) * stm32::pwm_timer_clock(pins[i].timer) / KPP_CLOCK_FREQ;
    uint32_t psc = static_cast<uint32_t>(timer_ticks / 32768);
    psc = psc ? psc - 1 : 0;
    if (psc > 0xffff) psc = 0xffff;
    irqstatus_t flag = irq_save();
    stm32::periph_enable(base);
    if (tim->CR1 & 1) {
      if (tim->PSC != psc) {
        irq_restore(flag);
        fw_shutdown("PWM already programmed at different speed");
      }
    } else {
      tim->PSC = psc;
      tim->ARR = 32767;
      tim->EGR = 1;
      tim->CR1 = 1 | (1 << 7);  // enable, buffered ARR
    }
    uint8_t ch = pins[i].channel;
    volatile uint32_t* ccmr = ch < 2 ? &tim->CCMR1 : &tim->CCMR2;
    uint32_t shift = (ch % 2) * 8;
    *ccmr = (*ccmr & ~(0xffu << shift)) | ((6u << 4 | 1u << 3) << shift);  // PWM mode 1, preload
    tim->CCER |= 1u << (ch * 4);
    if (stm32::pwm_timer_advanced(pins[i].timer)) tim->BDTR |= 1u << 15;  // MOE
    irq_restore(flag);
    GpioPwm g = {&tim->CCR[ch]};
    gpio_pwm_write(g, val);
    stm32::gpio_mode_af(pin, pins[i].af, false);
    return g;
  }
  fw_shutdown("Not a valid PWM pin");
}

void gpio_pwm_write(GpioPwm g, uint32_t val) { *g.ccr = val > 32768 ? 32768 : val; }

// ---- SPI ----

SpiConfig spi_setup(uint32_t bus, uint8_t mode, uint32_t rate) {
  const stm32::BusPins* b = stm32::spi_bus(bus);
  if (!b || mode > 3) fw_shutdown("Invalid spi config");
  stm32::periph_enable(b->periph);
  stm32::gpio_mode_af(b->pin0, b->af, false);
  stm32::gpio_mode_af(b->pin1, b->af, false);
  stm32::gpio_mode_af(b->pin2, b->af, false);
  uint32_t clock = stm32::periph_clock(b->periph), div = 0;
  while (div < 7 && (clock >> (div + 1)) > rate) div++;
  uint32_t cr1 = stm32::SPI_CR1_MSTR | stm32::SPI_CR1_SSM | stm32::SPI_CR1_SSI | (div << 3) | mode;
  return SpiConfig{b->periph, cr1};
}

void spi_prepare(SpiConfig config) {
  stm32::SpiRegs* spi = reinterpret_cast<stm32::SpiRegs*>(config.spi);
  if (spi->CR1 != (config.cr1 | stm32::SPI_CR1_SPE)) {
    spi->CR1 = config.cr1;
    spi->CR1 = config.cr1 | stm32::SPI_CR1_SPE;
  }
}

void spi_transfer(SpiConfig config, uint8_t receive, uint8_t len, uint8_t* data) {
  stm32::SpiRegs* spi = reinterpret_cast<stm32::SpiRegs*>(config.spi);
  while (len--) {
    *reinterpret_cast<volatile uint8_t*>(&spi->DR) = *data;
    while (!(spi->SR & stm32::SPI_SR_RXNE)) {
    }
    uint8_t in = static_cast<uint8_t>(spi->DR);
    if (receive) *data = in;
    data++;
  }
}

// ---- I2C ----

namespace {

bool i2c_wait(stm32::I2cRegs* i2c, uint32_t flag, uint32_t deadline) {
  while (!(i2c->SR1 & flag)) {
    if (i2c->SR1 & stm32::I2C_SR1_AF) return false;
    if (!timer_is_before(timer_read_time(), deadline)) return false;
  }
  return true;
}

int i2c_start(stm32::I2cRegs* i2c, uint8_t addr_rw, uint32_t deadline, int nack) {
  i2c->CR1 |= stm32::I2C_CR1_START;
  if (!i2c_wait(i2c, stm32::I2C_SR1_SB, deadline)) return I2C_BUS_TIMEOUT;
  i2c->DR = addr_rw;
  if (!i2c_wait(i2c, stm32::I2C_SR1_ADDR, deadline)) {
    i2c->SR1 &= ~stm32::I2C_SR1_AF;
    return nack;
  }
  (void)i2c->SR2;  // clears ADDR
  return I2C_BUS_SUCCESS;
}

int i2c_send(stm32::I2cRegs* i2c, uint8_t data, uint32_t deadline) {
  i2c->DR = data;
  if (!i2c_wait(i2c, stm32::I2C_SR1_TXE, deadline)) {
    i2c->SR1 &= ~stm32::I2C_SR1_AF;
    return I2C_BUS_NACK;
  }
  return I2C_BUS_SUCCESS;
}

void i2c_stop(stm32::I2cRegs* i2c, uint32_t deadline) {
  i2c_wait(i2c, stm32::I2C_SR1_BTF, deadline);
  i2c->CR1 |= stm32::I2C_CR1_STOP;
}

}  // namespace

I2cConfig i2c_setup(uint32_t bus, uint32_t rate, uint8_t addr) {
  const stm32::BusPins* b = stm32::i2c_bus(bus);
  if (!b) fw_shutdown("Unsupported i2c bus");
  stm32::I2cRegs* i2c = reinterpret_cast<stm32::I2cRegs*>(b->periph);
  if (!(i2c->CR1 & stm32::I2C_CR1_PE)) {
    stm32::periph_enable(b->periph);
    stm32::gpio_mode_af(b->pin0, b->af, true);
    stm32::gpio_mode_af(b->pin1, b->af, true);
    uint32_t pclk = stm32::periph_clock(b->periph);
    if (rate < 10000) rate = 10000;
    if (rate > 400000) rate = 400000;
    i2c->CR2 = pclk / 1000000;
    uint32_t ccr = pclk / (2 * rate);
    i2c->CCR = rate > 100000 ? ((1u << 15) | (pclk / (3 * rate))) : (ccr < 4 ? 4 : ccr);
    i2c->TRISE = pclk / 1000000 + 1;
    i2c->CR1 = stm32::I2C_CR1_PE;
  }
  return I2cConfig{b->periph, static_cast<uint8_t>(addr << 1)};
}

int i2c_write(I2cConfig config, uint8_t write_len, uint8_t* write) {
  stm32::I2cRegs* i2c = reinterpret_cast<stm32::I2cRegs*>(config.i2c);
  uint32_t deadline = timer_read_time() + timer_from_us(5000);
  int ret = i2c_start(i2c, config.addr, deadline, I2C_BUS_START_NACK);
  while (ret == I2C_BUS_SUCCESS && write_len--) ret = i2c_send(i2c, *write++, deadline);
  i2c_stop(i2c, deadline);
  return ret;
}

int i2c_read(I2cConfig config, uint8_t reg_len, uint8_t* reg, uint8_t read_len, uint8_t* read) {
  stm32::I2cRegs* i2c = reinterpret_cast<stm32::I2cRegs*>(config.i2c);
  uint32_t deadline = timer_read_time() + timer_from_us(5000);
  int ret = I2C_BUS_SUCCESS;
  if (reg_len) {
    ret = i2c_start(i2c, config.addr, deadline, I2C_BUS_START_NACK);
    while (ret == I2C_BUS_SUCCESS && reg_len--) ret = i2c_send(i2c, *reg++, deadline);
  }
  if (ret == I2C_BUS_SUCCESS) {
    i2c->CR1 |= stm32::I2C_CR1_ACK;
    ret = i2c_start(i2c, static_cast<uint8_t>(config.addr | 1), deadline, I2C_BUS_START_READ_NACK);
  }
  while (ret == I2C_BUS_SUCCESS && read_len) {
    if (read_len == 1) {
      i2c->CR1 &= ~stm32::I2C_CR1_ACK;
      i2c->CR1 |= stm32::I2C_CR1_STOP;
    }
    if (!i2c_wait(i2c, stm32::I2C_SR1_RXNE, deadline)) {
      ret = I2C_BUS_TIMEOUT;
      break;
    }
    *read++ = static_cast<uint8_t>(i2c->DR);
    read_len--;
  }
  if (ret != I2C_BUS_SUCCESS) i2c->CR1 |= stm32::I2C_CR1_STOP;
  return ret;
}

}  // namespace fw
