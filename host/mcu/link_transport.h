// The byte pipes an MCU link runs over: a serial tty at a baud rate, a pty or character device,
// a Unix socket, one end of a socket pair (in-process tests), and SocketCAN (can_transport.h).
// A transport reads without blocking and writes what it can; the link's retransmits cover
// anything lost.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mcu/link_core.h"

namespace kpp {

class LinkTransport : public LinkWriter {
 public:
  ~LinkTransport() override = default;
  // The descriptor to wait on for input.
  virtual int fd() const = 0;
  // Append what has arrived (without blocking) to `out`. Returns false when the link is gone
  // (end of file or an error other than "no data now").
  virtual bool read_available(std::vector<uint8_t>& out) = 0;
  virtual LinkCore::WireKind kind() const { return LinkCore::WireKind::kStream; }
  virtual void close() = 0;
  // "tty /dev/ttyACM0", "socket /tmp/x", ... for log messages.
  virtual std::string describe() const = 0;
};

// A transport over a stream file descriptor (tty, pty, socket). Takes ownership of `fd`.
class FdTransport : public LinkTransport {
 public:
  FdTransport(int fd, std::string description, bool is_tty = false);
  ~FdTransport() override;

  int fd() const override { return fd_; }
  bool read_available(std::vector<uint8_t>& out) override;
  void write(const uint8_t* data, size_t len) override;
  void discard_output() override;
  void close() override;
  std::string describe() const override { return description_; }
  bool is_tty() const { return is_tty_; }
  // Bytes a full output buffer made us drop (the peer was not reading).
  uint64_t dropped_bytes() const { return dropped_; }

 private:
  int fd_;
  std::string description_;
  bool is_tty_;
  bool is_socket_ = false;
  uint64_t dropped_ = 0;
};

// Raised when a port cannot be opened; `missing` tells "no such file" apart.
class LinkOpenError : public std::runtime_error {
 public:
  LinkOpenError(const std::string& what, bool missing, bool busy)
      : std::runtime_error(what), missing_(missing), busy_(busy) {}
  bool missing() const { return missing_; }
  bool busy() const { return busy_; }

 private:
  bool missing_, busy_;
};

// A serial port in raw 8N1 mode at `baud`, opened exclusively, DTR asserted and RTS as given.
std::unique_ptr<FdTransport> open_serial_port(const std::string& path, int baud, bool rts = true);
// A pty, character device or Unix socket path (Klipper's connect_pipe, plus sockets).
std::unique_ptr<FdTransport> open_pipe(const std::string& path);
// Wrap one end of a socket pair (or any connected stream descriptor); takes ownership.
std::unique_ptr<FdTransport> adopt_fd(int fd, const std::string& description = "fd");

// Serial line controls used by the restart methods and the stk500v2 "leave programmer" step.
bool tty_set_baud(int fd, int baud);
bool tty_set_modem_line(int fd, int line_bit, bool on);  // TIOCM_DTR / TIOCM_RTS
void tty_clear_hupcl(int fd);

}  // namespace kpp
