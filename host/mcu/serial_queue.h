// Where encoded MCU messages go: per-command-queue FIFOs ordered by the clock they are needed
// at. The batch-mode implementation writes message blocks to a file; the live one (a thread per
// MCU with acks and retransmits) implements the same interface.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "mcu/msgblock.h"
#include "mcu/queued_message.h"

namespace kpp {

class SerialQueue : public MessageSink {
 public:
  static constexpr int kDefaultQueue = 0;
  // Queue one encoded message (id + parameters) on command queue `queue` (ids are handed out
  // by SerialReader::alloc_command_queue(); a queue comes into being with its first message).
  virtual void send(int queue, std::span<const uint8_t> msg, uint64_t min_clock,
                    uint64_t req_clock) = 0;
  // Like send(), then wait (pausing the calling fiber) until the MCU acknowledged it.
  virtual void send_wait_ack(int queue, std::span<const uint8_t> msg, uint64_t min_clock,
                             uint64_t req_clock) = 0;
  // Finish: everything queued goes out (file) or the link is closed (live).
  virtual void close() = 0;
  virtual bool is_fileoutput() const = 0;
  // Stats text for the log's Stats line ("bytes_write=... ...").
  virtual std::string stats() const = 0;
};

// Batch mode: every message is "sent" at once, in the order queued, packed into blocks and
// written to the output file (Klipper's -o file).
class FileSerialQueue : public SerialQueue {
 public:
  // Opens (truncates) `path`; throws std::runtime_error on failure.
  explicit FileSerialQueue(const std::string& path);
  ~FileSerialQueue() override;

  void send(int queue, std::span<const uint8_t> msg, uint64_t min_clock,
            uint64_t req_clock) override;
  void send_wait_ack(int queue, std::span<const uint8_t> msg, uint64_t min_clock,
                     uint64_t req_clock) override {
    send(queue, msg, min_clock, req_clock);
  }
  void send_batch(int queue_id, std::vector<QueuedMessage>& msgs) override;
  void close() override;
  bool is_fileoutput() const override { return true; }
  std::string stats() const override;

 private:
  void write_out(bool all);

  std::FILE* file_ = nullptr;
  mcu::BlockPacker packer_;
  uint64_t bytes_write_ = 0;
};

}  // namespace kpp
