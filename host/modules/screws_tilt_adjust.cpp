// [screws_tilt_adjust] (Klipper's extras/screws_tilt_adjust.py): SCREWS_TILT_CALCULATE probes
// the bed at each screw and tells how far to turn each screw (turns and "minutes" of a clock
// face) to bring it level with the base screw.
#include <fmt/format.h>

#include <cmath>

#include "modules/probe_points.h"

namespace kpp {

namespace {

// Screw pitch (mm per turn) by thread; the index's low bit set means a counter-clockwise knob.
const std::vector<std::string> kThreads = {"CW-M3", "CCW-M3", "CW-M4", "CCW-M4", "CW-M5", "CCW-M5"};
const double kThreadPitch[] = {0.5, 0.5, 0.7, 0.7, 0.8, 0.8};

struct Screw {
  Point2 coord;
  std::string name;
};

std::vector<Screw> read_screws(const ConfigWrapper& config) {
  std::vector<Screw> screws;
  for (int i = 1; i < 100; i++) {
    std::string prefix = fmt::format("screw{}", i);
    if (!config.has_option(prefix)) break;
    std::vector<double> c = config.getfloatlist(prefix, ',', 2);
    std::string name = config.get(prefix + "_name", fmt::format("screw at {:.3f},{:.3f}", c[0], c[1]));
    screws.push_back({{c[0], c[1]}, name});
  }
  if (screws.size() < 3) throw ConfigError("screws_tilt_adjust: Must have at least three screws");
  return screws;
}

std::vector<Point2> coords(const std::vector<Screw>& screws) {
  std::vector<Point2> out;
  for (const Screw& s : screws) out.push_back(s.coord);
  return out;
}

class ScrewsTiltAdjust : public PrinterObject {
 public:
  explicit ScrewsTiltAdjust(const ConfigWrapper& config)
      : printer_(config.get_printer()),
        screws_(read_screws(config)),
        probe_helper_(
            config,
            [this](const Pos3& off, const std::vector<Pos3>& pos) { return finalize(off, pos); },
            coords(screws_)) {
    std::string thread = config.getchoice("screw_thread", kThreads, "CW-M3");
    thread_ = static_cast<int>(std::find(kThreads.begin(), kThreads.end(), thread) - kThreads.begin());
    probe_helper_.minimum_points(3);
    printer_.lookup<GCodeDispatch>("gcode").register_command(
        "SCREWS_TILT_CALCULATE", [this](GCodeCommand& g) { cmd_calculate(g); }, false,
        "Tool to help adjust bed leveling screws by calculating the number of turns to level it.");
  }

  Json get_status(double) override {
    Json results = Json::object();
    for (const auto& [key, r] : results_) results[key] = r;
    return Json{{"error", max_diff_error_},
                {"max_deviation", max_diff_ ? Json(*max_diff_) : Json(nullptr)},
                {"results", results}};
  }

 private:
  void cmd_calculate(GCodeCommand& gcmd) {
    max_diff_ = gcmd.get_float_opt("MAX_DEVIATION");
    std::optional<std::string> direction;
    if (gcmd.has("DIRECTION")) {
      std::string d = gcmd.get("DIRECTION");
      for (char& c : d) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (d != "CW" && d != "CCW")
        throw CommandError(fmt::format("Error on '{}': DIRECTION must be either CW or CCW",
                                       gcmd.get_commandline()));
      direction = d;
    }
    direction_ = direction;
    probe_helper_.start_probe(gcmd);
  }

  ProbePointsHelper::Outcome finalize(const Pos3&, const std::vector<Pos3>& positions) {
    results_.clear();
    max_diff_error_ = false;
    bool clockwise = (thread_ & 1) == 0;
    // The base: the first screw, or with DIRECTION the highest/lowest one so that every
    // other screw turns the same way.
    size_t base = 0;
    if (direction_) {
      bool use_max = clockwise == (*direction_ == "CW");
      for (size_t i = 1; i < positions.size(); i++)
        if (use_max ? positions[i][2] > positions[base][2] : positions[i][2] < positions[base][2])
          base = i;
    }
    double z_base = positions[base][2];
    auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
    gcode.respond_info("01:20 means 1 full turn and 20 minutes, CW=clockwise, CCW=counter-clockwise");
    bool exceeded = false;
    for (size_t i = 0; i < screws_.size(); i++) {
      double z = positions[i][2];
      const Screw& s = screws_[i];
      std::string key = fmt::format("screw{}", i + 1);
      if (i == base) {
        gcode.respond_info(fmt::format("{} (base) : x={:.1f}, y={:.1f}, z={:.5f}", s.name,
                                       s.coord[0], s.coord[1], z));
        results_.emplace_back(key, Json{{"z", z},
                                        {"sign", clockwise ? "CW" : "CCW"},
                                        {"adjust", "00:00"},
                                        {"is_base", true}});
        continue;
      }
      double diff = z_base - z;
      if (max_diff_ && std::fabs(diff) > *max_diff_) exceeded = true;
      double adjust = std::fabs(diff) < 0.001 ? 0. : diff / kThreadPitch[thread_];
      std::string sign = (adjust >= 0.) == clockwise ? "CW" : "CCW";
      adjust = std::fabs(adjust);
      double full_turns = std::trunc(adjust);
      // Python's round(): halves go to the even neighbour.
      double minutes = std::nearbyint((adjust - full_turns) * 60.);
      std::string text = fmt::format("{:02d}:{:02d}", static_cast<int>(full_turns),
                                     static_cast<int>(minutes));
      gcode.respond_info(fmt::format("{} : x={:.1f}, y={:.1f}, z={:.5f} : adjust {} {}", s.name,
                                     s.coord[0], s.coord[1], z, sign, text));
      results_.emplace_back(
          key, Json{{"z", z}, {"sign", sign}, {"adjust", text}, {"is_base", false}});
    }
    if (max_diff_ && *max_diff_ != 0. && exceeded) {
      max_diff_error_ = true;
      throw CommandError(fmt::format(
          "bed level exceeds configured limits ({}mm)! Adjust screws and restart print.",
          *max_diff_));
    }
    return ProbePointsHelper::Outcome::kDone;
  }

  Printer& printer_;
  std::vector<Screw> screws_;
  ProbePointsHelper probe_helper_;
  int thread_ = 0;
  std::optional<double> max_diff_;
  std::optional<std::string> direction_;
  bool max_diff_error_ = false;
  std::vector<std::pair<std::string, Json>> results_;
};

std::shared_ptr<PrinterObject> load_screws_tilt_adjust(ConfigWrapper& config) {
  return std::make_shared<ScrewsTiltAdjust>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(screws_tilt_adjust, kpp::load_screws_tilt_adjust, nullptr)
