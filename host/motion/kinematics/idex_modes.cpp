// Dual carriages (see idex_modes.h).
#include "motion/kinematics/idex_modes.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/reactor.h"
#include "motion/toolhead.h"

namespace kpp {

DualCarriages::DualCarriages(Printer& printer, DualCarriageHost& kin,
                             const std::vector<PrinterRail*>& primary,
                             const std::vector<PrinterRail*>& dual, const std::vector<int>& axes,
                             std::vector<std::optional<double>> safe_dist)
    : printer_(printer), kin_(kin) {
  // One wrapper per stepper, even when a stepper belongs to several carriages (generic
  // cartesian): each carriage sets the transform of its own axis.
  std::map<MotionStepper*, motion::DualCarriageKinematics*> wrappers;
  auto wrap_rail = [&](PrinterRail* rail) {
    if (!rail) return;
    if (rail->get_steppers().empty())
      throw ConfigError(fmt::format("At least one stepper must be associated with carriage: {}",
                                    rail->get_name()));
    for (auto& s : rail->get_steppers()) {
      if (wrappers.count(s.get())) continue;
      auto dc = std::make_unique<motion::DualCarriageKinematics>();
      dc->set_inner(s->get_stepper_kinematics());
      s->set_stepper_kinematics(dc.get());
      wrappers[s.get()] = dc.get();
      owned_sks_.push_back(std::move(dc));
    }
  };
  for (PrinterRail* r : primary) wrap_rail(r);
  for (PrinterRail* r : dual) wrap_rail(r);
  for (size_t i = 0; i < dual.size(); i++) {
    if (!dual[i] || safe_dist[i]) continue;
    auto [pmin, pmax] = primary[i]->get_range();
    auto [dmin, dmax] = dual[i]->get_range();
    safe_dist[i] = std::min(std::fabs(pmin - dmin), std::fabs(pmax - dmax));
  }
  auto make = [&](PrinterRail* rail, PrinterRail* partner, int axis, double sd, bool active) {
    Carriage c{rail, partner, axis, sd, active ? kPrimary : kInactive};
    c.scale = active ? 1. : 0.;
    for (auto& s : rail->get_steppers()) c.sks.push_back(wrappers[s.get()]);
    return c;
  };
  // The first primary carriage of each axis starts active.
  bool activated[3] = {false, false, false};
  for (size_t i = 0; i < primary.size(); i++) {
    bool activate = !activated[axes[i]];
    activated[axes[i]] = true;
    carriages_.push_back(make(primary[i], dual[i], axes[i], safe_dist[i].value_or(0.), activate));
  }
  num_primary_ = carriages_.size();
  for (size_t i = 0; i < dual.size(); i++)
    if (dual[i])
      carriages_.push_back(make(dual[i], primary[i], axes[i], safe_dist[i].value_or(0.), false));
  axes_ = axes;
  std::sort(axes_.begin(), axes_.end());
  axes_.erase(std::unique(axes_.begin(), axes_.end()), axes_.end());

  // The transforms are applied once the printer is ready, after [input_shaper] wrapped the
  // steppers, so that the shaper sees which axes each stepper follows.
  printer_.register_event_handler<>("klippy:ready", [this] {
    for (Carriage& c : carriages_) apply_transform(c);
  });
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command(
      "SET_DUAL_CARRIAGE", [this](GCodeCommand& g) { cmd_set_dual_carriage(g); }, false,
      "Configure the dual carriages mode");
  gcode.register_command(
      "SAVE_DUAL_CARRIAGE_STATE", [this](GCodeCommand& g) { cmd_save_state(g); }, false,
      "Save dual carriages modes and positions");
  gcode.register_command(
      "RESTORE_DUAL_CARRIAGE_STATE", [this](GCodeCommand& g) { cmd_restore_state(g); }, false,
      "Restore dual carriages modes and positions");
}

DualCarriages::~DualCarriages() = default;

DualCarriages::Carriage* DualCarriages::find(const PrinterRail* rail) {
  for (Carriage& c : carriages_)
    if (c.rail == rail) return &c;
  return nullptr;
}

const DualCarriages::Carriage* DualCarriages::find(const PrinterRail* rail) const {
  for (const Carriage& c : carriages_)
    if (c.rail == rail) return &c;
  return nullptr;
}

PrinterRail* DualCarriages::get_primary_rail(int axis) const {
  for (const Carriage& c : carriages_)
    if (c.mode == kPrimary && c.axis == axis) return c.rail;
  return nullptr;
}

std::pair<double, double> DualCarriages::get_transform(const PrinterRail* rail) const {
  const Carriage* c = find(rail);
  return c ? std::pair{c->scale, c->offset} : std::pair{0., 0.};
}

bool DualCarriages::is_active(const PrinterRail* rail) const {
  const Carriage* c = find(rail);
  return c && c->active();
}

void DualCarriages::apply_transform(Carriage& c) {
  for (auto* sk : c.sks) sk->set_transform("xy"[c.axis], c.scale, c.offset);
  printer_.send_event("dual_carriage:update_kinematics");
}

void DualCarriages::activate(Carriage& c, const std::string& mode, const Coord& position,
                             const Coord* old_position) {
  double old_axis_position = c.axis_position(old_position ? *old_position : position);
  c.scale = mode == kMirror ? -1. : 1.;
  c.offset = old_axis_position - position[c.axis] * c.scale;
  apply_transform(c);
  c.mode = mode;
}

void DualCarriages::inactivate(Carriage& c, const Coord& position) {
  // Park where it stands: a constant carriage coordinate.
  c.offset = c.axis_position(position);
  c.scale = 0.;
  apply_transform(c);
  c.mode = kInactive;
}

void DualCarriages::override_axis_scaling(Carriage& c, double new_scale, const Coord& position) {
  double old_axis_position = c.axis_position(position);
  c.scale = std::copysign(new_scale, c.scale);
  c.offset = old_axis_position - position[c.axis] * c.scale;
  apply_transform(c);
}

void DualCarriages::toggle_active(Carriage& target) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  toolhead.flush_step_generation();
  Coord pos = toolhead.get_position();
  int axis = target.axis;
  for (Carriage& c : carriages_)
    if (&c != &target && c.axis == axis && c.active()) inactivate(c, pos);
  if (target.mode != kPrimary) {
    // The toolhead coordinate of the axis becomes the new carriage's own position.
    Coord newpos = pos;
    newpos[axis] = target.axis_position(pos);
    activate(target, kPrimary, newpos, &pos);
    toolhead.set_position(newpos);
  }
  kin_.update_limits(axis, target.rail->get_range());
}

void DualCarriages::home(Homing& homing_state, int axis) {
  std::vector<Carriage*> homing;
  for (size_t i = 0; i < num_primary_; i++)
    if (carriages_[i].axis == axis) homing.push_back(&carriages_[i]);
  for (Carriage* pc : homing) {
    std::vector<Carriage*> dcs;
    for (Carriage& c : carriages_)
      if (c.rail == pc->rail || c.dual_rail == pc->rail) dcs.push_back(&c);
    // Carriages homing in the same direction: the one the other homes against goes first.
    if (dcs.size() > 1 &&
        (dc_order(*dcs[0], *dcs[1]) > 0) != dcs[0]->rail->get_homing_info().positive_dir)
      std::reverse(dcs.begin(), dcs.end());
    for (Carriage* c : dcs) {
      toggle_active(*c);
      kin_.home_axis(homing_state, c->axis, *c->rail);
    }
  }
  if (!homing.empty()) activate_mode(*homing[0], kPrimary);
}

Json DualCarriages::get_status(double) {
  Json modes = Json::object();
  for (const Carriage& c : carriages_) modes[c.name()] = c.mode;
  Json status{{"carriages", modes}};
  if (carriages_.size() == 2)
    for (size_t i = 0; i < 2; i++) status[fmt::format("carriage_{}", i)] = carriages_[i].mode;
  return status;
}

std::pair<double, double> DualCarriages::kin_range(int axis) {
  Coord pos = printer_.lookup<ToolHead>("toolhead").get_position();
  double axis_pos = pos[axis];
  double range_min = -1e10, range_max = 1e10;
  for (Carriage& carriage : carriages_) {
    if (carriage.axis != axis || !carriage.active()) continue;
    // This carriage and (if any) the one sharing its gantry.
    Carriage* other = nullptr;
    for (Carriage& c : carriages_)
      if (c.dual_rail == carriage.rail && &c != &carriage) {
        other = &c;
        break;
      }
    double own_pos = carriage.axis_position(pos);
    auto [rmin, rmax] = carriage.rail->get_range();
    if (carriage.mode == kPrimary) {
      range_min = std::max(range_min, rmin);
      range_max = std::min(range_max, rmax);
    } else if (carriage.mode == kCopy) {
      range_min = std::max(range_min, axis_pos + rmin - own_pos);
      range_max = std::min(range_max, axis_pos + rmax - own_pos);
    } else {  // MIRROR
      range_min = std::max(range_min, axis_pos + own_pos - rmax);
      range_max = std::min(range_max, axis_pos + own_pos - rmin);
    }
    if (!carriage.safe_dist || !other) continue;
    // Carriages moving the same way (same mode, or PRIMARY with COPY) cannot collide.
    if (carriage.mode == other->mode ||
        (carriage.mode != kMirror && other->mode != kMirror && other->active()))
      continue;
    // How far this carriage may move towards the other one.
    double dist = other->axis_position(pos) - own_pos;
    int order = dc_order(carriage, *other);
    double safe_move = order > 0 ? dist + carriage.safe_dist : dist - carriage.safe_dist;
    if (other->active()) safe_move *= 0.5;  // both move, towards each other
    if (carriage.mode != kMirror) {
      if (order > 0)
        range_min = std::max(range_min, axis_pos + safe_move);
      else
        range_max = std::min(range_max, axis_pos + safe_move);
    } else {
      if (order > 0)
        range_max = std::min(range_max, axis_pos - safe_move);
      else
        range_min = std::max(range_min, axis_pos - safe_move);
    }
  }
  // An empty range (possible after homing slightly past a limit) blocks the motion until a
  // mode that allows it is chosen.
  if (range_min > range_max) return {range_min, range_min};
  return {range_min, range_max};
}

int DualCarriages::dc_order(const Carriage& a, const Carriage& b) const {
  if (&a == &b) return 0;
  const HomingInfo& ha = a.rail->get_homing_info();
  const HomingInfo& hb = b.rail->get_homing_info();
  // Homing away from each other: the one homing to the positive end is above.
  if (ha.positive_dir != hb.positive_dir) return ha.positive_dir ? 1 : -1;
  return ha.position_endstop > hb.position_endstop ? 1 : -1;
}

void DualCarriages::activate_mode(Carriage& c, const std::string& mode) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  toolhead.flush_step_generation();
  if (mode == kInactive)
    inactivate(c, toolhead.get_position());
  else if (mode == kPrimary)
    toggle_active(c);
  else
    activate(c, mode, toolhead.get_position());
  kin_.update_limits(c.axis, kin_range(c.axis));
}

DualCarriages::Carriage& DualCarriages::lookup_carriage(GCodeCommand& gcmd) {
  std::optional<std::string> name = gcmd.get_opt("CARRIAGE");
  if (!name) throw gcmd.error("CARRIAGE must be specified");
  for (Carriage& c : carriages_)
    if (c.rail->get_name(true) == *name) return c;
  // With exactly two carriages, 0 and 1 name the primary and the dual one.
  if (carriages_.size() == 2) {
    std::string s = *name;
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t") + 1);
    char* end = nullptr;
    long index = s.empty() ? 0 : std::strtol(s.c_str(), &end, 10);
    if (!s.empty() && end && *end == '\0') {
      if (index < 0 || index > 1) throw gcmd.error(fmt::format("Invalid CARRIAGE={} index", index));
      return carriages_[index ? num_primary_ : 0];
    }
  }
  throw gcmd.error(fmt::format("Invalid CARRIAGE={} specified", *name));
}

void DualCarriages::cmd_set_dual_carriage(GCodeCommand& gcmd) {
  Carriage& c = lookup_carriage(gcmd);
  std::string mode = gcmd.get("MODE", kPrimary);
  for (char& ch : mode) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (mode != kInactive && mode != kPrimary && mode != kCopy && mode != kMirror)
    throw gcmd.error(fmt::format("Invalid mode={} specified", mode));
  if (mode == kCopy || mode == kMirror) {
    PrinterRail* primary = get_primary_rail(c.axis);
    if (!primary || primary == c.rail)
      throw gcmd.error("Must activate another carriage as PRIMARY first");
    char axis = "xyz"[c.axis];
    if (kin_.homed_axes().find(axis) == std::string::npos)
      throw gcmd.error(fmt::format("Axis {} must be homed prior to enabling mode={}",
                                   static_cast<char>(std::toupper(axis)), mode));
  }
  if (mode == kInactive) {
    int active = 0;
    bool self_active = false;
    for (Carriage& o : carriages_)
      if (o.axis == c.axis && o.active()) {
        active++;
        self_active = self_active || &o == &c;
      }
    if (active == 1 && self_active)
      throw gcmd.error(fmt::format("Cannot deactivate the only active carriage for axis {}",
                                   "XYZ"[c.axis]));
  }
  activate_mode(c, mode);
}

void DualCarriages::cmd_save_state(GCodeCommand& gcmd) {
  std::string name = gcmd.get("NAME", "default");
  Coord pos = printer_.lookup<ToolHead>("toolhead").get_position();
  SavedState st;
  for (const Carriage& c : carriages_) {
    st.modes[c.name()] = c.mode;
    st.positions[c.name()] = c.axis_position(pos);
  }
  st.toolhead_position = pos;
  saved_states_[name] = std::move(st);
}

void DualCarriages::cmd_restore_state(GCodeCommand& gcmd) {
  std::string name = gcmd.get("NAME", "default");
  auto it = saved_states_.find(name);
  if (it == saved_states_.end())
    throw gcmd.error(fmt::format("Unknown DUAL_CARRIAGE state: {}", name));
  const SavedState& saved = it->second;
  double move_speed = gcmd.get_float("MOVE_SPEED", 0., FloatLimits{.above = 0.});
  bool move = gcmd.get_int("MOVE", 1) != 0;
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  toolhead.flush_step_generation();
  Coord move_pos = toolhead.get_position();
  if (move) {
    // Activate each carriage in turn to learn where it stands (in its own coordinates).
    double homing_speed = 99999999.;
    std::vector<Coord> cur_pos;
    for (Carriage& c : carriages_) {
      toggle_active(c);
      homing_speed = std::min(homing_speed, c.rail->get_homing_info().speed);
      cur_pos.push_back(toolhead.get_position());
    }
    std::vector<double> dl;
    for (size_t i = 0; i < carriages_.size(); i++)
      dl.push_back(saved.positions.at(carriages_[i].name()) - cur_pos[i][carriages_[i].axis]);
    // Per axis, the carriage with the longest way leads; the others follow it in COPY or
    // MIRROR mode scaled so that all arrive together.
    for (int axis : axes_) {
      std::vector<size_t> idx;
      for (size_t i = 0; i < carriages_.size(); i++)
        if (carriages_[i].axis == axis) idx.push_back(i);
      size_t lead = idx[0];
      for (size_t i : idx)
        if (std::fabs(dl[i]) > std::fabs(dl[lead])) lead = i;
      toggle_active(carriages_[lead]);
      move_pos[axis] = saved.positions.at(carriages_[lead].name());
      for (size_t i : idx) {
        if (i == lead || std::min(std::fabs(dl[lead]), std::fabs(dl[i])) < .000000001) continue;
        Carriage& c = carriages_[i];
        activate(c, dl[lead] * dl[i] > 0 ? kCopy : kMirror, cur_pos[lead]);
        override_axis_scaling(c, std::fabs(dl[i] / dl[lead]), cur_pos[lead]);
      }
    }
    std::vector<std::optional<double>> target(move_pos.size());
    for (size_t i = 0; i < move_pos.size(); i++) target[i] = move_pos[i];
    toolhead.manual_move(target, move_speed ? move_speed : homing_speed);
    toolhead.flush_step_generation();
  }
  // Park everything (restores the plain scales and gives correct limits below).
  for (Carriage& c : carriages_) inactivate(c, move_pos);
  for (int axis : axes_) move_pos[axis] = saved.toolhead_position[axis];
  toolhead.set_position(move_pos);
  std::vector<Carriage*> primaries;
  for (Carriage& c : carriages_)
    if (saved.modes.at(c.name()) == kPrimary) primaries.push_back(&c);
  for (Carriage* c : primaries) activate_mode(*c, kPrimary);
  for (Carriage& c : carriages_)
    if (std::find(primaries.begin(), primaries.end(), &c) == primaries.end())
      activate_mode(c, saved.modes.at(c.name()));
}

}  // namespace kpp
