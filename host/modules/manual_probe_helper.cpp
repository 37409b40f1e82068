// Manual Z probe session (see manual_probe_helper.h).
#include "modules/manual_probe_helper.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "modules/manual_probe.h"
#include "motion/stepper.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {
constexpr double kBisectMax = 0.200;    // largest step of TESTZ Z=+/- (and ++/--)
constexpr double kZBobMinimum = 0.500;  // approach every lower height from this far above
const char* const kCommands[] = {"ACCEPT", "NEXT", "ABORT", "TESTZ"};
}  // namespace

void ManualProbeSession::verify_none_active(Printer& printer) {
  if (printer.lookup<GCodeDispatch>("gcode").has_command("ACCEPT"))
    throw CommandError("Already in a manual Z probe. Use ABORT to abort it.");
}

void ManualProbeSession::start(Printer& printer, const GCodeCommand& gcmd, Finalize finalize) {
  verify_none_active(printer);
  double speed = gcmd.get_float("SPEED", 5.);
  // Klipper lets other modules register automatic "manual methods"; none exist here.
  if (gcmd.get("MANUAL_METHOD", "manual") != "manual")
    throw CommandError("Not supported manual method");
  std::shared_ptr<ManualProbeSession> s(new ManualProbeSession(printer, speed, std::move(finalize)));
  s->self_ = s;
  auto* raw = s.get();
  auto& gcode = printer.lookup<GCodeDispatch>("gcode");
  gcode.register_command("ACCEPT", [raw](GCodeCommand& g) { raw->cmd_accept(g); }, false,
                         "Accept the current Z position");
  gcode.register_command("NEXT", [raw](GCodeCommand& g) { raw->cmd_accept(g); }, false,
                         "Accept the current Z position");
  gcode.register_command("ABORT", [raw](GCodeCommand&) { raw->finish(false); }, false,
                         "Abort manual Z probing tool");
  gcode.register_command("TESTZ", [raw](GCodeCommand& g) { raw->cmd_testz(g); }, false,
                         "Move to new Z height");
  gcode.respond_info(
      "Starting manual Z probe. Use TESTZ to adjust position.\n"
      "Finish with ACCEPT or ABORT command.");
  raw->start_position_ = printer.lookup<ToolHead>("toolhead").get_position();
  raw->report_z_status();
}

ManualProbeSession::ManualProbeSession(Printer& printer, double speed, Finalize finalize)
    : printer_(printer), speed_(speed), finalize_(std::move(finalize)) {}

Pos3 ManualProbeSession::kinematics_pos() {
  // Where the steppers really are (heights are only reachable in whole steps). Flushing the
  // step generation is only needed (and only done, as Klipper does) after a move.
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  if (last_kin_pos_ && toolhead.get_position() == last_toolhead_pos_) return *last_kin_pos_;
  last_toolhead_pos_ = toolhead.get_position();
  toolhead.flush_step_generation();
  Kinematics& kin = toolhead.get_kinematics();
  std::map<std::string, double> spos;
  for (MotionStepper* s : kin.get_steppers()) spos[s->get_name()] = s->get_commanded_position();
  last_kin_pos_ = kin.calc_position(spos);
  return *last_kin_pos_;
}

void ManualProbeSession::move_z(double z) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  try {
    double bob = z + kZBobMinimum;
    if (toolhead.get_position()[2] < bob)
      toolhead.manual_move({std::nullopt, std::nullopt, bob}, speed_);
    toolhead.manual_move({std::nullopt, std::nullopt, z}, speed_);
  } catch (const CommandError&) {
    finish(false);
    throw;
  }
}

void ManualProbeSession::report_z_status(bool warn_no_change, std::optional<double> prev_z) {
  double z = kinematics_pos()[2];
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  if (warn_no_change && prev_z && z == *prev_z)
    gcode.respond_info("WARNING: No change in position (reached stepper resolution)");
  // The nearest heights tried below and above (a height equal to the current one is neither).
  auto lo = std::lower_bound(past_positions_.begin(), past_positions_.end(), z);
  auto hi = (lo != past_positions_.end() && *lo == z) ? lo + 1 : lo;
  ManualProbe::SessionStatus st{z, std::nullopt, std::nullopt};
  if (lo != past_positions_.begin()) st.lower = *(lo - 1);
  if (hi != past_positions_.end()) st.upper = *hi;
  if (auto* mp = printer_.try_lookup<ManualProbe>("manual_probe")) mp->set_session_status(st);
  std::string below = st.lower ? fmt::format("{:.3f}", *st.lower) : "??????";
  std::string above = st.upper ? fmt::format("{:.3f}", *st.upper) : "??????";
  gcode.respond_info(fmt::format("Z position: {} --> {:.3f} <-- {}", below, z, above));
}

void ManualProbeSession::cmd_testz(GCodeCommand& gcmd) {
  double z = kinematics_pos()[2];
  auto& pp = past_positions_;
  auto it = std::lower_bound(pp.begin(), pp.end(), z);
  size_t idx = static_cast<size_t>(it - pp.begin());
  if (it == pp.end() || *it != z) pp.insert(it, z);
  std::string req = gcmd.get("Z");
  double next_z;
  if (req == "+" || req == "++") {
    double check = idx + 1 < pp.size() ? pp[idx + 1] : 9999999999999.9;
    if (req == "+") check = (check + z) / 2.;
    next_z = std::min(check, z + kBisectMax);
  } else if (req == "-" || req == "--") {
    double check = idx > 0 ? pp[idx - 1] : -9999999999999.9;
    if (req == "-") check = (check + z) / 2.;
    next_z = std::max(check, z - kBisectMax);
  } else {
    next_z = z + gcmd.get_float("Z");
  }
  move_z(next_z);
  report_z_status(next_z != z, z);
}

void ManualProbeSession::cmd_accept(GCodeCommand& gcmd) {
  Coord pos = printer_.lookup<ToolHead>("toolhead").get_position();
  if (pos[0] != start_position_[0] || pos[1] != start_position_[1] ||
      pos[2] >= start_position_[2]) {
    gcmd.respond_info(
        "Manual probe failed! Use TESTZ commands to position the\n"
        "nozzle prior to running ACCEPT.");
    finish(false);
    return;
  }
  finish(true);
}

void ManualProbeSession::finish(bool success) {
  auto keep = std::move(self_);  // this object lives until the end of this call
  if (auto* mp = printer_.try_lookup<ManualProbe>("manual_probe")) mp->set_session_status({});
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  for (const char* c : kCommands) gcode.unregister_command(c);
  std::optional<Pos3> result;
  if (success) result = kinematics_pos();
  finalize_(result);
}

}  // namespace kpp
