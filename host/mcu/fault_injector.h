// A fault injector between the link and its transport: drops, corrupts or delays bytes in either
// direction at a given rate, from a seeded random generator, so that tests (and users chasing a
// flaky cable) can watch the retransmit logic recover.
//
// Spec text (klippy --link-faults, or the KPP_LINK_FAULTS environment variable):
//   drop=0.01,corrupt=0.01,delay=0.002,delay_time=0.050,seed=7,dir=both,mcu=toolboard
// drop/corrupt: probability per byte; delay: probability per chunk (a read or a write) that it is
// held back delay_time seconds (later chunks queue behind it); dir: tx (host to MCU), rx or both;
// mcu: only this MCU (default: all).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "mcu/link_transport.h"

namespace kpp {

struct FaultSpec {
  double drop = 0., corrupt = 0., delay = 0., delay_time = 0.050;
  uint64_t seed = 1;
  bool tx = true, rx = true;
  std::string mcu;  // empty: every MCU

  bool any() const { return drop > 0. || corrupt > 0. || delay > 0.; }
  bool applies_to(const std::string& mcu_name) const { return mcu.empty() || mcu == mcu_name; }
  // Throws std::invalid_argument naming the bad item.
  static FaultSpec parse(const std::string& text);
  std::string describe() const;
};

struct FaultCounters {
  uint64_t dropped = 0, corrupted = 0, delayed_chunks = 0;
};

// Wraps a transport. The link core writes through it; received bytes go through filter_rx().
// Held-back (delayed) chunks are released by pump(), whose time next_wake() reports.
class FaultInjector : public LinkTransport {
 public:
  FaultInjector(std::unique_ptr<LinkTransport> inner, FaultSpec spec);

  // ---- LinkTransport ----
  int fd() const override { return inner_->fd(); }
  bool read_available(std::vector<uint8_t>& out) override { return inner_->read_available(out); }
  void write(const uint8_t* data, size_t len) override;
  void discard_output() override { inner_->discard_output(); }
  LinkCore::WireKind kind() const override { return inner_->kind(); }
  void close() override { inner_->close(); }
  std::string describe() const override;

  // The clock the delays are measured on (set by the pump before each call).
  void set_time(double now) { now_ = now; }
  // Faults on received bytes: returns the bytes to hand to the link now (delayed ones come out of
  // pump_rx() later).
  std::vector<uint8_t> filter_rx(std::vector<uint8_t> data);
  // Release delayed chunks due at `now`: transmit ones are written, received ones returned.
  std::vector<uint8_t> pump(double now);
  double next_wake() const;
  const FaultCounters& counters() const { return counters_; }
  const FaultSpec& spec() const { return spec_; }

 private:
  struct Held {
    double release;
    std::vector<uint8_t> data;
  };
  // Apply drop/corrupt to `data`; returns the surviving bytes.
  std::vector<uint8_t> mangle(const uint8_t* data, size_t len);
  bool chance(double p);

  std::unique_ptr<LinkTransport> inner_;
  FaultSpec spec_;
  std::mt19937_64 rng_;
  double now_ = 0.;
  std::deque<Held> held_tx_, held_rx_;
  FaultCounters counters_;
};

// The fault spec for MCU `mcu_name` from `option` (klippy --link-faults) or, when that is empty,
// the KPP_LINK_FAULTS environment variable; nullopt when none applies.
std::optional<FaultSpec> fault_spec_for(const std::string& mcu_name, const std::string& option);

}  // namespace kpp
