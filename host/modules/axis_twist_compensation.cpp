// [axis_twist_compensation] (Klipper's extras/axis_twist_compensation.py): corrects probe
// results for a twisted X (or Y) rail. The correction is a table of Z offsets at evenly spaced
// positions along the axis (z_compensations between compensation_start_x and
// compensation_end_x, zy_compensations along Y), interpolated linearly and added to every
// probe result through the "probe:update_results" event. AXIS_TWIST_COMPENSATION_CALIBRATE
// measures the table: at each point it probes, then lets the user find the bed with the
// nozzle (TESTZ/ACCEPT); the table is the deviation of each point's probe offset from the mean.
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/configfile.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "modules/manual_probe_helper.h"
#include "modules/probe.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

constexpr int kDefaultSampleCount = 3;

// One axis' table: offsets at evenly spaced positions from start to end.
struct TwistTable {
  std::vector<double> values;
  double start = 0., end = 0.;

  // Linear interpolation between the two nearest entries; outside the range the first or last
  // segment is extended.
  double at(double coord) const {
    int n = static_cast<int>(values.size());
    double spacing = (end - start) / (n - 1);
    double t = (coord - start) / spacing;
    int i = std::clamp(static_cast<int>(std::floor(t)), 0, n - 2);
    t -= i;
    return values[i] + t * (values[i + 1] - values[i]);
  }
};

std::string format_offsets(const std::vector<double>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); i++) s += fmt::format("{}{:.6f}", i ? ", " : "", v[i]);
  return s;
}

class AxisTwistCompensation : public PrinterObject {
 public:
  explicit AxisTwistCompensation(const ConfigWrapper& config)
      : printer_(config.get_printer()), name_(config.get_name()) {
    horizontal_move_z_ = config.getfloat("horizontal_move_z", 5.);
    speed_ = config.getfloat("speed", 50.);
    calibrate_start_x_ = config.getfloat_opt("calibrate_start_x");
    calibrate_end_x_ = config.getfloat_opt("calibrate_end_x");
    calibrate_y_ = config.getfloat_opt("calibrate_y");
    calibrate_start_y_ = config.getfloat_opt("calibrate_start_y");
    calibrate_end_y_ = config.getfloat_opt("calibrate_end_y");
    calibrate_x_ = config.getfloat_opt("calibrate_x");
    x_table_ = read_table(config, "z_compensations", "compensation_start_x", "compensation_end_x");
    y_table_ =
        read_table(config, "zy_compensations", "compensation_start_y", "compensation_end_y");

    printer_.register_event_handler<Pos3*>("probe:update_results",
                                           [this](Pos3* pos) { update_result(*pos); });
    printer_.register_event_handler<>("klippy:connect", [this] {
      if (!printer_.try_lookup<PrinterProbe>("probe"))
        throw ConfigError("AXIS_TWIST_COMPENSATION requires [probe] to be defined");
    });
    printer_.lookup<GCodeDispatch>("gcode").register_command(
        "AXIS_TWIST_COMPENSATION_CALIBRATE", [this](GCodeCommand& g) { cmd_calibrate(g); }, false,
        "Performs the x twist calibration wizard\nMeasure z probe offset at n points along the "
        "x axis,\nand calculate x twist compensation");
  }

 private:
  static TwistTable read_table(const ConfigWrapper& config, const char* values_opt,
                               const char* start_opt, const char* end_opt) {
    TwistTable t;
    t.values = config.getfloatlist_opt(values_opt).value_or(std::vector<double>{});
    auto start = config.getfloat_opt(start_opt);
    auto end = config.getfloat_opt(end_opt);
    if (t.values.empty()) return t;
    if (t.values.size() < 2)
      throw ConfigError(fmt::format("Option '{}' in section '{}' needs at least two values",
                                    values_opt, config.get_name()));
    if (!start || !end)
      throw ConfigError(fmt::format("{} requires {} and {} to be set", values_opt, start_opt,
                                    end_opt));
    t.start = *start;
    t.end = *end;
    return t;
  }

  void update_result(Pos3& pos) const {
    if (!x_table_.values.empty()) pos[2] += x_table_.at(pos[0]);
    if (!y_table_.values.empty()) pos[2] += y_table_.at(pos[1]);
  }

  // ---- calibration ----

  void cmd_calibrate(GCodeCommand& gcmd) {
    int sample_count = static_cast<int>(gcmd.get_int("SAMPLE_COUNT", kDefaultSampleCount));
    std::string axis = gcmd.get("AXIS", "X");
    if (axis != "X" && axis != "Y")
      throw CommandError("AXIS_TWIST_COMPENSATION_CALIBRATE: Invalid axis.");
    if (sample_count < 2) throw CommandError("SAMPLE_COUNT to probe must be at least 2");
    // Nozzle positions: evenly spaced along the axis, at the fixed coordinate of the other.
    std::optional<double> start, end, other;
    if (axis == "X") {
      start = calibrate_start_x_, end = calibrate_end_x_, other = calibrate_y_;
      if (!start || !end || !other)
        throw CommandError(
            "AXIS_TWIST_COMPENSATION for X axis requires calibrate_start_x, calibrate_end_x "
            "and calibrate_y to be defined");
    } else {
      start = calibrate_start_y_, end = calibrate_end_y_, other = calibrate_x_;
      if (!start || !end || !other)
        throw CommandError(
            "AXIS_TWIST_COMPENSATION for Y axis requires calibrate_start_y, calibrate_end_y "
            "and calibrate_x to be defined");
    }
    ManualProbeSession::verify_none_active(printer_);
    (axis == "X" ? x_table_ : y_table_).values.clear();
    auto& probe = printer_.lookup<PrinterProbe>("probe");
    Pos3 off = probe.get_offsets();
    run_ = std::make_shared<Run>();
    run_->axis = axis;
    run_->start = *start;
    run_->end = *end;
    run_->params = gcmd.get_command_parameters();
    double interval = (*end - *start) / (sample_count - 1);
    for (int i = 0; i < sample_count; i++) {
      double a = *start + i * interval;
      Pos3 nozzle = axis == "X" ? Pos3{a, *other, 0.} : Pos3{*other, a, 0.};
      run_->nozzle_points.push_back(nozzle);
      // The probe goes where the nozzle will be measured.
      run_->probe_points.push_back({nozzle[0] - off[0], nozzle[1] - off[1], 0.});
    }
    calibrate_point();
  }

  struct Run {
    std::string axis;
    double start = 0., end = 0.;
    GCodeParams params;
    std::vector<Pos3> nozzle_points, probe_points;
    std::vector<double> results;  // probe Z minus nozzle Z at each point
    double measured_z = 0.;
  };

  void move(std::optional<double> x, std::optional<double> y, std::optional<double> z,
            double speed) {
    printer_.lookup<ToolHead>("toolhead").manual_move({x, y, z}, speed);
  }

  void calibrate_point() {
    auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
    auto& probe = printer_.lookup<PrinterProbe>("probe");
    size_t i = run_->results.size();
    gcode.respond_info(fmt::format("AXIS_TWIST_COMPENSATION_CALIBRATE: Probing point {} of {}",
                                   i + 1, run_->probe_points.size()));
    double lift_speed = probe.get_probe_params().lift_speed;
    move(std::nullopt, std::nullopt, horizontal_move_z_, lift_speed);
    move(run_->probe_points[i][0], run_->probe_points[i][1], std::nullopt, speed_);
    GCodeCommand pcmd = gcode.create_gcode_command("", "", run_->params);
    run_->measured_z = probe.run_single_probe(pcmd)[2];
    move(std::nullopt, std::nullopt, horizontal_move_z_, lift_speed);
    move(run_->nozzle_points[i][0], run_->nozzle_points[i][1], std::nullopt, speed_);
    ManualProbeSession::start(printer_, pcmd, [this, run = run_](std::optional<Pos3> kin_pos) {
      if (run != run_) return;  // a newer calibration replaced this one
      if (!kin_pos) {
        printer_.lookup<GCodeDispatch>("gcode").respond_info(
            "AXIS_TWIST_COMPENSATION_CALIBRATE: Probe cancelled, calibration aborted");
        run_.reset();
        return;
      }
      run->results.push_back(run->measured_z - (*kin_pos)[2]);
      if (run->results.size() < run->probe_points.size())
        calibrate_point();
      else
        finish_calibration();
    });
  }

  void finish_calibration() {
    std::shared_ptr<Run> run = std::move(run_);
    double avg = 0.;
    for (double r : run->results) avg += r;
    avg /= static_cast<double>(run->results.size());
    // Relative to the mean, so the table does not depend on z_offset.
    std::vector<double> offsets;
    for (double r : run->results) offsets.push_back(avg - r);
    bool x = run->axis == "X";
    TwistTable& table = x ? x_table_ : y_table_;
    table.values = offsets;
    table.start = run->start;
    table.end = run->end;
    auto& configfile = printer_.lookup<PrinterConfig>("configfile");
    configfile.set(name_, x ? "z_compensations" : "zy_compensations", format_offsets(offsets));
    configfile.set(name_, x ? "compensation_start_x" : "compensation_start_y", run->start);
    configfile.set(name_, x ? "compensation_end_x" : "compensation_end_y", run->end);
    auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
    gcode.respond_info(
        "AXIS_TWIST_COMPENSATION state has been saved for the current session.  The "
        "SAVE_CONFIG command will update the printer config file and restart the printer.");
    std::string list;
    for (size_t i = 0; i < offsets.size(); i++)
      list += fmt::format("{}{}", i ? ", " : "", offsets[i]);
    gcode.respond_info(fmt::format(
        "AXIS_TWIST_COMPENSATION_CALIBRATE: Calibration complete, offsets: [{}], mean "
        "z_offset: {:.6f}",
        list, avg));
  }

  Printer& printer_;
  std::string name_;
  double horizontal_move_z_, speed_;
  std::optional<double> calibrate_start_x_, calibrate_end_x_, calibrate_y_;
  std::optional<double> calibrate_start_y_, calibrate_end_y_, calibrate_x_;
  TwistTable x_table_, y_table_;
  std::shared_ptr<Run> run_;
};

std::shared_ptr<PrinterObject> load_axis_twist_compensation(ConfigWrapper& config) {
  return std::make_shared<AxisTwistCompensation>(config);
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(axis_twist_compensation, kpp::load_axis_twist_compensation, nullptr)
