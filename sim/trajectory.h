// The nozzle's path as the simulated motors made it, and how far it strayed from the path the
// host commanded: a recorder of samples, the commanded path as a list of trapezoid phases, and
// an observer that compares the two at every step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "motion/move.h"
#include "sim/printer_model.h"

namespace kpp::sim {

struct TrajectorySample {
  double time;  // print time (MCU clock / frequency)
  Vec3 nozzle;
  double e;  // position of the first extruder
};

// Keeps the nozzle position after steps: all of them, or at most one per `min_interval`
// seconds of print time (the last sample before a gap is kept too).
class TrajectoryRecorder : public MotionObserver {
 public:
  explicit TrajectoryRecorder(double min_interval = 0.) : min_interval_(min_interval) {}
  void on_step(const PrinterModel& model, size_t index, uint64_t clock) override;
  const std::vector<TrajectorySample>& samples() const { return samples_; }
  // "time,x,y,z,e" lines; returns false when the file cannot be written.
  bool write_csv(const std::string& path) const;

 private:
  double min_interval_;
  int extruder_ = -2;  // index of the first extruder, -1 for none, -2 not looked up yet
  std::vector<TrajectorySample> samples_;
};

// The commanded toolhead path: trapezoid phases in print-time order (gaps are standstill).
class CommandedPath {
 public:
  void add(const motion::PullMove& m);
  void add(const motion::Move& m);
  // Position at print time `t`, or false when `t` is before the first phase.
  bool position(double t, Vec3& out) const;
  size_t size() const { return moves_.size(); }
  double end_time() const { return moves_.empty() ? 0. : moves_.back().print_time + moves_.back().move_t; }
  const std::vector<motion::PullMove>& moves() const { return moves_; }

 private:
  std::vector<motion::PullMove> moves_;
  mutable size_t cursor_ = 0;
};

// Compares the nozzle after every step of a rail stepper with the commanded path at that step's
// time, from `start_time` on (before it, e.g. while homing, the host's coordinates are not yet
// the machine's), and outside excluded intervals (homing and probing moves: the host plans them
// in forced coordinates and the endstop stops them early, so their path is not the machine's).
//
// Deferred mode, for a path that is still being filled in while the printer runs (the host hands
// a move to the path only after its steps were generated, possibly after the MCU stepped them):
// steps are kept and compared at check_until(t), once the path is known up to t.
class PathChecker : public MotionObserver {
 public:
  explicit PathChecker(const CommandedPath& path, bool deferred = false)
      : path_(path), deferred_(deferred) {}
  void set_start_time(double t) { start_time_ = t; }
  // Steps from print time `t` on are not compared until end_exclusion(t2) ends the interval
  // (meanwhile check_until() stops at `t`). Nested calls extend the open interval.
  void begin_exclusion(double t);
  void end_exclusion(double t);
  bool excluding() const { return open_from_ >= 0.; }
  void on_step(const PrinterModel& model, size_t index, uint64_t clock) override;
  // Deferred mode: compare the kept steps up to print time `t`.
  void check_until(double t);
  double max_error() const { return max_error_; }
  Vec3 max_error_axes() const { return max_axes_; }
  double worst_time() const { return worst_time_; }
  uint64_t checked() const { return checked_; }
  uint64_t unchecked() const { return unchecked_; }
  uint64_t excluded() const { return excluded_; }

 private:
  void check(double t, const Vec3& got);
  bool is_excluded(double t) const;

  const CommandedPath& path_;
  bool deferred_;
  std::vector<std::pair<double, Vec3>> pending_;
  std::vector<std::pair<double, double>> exclusions_;  // closed [from, to) intervals
  double open_from_ = -1.;
  double start_time_ = 0.;
  double max_error_ = 0., worst_time_ = 0.;
  Vec3 max_axes_;
  uint64_t checked_ = 0, unchecked_ = 0, excluded_ = 0;
};

}  // namespace kpp::sim
