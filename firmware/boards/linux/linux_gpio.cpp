// GPIO lines of the Linux process MCU through the gpiochip character device (pins
// "gpiochipN/gpioM", numbered N*288+M; "gpioM" is chip 0).
#include <fcntl.h>
#include <linux/gpio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/board.h"
#include "core/sched.h"

namespace fw {

FW_ENUM_RANGE("pin", "gpio0", 0, 288);
FW_ENUM_RANGE("pin", "gpiochip0/gpio0", 0, 288);
FW_ENUM_RANGE("pin", "gpiochip1/gpio0", 288, 288);
FW_ENUM_RANGE("pin", "gpiochip2/gpio0", 576, 288);
FW_ENUM_RANGE("pin", "gpiochip3/gpio0", 864, 288);
FW_ENUM_RANGE("pin", "gpiochip4/gpio0", 1152, 288);
FW_ENUM_RANGE("pin", "gpiochip5/gpio0", 1440, 288);
FW_ENUM_RANGE("pin", "gpiochip6/gpio0", 1728, 288);
FW_ENUM_RANGE("pin", "gpiochip7/gpio0", 2016, 288);
FW_ENUM_RANGE("pin", "gpiochip8/gpio0", 2304, 288);

namespace {

constexpr uint32_t kLinesPerChip = 288;
constexpr uint32_t kChips = 9;
constexpr int kMaxLines = 128;

struct Line {
  int fd;  // line handle, -1 when free
  uint32_t pin;
  uint8_t value;
  uint8_t is_output;
  int8_t pull;
};
Line g_lines[kMaxLines];
int g_line_count;
int g_chip_fd[kChips] = {-1, -1, -1, -1, -1, -1, -1, -1, -1};

int chip_fd(uint32_t chip) {
  if (chip >= kChips) fw_shutdown("GPIO chip device not found");
  if (g_chip_fd[chip] < 0) {
    char path[64];
    snprintf(path, sizeof(path), "/dev/gpiochip%u", chip);
    g_chip_fd[chip] = open(path, O_RDWR | O_CLOEXEC);
    if (g_chip_fd[chip] < 0) fw_shutdown("Unable to open GPIO chip device");
  }
  return g_chip_fd[chip];
}

// The table entry of a pin (one entry per pin however often it is configured).
uint16_t line_for(uint32_t pin) {
  for (int i = 0; i < g_line_count; i++)
    if (g_lines[i].pin == pin) return static_cast<uint16_t>(i);
  if (g_line_count >= kMaxLines) fw_shutdown("Too many gpio lines");
  Line& l = g_lines[g_line_count];
  l.fd = -1;
  l.pin = pin;
  return static_cast<uint16_t>(g_line_count++);
}

void request(Line& l, bool output, uint8_t value, int8_t pull) {
  if (l.fd >= 0) close(l.fd);
  l.fd = -1;
  struct gpiohandle_request req;
  memset(&req, 0, sizeof(req));
  req.lineoffsets[0] = l.pin % kLinesPerChip;
  req.lines = 1;
  req.flags = output ? GPIOHANDLE_REQUEST_OUTPUT : GPIOHANDLE_REQUEST_INPUT;
  if (!output && pull > 0) req.flags |= GPIOHANDLE_REQUEST_BIAS_PULL_UP;
  if (!output && pull < 0) req.flags |= GPIOHANDLE_REQUEST_BIAS_PULL_DOWN;
  req.default_values[0] = value;
  snprintf(req.consumer_label, sizeof(req.consumer_label), "klipper");
  if (ioctl(chip_fd(l.pin / kLinesPerChip), GPIO_GET_LINEHANDLE_IOCTL, &req) < 0) {
    if (output) fw_shutdown("Unable to open out GPIO chip line");
    fw_shutdown("Unable to open in GPIO chip line");
  }
  l.fd = req.fd;
  l.value = value;
  l.is_output = output;
  l.pull = pull;
}

}  // namespace

GpioOut gpio_out_setup(uint32_t pin, uint8_t val) {
  GpioOut g = {line_for(pin)};
  gpio_out_reset(g, val);
  return g;
}

void gpio_out_reset(GpioOut g, uint8_t val) {
  Line& l = g_lines[g.line];
  if (l.fd >= 0 && l.is_output)
    gpio_out_write(g, val);
  else
    request(l, true, val ? 1 : 0, 0);
}

void gpio_out_write(GpioOut g, uint8_t val) {
  Line& l = g_lines[g.line];
  struct gpiohandle_data data;
  memset(&data, 0, sizeof(data));
  data.values[0] = val ? 1 : 0;
  ioctl(l.fd, GPIOHANDLE_SET_LINE_VALUES_IOCTL, &data);
  l.value = data.values[0];
}

void gpio_out_toggle(GpioOut g) {
  gpio_out_write(g, g_lines[g.line].value ^ 1);
}

GpioIn gpio_in_setup(uint32_t pin, int8_t pull_up) {
  GpioIn g = {line_for(pin)};
  gpio_in_reset(g, pull_up);
  return g;
}

void gpio_in_reset(GpioIn g, int8_t pull_up) {
  Line& l = g_lines[g.line];
  if (l.fd >= 0 && !l.is_output && l.pull == pull_up) return;
  request(l, false, 0, pull_up);
}

uint8_t gpio_in_read(GpioIn g) {
  struct gpiohandle_data data;
  memset(&data, 0, sizeof(data));
  ioctl(g_lines[g.line].fd, GPIOHANDLE_GET_LINE_VALUES_IOCTL, &data);
  return data.values[0] ? 1 : 0;
}

}  // namespace fw
