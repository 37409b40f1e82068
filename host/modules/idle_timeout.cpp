// [idle_timeout] (see idle_timeout.h). State machine as in Klipper:
//   Idle/Ready --(toolhead syncs its print time, i.e. starts moving)--> Printing
//   Printing --(nothing queued for kReadyTimeout and G-code not busy)--> Ready
//   Ready --(toolhead idle for `timeout` seconds)--> runs the template --> Idle
#include "modules/idle_timeout.h"

#include <algorithm>
#include <fmt/format.h>

#include "core/logging.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {
// Klipper's default: heaters off (only if the printer has heaters), then motors off.
constexpr const char* kDefaultIdleGcode =
    "\n{% if 'heaters' in printer %}\n   TURN_OFF_HEATERS\n{% endif %}\nM84\n";
}  // namespace

IdleTimeout::IdleTimeout(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      reactor_(printer_.get_reactor()),
      gcode_(printer_.lookup<GCodeDispatch>("gcode")),
      idle_timeout_(config.getfloat("timeout", 600., FloatLimits{.above = 0.})),
      idle_gcode_(load_gcode_macro(config).load_template(config, "gcode", kDefaultIdleGcode)) {
  printer_.register_event_handler<>("klippy:ready", [this] { handle_ready(); });
  gcode_.register_command(
      "SET_IDLE_TIMEOUT", [this](GCodeCommand& g) { cmd_set_idle_timeout(g); }, false,
      "Set the idle timeout in seconds");
}

Json IdleTimeout::get_status(double eventtime) {
  double printing_time = state_ == "Printing" ? eventtime - last_print_start_systime_ : 0.;
  return Json{{"state", state_}, {"printing_time", printing_time}};
}

void IdleTimeout::handle_ready() {
  printer_.register_event_handler<double, double, double>(
      "toolhead:sync_print_time",
      [this](double cur, double est, double pt) { handle_sync_print_time(cur, est, pt); });
  // klippy always has a toolhead; a bare printer (unit tests of the state) only follows events.
  toolhead_ = printer_.try_lookup<ToolHead>("toolhead");
  if (toolhead_) timer_ = reactor_.register_timer([this](double t) { return timeout_handler(t); });
}

double IdleTimeout::transition_idle_state(double eventtime) {
  // "Printing" while the template runs, so that its own moves don't restart the cycle.
  state_ = "Printing";
  try {
    gcode_.run_script(idle_gcode_.render());
  } catch (const std::exception& e) {
    log::error("idle timeout gcode execution: {}", e.what());
    state_ = "Ready";
    return eventtime + 1.;
  }
  double print_time = toolhead_->get_last_move_time();
  state_ = "Idle";
  printer_.send_event<double>("idle_timeout:idle", print_time);
  return Reactor::kNever;
}

double IdleTimeout::check_idle_timeout(double eventtime) {
  auto [print_time, est_print_time, lookahead_empty] = toolhead_->check_busy(eventtime);
  double idle_time = est_print_time - print_time;
  if (!lookahead_empty || idle_time < 1.) return eventtime + idle_timeout_;  // toolhead busy
  if (idle_time < idle_timeout_) return eventtime + idle_timeout_ - idle_time;
  if (gcode_.get_mutex().test()) return eventtime + 1.;  // a command is running
  return transition_idle_state(eventtime);
}

double IdleTimeout::timeout_handler(double eventtime) {
  if (printer_.is_shutdown()) return Reactor::kNever;
  if (state_ == "Ready") return check_idle_timeout(eventtime);
  // "Printing": become "Ready" once the queued moves have run out.
  auto [print_time, est_print_time, lookahead_empty] = toolhead_->check_busy(eventtime);
  double buffer_time = std::min(2., print_time - est_print_time);
  if (!lookahead_empty) return eventtime + kReadyTimeout + std::max(0., buffer_time);
  if (buffer_time > -kReadyTimeout) return eventtime + kReadyTimeout + buffer_time;
  if (gcode_.get_mutex().test()) return eventtime + kReadyTimeout;
  state_ = "Ready";
  printer_.send_event<double>("idle_timeout:ready", est_print_time + kPinMinTime);
  return eventtime + idle_timeout_;
}

void IdleTimeout::handle_sync_print_time(double curtime, double est_print_time,
                                         double print_time) {
  if (state_ == "Printing") return;
  state_ = "Printing";
  last_print_start_systime_ = curtime;
  // Klipper's handler names its last two arguments the other way round from the toolhead's
  // event; we keep the resulting timing (it decides when pins follow the state).
  double check_time = kReadyTimeout + est_print_time - print_time;
  if (timer_) reactor_.update_timer(timer_, curtime + check_time);
  printer_.send_event<double>("idle_timeout:printing", print_time + kPinMinTime);
}

void IdleTimeout::cmd_set_idle_timeout(GCodeCommand& gcmd) {
  double timeout = gcmd.get_float("TIMEOUT", idle_timeout_, FloatLimits{.above = 0.});
  idle_timeout_ = timeout;
  gcmd.respond_info(fmt::format("idle_timeout: Timeout set to {:.2f} s", timeout));
  if (state_ == "Ready" && timer_) reactor_.update_timer(timer_, reactor_.monotonic() + timeout);
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<IdleTimeout>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(idle_timeout, kpp::load, nullptr)
