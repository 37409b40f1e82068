// G-code moves and coordinates (see gcode_move.h).
#include "modules/gcode_move.h"

#include <algorithm>
#include <cctype>

#include "core/logging.h"
#include "core/pyfmt.h"
#include "modules/homing.h"
#include "motion/extruder.h"
#include "motion/rail.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

// The toolhead as the last stage of the transform chain. Looked up on first use: modules such
// as bed_mesh chain their transform while the config is read, before the toolhead exists.
class ToolHeadTransform : public MoveTransform {
 public:
  explicit ToolHeadTransform(Printer& printer) : printer_(printer) {}
  void move(const Coord& newpos, double speed) override { toolhead().move(newpos, speed); }
  Coord get_position() override { return toolhead().get_position(); }

 private:
  ToolHead& toolhead() {
    if (!th_) th_ = &printer_.lookup<ToolHead>("toolhead");
    return *th_;
  }
  Printer& printer_;
  ToolHead* th_ = nullptr;
};

Json coord_json(const Coord& c) {
  Json j = Json::array();
  for (double v : c) j.push_back(v);
  return j;
}

}  // namespace

GCodeMove::GCodeMove(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      base_position_{0., 0., 0., 0.},
      last_position_{0., 0., 0., 0.},
      homing_position_{0., 0., 0., 0.},
      axis_map_{{"X", 0}, {"Y", 1}, {"Z", 2}, {"E", 3}},
      extrude_factors_{{"E", 1.}} {
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  auto reg = [&](const char* name, void (GCodeMove::*fn)(GCodeCommand&), bool when_not_ready,
                 const char* desc) {
    gcode.register_command(
        name, [this, fn](GCodeCommand& g) { (this->*fn)(g); }, when_not_ready, desc ? desc : "");
  };
  reg("G1", &GCodeMove::cmd_G1, false, nullptr);
  gcode.register_command("G20", [](GCodeCommand& g) {
    throw g.error("Machine does not support G20 (inches) command");
  });
  gcode.register_command("G21", [](GCodeCommand&) {});
  gcode.register_command("M82", [this](GCodeCommand&) { absolute_extrude_ = true; });
  gcode.register_command("M83", [this](GCodeCommand&) { absolute_extrude_ = false; });
  gcode.register_command("G90", [this](GCodeCommand&) { absolute_coord_ = true; });
  gcode.register_command("G91", [this](GCodeCommand&) { absolute_coord_ = false; });
  reg("G92", &GCodeMove::cmd_G92, false, nullptr);
  reg("M220", &GCodeMove::cmd_M220, false, nullptr);
  reg("M221", &GCodeMove::cmd_M221, false, nullptr);
  reg("SET_GCODE_OFFSET", &GCodeMove::cmd_SET_GCODE_OFFSET, false,
      "Set a virtual offset to g-code positions");
  reg("SAVE_GCODE_STATE", &GCodeMove::cmd_SAVE_GCODE_STATE, false,
      "Save G-Code coordinate state");
  reg("RESTORE_GCODE_STATE", &GCodeMove::cmd_RESTORE_GCODE_STATE, false,
      "Restore a previously saved G-Code state");
  reg("G0", &GCodeMove::cmd_G1, false, nullptr);
  reg("M114", &GCodeMove::cmd_M114, true, nullptr);
  reg("GET_POSITION", &GCodeMove::cmd_GET_POSITION, true,
      "Return information on the current location of the toolhead");
  printer_.register_event_handler("klippy:ready",
                                  std::function<void()>([this] { handle_ready(); }));
  printer_.register_event_handler("klippy:shutdown",
                                  std::function<void()>([this] { is_printer_ready_ = false; }));
  printer_.register_event_handler("toolhead:set_position",
                                  std::function<void()>([this] { reset_last_position(); }));
  printer_.register_event_handler("toolhead:manual_move",
                                  std::function<void()>([this] { reset_last_position(); }));
  printer_.register_event_handler("toolhead:update_extra_axes",
                                  std::function<void()>([this] { update_extra_axes(); }));
  printer_.register_event_handler("gcode:command_error",
                                  std::function<void()>([this] { reset_last_position(); }));
  printer_.register_event_handler<PrinterExtruder*>(
      "extruder:activate_extruder", [this](PrinterExtruder*) { handle_activate_extruder(); });
  printer_.register_event_handler<Homing*, std::vector<PrinterRail*>>(
      "homing:home_rails_end",
      [this](Homing* h, std::vector<PrinterRail*>) { handle_home_rails_end(h->get_axes()); });
}

GCodeMove::~GCodeMove() = default;

void GCodeMove::handle_ready() {
  is_printer_ready_ = true;
  printer_.lookup<ToolHead>("toolhead");  // as Klipper: a missing toolhead fails at ready
  if (!move_transform_) {
    toolhead_transform_ = std::make_unique<ToolHeadTransform>(printer_);
    move_with_transform_ = toolhead_transform_.get();
  }
  reset_last_position();
}

void GCodeMove::handle_activate_extruder() {
  reset_last_position();
  extrude_factors_["E"] = 1.;
  base_position_[3] = last_position_[3];
}

void GCodeMove::handle_home_rails_end(const std::vector<int>& axes) {
  reset_last_position();
  for (int axis : axes) base_position_[axis] = homing_position_[axis];
}

MoveTransform* GCodeMove::set_move_transform(MoveTransform* transform, bool force) {
  if (move_transform_ && !force) throw ConfigError("G-Code move transform already specified");
  MoveTransform* old = move_transform_;
  if (!old) {
    if (!toolhead_transform_)
      toolhead_transform_ = std::make_unique<ToolHeadTransform>(printer_);
    old = toolhead_transform_.get();
  }
  move_transform_ = transform;
  move_with_transform_ = transform;
  return old;
}

Coord GCodeMove::get_gcode_position() const {
  Coord p = last_position_;
  for (size_t i = 0; i < p.size() && i < base_position_.size(); i++) p[i] -= base_position_[i];
  p[3] /= extrude_factors_.at("E");
  return p;
}

Json GCodeMove::get_status(double) {
  Json axis_map = Json::object();
  for (auto& [a, i] : axis_map_) axis_map[a] = i;
  return Json{{"speed_factor", speed_factor_ * 60.},
              {"speed", get_gcode_speed()},
              {"extrude_factor", extrude_factors_.at("E")},
              {"absolute_coordinates", absolute_coord_},
              {"absolute_extrude", absolute_extrude_},
              {"homing_origin", coord_json(homing_position_)},
              {"position", coord_json(last_position_)},
              {"gcode_position", coord_json(get_gcode_position())},
              {"axis_map", axis_map}};
}

void GCodeMove::reset_last_position() {
  if (!is_printer_ready_ || !move_with_transform_) return;
  Coord pos = move_with_transform_->get_position();
  last_position_ = pos;
  // Offsets follow the number of axes.
  if (base_position_.size() != pos.size()) base_position_.resize(pos.size());
}

void GCodeMove::update_extra_axes() {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  std::vector<std::pair<std::string, size_t>> axis_map = {
      {"X", 0}, {"Y", 1}, {"Z", 2}, {"E", 3}};
  const auto& extra_axes = toolhead.extra_axes();
  auto in_map = [&](const std::string& id) {
    for (auto& [a, i] : axis_map)
      if (a == id) return true;
    return false;
  };
  for (size_t e = 0; e < extra_axes.size(); e++) {
    std::string gcode_id = extra_axes[e]->get_axis_gcode_id();
    if (gcode_id.size() != 1 || !std::isupper(static_cast<unsigned char>(gcode_id[0])) ||
        in_map(gcode_id) || gcode_id == "F" || gcode_id == "N")
      continue;
    axis_map.emplace_back(gcode_id, e + 3);
  }
  Coord base_position(extra_axes.size() + 3);
  for (size_t i = 0; i < 4 && i < base_position_.size(); i++) base_position[i] = base_position_[i];
  for (size_t e = 1; e < extra_axes.size(); e++) {
    std::string gcode_id = extra_axes[e]->get_axis_gcode_id();
    for (auto& [a, i] : axis_map_)
      if (a == gcode_id && i < base_position_.size()) base_position[e + 3] = base_position_[i];
  }
  axis_map_ = std::move(axis_map);
  base_position_ = base_position;
  reset_last_position();
}

void GCodeMove::cmd_G1(GCodeCommand& gcmd) {
  const GCodeParams& params = gcmd.get_command_parameters();
  auto find = [&](const std::string& key) -> const std::string* {
    for (auto& [k, v] : params)
      if (k == key) return &v;
    return nullptr;
  };
  for (auto& [axis, pos] : axis_map_) {
    const std::string* sv = find(axis);
    if (!sv) continue;
    auto v = py::parse_float(*sv);
    if (!v) throw gcmd.error(fmt::format("Unable to parse move '{}'", gcmd.get_commandline()));
    double value = *v;
    bool absolute_coord = absolute_coord_;
    if (pos == 3) {
      value *= extrude_factors_.at("E");
      if (!absolute_extrude_) absolute_coord = false;
    }
    if (!absolute_coord)
      last_position_[pos] += value;
    else
      last_position_[pos] = value + base_position_[pos];
  }
  if (const std::string* f = find("F")) {
    auto gcode_speed = py::parse_float(*f);
    if (!gcode_speed)
      throw gcmd.error(fmt::format("Unable to parse move '{}'", gcmd.get_commandline()));
    if (*gcode_speed <= 0.)
      throw gcmd.error(fmt::format("Invalid speed in '{}'", gcmd.get_commandline()));
    speed_ = *gcode_speed * speed_factor_;
  }
  move_with_transform_->move(last_position_, speed_);
}

void GCodeMove::cmd_G92(GCodeCommand& gcmd) {
  bool any = false;
  const char* axes = "XYZE";
  for (size_t i = 0; i < 4; i++) {
    auto offset = gcmd.get_float_opt(std::string(1, axes[i]));
    if (!offset) continue;
    any = true;
    double o = *offset;
    if (i == 3) o *= extrude_factors_.at("E");
    base_position_[i] = last_position_[i] - o;
  }
  if (!any)
    for (size_t i = 0; i < 4; i++) base_position_[i] = last_position_[i];
}

void GCodeMove::cmd_M114(GCodeCommand& gcmd) {
  Coord p = get_gcode_position();
  gcmd.respond_raw(fmt::format("X:{:.3f} Y:{:.3f} Z:{:.3f} E:{:.3f}", p[0], p[1], p[2], p[3]));
}

void GCodeMove::cmd_M220(GCodeCommand& gcmd) {
  double value = gcmd.get_float("S", 100., FloatLimits{.above = 0.}) / (60. * 100.);
  speed_ = get_gcode_speed() * value;
  speed_factor_ = value;
}

void GCodeMove::cmd_M221(GCodeCommand& gcmd) {
  double new_extrude_factor = gcmd.get_float("S", 100., FloatLimits{.above = 0.}) / 100.;
  double& extrude_factor = extrude_factors_.at("E");
  double last_e_pos = last_position_[3];
  double e_value = (last_e_pos - base_position_[3]) / extrude_factor;
  base_position_[3] = last_e_pos - e_value * new_extrude_factor;
  extrude_factor = new_extrude_factor;
}

void GCodeMove::cmd_SET_GCODE_OFFSET(GCodeCommand& gcmd) {
  std::vector<double> move_delta(last_position_.size(), 0.);
  for (auto& [axis, pos] : axis_map_) {
    double homing_pos = pos < 3 ? homing_position_[pos] : 0.;
    auto offset = gcmd.get_float_opt(axis);
    if (!offset) {
      offset = gcmd.get_float_opt(axis + "_ADJUST");
      if (!offset) continue;
      *offset += homing_pos;
    }
    double delta = *offset - homing_pos;
    move_delta[pos] = delta;
    base_position_[pos] += delta;
    if (pos < 3) homing_position_[pos] = *offset;
  }
  if (gcmd.get_int("MOVE", 0)) {
    double speed = gcmd.get_float("MOVE_SPEED", speed_, FloatLimits{.above = 0.});
    for (size_t i = 0; i < move_delta.size(); i++) last_position_[i] += move_delta[i];
    move_with_transform_->move(last_position_, speed);
  }
}

void GCodeMove::cmd_SAVE_GCODE_STATE(GCodeCommand& gcmd) {
  std::string state_name = gcmd.get("NAME", "default");
  SavedState s;
  s.absolute_coord = absolute_coord_;
  s.absolute_extrude = absolute_extrude_;
  for (auto& [a, i] : axis_map_) s.axis_map[a] = i;
  s.base_position = base_position_;
  s.last_position = last_position_;
  s.homing_position = homing_position_;
  s.speed = speed_;
  s.speed_factor = speed_factor_;
  s.extrude_factors = extrude_factors_;
  saved_states_[state_name] = s;
}

void GCodeMove::cmd_RESTORE_GCODE_STATE(GCodeCommand& gcmd) {
  std::string state_name = gcmd.get("NAME", "default");
  auto it = saved_states_.find(state_name);
  if (it == saved_states_.end())
    throw gcmd.error(fmt::format("Unknown g-code state: {}", state_name));
  const SavedState& state = it->second;
  bool move_requested = gcmd.get_int("MOVE", 0) != 0;
  absolute_coord_ = state.absolute_coord;
  absolute_extrude_ = state.absolute_extrude;
  for (size_t i = 0; i < 3; i++) base_position_[i] = state.base_position[i];
  homing_position_ = state.homing_position;
  speed_ = state.speed;
  speed_factor_ = state.speed_factor;
  // The relative E position is kept.
  base_position_[3] = state.base_position[3];
  double e_diff = last_position_[3] - state.last_position[3];
  base_position_[3] += e_diff;
  extrude_factors_["E"] = state.extrude_factors.at("E");
  // Extra axes by their G-code letter.
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  const auto& extra_axes = toolhead.extra_axes();
  for (size_t e = 1; e < extra_axes.size(); e++) {
    auto sit = state.axis_map.find(extra_axes[e]->get_axis_gcode_id());
    if (sit == state.axis_map.end() || sit->second >= state.base_position.size()) continue;
    base_position_[e + 3] = state.base_position[sit->second];
    if (move_requested) last_position_[e + 3] = state.last_position[sit->second];
  }
  if (move_requested) {
    double speed = gcmd.get_float("MOVE_SPEED", speed_, FloatLimits{.above = 0.});
    for (size_t i = 0; i < 3; i++) last_position_[i] = state.last_position[i];
    move_with_transform_->move(last_position_, speed);
  }
}

void GCodeMove::cmd_GET_POSITION(GCodeCommand& gcmd) {
  auto* toolhead = printer_.try_lookup<ToolHead>("toolhead");
  if (!toolhead) throw gcmd.error("Printer not ready");
  Kinematics& kin = toolhead->get_kinematics();
  auto steppers = kin.get_steppers();
  std::string mcu_pos, stepper_pos, kin_pos, toolhead_pos, gcode_pos, base_pos, homing_pos;
  auto add = [](std::string& out, const std::string& item) {
    if (!out.empty()) out += ' ';
    out += item;
  };
  std::map<std::string, double> cinfo;
  for (MotionStepper* s : steppers) {
    add(mcu_pos, fmt::format("{}:{}", s->get_name(), s->get_mcu_position()));
    cinfo[s->get_name()] = s->get_commanded_position();
    add(stepper_pos, fmt::format("{}:{:.6f}", s->get_name(), s->get_commanded_position()));
  }
  Pos3 kpos = kin.calc_position(cinfo);
  for (size_t i = 0; i < 3; i++) add(kin_pos, fmt::format("{}:{:.6f}", "XYZ"[i], kpos[i]));
  const Coord& tpos = toolhead->get_position();
  const auto& extra_axes = toolhead->extra_axes();
  for (size_t i = 0; i < tpos.size(); i++) {
    std::string name;
    if (i < 3) {
      name = std::string(1, "XYZ"[i]);
    } else {
      ExtraAxis* ea = extra_axes[i - 3];
      if (!ea->is_kinematic_axis() && !ea->is_extruder_axis()) continue;
      name = ea->get_axis_gcode_id();
    }
    add(toolhead_pos, fmt::format("{}:{:.6f}", name, tpos[i]));
  }
  std::vector<std::string> gcode_axes(last_position_.size(), " ");
  for (auto& [a, i] : axis_map_)
    if (i < gcode_axes.size()) gcode_axes[i] = a;
  for (size_t i = 0; i < gcode_axes.size(); i++) {
    add(gcode_pos, fmt::format("{}:{:.6f}", gcode_axes[i], last_position_[i]));
    add(base_pos, fmt::format("{}:{:.6f}", gcode_axes[i], base_position_[i]));
  }
  for (size_t i = 0; i < 3; i++)
    add(homing_pos, fmt::format("{}:{:.6f}", "XYZ"[i], homing_position_[i]));
  gcmd.respond_info(fmt::format(
      "mcu: {}\nstepper: {}\nkinematic: {}\ntoolhead: {}\ngcode: {}\ngcode base: {}\n"
      "gcode homing: {}",
      mcu_pos, stepper_pos, kin_pos, toolhead_pos, gcode_pos, base_pos, homing_pos));
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<GCodeMove>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(gcode_move, kpp::load, nullptr)
