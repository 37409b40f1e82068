// [safe_z_home] (Klipper's extras/safe_z_home.py): G28 homes Z at a fixed XY position (a probe
// used as Z endstop must be over the bed), optionally lifting Z first (z_hop) and returning
// to the previous XY position afterwards. Wraps the homing module's G28.
#include <fmt/format.h>

#include "core/gcode.h"
#include "core/printer.h"
#include "motion/kinematics/kinematics.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

class SafeZHome : public PrinterObject {
 public:
  explicit SafeZHome(const ConfigWrapper& config)
      : printer_(config.get_printer()), gcode_(printer_.lookup<GCodeDispatch>("gcode")) {
    if (config.has_section("homing_override"))
      throw ConfigError("homing_override and safe_z_homing cannot be used simultaneously");
    auto xy = config.getfloatlist("home_xy_position", ',', 2);
    home_x_ = xy[0];
    home_y_ = xy[1];
    z_hop_ = config.getfloat("z_hop", 0.);
    z_hop_speed_ = config.getfloat("z_hop_speed", 15., FloatLimits{.above = 0.});
    speed_ = config.getfloat("speed", 50., FloatLimits{.above = 0.});
    move_to_previous_ = config.getboolean("move_to_previous", false);
    printer_.load_object(config, "homing");
    auto prev = gcode_.unregister_command("G28");
    if (!prev) throw ConfigError("safe_z_home: G28 is not registered");
    prev_g28_ = prev->handler;
    gcode_.register_command("G28", [this](GCodeCommand& g) { cmd_g28(g); }, false, prev->desc);
  }

 private:
  std::string homed_axes(ToolHead& toolhead) {
    Json st = toolhead.get_kinematics().get_status(printer_.get_reactor().monotonic());
    return st.value("homed_axes", std::string());
  }

  void run_prev_g28(const GCodeParams& params) {
    GCodeCommand g28 = gcode_.create_gcode_command("G28", "G28", params);
    prev_g28_(g28);
  }

  void cmd_g28(GCodeCommand& gcmd) {
    auto& toolhead = printer_.lookup<ToolHead>("toolhead");
    if (z_hop_ != 0.) {
      Coord pos = toolhead.get_position();
      if (homed_axes(toolhead).find('z') == std::string::npos) {
        // Unknown Z: pretend it is 0, lift by z_hop, and forget the pretend position again.
        pos[2] = 0.;
        toolhead.set_position(pos, "z");
        toolhead.manual_move({std::nullopt, std::nullopt, z_hop_}, z_hop_speed_);
        toolhead.get_kinematics().clear_homing_state("z");
      } else if (pos[2] < z_hop_) {
        toolhead.manual_move({std::nullopt, std::nullopt, z_hop_}, z_hop_speed_);
      }
    }
    bool need_x = gcmd.has("X"), need_y = gcmd.has("Y"), need_z = gcmd.has("Z");
    if (!need_x && !need_y && !need_z) need_x = need_y = need_z = true;
    GCodeParams xy;
    if (need_x) xy.emplace_back("X", "0");
    if (need_y) xy.emplace_back("Y", "0");
    if (!xy.empty()) run_prev_g28(xy);
    if (!need_z) return;
    std::string homed = homed_axes(toolhead);
    if (homed.find('x') == std::string::npos || homed.find('y') == std::string::npos)
      throw gcmd.error("Must home X and Y axes first");
    Coord prevpos = toolhead.get_position();
    toolhead.manual_move({home_x_, home_y_}, speed_);
    run_prev_g28({{"Z", "0"}});
    // Lift again: pressure based probes end pressed into the bed.
    if (z_hop_ != 0. && toolhead.get_position()[2] < z_hop_)
      toolhead.manual_move({std::nullopt, std::nullopt, z_hop_}, z_hop_speed_);
    if (move_to_previous_) toolhead.manual_move({prevpos[0], prevpos[1]}, speed_);
  }

  Printer& printer_;
  GCodeDispatch& gcode_;
  GCodeDispatch::Handler prev_g28_;
  double home_x_, home_y_, z_hop_, z_hop_speed_, speed_;
  bool move_to_previous_;
};

std::shared_ptr<PrinterObject> load_safe_z_home(ConfigWrapper& config) {
  return std::make_shared<SafeZHome>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(safe_z_home, kpp::load_safe_z_home, nullptr)
