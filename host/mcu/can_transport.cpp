// SocketCAN: frames of up to 8 bytes carrying the message-block byte stream, node id assignment.
#include "mcu/can_transport.h"

#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace kpp {

namespace canbus {

std::optional<Uuid> parse_uuid(const std::string& text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  Uuid u{};
  for (int i = 0; i < 6; i++) u[i] = static_cast<uint8_t>(v >> (40 - 8 * i));
  return u;
}

std::string format_uuid(const Uuid& uuid) {
  std::string s;
  for (uint8_t b : uuid) s += fmt::format("{:02x}", b);
  return s;
}

std::vector<uint8_t> set_nodeid_payload(const Uuid& uuid, int nodeid) {
  std::vector<uint8_t> p{kCmdSetKlipperNodeid};
  p.insert(p.end(), uuid.begin(), uuid.end());
  p.push_back(static_cast<uint8_t>(nodeid));
  return p;
}

std::optional<Uuid> parse_need_nodeid(const uint8_t* data, size_t len) {
  if (len < 7 || data[0] != kRespNeedNodeid) return std::nullopt;
  Uuid u{};
  std::memcpy(u.data(), data + 1, 6);
  return u;
}

}  // namespace canbus

namespace {
double monotonic() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
}  // namespace

CanTransport::CanTransport(int fd, uint32_t txid, std::string description)
    : fd_(fd), txid_(txid), description_(std::move(description)) {}

CanTransport::~CanTransport() { close(); }

bool CanTransport::read_available(std::vector<uint8_t>& out) {
  if (fd_ < 0) return false;
  for (;;) {
    can_frame cf{};
    ssize_t n = ::recv(fd_, &cf, sizeof(cf), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    if (n == 0) return false;
    if (static_cast<size_t>(n) < sizeof(cf)) continue;  // not a whole frame
    if ((cf.can_id & CAN_EFF_MASK) != txid_ + 1) continue;
    size_t dlc = std::min<size_t>(cf.can_dlc, CAN_MAX_DLEN);
    out.insert(out.end(), cf.data, cf.data + dlc);
  }
}

bool CanTransport::send_frame(uint32_t can_id, const uint8_t* data, size_t len) {
  can_frame cf{};
  cf.can_id = can_id;
  cf.can_dlc = static_cast<uint8_t>(std::min<size_t>(len, CAN_MAX_DLEN));
  std::memcpy(cf.data, data, cf.can_dlc);
  for (;;) {
    ssize_t n = ::send(fd_, &cf, sizeof(cf), MSG_DONTWAIT);
    if (n == static_cast<ssize_t>(sizeof(cf))) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

void CanTransport::write(const uint8_t* data, size_t len) {
  if (fd_ < 0) return;
  while (len) {
    size_t size = std::min<size_t>(len, CAN_MAX_DLEN);
    if (!send_frame(txid_, data, size)) {
      // The bus may be busy or unplugged; the link's retransmits resend the blocks.
      if (first_write_fail_ == 0.) first_write_fail_ = monotonic();
      return;
    }
    first_write_fail_ = 0.;
    data += size;
    len -= size;
  }
}

void CanTransport::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::unique_ptr<CanTransport> open_canbus(const std::string& iface, const canbus::Uuid& uuid,
                                          int nodeid) {
  int fd = ::socket(PF_CAN, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, CAN_RAW);
  if (fd < 0)
    throw LinkOpenError(
        fmt::format("Unable to open CAN socket: [Errno {}] {}", errno, std::strerror(errno)),
        false, false);
  ifreq ifr{};
  if (iface.size() >= IFNAMSIZ) {
    ::close(fd);
    throw LinkOpenError(fmt::format("Invalid CAN interface name '{}'", iface), false, false);
  }
  std::strncpy(ifr.ifr_name, iface.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
    int err = errno;
    ::close(fd);
    throw LinkOpenError(fmt::format("Unable to open CAN port {}: [Errno {}] {}", iface, err,
                                    std::strerror(err)),
                        err == ENODEV, false);
  }
  uint32_t txid = canbus::tx_id(nodeid);
  can_filter filter{txid + 1, CAN_SFF_MASK | CAN_EFF_FLAG | CAN_RTR_FLAG};
  setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FILTER, &filter, sizeof(filter));
  sockaddr_can addr{};
  addr.can_family = AF_CAN;
  addr.can_ifindex = ifr.ifr_ifindex;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    int err = errno;
    ::close(fd);
    throw LinkOpenError(fmt::format("Unable to bind CAN port {}: [Errno {}] {}", iface, err,
                                    std::strerror(err)),
                        false, false);
  }
  auto t = std::make_unique<CanTransport>(
      fd, txid, fmt::format("canbus {} uuid={} nodeid={}", iface, canbus::format_uuid(uuid),
                            nodeid));
  auto payload = canbus::set_nodeid_payload(uuid, nodeid);
  if (!t->send_frame(canbus::kAdminId, payload.data(), payload.size()))
    throw LinkOpenError(fmt::format("Unable to send on CAN port {}: [Errno {}] {}", iface, errno,
                                    std::strerror(errno)),
                        false, false);
  return t;
}

}  // namespace kpp
