// [delta_calibrate] (Klipper's extras/delta_calibrate.py): DELTA_CALIBRATE probes seven points
// and fits the delta geometry the kinematics reports (linear delta: radius, tower angles,
// endstops; rotary delta: shoulder height, endstops) to the probed heights;
// DELTA_ANALYZE adds manual heights and measurements of the calibration object for the
// extended fit (also the arm lengths, or the shoulder radius and angles). Results go to SAVE_CONFIG; the measurements are kept in
// the [delta_calibrate] section (heightN, manual_heightN, distanceN with their positions).
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <sstream>

#include "core/configfile.h"
#include "core/logging.h"
#include "modules/delta_calibration.h"
#include "modules/probe_points.h"
#include "motion/stepper.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

StablePos load_stable(const ConfigWrapper& config, const std::string& option) {
  std::string raw = config.get(option);
  std::vector<std::optional<double>> v;
  std::stringstream ss(raw);
  for (std::string part; std::getline(ss, part, ',');) v.push_back(parse_config_float(part));
  if (v.size() != 3 || !v[0] || !v[1] || !v[2])
    throw ConfigError(fmt::format("Unable to parse stable position '{}'", raw));
  return {*v[0], *v[1], *v[2]};
}

std::string stable_text(const StablePos& p) {
  return fmt::format("{:.3f},{:.3f},{:.3f}", p[0], p[1], p[2]);
}

// The seven default probe points: the centre and six points scattered near `radius`.
std::vector<Point2> default_points(double radius) {
  std::vector<Point2> pts = {{0., 0.}};
  const double scatter[6] = {.95, .90, .85, .70, .75, .80};
  for (int i = 0; i < 6; i++) {
    double r = (90. + 60. * i) * M_PI / 180.;
    pts.push_back({std::cos(r) * radius * scatter[i], std::sin(r) * radius * scatter[i]});
  }
  return pts;
}

class DeltaCalibrate : public PrinterObject {
 public:
  explicit DeltaCalibrate(const ConfigWrapper& config)
      : printer_(config.get_printer()),
        probe_helper_(
            config,
            [this](const Pos3& off, const std::vector<Pos3>& pos) { return finalize(off, pos); },
            default_points(config.getfloat("radius", FloatLimits{.above = 0.}))) {
    probe_helper_.minimum_points(3);
    std::string kinematics = config.getsection("printer").peek("kinematics").value_or("");
    if (kinematics != "delta" && kinematics != "rotary_delta")
      throw ConfigError("Delta calibrate is only for delta printers");
    for (int i = 0;; i++) {
      auto h = config.getfloat_opt(fmt::format("height{}", i));
      if (!h) break;
      last_probe_positions_.push_back({*h, load_stable(config, fmt::format("height{}_pos", i))});
    }
    for (int i = 0;; i++) {
      auto h = config.getfloat_opt(fmt::format("manual_height{}", i));
      if (!h) break;
      manual_heights_.push_back({*h, load_stable(config, fmt::format("manual_height{}_pos", i))});
    }
    for (int i = 0;; i++) {
      auto d = config.getfloat_opt(fmt::format("distance{}", i));
      if (!d) break;
      last_distances_.push_back({*d, load_stable(config, fmt::format("distance{}_pos1", i)),
                                 load_stable(config, fmt::format("distance{}_pos2", i))});
    }
    auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
    gcode.register_command("DELTA_CALIBRATE",
                           [this](GCodeCommand& g) { probe_helper_.start_probe(g); }, false,
                           "Delta calibration script");
    gcode.register_command("DELTA_ANALYZE", [this](GCodeCommand& g) { cmd_analyze(g); }, false,
                           "Extended delta calibration tool");
  }

 private:
  // The geometry of the delta kinematics as configured (the fit starts from it).
  std::shared_ptr<const DeltaGeometry> calibration() const {
    auto c = printer_.lookup<ToolHead>("toolhead").get_kinematics().get_calibration();
    if (!c) throw CommandError("Delta calibrate is only for delta printers");
    return c;
  }

  ProbePointsHelper::Outcome finalize(const Pos3& offsets, const std::vector<Pos3>& positions) {
    auto calib = calibration();
    std::vector<DeltaHeight> probes;
    for (const Pos3& p : positions) probes.push_back({offsets[2], calib->calc_stable_position(p)});
    calculate_params(probes, last_distances_);
    return ProbePointsHelper::Outcome::kDone;
  }

  void calculate_params(const std::vector<DeltaHeight>& probes,
                        const std::vector<DeltaDistance>& distances) {
    std::vector<DeltaHeight> heights = manual_heights_;
    heights.insert(heights.end(), probes.begin(), probes.end());
    auto orig = calibration();
    std::unique_ptr<DeltaGeometry> fit = fit_delta_geometry(*orig, heights, probes.size(), distances);
    for (const DeltaHeight& h : heights)
      log::info("height orig: {:.6f} new: {:.6f} goal: {:.6f}",
                orig->get_position_from_stable(h.pos)[2], fit->get_position_from_stable(h.pos)[2],
                h.z);
    save_state(probes, distances, *fit);
    printer_.lookup<GCodeDispatch>("gcode").respond_info(
        "The SAVE_CONFIG command will update the printer config file\n"
        "with these parameters and restart the printer.");
  }

  void save_state(const std::vector<DeltaHeight>& probes,
                  const std::vector<DeltaDistance>& distances, const DeltaGeometry& c) {
    auto& configfile = printer_.lookup<PrinterConfig>("configfile");
    for (const DeltaConfigSetting& s : c.config_settings())
      configfile.set(s.section, s.option, s.value);
    printer_.lookup<GCodeDispatch>("gcode").respond_info(c.report());
    const std::string section = "delta_calibrate";
    configfile.remove_section(section);
    for (size_t i = 0; i < probes.size(); i++) {
      configfile.set(section, fmt::format("height{}", i), probes[i].z);
      configfile.set(section, fmt::format("height{}_pos", i), stable_text(probes[i].pos));
    }
    for (size_t i = 0; i < manual_heights_.size(); i++) {
      configfile.set(section, fmt::format("manual_height{}", i), manual_heights_[i].z);
      configfile.set(section, fmt::format("manual_height{}_pos", i),
                     stable_text(manual_heights_[i].pos));
    }
    for (size_t i = 0; i < distances.size(); i++) {
      configfile.set(section, fmt::format("distance{}", i), distances[i].dist);
      configfile.set(section, fmt::format("distance{}_pos1", i), stable_text(distances[i].pos1));
      configfile.set(section, fmt::format("distance{}_pos2", i), stable_text(distances[i].pos2));
    }
  }

  void add_manual_height(double height) {
    auto& toolhead = printer_.lookup<ToolHead>("toolhead");
    toolhead.flush_step_generation();
    auto& kin = toolhead.get_kinematics();
    std::map<std::string, double> spos;
    for (MotionStepper* s : kin.get_steppers()) spos[s->get_name()] = s->get_commanded_position();
    Pos3 pos = kin.calc_position(spos);
    manual_heights_.push_back({height, calibration()->calc_stable_position(pos)});
    printer_.lookup<GCodeDispatch>("gcode").respond_info(fmt::format(
        "Adding manual height: {:.3f},{:.3f},{:.3f} is actually z={:.3f}", pos[0], pos[1], pos[2],
        height));
  }

  void cmd_analyze(GCodeCommand& gcmd) {
    if (auto h = gcmd.get_float_opt("MANUAL_HEIGHT")) {
      add_manual_height(*h);
      return;
    }
    const std::pair<const char*, size_t> args[] = {{"CENTER_DISTS", 6},
                                                   {"CENTER_PILLAR_WIDTHS", 3},
                                                   {"OUTER_DISTS", 6},
                                                   {"OUTER_PILLAR_WIDTHS", 6},
                                                   {"SCALE", 1}};
    for (auto [name, count] : args) {
      if (!gcmd.has(name)) continue;
      std::vector<double> values;
      std::stringstream ss(gcmd.get(name));
      for (std::string part; std::getline(ss, part, ',');) {
        auto v = parse_config_float(part);
        if (!v) throw CommandError(fmt::format("Unable to parse parameter '{}'", name));
        values.push_back(*v);
      }
      if (values.size() != count)
        throw CommandError(fmt::format("Parameter '{}' must have {} values", name, count));
      analyze_entry_[name] = values;
    }
    if (!gcmd.has("CALIBRATE")) return;
    if (gcmd.get("CALIBRATE") != "extended") throw CommandError("Unknown calibrate action");
    do_extended_calibration();
  }

  void do_extended_calibration() {
    std::vector<DeltaDistance> distances;
    // SCALE alone (or nothing) entered: reuse the stored distances.
    size_t entries = analyze_entry_.size() + (analyze_entry_.count("SCALE") ? 0 : 1);
    if (entries <= 1) {
      distances = last_distances_;
    } else if (entries < 5) {
      throw CommandError("Not all measurements provided");
    } else {
      double scale = analyze_entry_.count("SCALE") ? analyze_entry_["SCALE"][0] : 1.;
      distances = delta_measurements_to_distances(
          analyze_entry_["CENTER_DISTS"], analyze_entry_["CENTER_PILLAR_WIDTHS"],
          analyze_entry_["OUTER_DISTS"], analyze_entry_["OUTER_PILLAR_WIDTHS"], scale,
          *calibration());
    }
    if (last_probe_positions_.empty())
      throw CommandError("Must run basic calibration with DELTA_CALIBRATE first");
    calculate_params(last_probe_positions_, distances);
  }

  Printer& printer_;
  ProbePointsHelper probe_helper_;
  std::vector<DeltaHeight> last_probe_positions_, manual_heights_;
  std::vector<DeltaDistance> last_distances_;
  std::map<std::string, std::vector<double>> analyze_entry_;
};

std::shared_ptr<PrinterObject> load_delta_calibrate(ConfigWrapper& config) {
  return std::make_shared<DeltaCalibrate>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(delta_calibrate, kpp::load_delta_calibrate, nullptr)
