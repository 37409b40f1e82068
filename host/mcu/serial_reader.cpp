// Response dispatch, command helpers and live connections over a serial queue.
#include "mcu/serial_reader.h"

#include "core/logging.h"
#include "mcu/can_transport.h"
#include "mcu/identify.h"
#include "mcu/restart_methods.h"

namespace kpp {

bool McuResponse::has(std::string_view param) const {
  if (!msg.format) return false;
  return msg.format->param_index(param) >= 0;
}

SerialReader::SerialReader(Reactor& reactor, std::string warn_prefix, std::string mcu_name)
    : reactor_(reactor), warn_prefix_(std::move(warn_prefix)), mcu_name_(std::move(mcu_name)) {}

SerialReader::~SerialReader() { disconnect(); }

void SerialReader::fail(const std::string& msg) { throw McuError(warn_prefix_ + msg); }

void SerialReader::connect_file(const std::string& out_path, mcu::Dictionary dict) {
  connect_queue(std::make_unique<FileSerialQueue>(out_path), std::move(dict));
}

void SerialReader::connect_queue(std::unique_ptr<SerialQueue> queue, mcu::Dictionary dict) {
  dict_ = std::move(dict);
  queue_ = std::move(queue);
  live_ = nullptr;
}

void SerialReader::disconnect() {
  auto q = std::move(queue_);
  live_ = nullptr;
  if (q) q->close();
}

SerialQueue& SerialReader::queue() {
  if (!queue_) throw McuError(warn_prefix_ + "not connected");
  return *queue_;
}

// ---- live sessions -----------------------------------------------------------------------------

std::optional<std::vector<uint8_t>> SerialReader::get_identify_data() {
  mcu::IdentifyDownloader dl;
  try {
    for (;;) {
      auto req = dl.next_request(dict_);
      McuResponse r = send_with_response(req, "identify_response");
      if (dl.add_response(r.msg)) return dl.data();
    }
  } catch (const std::exception& e) {
    log::info("{}Wait for identify_response: {}", warn_prefix_, e.what());
    return std::nullopt;
  }
}

bool SerialReader::start_session(std::unique_ptr<LinkTransport> transport) {
  disconnect();
  dict_ = mcu::Dictionary();
  bool is_can = transport->kind() == LinkCore::WireKind::kCan;
  // Each session draws other faults (a retry must not hit the very same bytes again).
  std::optional<FaultSpec> faults = faults_;
  if (faults) faults->seed += 0x9e3779b97f4a7c15ULL * sessions_;
  sessions_++;
  auto q = std::make_unique<LiveSerialQueue>(reactor_, std::move(transport),
                                             LiveSerialQueue::default_mode(reactor_), mcu_name_,
                                             faults);
  live_ = q.get();
  live_->set_receive_handler([this](const LinkReceived& r) { handle_link_message(r); });
  if (faults) log::info("{}injecting link faults: {}", warn_prefix_, faults->describe());
  queue_ = std::move(q);
  live_->start();

  // The download runs in its own fiber so that a silent MCU only costs the timeout.
  struct Result {
    std::optional<std::vector<uint8_t>> data;
  };
  auto result = std::make_shared<Result>();
  auto done = std::make_shared<Completion<bool>>(reactor_);
  reactor_.register_callback([this, result, done](double) {
    result->data = get_identify_data();
    done->complete(true);
  });
  done->wait(reactor_.monotonic() + kIdentifyTimeout);
  if (!done->test() || !result->data) {
    log::info("{}Timeout on connect", warn_prefix_);
    disconnect();
    return false;
  }
  mcu::Dictionary dict;
  try {
    dict = mcu::Dictionary::from_compressed(*result->data);
  } catch (const std::exception& e) {
    disconnect();
    fail(e.what());
  }
  dict_ = std::move(dict);
  double wire_freq =
      dict_.constant_float(is_can ? "CANBUS_FREQUENCY" : "SERIAL_BAUD", 0.);
  if (wire_freq > 0.) live_->set_wire_frequency(wire_freq);
  int64_t window = dict_.constant_int("RECEIVE_WINDOW", 0);
  if (window > 0) live_->set_receive_window(static_cast<int>(window));
  return true;
}

void SerialReader::connect_uart(const std::string& port, int baud, bool rts) {
  log::info("{}Starting serial connect", warn_prefix_);
  double start = reactor_.monotonic();
  std::string error_description;
  for (;;) {
    if (reactor_.monotonic() > start + kConnectTimeout || !error_description.empty())
      fail("Unable to connect" +
           (error_description.empty() ? std::string() : ": " + error_description));
    std::unique_ptr<FdTransport> t;
    try {
      t = open_serial_port(port, baud, rts);
    } catch (const LinkOpenError& e) {
      if (e.missing())
        error_description = fmt::format(
            "The specified serial path for MCU '{}' does not exist. Ensure the MCU is correctly "
            "flashed and connected. Verify with \"ls /dev/serial/by-id/*\".",
            mcu_name_);
      else if (e.busy())
        error_description = fmt::format(
            "Serial port already in use: '{}'. Are you sure this serial port is not in use by "
            "another MCU or program?",
            port);
      log::warning("{}Unable to open serial port: {}", warn_prefix_, e.what());
      reactor_.pause(reactor_.monotonic() + 5.);
      continue;
    }
    stk500v2_leave(t->fd(), baud, reactor_);
    if (start_session(std::move(t))) return;
  }
}

void SerialReader::connect_pipe(const std::string& path) {
  log::info("{}Starting connect", warn_prefix_);
  double start = reactor_.monotonic();
  for (;;) {
    if (reactor_.monotonic() > start + kConnectTimeout) fail("Unable to connect");
    std::unique_ptr<FdTransport> t;
    try {
      t = open_pipe(path);
    } catch (const LinkOpenError& e) {
      log::warning("{}Unable to open port: {}", warn_prefix_, e.what());
      reactor_.pause(reactor_.monotonic() + 5.);
      continue;
    }
    if (start_session(std::move(t))) return;
  }
}

void SerialReader::connect_canbus(const std::string& uuid_text, int nodeid,
                                  const std::string& iface) {
  auto uuid = canbus::parse_uuid(uuid_text);
  if (!uuid) fail("Invalid CAN uuid");
  log::info("{}Starting CAN connect", warn_prefix_);
  double start = reactor_.monotonic();
  for (;;) {
    if (reactor_.monotonic() > start + kConnectTimeout) fail("Unable to connect");
    std::unique_ptr<CanTransport> t;
    try {
      t = open_canbus(iface, *uuid, nodeid);
    } catch (const LinkOpenError& e) {
      log::warning("{}Unable to open CAN port: {}", warn_prefix_, e.what());
      reactor_.pause(reactor_.monotonic() + 5.);
      continue;
    }
    if (!start_session(std::move(t))) continue;
    // The node id must belong to the uuid asked for (another board may have answered).
    try {
      McuResponse r = send_with_response("get_canbus_id", "canbus_id");
      const std::string& got = r.get_bytes("canbus_uuid");
      if (got.size() == uuid->size() && std::equal(got.begin(), got.end(), uuid->begin(),
                                                   [](char a, uint8_t b) {
                                                     return static_cast<uint8_t>(a) == b;
                                                   }))
        return;
    } catch (const std::exception& e) {
      log::info("{}Error in canbus_uuid check: {}", warn_prefix_, e.what());
    }
    log::info("{}Failed to match canbus_uuid - retrying..", warn_prefix_);
    disconnect();
  }
}

void SerialReader::set_clock_est(double freq, double conv_time, uint64_t conv_clock,
                                 uint64_t last_clock) {
  if (!live_) return;
  ClockEstimate ce;
  ce.est_freq = freq;
  ce.conv_time = conv_time;
  ce.conv_clock = conv_clock;
  ce.last_clock = last_clock;
  live_->set_clock_estimate(ce);
}

void SerialReader::handle_link_message(const LinkReceived& r) {
  std::vector<mcu::DecodedMessage> msgs;
  try {
    msgs = dict_.decode_payload(r.payload);
  } catch (const std::exception& e) {
    log::warning("{}Unable to decode a message: {}", warn_prefix_, e.what());
    return;
  }
  for (auto& m : msgs) {
    McuResponse resp;
    resp.msg = std::move(m);
    resp.sent_time = r.sent_time;
    resp.receive_time = r.receive_time;
    try {
      handle_response(resp);
    } catch (const std::exception& e) {
      log::error("{}Exception in serial callback: {}", warn_prefix_, e.what());
    }
  }
}

// ---- dispatch and commands ---------------------------------------------------------------------

void SerialReader::register_response(Handler handler, const std::string& name, int oid) {
  auto key = std::make_pair(name, oid);
  if (handler)
    handlers_[key] = std::move(handler);
  else
    handlers_.erase(key);
}

void SerialReader::handle_response(const McuResponse& response) {
  const std::string& name = response.name();
  int oid = -1;
  if (response.has("oid")) oid = static_cast<int>(response.get_int("oid"));
  auto it = handlers_.find({name, oid});
  if (it == handlers_.end() && oid >= 0) it = handlers_.find({name, -1});
  if (it != handlers_.end()) {
    Handler h = it->second;  // the handler may unregister itself
    h(response);
    return;
  }
  if (name == "#output") {
    log::info("{}{}", warn_prefix_, response.msg.text());
    return;
  }
  if (!response.msg.format) {
    log::warning("{}Unknown message type {}", warn_prefix_, response.msg.id);
    return;
  }
  log::debug("{}Unhandled message: {}", warn_prefix_, response.msg.text());
}

void SerialReader::send(const std::string& text, int queue_id) {
  auto bytes = dict_.encode_text(text);
  queue().send(queue_id, bytes, 0, 0);
}

McuResponse SerialReader::send_with_response(std::span<const uint8_t> cmd,
                                             const std::string& name, int oid, int queue_id,
                                             uint64_t min_clock, uint64_t req_clock) {
  if (queue().is_fileoutput())
    throw McuError(fmt::format("{}can not wait for '{}' in batch mode", warn_prefix_, name));
  auto last = std::make_shared<std::optional<McuResponse>>();
  register_response([last](const McuResponse& r) { *last = r; }, name, oid);
  // Unregister on every way out (an exception included).
  struct Unregister {
    SerialReader* self;
    const std::string& name;
    int oid;
    ~Unregister() { self->register_response({}, name, oid); }
  } unregister{this, name, oid};
  int retries = 5;
  double retry_delay = .010;
  for (;;) {
    queue().send_wait_ack(queue_id, cmd, min_clock, req_clock);
    if (*last) return **last;
    if (retries-- <= 0) throw McuError(fmt::format("Unable to obtain '{}' response", name));
    reactor_.pause(reactor_.monotonic() + retry_delay);
    retry_delay *= 2.;
  }
}

McuResponse SerialReader::send_with_response(const std::string& text, const std::string& name) {
  auto bytes = dict_.encode_text(text);
  return send_with_response(bytes, name);
}

std::string SerialReader::stats() const { return queue_ ? queue_->stats() : std::string(); }

std::string SerialReader::dump_debug() {
  if (!live_) return {};
  std::string out = fmt::format("Dumping serial stats: {}", live_->stats());
  auto describe = [this](const std::vector<uint8_t>& block) {
    std::string text;
    try {
      for (auto& m : dict_.decode_block(block)) {
        if (!text.empty()) text += ", ";
        text += m.text();
      }
    } catch (const std::exception&) {
      text = "(undecodable)";
    }
    return text;
  };
  auto sent = live_->recent_sent();
  out += fmt::format("\nDumping send queue {} messages", sent.size());
  for (size_t i = 0; i < sent.size(); i++)
    out += fmt::format("\nSent {} {:f} {:f} {}: {}", i, sent[i].time_b, sent[i].time_a,
                       sent[i].data.size(), describe(sent[i].data));
  auto recv = live_->recent_received();
  out += fmt::format("\nDumping receive queue {} messages", recv.size());
  for (size_t i = 0; i < recv.size(); i++)
    out += fmt::format("\nReceive: {} {:f} {:f} {}: {}", i, recv[i].time_a, recv[i].time_b,
                       recv[i].data.size(), describe(recv[i].data));
  return out;
}

}  // namespace kpp
