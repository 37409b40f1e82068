// [gcode_arcs]: G2/G3 arc moves, split into G1 segments of about `resolution` mm (Marlin's
// plan_arc method, as Klipper does it), in the plane chosen by G17 (XY), G18 (XZ) or G19 (YZ);
// the third axis moves linearly (helix). The centre is given relative to the start (I/J/K);
// R (radius) moves are refused, as in Klipper.
#include "modules/gcode_arcs.h"

#include <cmath>
#include <fmt/format.h>
#include <memory>
#include <numbers>

#include "core/config.h"
#include "core/coord.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "modules/gcode_move.h"

namespace kpp {

ArcPoints plan_arc(const std::array<double, 3>& cur, const std::array<double, 3>& target,
                   double off_a, double off_b, bool clockwise, size_t alpha, size_t beta,
                   size_t helical, double mm_per_segment) {
  constexpr double kTwoPi = 2. * std::numbers::pi;
  // Radius vector from the centre to the start.
  double r_a = -off_a, r_b = -off_b;
  double center_a = cur[alpha] - r_a, center_b = cur[beta] - r_b;
  double rt_a = target[alpha] - center_a, rt_b = target[beta] - center_b;
  double angular_travel = std::atan2(r_a * rt_b - r_b * rt_a, r_a * rt_a + r_b * rt_b);
  if (angular_travel < 0.) angular_travel += kTwoPi;
  if (clockwise) angular_travel -= kTwoPi;
  // Same start and end point: a full circle.
  if (angular_travel == 0. && cur[alpha] == target[alpha] && cur[beta] == target[beta])
    angular_travel = kTwoPi;

  double linear_travel = target[helical] - cur[helical];
  double radius = std::hypot(r_a, r_b);
  double flat_mm = radius * angular_travel;
  double mm_of_travel = linear_travel ? std::hypot(flat_mm, linear_travel) : std::fabs(flat_mm);
  double segments = std::max(1., std::floor(mm_of_travel / mm_per_segment));

  double theta_per_segment = angular_travel / segments;
  double linear_per_segment = linear_travel / segments;
  ArcPoints coords;
  for (int i = 1; i < static_cast<int>(segments); i++) {
    double theta = i * theta_per_segment;
    double cos_t = std::cos(theta), sin_t = std::sin(theta);
    std::array<double, 3> c{};
    c[alpha] = center_a + (-off_a * cos_t + off_b * sin_t);
    c[beta] = center_b + (-off_a * sin_t - off_b * cos_t);
    c[helical] = cur[helical] + i * linear_per_segment;
    coords.push_back(c);
  }
  coords.push_back(target);
  return coords;
}

namespace {

constexpr size_t kX = 0, kY = 1, kZ = 2;

class ArcSupport : public PrinterObject {
 public:
  explicit ArcSupport(const ConfigWrapper& config)
      : printer_(config.get_printer()),
        mm_per_segment_(config.getfloat("resolution", 1., FloatLimits{.above = 0.})),
        gcode_move_(*static_cast<GCodeMove*>(printer_.load_object(config, "gcode_move"))),
        gcode_(printer_.lookup<GCodeDispatch>("gcode")) {
    gcode_.register_command("G2", [this](GCodeCommand& g) { cmd_arc(g, true); });
    gcode_.register_command("G3", [this](GCodeCommand& g) { cmd_arc(g, false); });
    gcode_.register_command("G17", [this](GCodeCommand&) { plane_ = Plane::kXY; });
    gcode_.register_command("G18", [this](GCodeCommand&) { plane_ = Plane::kXZ; });
    gcode_.register_command("G19", [this](GCodeCommand&) { plane_ = Plane::kYZ; });
  }

 private:
  enum class Plane { kXY, kXZ, kYZ };

  void cmd_arc(GCodeCommand& gcmd, bool clockwise) {
    Json st = gcode_move_.get_status(0.);
    if (!st["absolute_coordinates"].get<bool>())
      throw gcmd.error("G2/G3 does not support relative move mode");
    bool absolute_extrude = st["absolute_extrude"].get<bool>();
    Coord cur = gcode_move_.get_gcode_position();
    std::array<double, 3> target = {gcmd.get_float("X", cur[kX]), gcmd.get_float("Y", cur[kY]),
                        gcmd.get_float("Z", cur[kZ])};
    if (gcmd.get_float_opt("R")) throw gcmd.error("G2/G3 does not support R moves");
    // The two centre offsets of the plane, the plane's axes and the helical axis.
    double off_a, off_b;
    size_t alpha, beta, helical;
    switch (plane_) {
      case Plane::kXY:
        off_a = gcmd.get_float("I", 0.), off_b = gcmd.get_float("J", 0.);
        alpha = kX, beta = kY, helical = kZ;
        break;
      case Plane::kXZ:
        off_a = gcmd.get_float("I", 0.), off_b = gcmd.get_float("K", 0.);
        alpha = kX, beta = kZ, helical = kY;
        break;
      default:
        off_a = gcmd.get_float("J", 0.), off_b = gcmd.get_float("K", 0.);
        alpha = kY, beta = kZ, helical = kX;
        break;
    }
    if (!off_a && !off_b) throw gcmd.error("G2/G3 requires IJ, IK or JK parameters");
    std::optional<double> e = gcmd.get_float_opt("E");
    std::optional<double> f = gcmd.get_float_opt("F");

    ArcPoints coords = plan_arc({cur[kX], cur[kY], cur[kZ]}, target, off_a, off_b, clockwise,
                                alpha, beta, helical, mm_per_segment_);

    // Spread the extrusion evenly over the segments.
    double e_per_move = 0., e_base = 0.;
    if (e) {
      if (absolute_extrude) e_base = cur[3];
      e_per_move = (*e - e_base) / static_cast<double>(coords.size());
    }
    for (auto& c : coords) {
      // Shortest round-trip formatting: G1 parses back exactly these doubles.
      GCodeParams params = {{"X", fmt::format("{}", c[0])},
                            {"Y", fmt::format("{}", c[1])},
                            {"Z", fmt::format("{}", c[2])}};
      if (e_per_move) {
        params.emplace_back("E", fmt::format("{}", e_base + e_per_move));
        if (absolute_extrude) e_base += e_per_move;
      }
      if (f) params.emplace_back("F", fmt::format("{}", *f));
      GCodeCommand g1 = gcode_.create_gcode_command("G1", "G1", std::move(params));
      gcode_move_.cmd_G1(g1);
    }
  }

  Printer& printer_;
  double mm_per_segment_;
  GCodeMove& gcode_move_;
  GCodeDispatch& gcode_;
  Plane plane_ = Plane::kXY;
};

std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<ArcSupport>(config);
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(gcode_arcs, kpp::load, nullptr)
