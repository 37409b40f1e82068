// Shared parts of z_tilt and quad_gantry_level (Klipper's ZAdjustHelper, RetryHelper and
// ZAdjustStatus in extras/z_tilt.py): moving each Z stepper by its own amount, the
// retries/retry_tolerance loop, and the "applied" status.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/gcode.h"
#include "core/printer.h"
#include "modules/probe_points.h"

namespace kpp {

class MotionStepper;

// Moves the Z steppers of the kinematics individually.
class ZAdjustHelper {
 public:
  // At connect time the kinematics must have exactly `z_count` (and at least two) Z steppers.
  ZAdjustHelper(const ConfigWrapper& config, size_t z_count);
  // Raise each Z stepper by its adjustment (a negative value lowers it) at `speed`, reporting
  // "Making the following Z adjustments:". The lowest stepper moves first, joined by the others
  // as the toolhead reaches their heights; the toolhead Z position is unchanged at the end.
  void adjust_steppers(const std::vector<double>& adjustments, double speed);

 private:
  void handle_connect();

  Printer& printer_;
  std::string name_;
  size_t z_count_;
  std::vector<MotionStepper*> z_steppers_;
};

// RETRIES= / RETRY_TOLERANCE= handling: after each round, "retry" while the probed range is
// above the tolerance, an error when it keeps growing or the retries run out.
class RetryHelper {
 public:
  explicit RetryHelper(const ConfigWrapper& config, std::string error_msg_extra = "");
  void start(const GCodeCommand& gcmd);
  // kDone or kRetry for the probe helper; throws CommandError "Too many retries" or
  // "Retries aborting: ...".
  ProbePointsHelper::Outcome check_retry(const std::vector<double>& z_positions);

 private:
  bool check_increase(double error);

  Printer& printer_;
  int default_max_retries_;
  double default_retry_tolerance_;
  std::string error_msg_extra_;
  int max_retries_ = 0, current_retry_ = 0, increasing_ = 0;
  double retry_tolerance_ = 0.;
  std::optional<double> previous_;
};

// The "applied" status: set when a run finishes without a retry pending; cleared when a new
// run starts or the motors are turned off.
class ZAdjustStatus {
 public:
  explicit ZAdjustStatus(Printer& printer);
  ProbePointsHelper::Outcome check_retry_result(ProbePointsHelper::Outcome r) {
    if (r == ProbePointsHelper::Outcome::kDone) applied_ = true;
    return r;
  }
  void reset() { applied_ = false; }
  Json get_status() const { return Json{{"applied", applied_}}; }

 private:
  bool applied_ = false;
};

}  // namespace kpp
