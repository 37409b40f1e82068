// Endstop homing and trsync on an MCU.
#include "mcu/mcu_endstop.h"

#include <algorithm>

#include <fmt/format.h>

namespace kpp {

// ---- trsync ----------------------------------------------------------------------------------

McuTrsync::McuTrsync(Mcu& mcu, std::shared_ptr<TrDispatch> dispatch)
    : mcu_(mcu), dispatch_(std::move(dispatch)), oid_(mcu.create_oid()) {
  cmd_queue_ = mcu.alloc_command_queue();
  mcu.register_config_callback([this] { build_config(); });
  mcu.get_printer().register_event_handler("klippy:shutdown",
                                           std::function<void()>([this] { handle_shutdown(); }));
}

void McuTrsync::add_stepper(McuStepper& s) {
  if (std::find(steppers_.begin(), steppers_.end(), &s) == steppers_.end())
    steppers_.push_back(&s);
}

void McuTrsync::build_config() {
  mcu_.add_config_cmd(fmt::format("config_trsync oid={}", oid_));
  mcu_.add_config_cmd(
      fmt::format("trsync_start oid={} report_clock=0 report_ticks=0 expire_reason=0", oid_),
      false, true);
  start_cmd_ = mcu_.lookup_command(
      "trsync_start oid=%c report_clock=%u report_ticks=%u expire_reason=%c", cmd_queue_);
  set_timeout_cmd_ = mcu_.lookup_command("trsync_set_timeout oid=%c clock=%u", cmd_queue_);
  trigger_cmd_ = mcu_.lookup_command("trsync_trigger oid=%c reason=%c", cmd_queue_);
  query_cmd_ = mcu_.lookup_query_command(
      "trsync_trigger oid=%c reason=%c",
      "trsync_state oid=%c can_trigger=%c trigger_reason=%c clock=%u", oid_, cmd_queue_);
  stepper_stop_cmd_ =
      mcu_.lookup_command("stepper_stop_on_trigger oid=%c trsync_oid=%c", cmd_queue_);
  // Trigger forwarding watches this trsync's reports on the link's own thread.
  LiveSerialQueue* live = mcu_.serial().live_queue();
  const auto& dict = mcu_.dictionary();
  const auto* state = dict.find_response("trsync_state");
  if (live && set_timeout_cmd_ && trigger_cmd_ && state)
    dispatch_mcu_ = dispatch_->add_mcu(*live, cmd_queue_, static_cast<uint32_t>(oid_),
                                       set_timeout_cmd_.format()->id(),
                                       trigger_cmd_.format()->id(), state->id());
}

void McuTrsync::handle_shutdown() {
  if (auto tc = std::move(trigger_completion_)) tc->complete(false);
}

void McuTrsync::handle_trsync_state(const McuResponse& r) {
  if (!r.get_int("can_trigger")) {
    if (auto tc = std::move(trigger_completion_)) {
      bool is_failure = r.get_int("trigger_reason") == kReasonCommsTimeout;
      tc->complete(is_failure);
    }
  } else if (home_end_clock_) {
    uint64_t clock = mcu_.clock32_to_clock64(static_cast<uint32_t>(r.get_int("clock")));
    if (clock >= *home_end_clock_) {
      home_end_clock_.reset();
      trigger_cmd_.send({oid_, kReasonPastEndTime});
    }
  }
}

void McuTrsync::start(double print_time, double report_offset,
                      std::shared_ptr<Completion<bool>> trigger_completion,
                      double expire_timeout) {
  trigger_completion_ = std::move(trigger_completion);
  home_end_clock_.reset();
  auto clock = static_cast<int64_t>(mcu_.print_time_to_clock(print_time));
  int64_t expire_ticks = mcu_.seconds_to_clock(expire_timeout);
  int64_t expire_clock = clock + expire_ticks;
  int64_t report_ticks = mcu_.seconds_to_clock(expire_timeout * .3);
  int64_t report_clock = clock + static_cast<int64_t>(report_ticks * report_offset + .5);
  int64_t min_extend_ticks = static_cast<int64_t>(report_ticks * .8 + .5);
  if (dispatch_mcu_)
    dispatch_->setup_mcu(*dispatch_mcu_, static_cast<uint64_t>(clock),
                         static_cast<uint64_t>(expire_clock), static_cast<uint64_t>(expire_ticks),
                         static_cast<uint64_t>(min_extend_ticks));
  mcu_.register_response([this](const McuResponse& r) { handle_trsync_state(r); },
                         "trsync_state", oid_);
  start_cmd_.send({oid_, report_clock, report_ticks, kReasonCommsTimeout}, 0,
                  static_cast<uint64_t>(clock));
  for (auto* s : steppers_) stepper_stop_cmd_.send({s->get_oid(), oid_});
  set_timeout_cmd_.send({oid_, expire_clock}, 0, static_cast<uint64_t>(expire_clock));
}

void McuTrsync::set_home_end_time(double home_end_time) {
  home_end_clock_ = mcu_.print_time_to_clock(home_end_time);
}

int McuTrsync::stop() {
  mcu_.register_response({}, "trsync_state", oid_);
  trigger_completion_.reset();
  if (mcu_.is_fileoutput()) return kReasonEndstopHit;
  McuResponse r = query_cmd_.send({oid_, kReasonHostRequest});
  for (auto* s : steppers_) s->note_homing_end();
  return static_cast<int>(r.get_int("trigger_reason"));
}

// ---- endstop ---------------------------------------------------------------------------------

McuEndstopPin::McuEndstopPin(Mcu& mcu, const PinParams& p)
    : mcu_(mcu), pin_(p.pin), pullup_(p.pullup), invert_(p.invert), oid_(mcu.create_oid()) {
  mcu.register_config_callback([this] { build_config(); });
  trsyncs_.push_back(std::make_unique<McuTrsync>(mcu, dispatch_));
}

void McuEndstopPin::add_stepper(McuStepper& stepper) {
  // One trsync per MCU: steppers on other MCUs stop through their own MCU's trsync, which
  // the host triggers when this endstop's trsync reports (multi-MCU homing).
  McuTrsync* trsync = nullptr;
  for (auto& t : trsyncs_)
    if (&t->get_mcu() == &stepper.get_mcu()) trsync = t.get();
  if (!trsync) {
    trsyncs_.push_back(std::make_unique<McuTrsync>(stepper.get_mcu(), dispatch_));
    trsync = trsyncs_.back().get();
  }
  trsync->add_stepper(stepper);
}

std::vector<McuStepper*> McuEndstopPin::get_steppers() {
  std::vector<McuStepper*> out;
  for (auto& t : trsyncs_)
    for (auto* s : t->get_steppers()) out.push_back(s);
  return out;
}

void McuEndstopPin::build_config() {
  mcu_.add_config_cmd(fmt::format("config_endstop oid={} pin={} pull_up={}", oid_, pin_, pullup_));
  mcu_.add_config_cmd(fmt::format("endstop_home oid={} clock=0 sample_ticks=0 sample_count=0 "
                                  "rest_ticks=0 pin_value=0 trsync_oid=0 trigger_reason=0",
                                  oid_),
                      false, true);
  int cq = trsyncs_[0]->get_command_queue();
  home_cmd_ = mcu_.lookup_command(
      "endstop_home oid=%c clock=%u sample_ticks=%u sample_count=%c rest_ticks=%u pin_value=%c "
      "trsync_oid=%c trigger_reason=%c",
      cq);
  query_cmd_ = mcu_.lookup_query_command(
      "endstop_query_state oid=%c", "endstop_state oid=%c homing=%c next_clock=%u pin_value=%c",
      oid_, cq);
}

std::shared_ptr<Completion<bool>> McuEndstopPin::home_start(double print_time,
                                                            double sample_time, int sample_count,
                                                            double rest_time, bool triggered) {
  auto clock = static_cast<int64_t>(mcu_.print_time_to_clock(print_time));
  rest_ticks_ = static_cast<int64_t>(mcu_.print_time_to_clock(print_time + rest_time)) - clock;
  trigger_completion_ = std::make_shared<Completion<bool>>(mcu_.get_printer().get_reactor());
  double expire_timeout = trsyncs_.size() == 1 ? kTrsyncSingleMcuTimeout : kTrsyncTimeout;
  for (size_t i = 0; i < trsyncs_.size(); i++)
    trsyncs_[i]->start(print_time, static_cast<double>(i) / static_cast<double>(trsyncs_.size()),
                       trigger_completion_, expire_timeout);
  McuTrsync& etrsync = *trsyncs_[0];
  dispatch_->start(McuTrsync::kReasonHostRequest);
  home_cmd_.send({oid_, clock, mcu_.seconds_to_clock(sample_time), sample_count, rest_ticks_,
                  (triggered ? 1 : 0) ^ invert_, etrsync.get_oid(), McuTrsync::kReasonEndstopHit},
                 0, static_cast<uint64_t>(clock));
  return trigger_completion_;
}

double McuEndstopPin::home_wait(double home_end_time) {
  McuTrsync& etrsync = *trsyncs_[0];
  etrsync.set_home_end_time(home_end_time);
  if (mcu_.is_fileoutput()) trigger_completion_->complete(true);
  trigger_completion_->wait();
  home_cmd_.send({oid_, 0, 0, 0, 0, 0, 0, 0});
  dispatch_->stop();
  std::vector<int> res;
  for (auto& t : trsyncs_) res.push_back(t->stop());
  if (std::find(res.begin(), res.end(), McuTrsync::kReasonCommsTimeout) != res.end()) return -1.;
  if (res[0] != McuTrsync::kReasonEndstopHit) return 0.;
  if (mcu_.is_fileoutput()) return home_end_time;
  McuResponse r = query_cmd_.send({oid_});
  uint64_t next_clock = mcu_.clock32_to_clock64(static_cast<uint32_t>(r.get_int("next_clock")));
  return mcu_.clock_to_print_time(static_cast<double>(next_clock - rest_ticks_));
}

int McuEndstopPin::query_endstop(double print_time) {
  uint64_t clock = mcu_.print_time_to_clock(print_time);
  if (mcu_.is_fileoutput()) return 0;
  McuResponse r = query_cmd_.send({oid_}, clock);
  return static_cast<int>(r.get_int("pin_value")) ^ invert_;
}

std::shared_ptr<McuEndstop> Mcu::setup_endstop(const PinParams& p) {
  return std::make_shared<McuEndstopPin>(*this, p);
}

}  // namespace kpp
