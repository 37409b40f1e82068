// PWM (sysfs "pwmchipN/pwmM"), ADC (IIO "analogN"), SPI (spidev) and I2C (i2c-dev) of the Linux
// process MCU.
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/spi/spidev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "boards/host/host_board.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

FW_CONSTANT("ADC_MAX", 4095);
FW_CONSTANT("PWM_MAX", 32768);
FW_ENUM_RANGE("pin", "analog0", 4096, 8);
FW_ENUM_RANGE("pin", "pwmchip0/pwm0", 65536, 16);
FW_ENUM_RANGE("pin", "pwmchip1/pwm0", 65552, 16);
FW_ENUM_RANGE("pin", "pwmchip2/pwm0", 65568, 16);
FW_ENUM_RANGE("pin", "pwmchip3/pwm0", 65584, 16);
FW_ENUM_RANGE("pin", "pwmchip4/pwm0", 65600, 16);
FW_ENUM_RANGE("pin", "pwmchip5/pwm0", 65616, 16);
FW_ENUM_RANGE("pin", "pwmchip6/pwm0", 65632, 16);
FW_ENUM_RANGE("pin", "pwmchip7/pwm0", 65648, 16);
FW_ENUM_RANGE("spi_bus", "spidev0.0", 0, 16);
FW_ENUM_RANGE("spi_bus", "spidev1.0", 256, 16);
FW_ENUM_RANGE("spi_bus", "spidev2.0", 512, 16);
FW_ENUM_RANGE("spi_bus", "spidev3.0", 768, 16);
FW_ENUM_RANGE("spi_bus", "spidev4.0", 1024, 16);
FW_ENUM_RANGE("spi_bus", "spidev5.0", 1280, 16);
FW_ENUM_RANGE("spi_bus", "spidev6.0", 1536, 16);
FW_ENUM_RANGE("spi_bus", "spidev7.0", 1792, 16);
FW_ENUM_RANGE("i2c_bus", "i2c.0", 0, 15);

namespace {

constexpr uint32_t kPwmMax = 32768;
constexpr uint32_t kPwmBase = 65536;
constexpr uint32_t kAdcBase = 4096;

bool write_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == static_cast<ssize_t>(strlen(text));
}

uint64_t ticks_to_ns(uint32_t ticks) {
  return static_cast<uint64_t>(ticks) * 1000000000u / host::clock_freq();
}

}  // namespace

// ---- PWM ----

GpioPwm gpio_pwm_setup(uint32_t pin, uint32_t cycle_ticks, uint32_t val) {
  if (pin < kPwmBase || pin >= kPwmBase + 8 * 16) fw_shutdown("Not a valid PWM pin");
  uint32_t chip = (pin - kPwmBase) / 16, channel = (pin - kPwmBase) % 16;
  char path[128], text[32];
  snprintf(path, sizeof(path), "/sys/class/pwm/pwmchip%u/export", chip);
  snprintf(text, sizeof(text), "%u", channel);
  write_file(path, text);  // fails harmlessly when already exported
  uint64_t period = ticks_to_ns(cycle_ticks);
  snprintf(path, sizeof(path), "/sys/class/pwm/pwmchip%u/pwm%u/period", chip, channel);
  snprintf(text, sizeof(text), "%llu", static_cast<unsigned long long>(period));
  if (!write_file(path, text)) fw_shutdown("Unable to config pwm device");
  snprintf(path, sizeof(path), "/sys/class/pwm/pwmchip%u/pwm%u/duty_cycle", chip, channel);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fw_shutdown("Unable to config pwm device");
  GpioPwm g = {fd, static_cast<uint32_t>(period)};
  gpio_pwm_write(g, val);
  snprintf(path, sizeof(path), "/sys/class/pwm/pwmchip%u/pwm%u/enable", chip, channel);
  if (!write_file(path, "1")) fw_shutdown("Unable to config pwm device");
  return g;
}

void gpio_pwm_write(GpioPwm g, uint32_t val) {
  if (val > kPwmMax) val = kPwmMax;
  char text[32];
  uint64_t duty = static_cast<uint64_t>(g.period_ns) * val / kPwmMax;
  int n = snprintf(text, sizeof(text), "%llu", static_cast<unsigned long long>(duty));
  pwrite(g.duty_fd, text, static_cast<size_t>(n), 0);
}

// ---- ADC ----

GpioAdc gpio_adc_setup(uint32_t pin) {
  if (pin < kAdcBase || pin >= kAdcBase + 8) fw_shutdown("Not a valid ADC pin");
  char path[96];
  snprintf(path, sizeof(path), "/sys/bus/iio/devices/iio:device0/in_voltage%u_raw", pin - kAdcBase);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fw_shutdown("Unable to open adc device");
  return GpioAdc{fd};
}

uint32_t gpio_adc_sample(GpioAdc) {
  return 0;
}

uint16_t gpio_adc_read(GpioAdc g) {
  char buf[16];
  ssize_t n = pread(g.fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) fw_try_shutdown("Error on analog read");
  buf[n > 0 ? n : 0] = 0;
  return static_cast<uint16_t>(atoi(buf));
}

void gpio_adc_cancel_sample(GpioAdc) {}

// ---- SPI ----

SpiConfig spi_setup(uint32_t bus, uint8_t mode, uint32_t rate) {
  char path[48];
  snprintf(path, sizeof(path), "/dev/spidev%u.%u", bus >> 8, bus & 0xff);
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) fw_shutdown("Unable to open spi device");
  uint8_t m = mode;
  if (ioctl(fd, SPI_IOC_WR_MODE, &m) < 0) fw_shutdown("Unable to set SPI mode");
  if (ioctl(fd, SPI_IOC_WR_MAX_SPEED_HZ, &rate) < 0) fw_shutdown("Unable to set SPI speed");
  return SpiConfig{fd, rate};
}

void spi_prepare(SpiConfig) {}

void spi_transfer(SpiConfig config, uint8_t receive, uint8_t len, uint8_t* data) {
  struct spi_ioc_transfer t;
  memset(&t, 0, sizeof(t));
  t.tx_buf = reinterpret_cast<uintptr_t>(data);
  t.rx_buf = receive ? reinterpret_cast<uintptr_t>(data) : 0;
  t.len = len;
  t.speed_hz = config.rate;
  t.bits_per_word = 8;
  if (ioctl(config.fd, SPI_IOC_MESSAGE(1), &t) < 0) fw_shutdown("Unable to issue spi ioctl");
}

// ---- I2C ----

I2cConfig i2c_setup(uint32_t bus, uint32_t, uint8_t addr) {
  char path[32];
  snprintf(path, sizeof(path), "/dev/i2c-%u", bus);
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) fw_shutdown("Unable to open i2c device");
  if (ioctl(fd, I2C_SLAVE, addr) < 0) fw_shutdown("Unable to open i2c device");
  return I2cConfig{fd};
}

int i2c_write(I2cConfig config, uint8_t write_len, uint8_t* data) {
  return write(config.fd, data, write_len) == write_len ? I2C_BUS_SUCCESS : I2C_BUS_NACK;
}

int i2c_read(I2cConfig config, uint8_t reg_len, uint8_t* reg, uint8_t read_len, uint8_t* read_buf) {
  if (reg_len && write(config.fd, reg, reg_len) != reg_len) return I2C_BUS_START_NACK;
  return read(config.fd, read_buf, read_len) == read_len ? I2C_BUS_SUCCESS
                                                         : I2C_BUS_START_READ_NACK;
}

}  // namespace fw
