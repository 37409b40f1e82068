// Comparison of two decoded MCU streams (parsedump text, one command per line): oids are
// matched through their configuration, each stepper's queue_step/set_next_step_dir commands are
// turned into absolute step times, and the rest is compared per oid in one of the ways listed by
// ../shared/golden/klipper/README.md (exact, per-oid order, multiset, tail race, motion only).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kpp::golden {

// One decoded command: "name key=value ...".
struct Line {
  std::string name;
  std::vector<std::pair<std::string, std::string>> args;
  size_t line_no = 0;  // 1-based, in its file

  const std::string* find(std::string_view key) const;
  std::string text() const;
};

struct Stream {
  std::vector<Line> lines;
};

// Parses decoded text. Throws std::runtime_error on a malformed line.
Stream parse_stream(std::string_view text);
// Reads a file (gzip or plain). Throws std::runtime_error if it cannot be read.
Stream load_stream(const std::string& path);

enum class Mode {
  kExact,         // the whole stream line by line (after oid mapping)
  kPerOidOrder,   // each oid's message sequence; interleaving between oids is free
  kMultiset,      // each oid's messages in any order
  kTailRace,      // as per-oid order, but one side may end early (per oid and per stepper)
  kMotion,        // only queue_step / set_next_step_dir per stepper
  kMotionPrefix,  // motion, one side may end early
};

// Accepts our names and the reproducibility classes of the golden README
// ("exact", "per-oid-order", "multiset", "tail-race", "timer-content(motion-exact)",
// "timer-content+tail-race(motion-prefix)", "motion", "motion-prefix").
std::optional<Mode> parse_mode(std::string_view name);
std::string_view mode_name(Mode m);

struct Options {
  Mode mode = Mode::kPerOidOrder;
  double clock_freq = 16e6;
  double tolerance_us = 50.0;  // 2 x 25 us
  size_t max_details = 20;     // differences listed besides the per-stepper table
};

// Result for one stepper (identified by the reference stream's oid).
struct StepperReport {
  int64_t oid = -1;       // reference oid
  int64_t cand_oid = -1;  // candidate oid
  std::string label;      // "step_pin=PF0 dir_pin=PF1"
  size_t ref_steps = 0, cand_steps = 0;
  size_t ref_dir_changes = 0, cand_dir_changes = 0;
  int64_t max_abs_dt = 0;  // ticks, over the compared steps
  // First step (0-based) whose time differs beyond tolerance or whose direction differs, or
  // the first missing step when only the counts differ.
  std::optional<size_t> first_divergence;
  std::string divergence;  // description of it
  bool ok = true;
};

struct Report {
  bool ok = true;
  std::string summary;               // one line
  std::vector<std::string> details;  // mismatch details (and notes)
  std::vector<StepperReport> steppers;
  std::map<int64_t, int64_t> oid_map;  // candidate oid -> reference oid
  size_t ref_lines = 0, cand_lines = 0;
};

Report compare_streams(const Stream& ref, const Stream& cand, const Options& opt);

}  // namespace kpp::golden
