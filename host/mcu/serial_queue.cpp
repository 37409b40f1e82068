// Batch-mode serial queue: message blocks written to a file.
#include "mcu/serial_queue.h"

#include <stdexcept>

#include <fmt/format.h>

namespace kpp {

namespace {
constexpr size_t kWriteChunk = 64 * 1024;  // bound memory on long inputs
}

FileSerialQueue::FileSerialQueue(const std::string& path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) throw std::runtime_error(fmt::format("Unable to open output file {}", path));
}

FileSerialQueue::~FileSerialQueue() { close(); }

void FileSerialQueue::send(int, std::span<const uint8_t> msg, uint64_t, uint64_t) {
  packer_.add(msg);
  write_out(false);
}

void FileSerialQueue::send_batch(int, std::vector<QueuedMessage>& msgs) {
  for (auto& m : msgs) packer_.add(m);
  msgs.clear();
  write_out(false);
}

void FileSerialQueue::write_out(bool all) {
  if (!file_) return;
  if (all) packer_.flush();
  if (!all && packer_.output().size() < kWriteChunk) return;
  auto data = packer_.take();
  if (!data.empty()) std::fwrite(data.data(), 1, data.size(), file_);
  bytes_write_ += data.size();
}

void FileSerialQueue::close() {
  if (!file_) return;
  write_out(true);
  std::fclose(file_);
  file_ = nullptr;
}

std::string FileSerialQueue::stats() const {
  return fmt::format("bytes_write={} bytes_read=0 bytes_retransmit=0 bytes_invalid=0",
                     bytes_write_);
}

}  // namespace kpp
