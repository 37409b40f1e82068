// Live motion status (see motion_report.h).
#include "modules/motion_report.h"

#include <array>

#include "mcu/mcu.h"
#include "motion/extruder.h"
#include "motion/toolhead.h"
#include "motion/trapq.h"

namespace kpp {

namespace {
constexpr double kStatusRefreshTime = 0.250;

// Position and velocity at `print_time` from a trapq's history (nothing queued: origin).
bool trapq_position(const motion::TrapQ* tq, double print_time, motion::Vec3& pos,
                    double& velocity) {
  std::array<motion::PullMove, 1> data;
  size_t n = tq->extract_old(data, print_time, print_time);
  if (!n) return false;
  const motion::PullMove& m = data[0];
  double move_time = std::max(0., std::min(m.move_t, print_time - m.print_time));
  double dist = (m.start_v + .5 * m.accel * move_time) * move_time;
  pos = {m.start_pos.x + m.axes_r.x * dist, m.start_pos.y + m.axes_r.y * dist,
         m.start_pos.z + m.axes_r.z * dist};
  velocity = m.start_v + m.accel * move_time;
  return true;
}
}  // namespace

MotionReport::MotionReport(const ConfigWrapper& config) : printer_(config.get_printer()) {
  last_status_ = Json{{"live_position", Json::array({0., 0., 0., 0.})},
                      {"live_velocity", 0.},
                      {"live_extruder_velocity", 0.},
                      {"steppers", Json::array()},
                      {"trapq", Json::array()}};
  printer_.register_event_handler("klippy:connect", std::function<void()>([this] {
                                    Json names = Json::array();
                                    for (auto& [n, s] : steppers_) names.push_back(n);
                                    last_status_["steppers"] = names;
                                    Json tqs = Json::array({"toolhead"});
                                    for (auto& [n, o] : printer_.lookup_objects())
                                      if (dynamic_cast<PrinterExtruder*>(o)) tqs.push_back(n);
                                    last_status_["trapq"] = tqs;
                                  }));
}

void MotionReport::register_stepper(const ConfigWrapper&, std::shared_ptr<MotionStepper> s) {
  steppers_[s->get_name()] = std::move(s);
}

Json MotionReport::get_status(double eventtime) {
  if (eventtime < next_status_time_) return last_status_;
  next_status_time_ = eventtime + kStatusRefreshTime;
  auto* toolhead = printer_.try_lookup<ToolHead>("toolhead");
  if (!toolhead) return last_status_;
  double print_time = toolhead->get_mcu().estimated_print_time(eventtime);
  Json pos = Json::array();
  const Coord& cpos = toolhead->get_position();
  motion::Vec3 xyz;
  double velocity = 0.;
  if (!trapq_position(toolhead->get_trapq(), print_time, xyz, velocity)) xyz = {};
  pos.push_back(xyz.x);
  pos.push_back(xyz.y);
  pos.push_back(xyz.z);
  double e_velocity = 0.;
  for (size_t i = 3; i < cpos.size(); i++) {
    double v = 0.;
    motion::Vec3 epos;
    auto* ex = i == 3 ? dynamic_cast<PrinterExtruder*>(&toolhead->get_extruder()) : nullptr;
    if (ex && trapq_position(ex->get_trapq(), print_time, epos, v)) {
      pos.push_back(epos.x);
      e_velocity = v;
    } else {
      pos.push_back(0.);
    }
  }
  last_status_["live_position"] = pos;
  last_status_["live_velocity"] = velocity;
  last_status_["live_extruder_velocity"] = e_velocity;
  return last_status_;
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<MotionReport>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(motion_report, kpp::load, nullptr)
