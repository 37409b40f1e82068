// SocketCAN transport (Klipper's CANBUS_protocol.md): the MCU with node id N receives data frames
// on CAN id N*2+256 and answers on N*2+257; the byte stream of message blocks is cut into frames
// of up to 8 bytes. Node ids are handed out by the admin message CMD_SET_KLIPPER_NODEID sent to
// id 0x3f0 with the MCU's 6-byte canbus_uuid.
//
// The frame logic works on any descriptor that reads and writes one `struct can_frame` per call,
// so it is tested over a SOCK_SEQPACKET socket pair where no CAN hardware (or vcan) exists.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mcu/link_transport.h"

namespace kpp {

namespace canbus {
constexpr uint32_t kAdminId = 0x3f0;       // host -> all MCUs
constexpr uint32_t kAdminRespId = 0x3f1;   // MCU -> host
constexpr uint8_t kCmdQueryUnassigned = 0x00;
constexpr uint8_t kCmdSetKlipperNodeid = 0x01;
constexpr uint8_t kRespNeedNodeid = 0x20;
constexpr int kNodeidFirst = 4;

using Uuid = std::array<uint8_t, 6>;

// "11aa22bb33cc" -> bytes; nullopt when not 12 hex digits (at most 0xffffffffffff).
std::optional<Uuid> parse_uuid(const std::string& text);
std::string format_uuid(const Uuid& uuid);
// CAN id the host sends data to for node `nodeid` (the MCU answers on this + 1).
inline uint32_t tx_id(int nodeid) { return static_cast<uint32_t>(nodeid) * 2 + 256; }
// Payload of CMD_SET_KLIPPER_NODEID.
std::vector<uint8_t> set_nodeid_payload(const Uuid& uuid, int nodeid);
// The uuid in a RESP_NEED_NODEID payload, if it is one.
std::optional<Uuid> parse_need_nodeid(const uint8_t* data, size_t len);
}  // namespace canbus

class CanTransport : public LinkTransport {
 public:
  // `fd` reads and writes struct can_frame; takes ownership. Data goes out on `txid`, and only
  // frames with id txid+1 are read.
  CanTransport(int fd, uint32_t txid, std::string description);
  ~CanTransport() override;

  int fd() const override { return fd_; }
  bool read_available(std::vector<uint8_t>& out) override;
  void write(const uint8_t* data, size_t len) override;
  LinkCore::WireKind kind() const override { return LinkCore::WireKind::kCan; }
  void close() override;
  std::string describe() const override { return description_; }
  // Send one raw frame (admin messages).
  bool send_frame(uint32_t can_id, const uint8_t* data, size_t len);
  // Host time of the first of a run of failed writes (0: the last write worked).
  double first_write_failure() const { return first_write_fail_; }

 private:
  int fd_;
  uint32_t txid_;
  std::string description_;
  double first_write_fail_ = 0.;
};

// Open a raw CAN socket on `iface` that receives only id txid+1, and send it the admin frame that
// assigns `nodeid` to the MCU with `uuid`. Throws LinkOpenError (e.g. no such interface, or
// SocketCAN missing from the kernel).
std::unique_ptr<CanTransport> open_canbus(const std::string& iface, const canbus::Uuid& uuid,
                                          int nodeid);

}  // namespace kpp
