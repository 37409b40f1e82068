// Response dispatch and command helpers over a serial queue.
#include "mcu/serial_reader.h"

#include "core/logging.h"

namespace kpp {

bool McuResponse::has(std::string_view param) const {
  if (!msg.format) return false;
  return msg.format->param_index(param) >= 0;
}

SerialReader::SerialReader(Reactor& reactor, std::string warn_prefix)
    : reactor_(reactor), warn_prefix_(std::move(warn_prefix)) {}

SerialReader::~SerialReader() { disconnect(); }

void SerialReader::connect_file(const std::string& out_path, mcu::Dictionary dict) {
  connect_queue(std::make_unique<FileSerialQueue>(out_path), std::move(dict));
}

void SerialReader::connect_queue(std::unique_ptr<SerialQueue> queue, mcu::Dictionary dict) {
  dict_ = std::move(dict);
  queue_ = std::move(queue);
}

void SerialReader::disconnect() {
  if (queue_) queue_->close();
  queue_.reset();
}

SerialQueue& SerialReader::queue() {
  if (!queue_) throw McuError(warn_prefix_ + "not connected");
  return *queue_;
}

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
  std::optional<McuResponse> last;
  register_response([&last](const McuResponse& r) { last = r; }, name, oid);
  int retries = 5;
  double retry_delay = .010;
  for (;;) {
    queue().send_wait_ack(queue_id, cmd, min_clock, req_clock);
    if (last) {
      register_response({}, name, oid);
      return *last;
    }
    if (retries-- <= 0) {
      register_response({}, name, oid);
      throw McuError(fmt::format("Unable to obtain '{}' response", name));
    }
    reactor_.pause(reactor_.monotonic() + retry_delay);
    retry_delay *= 2.;
  }
}

McuResponse SerialReader::send_with_response(const std::string& text, const std::string& name) {
  auto bytes = dict_.encode_text(text);
  return send_with_response(bytes, name);
}

std::string SerialReader::stats() const { return queue_ ? queue_->stats() : std::string(); }

}  // namespace kpp
