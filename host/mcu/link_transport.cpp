// Stream transports: tty (termios), pty / character device, Unix socket, socket pair.
#include "mcu/link_transport.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace kpp {

namespace {

// How long a write may wait for room in a full output buffer before the rest is dropped.
constexpr int kWriteWaitMs = 20;

void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
}

[[noreturn]] void throw_open_error(const std::string& what, int err) {
  throw LinkOpenError(fmt::format("{}: [Errno {}] {}", what, err, std::strerror(err)),
                      err == ENOENT, err == EAGAIN || err == EBUSY || err == EWOULDBLOCK);
}

}  // namespace

// ---- FdTransport -------------------------------------------------------------------------------

FdTransport::FdTransport(int fd, std::string description, bool is_tty)
    : fd_(fd), description_(std::move(description)), is_tty_(is_tty) {
  set_nonblocking(fd_);
  struct stat st{};
  is_socket_ = fstat(fd_, &st) == 0 && S_ISSOCK(st.st_mode);
}

FdTransport::~FdTransport() { close(); }

bool FdTransport::read_available(std::vector<uint8_t>& out) {
  if (fd_ < 0) return false;
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n > 0) {
      out.insert(out.end(), buf, buf + n);
      if (static_cast<size_t>(n) < sizeof(buf)) return true;
      continue;
    }
    if (n == 0) return false;  // end of file: the other side went away
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

void FdTransport::write(const uint8_t* data, size_t len) {
  if (fd_ < 0) return;
  int waits = 0;
  while (len) {
    // A socket whose peer is gone must fail the write, not raise SIGPIPE.
    ssize_t n = is_socket_ ? ::send(fd_, data, len, MSG_NOSIGNAL) : ::write(fd_, data, len);
    if (n > 0) {
      data += n;
      len -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waits++ < 3) {
      pollfd p{fd_, POLLOUT, 0};
      poll(&p, 1, kWriteWaitMs);
      continue;
    }
    dropped_ += len;
    return;
  }
}

void FdTransport::discard_output() {
  if (fd_ >= 0 && is_tty_) tcflush(fd_, TCOFLUSH);
}

void FdTransport::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// ---- tty helpers -------------------------------------------------------------------------------

bool tty_set_modem_line(int fd, int line_bit, bool on) {
  int bits = line_bit;
  return ioctl(fd, on ? TIOCMBIS : TIOCMBIC, &bits) == 0;
}

void tty_clear_hupcl(int fd) {
  termios t{};
  if (tcgetattr(fd, &t) < 0) return;
  t.c_cflag &= ~static_cast<tcflag_t>(HUPCL);
  tcsetattr(fd, TCSANOW, &t);
}

// ---- openers -----------------------------------------------------------------------------------

std::unique_ptr<FdTransport> open_serial_port(const std::string& path, int baud, bool rts) {
  // A Unix socket (a simulator listening on a path) has no baud rate: connect to it as a pipe.
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return open_pipe(path);
  int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw_open_error(fmt::format("Could not open port {}", path), errno);
  // Exclusive use, like pyserial's exclusive=True (a second klippy gets "busy").
  if (ioctl(fd, TIOCEXCL) < 0 && errno != ENOTTY) {
    int err = errno;
    ::close(fd);
    throw_open_error(fmt::format("Could not exclusively lock port {}", path), err);
  }
  termios t{};
  if (tcgetattr(fd, &t) == 0) {
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | CRTSCTS);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &t) < 0 || !tty_set_baud(fd, baud)) {
      int err = errno;
      ::close(fd);
      throw_open_error(fmt::format("Could not configure port {} at {} baud", path, baud), err);
    }
    tty_set_modem_line(fd, TIOCM_DTR, true);
    tty_set_modem_line(fd, TIOCM_RTS, rts);
  }
  return std::make_unique<FdTransport>(fd, fmt::format("tty {}", path), true);
}

std::unique_ptr<FdTransport> open_pipe(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_open_error("socket", errno);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) {
      ::close(fd);
      throw LinkOpenError(fmt::format("Socket path too long: {}", path), false, false);
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
      int err = errno;
      ::close(fd);
      throw_open_error(fmt::format("Could not connect to {}", path), err);
    }
    return std::make_unique<FdTransport>(fd, fmt::format("socket {}", path));
  }
  int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw_open_error(fmt::format("Could not open {}", path), errno);
  bool tty = isatty(fd);
  if (tty) {
    // A pty slave: make sure it is raw (the peer normally did this already).
    termios t{};
    if (tcgetattr(fd, &t) == 0) {
      cfmakeraw(&t);
      tcsetattr(fd, TCSANOW, &t);
    }
  }
  return std::make_unique<FdTransport>(fd, fmt::format("{} {}", tty ? "pty" : "device", path),
                                       tty);
}

std::unique_ptr<FdTransport> adopt_fd(int fd, const std::string& description) {
  return std::make_unique<FdTransport>(fd, description);
}

}  // namespace kpp
