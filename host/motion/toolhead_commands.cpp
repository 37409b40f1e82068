// G-code commands of the toolhead (G4, M400, SET_VELOCITY_LIMIT, M204) and the start-up step
// that creates the toolhead, the extruders and the modules every printer has.
#include "core/gcode.h"
#include "core/logging.h"
#include "core/pyfmt.h"
#include "motion/extruder.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

class ToolHeadCommandHelper : public PrinterObject {
 public:
  explicit ToolHeadCommandHelper(Printer& printer)
      : printer_(printer), toolhead_(printer.lookup<ToolHead>("toolhead")) {
    auto& gcode = printer.lookup<GCodeDispatch>("gcode");
    gcode.register_command("G4", [this](GCodeCommand& g) { cmd_G4(g); });
    gcode.register_command("M400", [this](GCodeCommand&) { toolhead_.wait_moves(); });
    gcode.register_command(
        "SET_VELOCITY_LIMIT", [this](GCodeCommand& g) { cmd_SET_VELOCITY_LIMIT(g); }, false,
        "Set printer velocity limits");
    gcode.register_command("M204", [this](GCodeCommand& g) { cmd_M204(g); });
  }

 private:
  void cmd_G4(GCodeCommand& gcmd) {
    double delay = gcmd.get_float("P", 0., FloatLimits{.minval = 0.}) / 1000.;
    toolhead_.dwell(delay);
  }
  void cmd_SET_VELOCITY_LIMIT(GCodeCommand& gcmd) {
    auto max_velocity = gcmd.get_float_opt("VELOCITY", FloatLimits{.above = 0.});
    auto max_accel = gcmd.get_float_opt("ACCEL", FloatLimits{.above = 0.});
    auto scv = gcmd.get_float_opt("SQUARE_CORNER_VELOCITY", FloatLimits{.minval = 0.});
    auto mcr = gcmd.get_float_opt("MINIMUM_CRUISE_RATIO", FloatLimits{.minval = 0., .below = 1.});
    auto r = toolhead_.set_max_velocities(max_velocity, max_accel, scv, mcr);
    std::string msg = fmt::format(
        "max_velocity: {:.6f}\nmax_accel: {:.6f}\nminimum_cruise_ratio: {:.6f}\n"
        "square_corner_velocity: {:.6f}",
        r[0], r[1], r[3], r[2]);
    printer_.set_rollover_info("toolhead", "toolhead: " + msg);
    if (!max_velocity && !max_accel && !scv && !mcr) gcmd.respond_info(msg, false);
  }
  void cmd_M204(GCodeCommand& gcmd) {
    auto accel = gcmd.get_float_opt("S", FloatLimits{.above = 0.});
    if (!accel) {
      // The smaller of P and T.
      auto p = gcmd.get_float_opt("P", FloatLimits{.above = 0.});
      auto t = gcmd.get_float_opt("T", FloatLimits{.above = 0.});
      if (!p || !t) {
        gcmd.respond_info(fmt::format("Invalid M204 command \"{}\"", gcmd.get_commandline()));
        return;
      }
      accel = std::min(*p, *t);
    }
    toolhead_.set_max_velocities(std::nullopt, accel, std::nullopt, std::nullopt);
  }

  Printer& printer_;
  ToolHead& toolhead_;
};

void add_toolhead_objects(Printer& printer, const ConfigWrapper* config) {
  ConfigWrapper pconfig = config->getsection("printer");
  printer.add_object("toolhead", std::make_shared<ToolHead>(pconfig));
  printer.add_object("toolhead_commands", std::make_shared<ToolHeadCommandHelper>(printer));
  add_printer_extruders(printer, *config);
  for (const char* module : {"gcode_move", "homing", "idle_timeout", "statistics",
                             "manual_probe", "tuning_tower", "garbage_collection"})
    printer.load_object(*config, module, false);
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_STARTUP_HOOK(toolhead, kpp::StartupPhase::kAfterSections, 0,
                          kpp::add_toolhead_objects)
