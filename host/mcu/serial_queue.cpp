// Batch-mode serial queue: message blocks written to a file.
#include "mcu/serial_queue.h"

#include "mcu/batch_host_idle.h"

#include <stdexcept>

#include <fmt/format.h>

namespace kpp {

namespace {
constexpr size_t kWriteChunk = 64 * 1024;  // bound memory on long inputs
// batch_host_idle() reaches the file queue through send_batch() on this queue id (command
// queue ids are >= 0), which keeps serial_queue.h, included nearly everywhere, unchanged.
// TODO: make it a SerialQueue virtual the next time that header changes anyway.
constexpr int kHostIdleQueue = -1;
}  // namespace

void batch_host_idle(SerialQueue& queue) {
  if (!queue.is_fileoutput()) return;
  std::vector<QueuedMessage> none;
  queue.send_batch(kHostIdleQueue, none);
}

FileSerialQueue::FileSerialQueue(const std::string& path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) throw std::runtime_error(fmt::format("Unable to open output file {}", path));
}

FileSerialQueue::~FileSerialQueue() { close(); }

void FileSerialQueue::send(int queue, std::span<const uint8_t> msg, uint64_t,
                           uint64_t req_clock) {
  order_.send(queue, msg, req_clock);
  write_out(false);
}

void FileSerialQueue::send_batch(int queue, std::vector<QueuedMessage>& msgs) {
  if (queue == kHostIdleQueue) {
    order_.drain();  // batch_host_idle()
    return;
  }
  order_.send_batch(queue, msgs);
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
  // Background messages still held are dropped: Klipper stops its writer thread at the exit
  // without draining it, and its batch streams end without them.
  write_out(true);
  std::fclose(file_);
  file_ = nullptr;
}

std::string FileSerialQueue::stats() const {
  return fmt::format("bytes_write={} bytes_read=0 bytes_retransmit=0 bytes_invalid=0",
                     bytes_write_);
}

}  // namespace kpp
