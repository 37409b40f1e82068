// Test harness: the simulated MCU in-process on virtual time, driven over a socket pair by a
// small host-side codec that learns the message formats from the MCU's own identify data.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "boards/sim/sim_mcu.h"

namespace fwtest {

// One decoded response: its name and parameters (buffers as byte strings).
struct Msg {
  std::string name;
  std::map<std::string, int64_t> ints;
  std::map<std::string, std::string> bufs;
  uint64_t clock = 0;  // virtual time at which it was read
  int64_t operator[](const std::string& k) const { return ints.at(k); }
};

class SimLink {
 public:
  // Boots the MCU at `start_clock` and fetches its data dictionary.
  explicit SimLink(uint64_t start_clock = 0);
  ~SimLink();

  // Encode "name a=1 b=PA5" (enumerations by name) into the next block(s) and send them.
  void send(const std::vector<std::string>& lines);
  void send(const char* line) { send(std::vector<std::string>{line}); }
  // Send raw bytes on the link.
  void send_raw(const std::vector<uint8_t>& bytes);
  // Let the MCU run until `clock`; returns the responses it sent (acks are counted, not kept).
  std::vector<Msg> run_until(uint64_t clock);
  // Run `ticks` more.
  std::vector<Msg> run_for(uint64_t ticks) { return run_until(now() + ticks); }
  // Send, run a moment, and return the first response of that name (throws if none).
  Msg query(const std::string& line, const std::string& resp);

  uint64_t now() const { return fw::sim::now(); }
  const std::map<std::string, int64_t>& constants() const { return iconst_; }
  const std::string& static_string(int id) const { return static_strings_.at(id); }
  int acks() const { return acks_; }
  int naks() const { return naks_; }
  uint8_t next_seq() const { return seq_; }
  std::vector<uint8_t> frame(uint8_t seq, const std::vector<uint8_t>& payload) const;
  std::vector<uint8_t> encode(const std::string& line) const;
  int64_t enum_value(const std::string& enum_name, const std::string& key) const;
  std::string dictionary_json;

 private:
  struct Format {
    int id;
    std::string name;
    std::vector<std::pair<std::string, std::string>> params;
  };
  void load_dictionary(const std::string& json);
  std::vector<Msg> read_all();
  void parse_block(const uint8_t* p, size_t len, std::vector<Msg>* out);

  int host_fd_ = -1, mcu_fd_ = -1;
  uint8_t seq_ = 0;
  uint8_t last_ack_seq_ = 0;
  int acks_ = 0, naks_ = 0;
  std::vector<uint8_t> rx_;
  std::map<std::string, Format> commands_;
  std::map<int, Format> responses_;
  std::map<std::string, std::map<std::string, int64_t>> enums_;
  std::map<int, std::string> static_strings_;
  std::map<std::string, int64_t> iconst_;
};

}  // namespace fwtest
