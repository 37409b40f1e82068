// One MCU link as the host objects see it (Klipper's serialhdl.SerialReader): the MCU's data
// dictionary, the serial queue messages go through, and the dispatch of received messages to
// handlers registered by name and oid. A live link is opened here (tty, pty, socket, CAN), its
// dictionary downloaded with identify, and its received blocks decoded on the reactor thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/errors.h"
#include "core/reactor.h"
#include "mcu/dictionary.h"
#include "mcu/fault_injector.h"
#include "mcu/live_serial_queue.h"
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

class SerialReader {
 public:
  using Handler = std::function<void(const McuResponse&)>;
  // How long connect_*() keeps retrying before "Unable to connect".
  static constexpr double kConnectTimeout = 90.;
  // How long the dictionary download of one attempt may take.
  static constexpr double kIdentifyTimeout = 5.;

  SerialReader(Reactor& reactor, std::string warn_prefix, std::string mcu_name = {});
  ~SerialReader();

  // Batch mode: messages are written to `out_path`; `dict` is the MCU's dictionary.
  void connect_file(const std::string& out_path, mcu::Dictionary dict);
  // Any queue with a known dictionary (tests).
  void connect_queue(std::unique_ptr<SerialQueue> queue, mcu::Dictionary dict);

  // ---- live links: open, retrying every 5 s for up to 90 s, then download the dictionary ----
  void connect_uart(const std::string& port, int baud, bool rts = true);
  void connect_pipe(const std::string& path);
  void connect_canbus(const std::string& uuid, int nodeid, const std::string& iface = "can0");
  // A transport opened by the caller (socket pair in tests). False when the MCU did not answer
  // identify in time (the link is closed again).
  bool start_session(std::unique_ptr<LinkTransport> transport);
  // Faults to inject into the next session's link (fault_injector.h).
  void set_fault_spec(std::optional<FaultSpec> spec) { faults_ = std::move(spec); }

  bool is_connected() const { return queue_ != nullptr; }
  void disconnect();

  Reactor& get_reactor() { return reactor_; }
  const mcu::Dictionary& dictionary() const { return dict_; }
  SerialQueue& queue();
  // The live queue, or nullptr in batch mode / when not connected.
  LiveSerialQueue* live_queue() { return live_; }
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

  // Clock estimate for the link's scheduling (from clock sync).
  void set_clock_est(double freq, double conv_time, uint64_t conv_clock, uint64_t last_clock);

  std::string stats() const;
  // Link statistics and the last blocks sent and received, decoded (logged at a shutdown).
  std::string dump_debug();
  const std::string& warn_prefix() const { return warn_prefix_; }

 private:
  [[noreturn]] void fail(const std::string& msg);
  std::optional<std::vector<uint8_t>> get_identify_data();
  void handle_link_message(const LinkReceived& r);

  Reactor& reactor_;
  std::string warn_prefix_;
  std::string mcu_name_;
  mcu::Dictionary dict_;
  std::unique_ptr<SerialQueue> queue_;
  LiveSerialQueue* live_ = nullptr;
  std::optional<FaultSpec> faults_;
  uint64_t sessions_ = 0;  // sessions started (varies the fault seed)
  std::map<std::pair<std::string, int>, Handler> handlers_;
  int next_command_queue_ = SerialQueue::kDefaultQueue + 1;
};

}  // namespace kpp
