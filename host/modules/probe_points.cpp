// Probing a list of points (see probe_points.h).
#include "modules/probe_points.h"

#include <fmt/format.h>

#include "core/printer.h"
#include "modules/manual_probe_helper.h"
#include "modules/probe.h"
#include "motion/toolhead.h"

namespace kpp {

std::vector<Point2> parse_point_list(const ConfigWrapper& config, std::string_view option) {
  std::vector<Point2> out;
  for (const auto& item : config.getlists(option, "\n,")) {
    std::optional<double> x, y;
    if (item.size() == 2) {
      x = parse_config_float(item[0]);
      y = parse_config_float(item[1]);
    }
    if (!x || !y) {
      std::string msg = fmt::format("Unable to parse option '{}' in section '{}'", option,
                                    config.get_name());
      std::string loc = config.location(option);
      throw ConfigError(loc.empty() ? msg : msg + " (" + loc + ")");
    }
    out.push_back({*x, *y});
  }
  return out;
}

ProbePointsHelper::ProbePointsHelper(const ConfigWrapper& config, Finalize finalize,
                                     std::optional<std::vector<Point2>> default_points)
    : printer_(config.get_printer()), name_(config.get_name()), finalize_(std::move(finalize)) {
  if (!default_points || config.has_option("points"))
    points_ = parse_point_list(config, "points");
  else
    points_ = std::move(*default_points);
  default_horizontal_move_z_ = config.getfloat("horizontal_move_z", 5.);
  horizontal_move_z_ = default_horizontal_move_z_;
  speed_ = config.getfloat("speed", 50., FloatLimits{.above = 0.});
  lift_speed_ = speed_;
}

void ProbePointsHelper::minimum_points(size_t n) const {
  if (points_.size() < n)
    throw ConfigError(fmt::format("Need at least {} probe points for {}", n, name_));
}

void ProbePointsHelper::update_probe_points(std::vector<Point2> points, size_t min_points) {
  points_ = std::move(points);
  minimum_points(min_points);
}

void ProbePointsHelper::move_z(double speed) {
  printer_.lookup<ToolHead>("toolhead").manual_move({std::nullopt, std::nullopt, horizontal_move_z_},
                                                    speed);
}

void ProbePointsHelper::move_to_point(size_t index) {
  double x = points_[index][0], y = points_[index][1];
  if (use_offsets_) {
    x -= offsets_[0];
    y -= offsets_[1];
  }
  printer_.lookup<ToolHead>("toolhead").manual_move({x, y}, speed_);
}

bool ProbePointsHelper::invoke_finalize(const std::vector<Pos3>& positions) {
  // The callback may read the toolhead position or start moves of its own: let the queued
  // moves be planned first (Klipper flushes the lookahead queue here).
  printer_.lookup<ToolHead>("toolhead").get_last_move_time();
  return finalize_(offsets_, positions) != Outcome::kRetry;
}

void ProbePointsHelper::start_probe(GCodeCommand& gcmd) {
  ManualProbeSession::verify_none_active(printer_);
  auto* probe = printer_.try_lookup<PrinterProbe>("probe");
  std::string method = gcmd.get("METHOD", "automatic");
  for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  horizontal_move_z_ = gcmd.get_float("HORIZONTAL_MOVE_Z", default_horizontal_move_z_);
  if (!probe || method == "manual") {
    lift_speed_ = speed_;
    offsets_ = {0., 0., 0.};
    manual_results_.clear();
    manual_probe_next();
    return;
  }
  lift_speed_ = probe->get_probe_params(&gcmd).lift_speed;
  offsets_ = probe->get_offsets();
  if (horizontal_move_z_ < offsets_[2])
    throw CommandError("horizontal_move_z can't be less than probe's z_offset");
  probe->start_session();
  size_t index = 0, first = 0;  // results()[first..] belong to the current round
  while (true) {
    // Full speed up to the first point; the probe's lift speed between points.
    move_z(index == 0 ? speed_ : lift_speed_);
    if (index >= points_.size()) {
      const auto& all = probe->results();
      std::vector<Pos3> positions(all.begin() + static_cast<std::ptrdiff_t>(first), all.end());
      if (invoke_finalize(positions)) break;
      // A retry probes every point again within the same probe session (the probe stays
      // deployed).
      first = probe->results().size();
      index = 0;
    }
    move_to_point(index);
    probe->run_probe(gcmd);
    index++;
  }
  probe->end_session();
}

void ProbePointsHelper::manual_probe_next() {
  move_z(manual_results_.empty() ? speed_ : lift_speed_);
  if (manual_results_.size() >= points_.size()) {
    if (invoke_finalize(manual_results_)) return;
    manual_results_.clear();
  }
  move_to_point(manual_results_.size());
  // Each manual session starts with the defaults (no SPEED= of the starting command).
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  GCodeCommand empty = gcode.create_gcode_command("", "", {});
  ManualProbeSession::start(printer_, empty, [this](std::optional<Pos3> kin_pos) {
    if (!kin_pos) return;
    manual_results_.push_back(*kin_pos);
    manual_probe_next();
  });
}

}  // namespace kpp
