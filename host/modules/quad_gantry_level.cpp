// [quad_gantry_level] (Klipper's extras/quad_gantry_level.py): QUAD_GANTRY_LEVEL probes four
// points, extrapolates the gantry height at its four Z motors (gantry_corners) from two lines
// through the probed points, and moves each motor to the average height.
#include <fmt/format.h>

#include <algorithm>

#include "core/logging.h"
#include "modules/probe_points.h"
#include "modules/z_adjust.h"

namespace kpp {

namespace {

// A line y = m*x + b through two (x, y) points; a horizontal line when the heights agree.
struct Line {
  double m, b;
  double at(double x) const { return m * x + b; }
};
Line line_through(const Point2& p1, const Point2& p2) {
  if (p1[1] == p2[1]) return {0., p1[1]};
  double m = (p2[1] - p1[1]) / (p2[0] - p1[0]);
  return {m, p1[1] - m * p1[0]};
}

class QuadGantryLevel : public PrinterObject {
 public:
  explicit QuadGantryLevel(const ConfigWrapper& config)
      : printer_(config.get_printer()),
        retry_helper_(config, "Possibly Z motor numbering is wrong"),
        max_adjust_(config.getfloat("max_adjust", 4., FloatLimits{.above = 0.})),
        horizontal_move_z_(config.getfloat("horizontal_move_z", 5.)),
        probe_helper_(config, [this](const Pos3& off, const std::vector<Pos3>& pos) {
          return finalize(off, pos);
        }),
        z_status_(printer_),
        z_helper_(config, 4) {
    if (probe_helper_.get_points().size() != 4)
      throw ConfigError("Need exactly 4 probe points for quad_gantry_level");
    gantry_corners_ = parse_point_list(config, "gantry_corners");
    if (gantry_corners_.size() < 2)
      throw ConfigError("quad_gantry_level requires at least two gantry_corners");
    printer_.lookup<GCodeDispatch>("gcode").register_command(
        "QUAD_GANTRY_LEVEL",
        [this](GCodeCommand& g) {
          z_status_.reset();
          retry_helper_.start(g);
          probe_helper_.start_probe(g);
        },
        false, "Conform a moving, twistable gantry to the shape of a stationary bed");
  }

  Json get_status(double) override { return z_status_.get_status(); }

 private:
  ProbePointsHelper::Outcome finalize(const Pos3& offsets, const std::vector<Pos3>& positions) {
    auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
    // Heights seen from the gantry: a low bed point means the gantry is high there.
    std::vector<double> z_positions;
    for (const Pos3& p : positions) z_positions.push_back(horizontal_move_z_ - p[2]);
    std::string points = "Gantry-relative probe points:\n";
    for (size_t i = 0; i < z_positions.size(); i++)
      points += fmt::format("{}{}: {:.6f}", i ? " " : "", i, z_positions[i]);
    gcode.respond_info(points + "\n");
    // Lines along X through points 0-3 and 1-2, evaluated at the corner X positions, give the
    // gantry height at each corner's Y along two lines in Y.
    auto px = [&](size_t i) { return positions[i][0] + offsets[0]; };
    auto py = [&](size_t i) { return positions[i][1] + offsets[1]; };
    Line f1 = line_through({px(0), z_positions[0]}, {px(3), z_positions[3]});
    Line f2 = line_through({px(1), z_positions[1]}, {px(2), z_positions[2]});
    double cx0 = gantry_corners_[0][0], cx1 = gantry_corners_[1][0];
    double cy0 = gantry_corners_[0][1], cy1 = gantry_corners_[1][1];
    Line af = line_through({py(0), f1.at(cx0)}, {py(1), f2.at(cx0)});
    Line bf = line_through({py(0), f1.at(cx1)}, {py(1), f2.at(cx1)});
    log::info("quad_gantry_level f1: ({}, {}), f2: ({}, {}), af: ({}, {}), bf: ({}, {})", f1.m,
              f1.b, f2.m, f2.b, af.m, af.b, bf.m, bf.b);
    double heights[4] = {af.at(cy0), af.at(cy1), bf.at(cy1), bf.at(cy0)};
    gcode.respond_info(fmt::format("Actuator Positions:\nz: {:06f} z1: {:06f} z2: {:06f} z3: {:06f}",
                                   heights[0], heights[1], heights[2], heights[3]));
    double average = (heights[0] + heights[1] + heights[2] + heights[3]) / 4.;
    gcode.respond_info(fmt::format("Average: {:0.6f}", average));
    std::vector<double> adjust;
    for (double h : heights) adjust.push_back(average - h);
    double adjust_max = *std::max_element(adjust.begin(), adjust.end());
    if (adjust_max > max_adjust_)
      throw CommandError(fmt::format(
          "Aborting quad_gantry_level required adjustment {:0.6f} is greater than max_adjust "
          "{:0.6f}",
          adjust_max, max_adjust_));
    z_helper_.adjust_steppers(adjust, probe_helper_.get_lift_speed());
    return z_status_.check_retry_result(retry_helper_.check_retry(z_positions));
  }

  Printer& printer_;
  RetryHelper retry_helper_;
  double max_adjust_, horizontal_move_z_;
  ProbePointsHelper probe_helper_;
  ZAdjustStatus z_status_;
  ZAdjustHelper z_helper_;
  std::vector<Point2> gantry_corners_;
};

std::shared_ptr<PrinterObject> load_quad_gantry_level(ConfigWrapper& config) {
  return std::make_shared<QuadGantryLevel>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(quad_gantry_level, kpp::load_quad_gantry_level, nullptr)
