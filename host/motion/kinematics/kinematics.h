// The printer kinematics interface (Klipper's kinematics/*.py classes): which steppers exist,
// how stepper positions map to the toolhead, travel limits, homing, and the registry that
// the [printer] kinematics option selects from.
#pragma once

#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/json.h"

namespace kpp {

class DeltaGeometry;
class Homing;
class MotionStepper;
class ToolHead;
struct ToolMove;

// A toolhead x, y, z; NaN marks an axis a kinematics cannot determine.
using Pos3 = std::array<double, 3>;
inline constexpr double kUnknownPos = std::numeric_limits<double>::quiet_NaN();

class Kinematics {
 public:
  virtual ~Kinematics() = default;
  virtual std::vector<MotionStepper*> get_steppers() = 0;
  // Toolhead position from stepper positions (by stepper name).
  virtual Pos3 calc_position(const std::map<std::string, double>& stepper_positions) = 0;
  // The toolhead is at `newpos`; `homing_axes` ("xz") are now homed.
  virtual void set_position(const std::array<double, 3>& newpos,
                            const std::string& homing_axes) = 0;
  virtual void clear_homing_state(const std::string& axes) = 0;
  virtual void home(Homing& homing_state) = 0;
  // Throw move_error() for moves out of range; lower speed/accel limits (z).
  virtual void check_move(ToolMove& move) = 0;
  // homed_axes, axis_minimum, axis_maximum, ...
  virtual Json get_status(double eventtime) = 0;
  // The geometry DELTA_CALIBRATE fits (Klipper's get_calibration); only the delta kinematics
  // have one.
  virtual std::shared_ptr<const DeltaGeometry> get_calibration() const { return nullptr; }
};

using KinematicsFactory =
    std::function<std::unique_ptr<Kinematics>(ToolHead& toolhead, const ConfigWrapper& config)>;
void register_kinematics(const std::string& name, KinematicsFactory factory);
const KinematicsFactory* find_kinematics(std::string_view name);

#define KPP_REGISTER_KINEMATICS(id, name, ...)                  \
  namespace {                                                   \
  const bool kpp_kinematics_registered_##id = [] {              \
    ::kpp::register_kinematics(name, __VA_ARGS__);              \
    return true;                                                \
  }();                                                          \
  }

// The status list of a coordinate with x, y, z and a trailing 0 for e (Klipper's axis_minimum).
Json coord_status(const std::array<double, 3>& xyz);

}  // namespace kpp
