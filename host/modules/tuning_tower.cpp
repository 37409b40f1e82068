// [tuning_tower] (see tuning_tower.h).
#include "modules/tuning_tower.h"

#include <fmt/format.h>

#include <cmath>

namespace kpp {

namespace {
// An extrusion this far below the last test height starts a new print: the test ends.
constexpr double kCancelZDelta = 2.0;
}  // namespace

TuningTower::TuningTower(const ConfigWrapper& config)
    : printer_(config.get_printer()), gcode_(printer_.lookup<GCodeDispatch>("gcode")) {
  printer_.load_object(config, "gcode_move");
  gcode_.register_command("TUNING_TOWER", [this](GCodeCommand& g) { cmd_tuning_tower(g); }, false,
                          "Tool to adjust a parameter at each Z height");
}

void TuningTower::cmd_tuning_tower(GCodeCommand& gcmd) {
  if (normal_transform_) end_test();
  std::string command = gcmd.get("COMMAND");
  std::string parameter = gcmd.get("PARAMETER");
  start_ = gcmd.get_float("START", 0.);
  factor_ = gcmd.get_float("FACTOR", 0.);
  band_ = gcmd.get_float("BAND", 0., FloatLimits{.minval = 0.});
  step_delta_ = gcmd.get_float("STEP_DELTA", 0.);
  step_height_ = gcmd.get_float("STEP_HEIGHT", 0., FloatLimits{.minval = 0.});
  skip_ = gcmd.get_float("SKIP", 0., FloatLimits{.minval = 0.});
  if (factor_ != 0. && (step_height_ != 0. || step_delta_ != 0.))
    throw gcmd.error("Cannot specify both FACTOR and STEP_DELTA/STEP_HEIGHT");
  if ((step_delta_ != 0.) != (step_height_ != 0.))
    throw gcmd.error("Must specify both STEP_DELTA and STEP_HEIGHT");
  command_ = command;
  parameter_ = parameter;
  traditional_ = GCodeDispatch::is_traditional_gcode(command);
  normal_transform_ = printer_.lookup<GCodeMove>("gcode_move").set_move_transform(this, true);
  last_z_ = -99999999.9;
  last_command_value_.reset();
  (void)get_position();
  std::string msg = fmt::format("start={:.6f}", start_);
  if (factor_ != 0.) {
    msg += fmt::format(" factor={:.6f}", factor_);
    if (band_ != 0.) msg += fmt::format(" band={:.6f}", band_);
  } else {
    msg += fmt::format(" step_delta={:.6f} step_height={:.6f}", step_delta_, step_height_);
  }
  if (skip_ != 0.) msg += fmt::format(" skip={:.6f}", skip_);
  gcmd.respond_info("Starting tuning test (" + msg + ")");
}

Coord TuningTower::get_position() {
  Coord pos = normal_transform_->get_position();
  last_position_ = pos;
  return pos;
}

double TuningTower::calc_value(double z) const {
  if (skip_ != 0.) z = std::max(0., z - skip_);
  if (step_height_ != 0.) return start_ + step_delta_ * std::floor(z / step_height_);
  if (band_ != 0.) z = (std::floor(z / band_) + .5) * band_;
  return start_ + z * factor_;
}

void TuningTower::move(const Coord& newpos, double speed) {
  MoveTransform* normal = normal_transform_;  // end_test() below clears it
  bool new_xyz = newpos[0] != last_position_[0] || newpos[1] != last_position_[1] ||
                 newpos[2] != last_position_[2];
  if (newpos[3] > last_position_[3] && newpos[2] != last_z_ && new_xyz) {
    // An extrusion move at a new height.
    double z = newpos[2];
    if (z < last_z_ - kCancelZDelta) {
      end_test();
    } else {
      double gcode_z = printer_.lookup<GCodeMove>("gcode_move").get_gcode_position()[2];
      double value = calc_value(gcode_z);
      last_z_ = z;
      if (!last_command_value_ || value != *last_command_value_) {
        last_command_value_ = value;
        gcode_.run_script_from_command(traditional_
                                           ? fmt::format("{} {}{:.9f}", command_, parameter_, value)
                                           : fmt::format("{} {}={:.9f}", command_, parameter_, value));
      }
    }
  }
  last_position_ = newpos;
  normal->move(newpos, speed);
}

void TuningTower::end_test() {
  gcode_.respond_info("Ending tuning test mode");
  printer_.lookup<GCodeMove>("gcode_move").set_move_transform(normal_transform_, true);
  normal_transform_ = nullptr;
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<TuningTower>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(tuning_tower, kpp::load, nullptr)
