// [resonance_tester]: resonance testing and input shaper auto-calibration (Klipper's
// extras/resonance_tester.py). TEST_RESONANCES shakes the toolhead along an axis with a sweep
// of frequencies while accelerometers record, and writes the frequency response;
// SHAPER_CALIBRATE does the same for X and Y (or one axis) and recommends (and applies, and
// stages for SAVE_CONFIG) the [input_shaper] type and frequency; MEASURE_AXES_NOISE reports
// the accelerometers' noise at rest.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "modules/accelerometer.h"
#include "modules/shaper_calibrate.h"

namespace kpp {

// An axis to test: "x", "y", "z" or an arbitrary direction ("axis=1.000,-1.000,0.000").
class TestAxis {
 public:
  explicit TestAxis(char axis);
  explicit TestAxis(std::array<double, 3> vib_dir);  // normalised here
  // Whether a chip assigned to `chip_axis` ("x", "xy", "z", ...) sees vibrations on this axis.
  bool matches(const std::string& chip_axis) const;
  const std::array<double, 3>& get_dir() const { return dir_; }
  const std::string& get_name() const { return name_; }
  std::array<double, 3> get_point(double l) const { return {dir_[0] * l, dir_[1] * l, dir_[2] * l}; }

 private:
  std::string name_;
  std::array<double, 3> dir_;
};

// AXIS=x|y|z|dx,dy[,dz] (CommandError on anything else).
TestAxis parse_test_axis(const GCodeCommand& gcmd, const std::string& raw_axis);

// One segment end of the test: at `time` the acceleration changes to `accel`; `freq` is the
// vibration frequency being tested.
struct TestStep {
  double time, accel, freq;
};

// The test motion: pulses of alternating acceleration whose frequency rises by hz_per_sec each
// second (accel = accel_per_hz * freq), with a slow back-and-forth sweep on top so that the
// toolhead does not stay on one spot.
class SweepingVibrationsGenerator {
 public:
  explicit SweepingVibrationsGenerator(const ConfigWrapper& config);
  // Per-command overrides (FREQ_START, FREQ_END, ACCEL_PER_HZ, HZ_PER_SEC, SWEEPING_ACCEL,
  // SWEEPING_PERIOD).
  void prepare_test(const GCodeCommand& gcmd, bool is_z);
  std::vector<TestStep> gen_test() const;
  double get_max_freq() const { return freq_end_; }

 private:
  std::vector<TestStep> gen_pulses() const;
  double min_freq_, max_freq_, max_freq_z_, accel_per_hz_, accel_per_hz_z_, hz_per_sec_;
  double sweeping_accel_, sweeping_accel_z_, sweeping_period_;
  double freq_start_ = 0., freq_end_ = 0., test_accel_per_hz_ = 0., test_hz_per_sec_ = 0.;
  double test_sweeping_accel_ = 0., test_sweeping_period_ = 0.;
};

class ResonanceTester : public PrinterObject {
 public:
  explicit ResonanceTester(const ConfigWrapper& config);

 private:
  struct ChipRun {
    std::string chip_axis;
    std::shared_ptr<AccelQueryClient> client;
    std::string chip_name;
  };
  void connect();
  // Move along `axis` following the test sequence (input shaping off unless INPUT_SHAPING=1).
  void run_test_moves(const std::vector<TestStep>& seq, const TestAxis& axis, GCodeCommand& gcmd);
  // Test every axis at every point; returns the frequency response per axis (empty when no
  // response was asked for).
  std::vector<std::optional<shaper_calibrate::CalibrationData>> run_test(
      GCodeCommand& gcmd, const std::vector<TestAxis>& axes, bool want_response,
      const std::string& name_suffix, const std::optional<std::string>& raw_name_suffix,
      const std::vector<AccelChip*>* chips, const std::optional<std::array<double, 3>>& point);
  std::vector<AccelChip*> parse_chips(const std::string& names) const;
  double max_calibration_freq() const { return 1.5 * generator_.get_max_freq(); }
  std::string get_filename(const std::string& base, const std::string& name_suffix,
                           const TestAxis* axis, const std::optional<std::array<double, 3>>& point,
                           const std::string& chip_name) const;
  void cmd_test_resonances(GCodeCommand& gcmd);
  void cmd_shaper_calibrate(GCodeCommand& gcmd);
  void cmd_measure_axes_noise(GCodeCommand& gcmd);

  Printer& printer_;
  double move_speed_;
  SweepingVibrationsGenerator generator_;
  std::vector<std::pair<std::string, std::string>> accel_chip_names_;  // (axes, chip section)
  std::vector<std::pair<std::string, AccelChip*>> accel_chips_;
  std::optional<double> max_smoothing_;
  std::vector<std::array<double, 3>> probe_points_;
};

}  // namespace kpp
