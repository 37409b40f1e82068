// The manual_probe object (see manual_probe.h).
#include "modules/manual_probe.h"

#include <fmt/format.h>

#include "core/configfile.h"
#include "modules/gcode_move.h"
#include "modules/manual_probe_helper.h"

namespace kpp {

namespace {
constexpr const char* kSaveHint =
    "The SAVE_CONFIG command will update the printer config file\n"
    "with the above and restart the printer.";

// A position_endstop read without marking it used (the stepper's own module reads it).
std::optional<double> peek_float(const ConfigWrapper& section, std::string_view option) {
  std::optional<std::string> raw = section.peek(option);
  if (!raw) return std::nullopt;
  return parse_config_float(*raw);
}

// The section holding the Z endstop: [stepper_z], or a [carriage ...] whose axis is z.
std::optional<ConfigWrapper> z_endstop_section(const ConfigWrapper& config) {
  if (config.has_section("stepper_z")) return config.getsection("stepper_z");
  for (const ConfigWrapper& c : config.get_prefix_sections("carriage ")) {
    std::string name = c.get_name().substr(c.get_name().rfind(' ') + 1);
    if (c.peek("axis").value_or(name) == "z") return c;
  }
  return std::nullopt;
}
}  // namespace

ManualProbe::ManualProbe(const ConfigWrapper& config) : printer_(config.get_printer()) {
  if (auto zconfig = z_endstop_section(config)) {
    z_position_endstop_ = peek_float(*zconfig, "position_endstop");
    z_endstop_section_ = zconfig->get_name();
  }
  const char* towers[] = {"stepper_a", "stepper_b", "stepper_c"};
  for (int i = 0; i < 3; i++)
    if (config.has_section(towers[i]))
      tower_endstops_[i] = peek_float(config.getsection(towers[i]), "position_endstop");

  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command("MANUAL_PROBE", [this](GCodeCommand& g) { cmd_manual_probe(g); }, false,
                         "Start manual probe helper script");
  // A cartesian style printer with its own Z endstop.
  if (z_position_endstop_) {
    gcode.register_command("Z_ENDSTOP_CALIBRATE",
                           [this](GCodeCommand& g) { cmd_z_endstop_calibrate(g); }, false,
                           "Calibrate a Z endstop");
    gcode.register_command("Z_OFFSET_APPLY_ENDSTOP",
                           [this](GCodeCommand& g) { cmd_z_offset_apply_endstop(g); }, false,
                           "Adjust the z endstop_position");
  }
  // A linear delta: the Z offset goes into the three tower endstops.
  std::optional<std::string> kin = config.getsection("printer").peek("kinematics");
  if (kin && *kin == "delta" && tower_endstops_[0] && tower_endstops_[1] && tower_endstops_[2])
    gcode.register_command("Z_OFFSET_APPLY_ENDSTOP",
                           [this](GCodeCommand& g) { cmd_z_offset_apply_delta_endstops(g); },
                           false, "Adjust the z endstop_position");
}

Json ManualProbe::get_status(double) {
  auto opt = [](std::optional<double> v) { return v ? Json(*v) : Json(nullptr); };
  if (!status_)
    return Json{{"is_active", false},
                {"z_position", nullptr},
                {"z_position_lower", nullptr},
                {"z_position_upper", nullptr}};
  return Json{{"is_active", true},
              {"z_position", status_->z_position},
              {"z_position_lower", opt(status_->lower)},
              {"z_position_upper", opt(status_->upper)}};
}

void ManualProbe::cmd_manual_probe(GCodeCommand& gcmd) {
  ManualProbeSession::start(printer_, gcmd, [this](std::optional<Pos3> pos) {
    if (pos)
      printer_.lookup<GCodeDispatch>("gcode").respond_info(
          fmt::format("Z position is {:.3f}", (*pos)[2]));
  });
}

void ManualProbe::report_new_endstop(const std::string& text) {
  printer_.lookup<GCodeDispatch>("gcode").respond_info(text + kSaveHint);
}

void ManualProbe::cmd_z_endstop_calibrate(GCodeCommand& gcmd) {
  ManualProbeSession::start(printer_, gcmd, [this](std::optional<Pos3> pos) {
    if (!pos) return;
    double z = *z_position_endstop_ - (*pos)[2];
    report_new_endstop(fmt::format("{}: position_endstop: {:.3f}\n", z_endstop_section_, z));
    printer_.lookup<PrinterConfig>("configfile")
        .set(z_endstop_section_, "position_endstop", fmt::format("{:.3f}", z));
  });
}

double ManualProbe::homing_origin_z() {
  auto& gcode_move = printer_.lookup<GCodeMove>("gcode_move");
  Json origin = gcode_move.get_status(printer_.get_reactor().monotonic())["homing_origin"];
  return origin.at(2).get<double>();
}

void ManualProbe::cmd_z_offset_apply_endstop(GCodeCommand& gcmd) {
  double offset = homing_origin_z();
  if (offset == 0.) {
    gcmd.respond_info("Nothing to do: Z Offset is 0");
    return;
  }
  double z = *z_position_endstop_ - offset;
  report_new_endstop(fmt::format("{}: position_endstop: {:.3f}\n", z_endstop_section_, z));
  printer_.lookup<PrinterConfig>("configfile")
      .set(z_endstop_section_, "position_endstop", fmt::format("{:.3f}", z));
}

void ManualProbe::cmd_z_offset_apply_delta_endstops(GCodeCommand& gcmd) {
  double offset = homing_origin_z();
  if (offset == 0.) {
    gcmd.respond_info("Nothing to do: Z Offset is 0");
    return;
  }
  const char* towers[] = {"stepper_a", "stepper_b", "stepper_c"};
  std::string text;
  auto& configfile = printer_.lookup<PrinterConfig>("configfile");
  for (int i = 0; i < 3; i++) {
    double v = *tower_endstops_[i] - offset;
    text += fmt::format("{}: position_endstop: {:.3f}\n", towers[i], v);
    configfile.set(towers[i], "position_endstop", fmt::format("{:.3f}", v));
  }
  report_new_endstop(text);
}

namespace {
std::shared_ptr<PrinterObject> load_manual_probe(ConfigWrapper& config) {
  return std::make_shared<ManualProbe>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(manual_probe, kpp::load_manual_probe, nullptr)
