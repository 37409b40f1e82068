// [probe] (see probe.h).
#include "modules/probe.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/configfile.h"
#include "mcu/pins.h"
#include "modules/gcode_move.h"
#include "modules/homing.h"
#include "modules/manual_probe_helper.h"
#include "motion/stepper.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {
// Appended to a homing timeout: the usual cause is an unhomed printer or a too high Z minimum.
constexpr const char* kHintTimeout =
    "\nIf the probe did not move far enough to trigger, then\n"
    "consider reducing the Z axis minimum position so the probe\n"
    "can travel further (the Z minimum position can be negative).\n";
}  // namespace

Pos3 calc_probe_z_average(const std::vector<Pos3>& positions, const std::string& method) {
  if (positions.empty()) return {0., 0., 0.};
  if (method != "median") {
    Pos3 sum{0., 0., 0.};
    for (const Pos3& p : positions)
      for (int i = 0; i < 3; i++) sum[i] += p[i];
    for (double& v : sum) v /= static_cast<double>(positions.size());
    return sum;
  }
  std::vector<Pos3> sorted = positions;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Pos3& a, const Pos3& b) { return a[2] < b[2]; });
  size_t middle = sorted.size() / 2;
  if (sorted.size() % 2 == 1) return sorted[middle];
  return calc_probe_z_average({sorted[middle - 1], sorted[middle]}, "average");
}

// ---- ProbeEndstop ----

ProbeEndstop::ProbeEndstop(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      position_endstop_(config.getfloat("z_offset")),
      stow_on_each_sample_(config.getboolean("deactivate_on_each_sample", true)),
      activate_gcode_(printer_.load<PrinterGCodeMacro>(config, "gcode_macro")
                          .load_template(config, "activate_gcode", "")),
      deactivate_gcode_(printer_.load<PrinterGCodeMacro>(config, "gcode_macro")
                            .load_template(config, "deactivate_gcode", "")) {
  mcu_endstop_ = printer_.lookup<PrinterPins>("pins").setup_endstop(config.get("pin"));
}

void ProbeEndstop::run_script(const MacroTemplate& tmpl, const char* what) {
  // The scripts may not move the toolhead: the probing move would start elsewhere.
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  Coord start = toolhead.get_position();
  tmpl.run_gcode_from_command(tmpl.create_context());
  Coord now = toolhead.get_position();
  for (int i = 0; i < 3; i++)
    if (now[i] != start[i])
      throw CommandError(fmt::format("Toolhead moved during probe {} script", what));
}

void ProbeEndstop::multi_probe_begin() {
  if (!stow_on_each_sample_) multi_ = Multi::kFirst;
}

void ProbeEndstop::multi_probe_end() {
  if (stow_on_each_sample_) return;
  run_script(deactivate_gcode_, "deactivate_gcode");
  multi_ = Multi::kOff;
}

void ProbeEndstop::probe_prepare(HomingMove*) {
  if (multi_ == Multi::kOff || multi_ == Multi::kFirst)
    run_script(activate_gcode_, "activate_gcode");
  if (multi_ == Multi::kFirst) multi_ = Multi::kOn;
}

void ProbeEndstop::probe_finish(HomingMove*) {
  if (multi_ == Multi::kOff) run_script(deactivate_gcode_, "deactivate_gcode");
}

// ---- PrinterProbe ----

PrinterProbe::PrinterProbe(const ConfigWrapper& config)
    : PrinterProbe(config, std::make_shared<ProbeEndstop>(config)) {}

PrinterProbe::PrinterProbe(const ConfigWrapper& config,
                           std::shared_ptr<ProbeEndstopWrapper> endstop)
    : printer_(config.get_printer()), name_(config.get_name()), endstop_(std::move(endstop)) {
  x_offset_ = config.getfloat("x_offset", 0.);
  y_offset_ = config.getfloat("y_offset", 0.);
  z_offset_ = config.getfloat("z_offset");
  if (config.has_section("stepper_z"))
    z_position_ = config.getsection("stepper_z").getfloat("position_min", 0.);
  else
    z_position_ = config.getsection("printer").getfloat("minimum_z_position", 0.);
  defaults_.probe_speed = config.getfloat("speed", 5., FloatLimits{.above = 0.});
  defaults_.lift_speed =
      config.getfloat("lift_speed", defaults_.probe_speed, FloatLimits{.above = 0.});
  defaults_.samples = static_cast<int>(config.getint("samples", 1, IntLimits{.minval = 1}));
  defaults_.sample_retract_dist =
      config.getfloat("sample_retract_dist", 2., FloatLimits{.above = 0.});
  defaults_.samples_result = config.getchoice("samples_result", {"median", "average"}, "average");
  defaults_.samples_tolerance =
      config.getfloat("samples_tolerance", 0.100, FloatLimits{.minval = 0.});
  defaults_.samples_tolerance_retries =
      static_cast<int>(config.getint("samples_tolerance_retries", 0, IntLimits{.minval = 0}));

  printer_.lookup<PrinterPins>("pins").register_chip("probe", *this);
  // Every Z stepper stops when the probe triggers (homing Z via the virtual endstop, probing).
  printer_.register_event_handler<>("klippy:mcu_identify", [this] {
    auto& kin = printer_.lookup<ToolHead>("toolhead").get_kinematics();
    for (MotionStepper* s : kin.get_steppers())
      if (s->is_active_axis('z')) endstop_->add_stepper(*s);
  });
  auto uses_probe = [this](HomingMove* hmove) {
    for (auto& e : hmove->get_mcu_endstops())
      if (e.get() == endstop_.get()) return true;
    return false;
  };
  printer_.register_event_handler<HomingMove*>("homing:homing_move_begin",
                                               [this, uses_probe](HomingMove* hmove) {
                                                 if (uses_probe(hmove)) endstop_->probe_prepare(hmove);
                                               });
  printer_.register_event_handler<HomingMove*>("homing:homing_move_end",
                                               [this, uses_probe](HomingMove* hmove) {
                                                 if (uses_probe(hmove)) endstop_->probe_finish(hmove);
                                               });
  auto rails_use_probe = [this](const std::vector<PrinterRail*>& rails) {
    for (PrinterRail* rail : rails)
      for (auto& [e, n] : rail->get_endstops())
        if (e.get() == endstop_.get()) return true;
    return false;
  };
  printer_.register_event_handler<Homing*, std::vector<PrinterRail*>>(
      "homing:home_rails_begin", [this, rails_use_probe](Homing* h, std::vector<PrinterRail*> r) {
        if (!rails_use_probe(r)) return;
        // Like a probe, the homing moves descend to the Z minimum; the trigger point becomes
        // the rail's position_endstop (the probe's z_offset).
        h->set_travel_limit(2, z_position_);
        endstop_->multi_probe_begin();
      });
  printer_.register_event_handler<Homing*, std::vector<PrinterRail*>>(
      "homing:home_rails_end", [this, rails_use_probe](Homing*, std::vector<PrinterRail*> r) {
        if (rails_use_probe(r)) endstop_->multi_probe_end();
      });
  // A failed command must not leave a multi-probe session (and a deployed probe) behind.
  printer_.register_event_handler<>("gcode:command_error", [this] {
    if (!session_pending_) return;
    session_pending_ = false;
    results_.clear();
    try {
      endstop_->multi_probe_end();
    } catch (const CommandError&) {
    }
  });

  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command("PROBE", [this](GCodeCommand& g) { cmd_probe(g); }, false,
                         "Probe Z-height at current XY position");
  gcode.register_command("QUERY_PROBE", [this](GCodeCommand& g) { cmd_query_probe(g); }, false,
                         "Return the status of the z-probe");
  gcode.register_command("PROBE_ACCURACY", [this](GCodeCommand& g) { cmd_probe_accuracy(g); },
                         false, "Probe Z-height accuracy at current XY position");
  gcode.register_command("PROBE_CALIBRATE", [this](GCodeCommand& g) { cmd_probe_calibrate(g); },
                         false, "Calibrate the probe's z_offset");
  gcode.register_command("Z_OFFSET_APPLY_PROBE",
                         [this](GCodeCommand& g) { cmd_z_offset_apply_probe(g); }, false,
                         "Adjust the probe's z_offset");
}

std::shared_ptr<McuEndstop> PrinterProbe::setup_endstop(const PinParams& p) {
  if (p.pin != "z_virtual_endstop")
    throw PinError("Probe virtual endstop only useful as endstop pin");
  if (p.invert || p.pullup) throw PinError("Can not pullup/invert probe virtual endstop");
  return endstop_;
}

Json PrinterProbe::get_status(double) {
  return Json{{"name", name_}, {"last_query", last_state_}, {"last_z_result", last_z_result_}};
}

ProbeParams PrinterProbe::get_probe_params(const GCodeCommand* gcmd) const {
  if (!gcmd) return defaults_;
  ProbeParams p;
  p.probe_speed = gcmd->get_float("PROBE_SPEED", defaults_.probe_speed, FloatLimits{.above = 0.});
  p.lift_speed = gcmd->get_float("LIFT_SPEED", defaults_.lift_speed, FloatLimits{.above = 0.});
  p.samples = static_cast<int>(gcmd->get_int("SAMPLES", defaults_.samples, IntLimits{.minval = 1}));
  p.sample_retract_dist = gcmd->get_float("SAMPLE_RETRACT_DIST", defaults_.sample_retract_dist,
                                          FloatLimits{.above = 0.});
  p.samples_tolerance = gcmd->get_float("SAMPLES_TOLERANCE", defaults_.samples_tolerance,
                                        FloatLimits{.minval = 0.});
  p.samples_tolerance_retries = static_cast<int>(gcmd->get_int(
      "SAMPLES_TOLERANCE_RETRIES", defaults_.samples_tolerance_retries, IntLimits{.minval = 0}));
  p.samples_result = gcmd->get("SAMPLES_RESULT", defaults_.samples_result);
  return p;
}

void PrinterProbe::start_session() {
  if (session_pending_) throw CommandError("Internal probe error - start/end probe session mismatch");
  endstop_->multi_probe_begin();
  session_pending_ = true;
  results_.clear();
}

void PrinterProbe::end_session() {
  if (!session_pending_) throw CommandError("Internal probe error - start/end probe session mismatch");
  results_.clear();
  session_pending_ = false;
  endstop_->multi_probe_end();
}

Pos3 PrinterProbe::probe_once(double speed) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  double now = printer_.get_reactor().monotonic();
  Json kin_status = toolhead.get_kinematics().get_status(now);
  std::string homed = kin_status.value("homed_axes", std::string());
  if (homed.find('z') == std::string::npos) throw CommandError("Must home before probe");
  Coord pos = toolhead.get_position();
  pos[2] = z_position_;
  Coord epos;
  try {
    epos = printer_.lookup<PrinterHoming>("homing").probing_move(endstop_, pos, speed);
  } catch (const CommandError& e) {
    std::string reason = e.what();
    if (reason.find("Timeout during endstop homing") != std::string::npos) reason += kHintTimeout;
    throw CommandError(reason);
  }
  Pos3 result{epos[0], epos[1], epos[2]};
  // Corrections of the result ([axis_twist_compensation]) before it is reported and used.
  printer_.send_event<Pos3*>("probe:update_results", &result);
  printer_.lookup<GCodeDispatch>("gcode").respond_info(
      fmt::format("probe at {:.3f},{:.3f} is z={:.6f}", result[0], result[1], result[2]));
  return result;
}

void PrinterProbe::move_z(double z, double speed) {
  printer_.lookup<ToolHead>("toolhead").manual_move({std::nullopt, std::nullopt, z}, speed);
}

Pos3 PrinterProbe::run_probe(const GCodeCommand& gcmd) {
  if (!session_pending_) throw CommandError("Internal probe error - start/end probe session mismatch");
  ProbeParams params = get_probe_params(&gcmd);
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  double px = toolhead.get_position()[0], py = toolhead.get_position()[1];
  int retries = 0;
  std::vector<Pos3> positions;
  while (static_cast<int>(positions.size()) < params.samples) {
    Pos3 pos = probe_once(params.probe_speed);
    positions.push_back(pos);
    auto [lo, hi] = std::minmax_element(positions.begin(), positions.end(),
                                        [](const Pos3& a, const Pos3& b) { return a[2] < b[2]; });
    if ((*hi)[2] - (*lo)[2] > params.samples_tolerance) {
      if (retries >= params.samples_tolerance_retries)
        throw CommandError("Probe samples exceed samples_tolerance");
      printer_.lookup<GCodeDispatch>("gcode").respond_info(
          "Probe samples exceed tolerance. Retrying...");
      retries++;
      positions.clear();
    }
    // Lift for the next sample (straight up above the first point).
    if (static_cast<int>(positions.size()) < params.samples)
      toolhead.manual_move({px, py, pos[2] + params.sample_retract_dist}, params.lift_speed);
  }
  Pos3 result = calc_probe_z_average(positions, params.samples_result);
  results_.push_back(result);
  return result;
}

Pos3 PrinterProbe::run_single_probe(const GCodeCommand& gcmd) {
  start_session();
  Pos3 pos = run_probe(gcmd);
  end_session();
  return pos;
}

void PrinterProbe::cmd_probe(GCodeCommand& gcmd) {
  Pos3 pos = run_single_probe(gcmd);
  gcmd.respond_info(fmt::format("Result is z={:.6f}", pos[2]));
  last_z_result_ = pos[2];
}

void PrinterProbe::cmd_query_probe(GCodeCommand& gcmd) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  int res = endstop_->query_endstop(toolhead.get_last_move_time());
  last_state_ = res != 0;
  gcmd.respond_info(std::string("probe: ") + (last_state_ ? "TRIGGERED" : "open"));
}

void PrinterProbe::cmd_probe_accuracy(GCodeCommand& gcmd) {
  ProbeParams params = get_probe_params(&gcmd);
  int sample_count = static_cast<int>(gcmd.get_int("SAMPLES", 10, IntLimits{.minval = 1}));
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  Coord pos = toolhead.get_position();
  gcmd.respond_info(fmt::format(
      "PROBE_ACCURACY at X:{:.3f} Y:{:.3f} Z:{:.3f} (samples={} retract={:.3f} speed={:.1f} "
      "lift_speed={:.1f})\n",
      pos[0], pos[1], pos[2], sample_count, params.sample_retract_dist, params.probe_speed,
      params.lift_speed));
  // Each reading is one sample; the command's SAMPLES is the number of readings.
  GCodeParams one = gcmd.get_command_parameters();
  std::erase_if(one, [](const auto& kv) { return kv.first == "SAMPLES"; });
  one.emplace_back("SAMPLES", "1");
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  GCodeCommand single = gcode.create_gcode_command("", "", one);
  start_session();
  for (int i = 0; i < sample_count; i++) {
    run_probe(single);
    double z = toolhead.get_position()[2];
    move_z(z + params.sample_retract_dist, params.lift_speed);
  }
  std::vector<Pos3> positions = results_;
  end_session();
  double max_v = -INFINITY, min_v = INFINITY;
  for (const Pos3& p : positions) {
    max_v = std::max(max_v, p[2]);
    min_v = std::min(min_v, p[2]);
  }
  double avg = calc_probe_z_average(positions, "average")[2];
  double median = calc_probe_z_average(positions, "median")[2];
  double dev = 0.;
  for (const Pos3& p : positions) dev += (p[2] - avg) * (p[2] - avg);
  double sigma = std::sqrt(dev / static_cast<double>(positions.size()));
  gcmd.respond_info(fmt::format(
      "probe accuracy results: maximum {:.6f}, minimum {:.6f}, range {:.6f}, average {:.6f}, "
      "median {:.6f}, standard deviation {:.6f}",
      max_v, min_v, max_v - min_v, avg, median, sigma));
}

void PrinterProbe::cmd_probe_calibrate(GCodeCommand& gcmd) {
  ManualProbeSession::verify_none_active(printer_);
  ProbeParams params = get_probe_params(&gcmd);
  Pos3 pos = run_single_probe(gcmd);
  // Lift, put the nozzle where the probe triggered, and let the user find the bed by hand.
  double probe_z = pos[2];
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  toolhead.manual_move({pos[0], pos[1], pos[2] + 5.}, params.lift_speed);
  toolhead.manual_move({pos[0] + x_offset_, pos[1] + y_offset_, pos[2] + 5.}, params.probe_speed);
  ManualProbeSession::start(printer_, gcmd, [this, probe_z](std::optional<Pos3> kin_pos) {
    if (!kin_pos) return;
    double z_offset = probe_z - (*kin_pos)[2];
    printer_.lookup<GCodeDispatch>("gcode").respond_info(fmt::format(
        "{}: z_offset: {:.3f}\nThe SAVE_CONFIG command will update the printer config file\n"
        "with the above and restart the printer.",
        name_, z_offset));
    printer_.lookup<PrinterConfig>("configfile")
        .set(name_, "z_offset", fmt::format("{:.3f}", z_offset));
  });
}

void PrinterProbe::cmd_z_offset_apply_probe(GCodeCommand& gcmd) {
  auto& gcode_move = printer_.lookup<GCodeMove>("gcode_move");
  Json origin = gcode_move.get_status(printer_.get_reactor().monotonic())["homing_origin"];
  double offset = origin.at(2).get<double>();
  if (offset == 0.) {
    gcmd.respond_info("Nothing to do: Z Offset is 0");
    return;
  }
  double new_calibrate = z_offset_ - offset;
  gcmd.respond_info(fmt::format(
      "{}: z_offset: {:.3f}\nThe SAVE_CONFIG command will update the printer config file\n"
      "with the above and restart the printer.",
      name_, new_calibrate));
  printer_.lookup<PrinterConfig>("configfile")
      .set(name_, "z_offset", fmt::format("{:.3f}", new_calibrate));
}

namespace {
std::shared_ptr<PrinterObject> load_probe(ConfigWrapper& config) {
  return std::make_shared<PrinterProbe>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(probe, kpp::load_probe, nullptr)
