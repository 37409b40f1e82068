// Serial-line and USB-power resets of an MCU.
#include "mcu/restart_methods.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "core/logging.h"
#include "mcu/link_transport.h"

namespace kpp {

namespace {

void drain(int fd) {
  uint8_t buf[4096];
  while (::read(fd, buf, sizeof(buf)) > 0) {
  }
}

void pause_for(Reactor& reactor, double seconds) { reactor.pause(reactor.monotonic() + seconds); }

std::string read_sysfs(const std::string& path) {
  std::ifstream f(path);
  std::string s;
  std::getline(f, s);
  return s;
}

}  // namespace

void stk500v2_leave(int fd, int baud, Reactor& reactor) {
  log::debug("Starting stk500v2 leave programmer sequence");
  tty_clear_hupcl(fd);
  // A dummy rate first resets some USB serial adapters.
  tty_set_baud(fd, 2400);
  drain(fd);
  tty_set_baud(fd, 115200);
  pause_for(reactor, 0.100);
  drain(fd);
  static const uint8_t kLeave[] = {0x1b, 0x01, 0x00, 0x01, 0x0e, 0x11, 0x04};
  ssize_t r = ::write(fd, kLeave, sizeof(kLeave));
  (void)r;
  pause_for(reactor, 0.050);
  uint8_t buf[64];
  ssize_t n = ::read(fd, buf, sizeof(buf));
  log::debug("Got {} bytes from stk500v2", n > 0 ? n : 0);
  tty_set_baud(fd, baud);
}

void arduino_reset(const std::string& port, Reactor& reactor) {
  std::unique_ptr<FdTransport> t;
  try {
    t = open_serial_port(port, 2400);
  } catch (const std::exception& e) {
    log::warning("Unable to open {} for an arduino reset: {}", port, e.what());
    return;
  }
  int fd = t->fd();
  drain(fd);
  pause_for(reactor, 0.100);
  tty_set_modem_line(fd, TIOCM_DTR, true);
  pause_for(reactor, 0.100);
  tty_set_modem_line(fd, TIOCM_DTR, false);
  pause_for(reactor, 0.100);
}

void cheetah_reset(const std::string& port, Reactor& reactor) {
  std::unique_ptr<FdTransport> t;
  try {
    t = open_serial_port(port, 2400, true);
  } catch (const std::exception& e) {
    log::warning("Unable to open {} for a cheetah reset: {}", port, e.what());
    return;
  }
  int fd = t->fd();
  drain(fd);
  pause_for(reactor, 0.100);
  tty_set_modem_line(fd, TIOCM_DTR, true);
  pause_for(reactor, 0.100);
  tty_set_modem_line(fd, TIOCM_DTR, false);
  pause_for(reactor, 0.100);
  tty_set_modem_line(fd, TIOCM_RTS, false);
  pause_for(reactor, 0.100);
  tty_set_modem_line(fd, TIOCM_DTR, true);
  pause_for(reactor, 0.100);
  tty_set_modem_line(fd, TIOCM_DTR, false);
  pause_for(reactor, 0.100);
}

bool usb_hub_power(bool on) {
  // The first hub that is not a root hub (on a Raspberry Pi, the on-board hub whose port 2
  // feeds the USB sockets), found through sysfs and switched with a hub-class control request.
  const char* base = "/sys/bus/usb/devices";
  std::vector<std::string> hubs;
  if (DIR* d = opendir(base)) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.empty() || name[0] == '.' || name.starts_with("usb") ||
          name.find(':') != std::string::npos)
        continue;
      if (read_sysfs(fmt::format("{}/{}/bDeviceClass", base, name)) == "09") hubs.push_back(name);
    }
    closedir(d);
  }
  std::sort(hubs.begin(), hubs.end());
  if (hubs.empty()) {
    log::warning("rpi_usb restart: no USB hub found");
    return false;
  }
  std::string dev = hubs.front();
  int bus = std::atoi(read_sysfs(fmt::format("{}/{}/busnum", base, dev)).c_str());
  int num = std::atoi(read_sysfs(fmt::format("{}/{}/devnum", base, dev)).c_str());
  std::string node = fmt::format("/dev/bus/usb/{:03d}/{:03d}", bus, num);
  int fd = ::open(node.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    log::warning("rpi_usb restart: cannot open {}: {}", node, std::strerror(errno));
    return false;
  }
  constexpr uint8_t kRtPort = 0x23;  // class request to an "other" recipient: a hub port
  constexpr uint8_t kClearFeature = 1, kSetFeature = 3;
  constexpr uint16_t kPortPower = 8;
  usbdevfs_ctrltransfer ctrl{};
  ctrl.bRequestType = kRtPort;
  ctrl.bRequest = on ? kSetFeature : kClearFeature;
  ctrl.wValue = kPortPower;
  ctrl.wIndex = 2;
  ctrl.wLength = 0;
  ctrl.timeout = 1000;
  ctrl.data = nullptr;
  int r = ioctl(fd, USBDEVFS_CONTROL, &ctrl);
  int err = errno;
  ::close(fd);
  if (r < 0) {
    log::warning("rpi_usb restart: port power request to {} failed: {}", node,
                 std::strerror(err));
    return false;
  }
  return true;
}

}  // namespace kpp
