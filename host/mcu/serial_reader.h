// One MCU link as the host objects see it (Klipper's serialhdl.SerialReader): the MCU's data
// dictionary, the serial queue messages go through, and the dispatch of received messages to
// handlers registered by name and oid.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "core/reactor.h"
#include "mcu/dictionary.h"
#include "mcu/serial_queue.h"

namespace kpp {

// A message received from an MCU, with the host times the live link attaches to it.
struct McuResponse {
  mcu::DecodedMessage msg;
  double sent_time = 0.;     // when the host sent the block this answers
  double receive_time = 0.;  // when the host received it

  const std::string& name() const { return msg.name(); }
  int64_t get_int(std::string_view param) const { return msg.get_int(param); }
  const std::string& get_bytes(std::string_view param) const { return msg.get(param).s; }
  bool has(std::string_view param) const;
};

class McuError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SerialReader {
 public:
  using Handler = std::function<void(const McuResponse&)>;

  SerialReader(Reactor& reactor, std::string warn_prefix);
  ~SerialReader();

  // Batch mode: messages are written to `out_path`; `dict` is the MCU's dictionary.
  void connect_file(const std::string& out_path, mcu::Dictionary dict);
  // A live link (set up by the transport code): takes over `queue`.
  void connect_queue(std::unique_ptr<SerialQueue> queue, mcu::Dictionary dict);
  bool is_connected() const { return queue_ != nullptr; }
  void disconnect();

  Reactor& get_reactor() { return reactor_; }
  const mcu::Dictionary& dictionary() const { return dict_; }
  SerialQueue& queue();
  // Command queues exist before the link does (objects allocate them at config time).
  int alloc_command_queue() { return next_command_queue_++; }
  int default_command_queue() const { return SerialQueue::kDefaultQueue; }

  // Route messages called `name` (with parameter oid == `oid`, or any oid when oid < 0) to
  // `handler`; an empty handler removes the route.
  void register_response(Handler handler, const std::string& name, int oid = -1);
  // Deliver a received message (on the reactor thread).
  void handle_response(const McuResponse& response);

  // Encode a text command ("get_config", "config_stepper oid=2 ...") and queue it.
  void send(const std::string& text, int queue = SerialQueue::kDefaultQueue);
  // Send `cmd` and wait for the response `name` (oid-matched when oid >= 0); retried a few
  // times as Klipper's SerialRetryCommand does. Throws McuError when none arrives.
  McuResponse send_with_response(std::span<const uint8_t> cmd, const std::string& name,
                                 int oid = -1, int queue = SerialQueue::kDefaultQueue,
                                 uint64_t min_clock = 0, uint64_t req_clock = 0);
  McuResponse send_with_response(const std::string& text, const std::string& name);

  std::string stats() const;
  const std::string& warn_prefix() const { return warn_prefix_; }

 private:
  Reactor& reactor_;
  std::string warn_prefix_;
  mcu::Dictionary dict_;
  std::unique_ptr<SerialQueue> queue_;
  std::map<std::pair<std::string, int>, Handler> handlers_;
  int next_command_queue_ = SerialQueue::kDefaultQueue + 1;
};

}  // namespace kpp
