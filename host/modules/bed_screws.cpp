// [bed_screws] (Klipper's extras/bed_screws.py): BED_SCREWS_ADJUST walks the nozzle to each bed
// screw (then to each fine-adjust position) at probe_height for the paper test; ACCEPT moves
// on, ADJUSTED marks a notable adjustment (all screws are visited again), ABORT stops.
#include <fmt/format.h>

#include "modules/probe_points.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

struct Screw {
  Point2 coord;
  std::string name;
};

Point2 parse_coord(const ConfigWrapper& config, const std::string& option) {
  std::string raw = config.get(option);
  auto comma = raw.find(',');
  std::optional<double> x, y;
  if (comma != std::string::npos) {
    x = parse_config_float(raw.substr(0, comma));
    y = parse_config_float(raw.substr(comma + 1));
  }
  if (!x || !y)
    throw ConfigError(
        fmt::format("{}:{} needs to be an x,y coordinate", config.get_name(), option));
  return {*x, *y};
}

class BedScrews : public PrinterObject {
 public:
  explicit BedScrews(const ConfigWrapper& config) : printer_(config.get_printer()) {
    for (int i = 1; i < 100; i++) {
      std::string prefix = fmt::format("screw{}", i);
      if (!config.has_option(prefix)) break;
      Point2 c = parse_coord(config, prefix);
      std::string name =
          config.get(prefix + "_name", fmt::format("screw at {:.3f},{:.3f}", c[0], c[1]));
      adjust_.push_back({c, name});
      if (config.has_option(prefix + "_fine_adjust"))
        fine_.push_back({parse_coord(config, prefix + "_fine_adjust"), name});
    }
    if (adjust_.size() < 3) throw ConfigError("bed_screws: Must have at least three screws");
    speed_ = config.getfloat("speed", 50., FloatLimits{.above = 0.});
    lift_speed_ = config.getfloat("probe_speed", 5., FloatLimits{.above = 0.});
    horizontal_move_z_ = config.getfloat("horizontal_move_z", 5.);
    probe_z_ = config.getfloat("probe_height", 0.);
    printer_.lookup<GCodeDispatch>("gcode").register_command(
        "BED_SCREWS_ADJUST", [this](GCodeCommand& g) { cmd_adjust(g); }, false,
        "Tool to help adjust bed leveling screws");
  }

  Json get_status(double) override {
    return Json{{"is_active", state_.has_value()},
                {"state", state_ ? Json(*state_) : Json(nullptr)},
                {"current_screw", current_screw_},
                {"accepted_screws", accepted_screws_}};
  }

 private:
  const std::vector<Screw>& screws(const std::string& state) const {
    return state == "adjust" ? adjust_ : fine_;
  }

  void move(std::optional<double> x, std::optional<double> y, double z, double speed) {
    printer_.lookup<ToolHead>("toolhead").manual_move({x, y, z}, speed);
  }

  void move_to_screw(const std::string& state, int screw) {
    // Up, over, then down to the paper-test height.
    move(std::nullopt, std::nullopt, horizontal_move_z_, lift_speed_);
    const Screw& s = screws(state)[static_cast<size_t>(screw)];
    move(s.coord[0], s.coord[1], horizontal_move_z_, speed_);
    move(s.coord[0], s.coord[1], probe_z_, lift_speed_);
    state_ = state;
    current_screw_ = screw;
    auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
    gcode.respond_info(fmt::format(
        "Adjust {}. Then run ACCEPT, ADJUSTED, or ABORT\n"
        "Use ADJUSTED if a significant screw adjustment is made",
        s.name));
    gcode.register_command("ACCEPT", [this](GCodeCommand& g) { cmd_accept(g); }, false,
                           "Accept bed screw position");
    gcode.register_command("ADJUSTED", [this](GCodeCommand& g) { cmd_adjusted(g); }, false,
                           "Accept bed screw position after notable adjustment");
    gcode.register_command("ABORT", [this](GCodeCommand& g) { cmd_abort(g); }, false,
                           "Abort bed screws tool");
  }

  void unregister_commands() {
    auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
    for (const char* c : {"ACCEPT", "ADJUSTED", "ABORT"}) gcode.unregister_command(c);
  }

  void cmd_adjust(GCodeCommand&) {
    if (state_) throw CommandError("Already in bed_screws helper; use ABORT to exit");
    accepted_screws_ = 0;
    move(std::nullopt, std::nullopt, horizontal_move_z_, speed_);
    move_to_screw("adjust", 0);
  }

  void cmd_accept(GCodeCommand& gcmd) {
    unregister_commands();
    accepted_screws_++;
    int count = static_cast<int>(screws(*state_).size());
    if (current_screw_ + 1 < count && accepted_screws_ < count) {
      move_to_screw(*state_, current_screw_ + 1);
      return;
    }
    // Every screw must be accepted in one pass without ADJUSTED before the fine adjustments.
    if (accepted_screws_ < static_cast<int>(adjust_.size())) {
      move_to_screw("adjust", 0);
      return;
    }
    if (*state_ == "adjust" && !fine_.empty()) {
      accepted_screws_ = 0;
      move_to_screw("fine", 0);
      return;
    }
    state_.reset();
    move(std::nullopt, std::nullopt, horizontal_move_z_, lift_speed_);
    gcmd.respond_info("Bed screws tool completed successfully");
  }

  void cmd_adjusted(GCodeCommand& gcmd) {
    unregister_commands();
    accepted_screws_ = -1;
    cmd_accept(gcmd);
  }

  void cmd_abort(GCodeCommand&) {
    unregister_commands();
    state_.reset();
  }

  Printer& printer_;
  std::vector<Screw> adjust_, fine_;
  double speed_, lift_speed_, horizontal_move_z_, probe_z_;
  std::optional<std::string> state_;
  int current_screw_ = 0, accepted_screws_ = 0;
};

std::shared_ptr<PrinterObject> load_bed_screws(ConfigWrapper& config) {
  return std::make_shared<BedScrews>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(bed_screws, kpp::load_bed_screws, nullptr)
