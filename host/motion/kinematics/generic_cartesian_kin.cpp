// generic_cartesian kinematics (see generic_cartesian_kin.h).
#include "motion/kinematics/generic_cartesian_kin.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "modules/homing.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

const std::vector<std::string> kAxes = {"x", "y", "z"};

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

using Mat3 = std::array<std::array<double, 3>, 3>;

double det3(const Mat3& m) {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
         m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

// M^T M of the stepper rows.
Mat3 normal_matrix(const std::vector<motion::Vec3>& rows) {
  Mat3 m{};
  for (auto& r : rows)
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) m[i][j] += r[i] * r[j];
  return m;
}

}  // namespace

GenericCartKinematics::GenericCartKinematics(ToolHead& toolhead, const ConfigWrapper& config)
    : printer_(config.get_printer()) {
  load_carriages(config);
  load_steppers(config);
  for (auto& ks : steppers_) ks.stepper->set_trapq(toolhead.get_trapq());
  setup_dual_carriages(config);
  auto [max_velocity, max_accel] = toolhead.get_max_velocity();
  max_z_velocity_ = config.getfloat("max_z_velocity", max_velocity,
                                    FloatLimits{.maxval = max_velocity, .above = 0.});
  max_z_accel_ =
      config.getfloat("max_z_accel", max_accel, FloatLimits{.maxval = max_accel, .above = 0.});
  printer_.lookup<GCodeDispatch>("gcode").register_command(
      "SET_STEPPER_CARRIAGES", [this](GCodeCommand& g) { cmd_set_stepper_carriages(g); }, false,
      "Set stepper carriages");
}

GenericCartKinematics::~GenericCartKinematics() = default;

void GenericCartKinematics::load_carriages(const ConfigWrapper& config) {
  auto short_name = [](const ConfigWrapper& c) {
    std::string n = c.get_name();
    return n.substr(n.find_last_of(' ') + 1);
  };
  auto make_rail = [&](const ConfigWrapper& c) {
    PrinterRail::Options opts;
    opts.with_stepper = false;
    opts.name = short_name(c);
    return std::make_unique<PrinterRail>(c, opts);
  };
  std::map<std::string, Carriage*> by_name;
  auto add = [&](std::unique_ptr<Carriage> c) {
    if (by_name.count(c->name))
      throw config.error(fmt::format("Redefinition of carriage {}", c->name));
    by_name[c->name] = c.get();
    carriages_.push_back(std::move(c));
  };
  for (const ConfigWrapper& mc : config.get_prefix_sections("carriage ")) {
    auto c = std::make_unique<Carriage>();
    c->kind = Carriage::Kind::kPrimary;
    c->rail = make_rail(mc);
    c->name = c->rail->get_name(true);
    std::string axis = c->name == "x" || c->name == "y" || c->name == "z"
                           ? mc.getchoice("axis", kAxes, c->name)
                           : mc.getchoice("axis", kAxes);
    c->axis = axis[0] - 'x';
    add(std::move(c));
  }
  for (int axis = 0; axis < 3; axis++) {
    std::vector<std::string> dups;
    for (auto& c : carriages_)
      if (c->axis == axis) dups.push_back(c->name);
    if (dups.size() > 1)
      throw config.error(fmt::format("Axis '{}' is set for multiple primary carriages ({})",
                                     kAxes[axis], fmt::join(dups, ", ")));
    if (dups.empty())
      throw config.error(fmt::format("No carriage defined for axis '{}'", kAxes[axis]));
  }
  std::vector<std::pair<Carriage*, std::optional<std::string>>> duals;
  for (const ConfigWrapper& dc : config.get_prefix_sections("dual_carriage ")) {
    auto c = std::make_unique<Carriage>();
    c->kind = Carriage::Kind::kDual;
    c->rail = make_rail(dc);
    c->name = c->rail->get_name(true);
    std::optional<std::string> primary = dc.get_opt("primary_carriage");
    std::optional<std::string> axis;
    if (!primary) {
      axis = dc.getchoice("axis", kAxes);
    } else {
      if (dc.get_opt("axis")) axis = dc.getchoice("axis", kAxes);
      if (dc.get_opt("safe_distance"))
        c->safe_dist = dc.getfloat("safe_distance", 0., FloatLimits{.minval = 0.});
    }
    c->axis = axis ? (*axis)[0] - 'x' : -1;
    duals.push_back({c.get(), primary});
    add(std::move(c));
  }
  // Pair each dual carriage with its primary one.
  for (auto& [dc, primary_name] : duals) {
    if (!primary_name) continue;
    auto it = by_name.find(*primary_name);
    if (it == by_name.end())
      throw config.error(fmt::format("primary_carriage = '{}' for '{}' is not a valid choice",
                                     *primary_name, dc->name));
    Carriage* pc = it->second;
    if (dc->axis >= 0 && dc->axis != pc->axis)
      throw config.error(fmt::format(
          "Mismatching axes between carriage '{}' (axis={}) and dual_carriage '{}' (axis={})",
          pc->name, kAxes[pc->axis], dc->name, kAxes[dc->axis]));
    if (pc->dual)
      throw config.error(fmt::format("Multiple dual carriages ('{}', '{}') for carriage '{}'",
                                     pc->dual->name, dc->name, pc->name));
    pc->dual = dc;
    dc->primary = pc;
    dc->axis = pc->axis;
    if (dc->axis > 1)
      throw config.error(fmt::format("Invalid axis '{}' for dual_carriage '{}'",
                                     kAxes[dc->axis], dc->name));
  }
  for (const ConfigWrapper& ec : config.get_prefix_sections("extra_carriage ")) {
    auto c = std::make_unique<Carriage>();
    c->kind = Carriage::Kind::kExtra;
    c->name = short_name(ec);
    std::vector<std::string> names;
    for (auto& [n, _] : by_name) names.push_back(n);
    c->primary = by_name.at(ec.getchoice("primary_carriage", names));
    c->axis = c->primary->axis;
    c->endstop_pin = ec.get("endstop_pin");
    add(std::move(c));
  }
}

template <class MakeError>
std::pair<motion::Vec3, std::vector<GenericCartKinematics::Carriage*>>
GenericCartKinematics::parse_carriages(const std::string& text, MakeError make_error) {
  motion::Vec3 coeffs;
  std::vector<Carriage*> refs;
  size_t next = 0;
  while (next < text.size()) {
    // A term runs to the next sign (a leading sign belongs to the term).
    size_t end = text.find_first_of("+-", next + 1);
    if (end == std::string::npos) end = text.size();
    std::string term = trim(text.substr(next, end - next));
    std::vector<std::string> parts;
    for (size_t p = 0, q; p <= term.size(); p = q + 1) {
      q = term.find('*', p);
      if (q == std::string::npos) q = term.size();
      parts.push_back(term.substr(p, q - p));
    }
    if (parts.size() != 1 && parts.size() != 2)
      throw make_error(fmt::format("Invalid term '{}' in '{}'", term, text));
    double coeff;
    if (parts.size() == 2) {
      std::string num = trim(parts[0]);
      char* endp = nullptr;
      coeff = std::strtod(num.c_str(), &endp);
      if (num.empty() || *endp != '\0')
        throw make_error(fmt::format("Invalid float '{}'", parts[0]));
    } else {
      coeff = parts[0].starts_with('-') ? -1. : 1.;
      if (parts[0].starts_with('-') || parts[0].starts_with('+')) parts[0] = parts[0].substr(1);
    }
    std::string name = parts.back();
    Carriage* c = nullptr;
    for (auto& cc : carriages_)
      if (cc->name == name) c = cc.get();
    if (!c)
      throw make_error(fmt::format("Invalid '{}' carriage referenced in '{}'", name, text));
    if (coeffs[c->axis] != 0.)
      throw make_error(fmt::format("Axis '{}' was referenced multiple times by carriages in '{}'",
                                   kAxes[c->axis], text));
    coeffs[c->axis] = coeff;
    refs.push_back(c);
    next = end;
  }
  return {coeffs, refs};
}

void GenericCartKinematics::load_steppers(const ConfigWrapper& config) {
  for (const ConfigWrapper& sc : config.get_prefix_sections("stepper ")) {
    KinStepper ks;
    ks.stepper = make_printer_stepper(sc);
    auto [coeffs, refs] = parse_carriages(sc.get("carriages"),
                                          [&](const std::string& m) { return sc.error(m); });
    if (coeffs.x == 0. && coeffs.y == 0. && coeffs.z == 0.)
      throw sc.error(fmt::format("'{}' must provide a valid 'carriages' configuration",
                                 ks.stepper->get_name()));
    auto sk = std::make_unique<motion::GenericCartesianKinematics>(coeffs);
    ks.sk = sk.get();
    ks.stepper->setup_itersolve(std::move(sk));
    ks.coeffs = coeffs;
    ks.carriages = refs;
    // The carriages' rails know their steppers (an extra carriage adds its own endstop).
    for (Carriage* c : refs) {
      if (c->kind == Carriage::Kind::kExtra)
        c->get_rail().add_stepper(ks.stepper, c->endstop_pin, sc, c->name);
      else
        c->get_rail().add_stepper(ks.stepper, std::nullopt, sc);
    }
    steppers_.push_back(std::move(ks));
  }
  // Every carriage must move something.
  std::set<Carriage*> unused;
  for (auto& c : carriages_) unused.insert(c.get());
  for (auto& ks : steppers_)
    for (Carriage* c : ks.carriages) unused.erase(c);
  if (!unused.empty()) {
    std::vector<std::string> names;
    for (auto& c : carriages_)
      if (unused.count(c.get())) names.push_back(c->name);
    throw config.error(fmt::format("Carriage(s) {} must be referenced by some stepper(s)",
                                   fmt::join(names, ", ")));
  }
  // Homing stops the steppers of an endstop together: they must share one MCU.
  for (auto& c : carriages_) {
    if (c->kind == Carriage::Kind::kExtra) continue;
    PrinterRail& rail = c->get_rail();
    for (auto& [es, name] : rail.get_endstops()) {
      std::set<Mcu*> mcus;
      for (McuStepper* s : es->get_steppers())
        for (auto& rs : rail.get_steppers())
          if (rs.get() == s) mcus.insert(&s->get_mcu());
      if (mcus.size() > 1)
        throw config.error(fmt::format(
            "Multi-mcu homing not supported on multi-mcu shared carriage {}", name));
    }
  }
}

void GenericCartKinematics::setup_dual_carriages(const ConfigWrapper& config) {
  std::set<int> dc_axes;
  for (auto& c : carriages_)
    if (c->kind == Carriage::Kind::kDual) dc_axes.insert(c->axis);
  auto error = [&](const std::string& m) { return config.error(m); };
  if (dc_axes.empty()) {
    check_kinematics(error);
    return;
  }
  // Pairs (primary, dual): primary carriages on a dual axis, then dual carriages without a
  // primary one (paired with the dual carriage that names them, if any).
  std::vector<Carriage*> pcs;
  for (auto& c : carriages_)
    if (c->kind == Carriage::Kind::kPrimary && dc_axes.count(c->axis)) pcs.push_back(c.get());
  for (auto& c : carriages_)
    if (c->kind == Carriage::Kind::kDual && !c->primary) pcs.push_back(c.get());
  std::vector<PrinterRail*> primary_rails, dual_rails;
  std::vector<int> axes;
  std::vector<std::optional<double>> safe_dist;
  for (Carriage* pc : pcs) {
    primary_rails.push_back(pc->rail.get());
    dual_rails.push_back(pc->dual ? pc->dual->rail.get() : nullptr);
    axes.push_back(pc->axis);
    safe_dist.push_back(pc->dual ? pc->dual->safe_dist : std::nullopt);
  }
  dc_module_ = std::make_shared<DualCarriages>(printer_, *this, primary_rails, dual_rails, axes,
                                               safe_dist);
  printer_.add_object("dual_carriage", dc_module_);
  check_kinematics(error);
  // As Klipper, the modes (primary carriages active) take effect in the steppers at once.
  dc_module_->apply_all_transforms();
}

std::vector<motion::Vec3> GenericCartKinematics::kinematic_rows(
    std::vector<double>* offsets, const std::map<const PrinterRail*, double>* scales) {
  std::vector<motion::Vec3> rows, offs(steppers_.size());
  for (auto& ks : steppers_) rows.push_back(ks.coeffs);
  if (dc_module_) {
    const auto& dc_axes = dc_module_->get_axes();
    for (auto& c : carriages_) {
      if (c->kind == Carriage::Kind::kExtra) continue;
      int axis = c->axis;
      if (std::find(dc_axes.begin(), dc_axes.end(), axis) == dc_axes.end()) continue;
      auto [scale, offset] = dc_module_->get_transform(c->rail.get());
      if (scales) {
        auto it = scales->find(c->rail.get());
        scale = it != scales->end() ? it->second : 0.;
        offset = 0.;
      }
      for (auto& rs : c->rail->get_steppers())
        for (size_t i = 0; i < steppers_.size(); i++)
          if (steppers_[i].stepper == rs) {
            rows[i][axis] *= scale;
            offs[i][axis] += offset;
          }
    }
  }
  if (offsets) {
    offsets->clear();
    for (size_t i = 0; i < steppers_.size(); i++) {
      const motion::Vec3& a = steppers_[i].coeffs;
      offsets->push_back(a.x * offs[i].x + a.y * offs[i].y + a.z * offs[i].z);
    }
  }
  return rows;
}

template <class MakeError>
void GenericCartKinematics::check_kinematics(MakeError make_error) {
  auto check = [&](const std::map<const PrinterRail*, double>* scales) {
    if (std::fabs(det3(normal_matrix(kinematic_rows(nullptr, scales)))) < 0.00001)
      throw make_error(
          "Verify configured stepper(s) and their 'carriages' specifications, the current "
          "configuration does not allow independent movements of all printer axes.");
  };
  if (!dc_module_) {
    check(nullptr);
    return;
  }
  // Every choice of one active carriage per (primary, dual) pair.
  std::vector<std::pair<PrinterRail*, PrinterRail*>> pairs;
  for (auto& c : carriages_)
    if (c->kind != Carriage::Kind::kExtra && c->dual &&
        (c->kind == Carriage::Kind::kPrimary || !c->primary))
      pairs.push_back({c->rail.get(), c->dual->rail.get()});
  for (auto& c : carriages_)  // carriages without a partner are always active
    if (c->kind == Carriage::Kind::kDual && !c->primary && !c->dual)
      pairs.push_back({c->rail.get(), nullptr});
  for (unsigned mask = 0; mask < (1u << pairs.size()); mask++) {
    std::map<const PrinterRail*, double> scales;
    bool repeated = false;
    for (size_t i = 0; i < pairs.size(); i++) {
      bool second = (mask >> i) & 1;
      // A carriage without a partner is always active (each mask with its bit set repeats one
      // without).
      if (second && !pairs[i].second) repeated = true;
      scales[second && pairs[i].second ? pairs[i].second : pairs[i].first] = 1.;
    }
    if (repeated) continue;
    // Carriages on axes without a dual carriage always move.
    for (auto& c : carriages_)
      if (c->kind == Carriage::Kind::kPrimary && !c->dual) scales[c->rail.get()] = 1.;
    check(&scales);
  }
}

std::vector<MotionStepper*> GenericCartKinematics::get_steppers() {
  std::vector<MotionStepper*> out;
  for (auto& ks : steppers_) out.push_back(ks.stepper.get());
  return out;
}

Pos3 GenericCartKinematics::calc_position(const std::map<std::string, double>& stepper_positions) {
  std::vector<double> offs;
  std::vector<motion::Vec3> rows = kinematic_rows(&offs, nullptr);
  std::vector<double> pos;
  for (size_t i = 0; i < steppers_.size(); i++)
    pos.push_back(stepper_positions.at(steppers_[i].stepper->get_name()) - offs[i]);
  motion::Vec3 p = motion::GenericCartesianKinematics::forward(rows, pos);
  Pos3 out{p.x, p.y, p.z};
  // Axes no active stepper follows cannot be determined.
  for (int a = 0; a < 3; a++) {
    bool used = false;
    for (auto& r : rows) used = used || r[a] != 0.;
    if (!used) out[a] = kUnknownPos;
  }
  return out;
}

bool GenericCartKinematics::is_active(Carriage& c) {
  if (c.kind == Carriage::Kind::kPrimary && !c.dual) return true;
  return dc_module_ && dc_module_->is_active(c.rail.get());
}

void GenericCartKinematics::set_position(const std::array<double, 3>& newpos,
                                         const std::string& homing_axes) {
  for (auto& ks : steppers_) ks.stepper->set_position(newpos[0], newpos[1], newpos[2]);
  for (char axis_name : homing_axes) {
    int axis = axis_name - 'x';
    for (auto& c : carriages_)
      if (c->kind != Carriage::Kind::kExtra && c->axis == axis && is_active(*c)) {
        limits_.limits[axis] = c->rail->get_range();
        break;
      }
  }
}

std::array<GenericCartKinematics::Carriage*, 3> GenericCartKinematics::primary_carriages() {
  std::array<Carriage*, 3> out{};
  for (int a = 0; a < 3; a++) {
    const std::vector<int> none;
    const auto& dc_axes = dc_module_ ? dc_module_->get_axes() : none;
    if (std::find(dc_axes.begin(), dc_axes.end(), a) != dc_axes.end()) {
      PrinterRail* primary = dc_module_->get_primary_rail(a);
      for (auto& c : carriages_)
        if (c->rail && c->rail.get() == primary) out[a] = c.get();
    } else {
      for (auto& c : carriages_)
        if (c->kind == Carriage::Kind::kPrimary && c->axis == a) {
          out[a] = c.get();
          break;
        }
    }
  }
  return out;
}

void GenericCartKinematics::update_limits(int axis, std::pair<double, double> range) {
  if (limits_.homed(axis)) limits_.limits[axis] = range;
}

void GenericCartKinematics::home_axis(Homing& homing_state, int axis, PrinterRail& rail) {
  home_rail_axis(homing_state, axis, rail);
}

void GenericCartKinematics::home(Homing& homing_state) {
  check_kinematics([](const std::string& m) { return CommandError(m); });
  auto pcs = primary_carriages();
  for (int axis : homing_state.get_axes()) {
    const std::vector<int> none;
    const auto& dc_axes = dc_module_ ? dc_module_->get_axes() : none;
    if (std::find(dc_axes.begin(), dc_axes.end(), axis) != dc_axes.end())
      dc_module_->home(homing_state, axis);
    else
      home_rail_axis(homing_state, axis, pcs[axis]->get_rail());
  }
}

void GenericCartKinematics::check_move(ToolMove& move) {
  const auto& l = limits_.limits;
  double xpos = move.end_pos[0], ypos = move.end_pos[1];
  if (xpos < l[0].first || xpos > l[0].second || ypos < l[1].first || ypos > l[1].second)
    limits_.check_endstops(move);
  if (move.axes_d[2] == 0.) return;
  limits_.check_endstops(move);
  double z_ratio = move.move_d / std::fabs(move.axes_d[2]);
  move.limit_speed(max_z_velocity_ * z_ratio, max_z_accel_ * z_ratio);
}

Json GenericCartKinematics::get_status(double) {
  std::array<double, 3> amin{}, amax{};
  auto pcs = primary_carriages();
  for (int a = 0; a < 3; a++) {
    if (!pcs[a]) continue;
    auto r = pcs[a]->get_rail().get_range();
    amin[a] = r.first;
    amax[a] = r.second;
  }
  return Json{{"homed_axes", limits_.homed_axes()},
              {"axis_minimum", coord_status(amin)},
              {"axis_maximum", coord_status(amax)}};
}

void GenericCartKinematics::cmd_set_stepper_carriages(GCodeCommand& gcmd) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  toolhead.flush_step_generation();
  std::string name = gcmd.get("STEPPER");
  KinStepper* ks = nullptr;
  int found = 0;
  for (auto& s : steppers_) {
    std::string full = s.stepper->get_name();
    std::string shrt = full.starts_with("stepper ") ? full.substr(8) : full;
    if (full == name || shrt == name) {
      ks = &s;
      found++;
    }
  }
  if (found != 1) throw gcmd.error(fmt::format("Invalid STEPPER '{}' specified", name));
  std::string text = gcmd.get("CARRIAGES");
  for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  bool validate = gcmd.get_int("DISABLE_CHECKS", 0) == 0;
  auto [coeffs, refs] =
      parse_carriages(text, [&](const std::string& m) { return gcmd.error(m); });
  if (coeffs.x == 0. && coeffs.y == 0. && coeffs.z == 0.)
    throw gcmd.error(fmt::format(
        "A valid string that references at least one carriage must be provided for '{}'",
        ks->stepper->get_name()));
  if (refs != ks->carriages)
    throw gcmd.error(
        "SET_STEPPER_CARRIAGES cannot add or remove carriages that the stepper controls");
  ks->coeffs = coeffs;
  ks->sk->set_coeffs(coeffs);
  Coord pos = toolhead.get_position();
  if (validate) {
    try {
      check_kinematics([&](const std::string& m) { return gcmd.error(m); });
    } catch (const CommandError&) {
      // As Klipper, the new coefficients stay; only the report is an error.
      ks->stepper->set_position(pos[0], pos[1], pos[2]);
      throw;
    }
  }
  ks->stepper->set_position(pos[0], pos[1], pos[2]);
}

KPP_REGISTER_KINEMATICS(generic_cartesian, "generic_cartesian",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<GenericCartKinematics>(th, c);
                        })

}  // namespace kpp
