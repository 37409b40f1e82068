// Motion queuing and flushing (see motion_queuing.h). The flush schedule decides where the
// generated step commands are cut, so it follows Klipper's motion_queuing exactly.
#include "motion/motion_queuing.h"

#include <algorithm>

#include "core/logging.h"
#include "mcu/mcu.h"

namespace kpp {

MotionQueuing::MotionQueuing(Printer& printer)
    : printer_(printer), reactor_(printer.get_reactor()) {
  for (auto& [name, obj] : printer.lookup_objects("mcu"))
    if (auto* m = dynamic_cast<Mcu*>(obj)) all_mcus_.push_back(m);
  if (all_mcus_.empty()) throw ConfigError("motion_queuing: no mcu");
  mcu_ = all_mcus_[0];
  can_pause_ = !mcu_->is_fileoutput();
  if (can_pause_)
    flush_timer_ = reactor_.register_timer([this](double t) { return flush_handler(t); });
  else
    flush_timer_ = reactor_.register_timer([this](double t) { return flush_handler_debug(t); });
  printer.register_event_handler("klippy:connect",
                                 std::function<void()>([this] { handle_connect(); }));
  printer.register_event_handler("klippy:shutdown",
                                 std::function<void()>([this] { can_pause_ = false; }));
}

MotionQueuing::~MotionQueuing() = default;

motion::TrapQ* MotionQueuing::allocate_trapq() {
  trapqs_.push_back(std::make_unique<motion::TrapQ>());
  return trapqs_.back().get();
}

void MotionQueuing::wipe_trapq(motion::TrapQ* tq) {
  tq->finalize_moves(Reactor::kNever, 0.);
}

motion::StepperSync& MotionQueuing::lookup_steppersync(Mcu& mcu) {
  for (auto& s : syncs_)
    if (s.mcu == &mcu) return *s.ss;
  motion::StepperSync& ss = ssm_.alloc_steppersync();
  syncs_.push_back({&mcu, &ss});
  return ss;
}

motion::SyncEmitter& MotionQueuing::allocate_syncemitter(Mcu& mcu, const std::string& name,
                                                         bool alloc_stepcompress) {
  motion::StepperSync& ss = lookup_steppersync(mcu);
  motion::SyncEmitter& se = ss.alloc_emitter(name.substr(0, 15), alloc_stepcompress);
  emitters_.push_back(&se);
  return se;
}

void MotionQueuing::handle_connect() {
  // The MCU objects connected first (their handlers were registered earlier): set up each
  // MCU's move queue with the slots the other users did not reserve.
  for (auto& s : syncs_) {
    int move_count = s.mcu->move_count() - s.mcu->reserved_move_slots();
    s.ss->setup_movequeue(&s.mcu->serial_queue(), s.mcu->alloc_command_queue(), move_count);
    s.ss->set_time(0., static_cast<double>(s.mcu->seconds_to_clock(1.)));
  }
}

StatsEntry MotionQueuing::stats(double eventtime) {
  double sync_time = last_step_gen_time_;
  for (auto& s : syncs_) {
    auto [offset, freq] = s.mcu->check_active(sync_time, eventtime);
    s.ss->set_time(offset, freq);
  }
  double est_print_time = mcu_->estimated_print_time(eventtime);
  clear_history_time_ = std::max(0., est_print_time - kMoveHistoryExpire);
  return {};
}

int MotionQueuing::register_flush_callback(FlushCallback cb, bool can_add_trapq) {
  int id = next_callback_id_++;
  if (can_add_trapq)
    flush_callbacks_.insert(flush_callbacks_.begin(), {id, std::move(cb)});
  else
    flush_callbacks_.push_back({id, std::move(cb)});
  return id;
}

void MotionQueuing::unregister_flush_callback(int id) {
  std::erase_if(flush_callbacks_, [id](const FlushEntry& e) { return e.id == id; });
}

void MotionQueuing::check_step_generation_scan_windows() {
  double kfd = kSdsCheckTime;
  for (auto* se : emitters_) {
    motion::StepperKinematics* sk = se->stepper_kinematics();
    if (!sk || !sk->trapq()) continue;
    kfd = std::max({kfd, sk->gen_steps_pre_active(), sk->gen_steps_post_active()});
  }
  kin_flush_delay_ = kfd;
}

void MotionQueuing::advance_flush_time(double want_flush_time, double want_step_gen_time) {
  double flush_time = std::max(
      {want_flush_time, last_flush_time_, want_step_gen_time - kStepcompressFlushTime});
  double step_gen_time = std::max({want_step_gen_time, last_step_gen_time_, flush_time});
  // Callbacks may unregister themselves: iterate over a copy.
  auto cbs = flush_callbacks_;
  for (auto& e : cbs) e.cb(flush_time, step_gen_time);
  for (auto* m : all_mcus_) m->flush_moves(flush_time, clear_history_time_);
  double trapq_free_time = step_gen_time - kin_flush_delay_;
  double clear_history_time = clear_history_time_;
  if (!can_pause_) clear_history_time = std::max(0., trapq_free_time - kMoveHistoryExpire);
  if (ssm_.gen_steps(flush_time, step_gen_time, clear_history_time)) {
    for (auto* se : emitters_)
      if (se->stepcompress() && !se->stepcompress()->error().empty())
        log::error("stepcompress {}: {}", se->name(), se->stepcompress()->error());
    throw McuError("Internal error in stepcompress");
  }
  last_flush_time_ = flush_time;
  last_step_gen_time_ = step_gen_time;
  for (auto& tq : trapqs_) tq->finalize_moves(trapq_free_time, clear_history_time);
}

void MotionQueuing::await_flush_time(double want_flush_time) {
  for (;;) {
    if (last_flush_time_ >= want_flush_time || !can_pause_) return;
    double systime = reactor_.monotonic();
    double est_print_time = mcu_->estimated_print_time(systime);
    double wait = want_flush_time - kBgFlushHighTime - est_print_time;
    if (wait <= 0.) return;
    reactor_.pause(systime + std::min(1., wait));
  }
}

void MotionQueuing::flush_all_steps() {
  double flush_time = need_step_gen_time_;
  await_flush_time(flush_time);
  advance_flush_time(flush_time);
}

double MotionQueuing::calc_step_gen_restart(double est_print_time) const {
  double kin_time = std::max(est_print_time + kMinKinTime, last_step_gen_time_);
  return kin_time + kin_flush_delay_;
}

double MotionQueuing::flush_handler(double eventtime) {
  try {
    double est_print_time = mcu_->estimated_print_time(eventtime);
    double aggr_sg_time = need_step_gen_time_ - 2. * kin_flush_delay_;
    if (last_step_gen_time_ < aggr_sg_time) {
      // Stepping: flush aggressively, in batches aligned on the last generation time (this
      // keeps the cut points the same from run to run).
      double want_sg_time = est_print_time + kBgFlushSgHighTime;
      double batch_time = kBgFlushSgHighTime - kBgFlushSgLowTime;
      double next_batch_time = last_step_gen_time_ + batch_time;
      if (next_batch_time > est_print_time) {
        if (next_batch_time > want_sg_time + 0.005) next_batch_time = last_step_gen_time_;
        want_sg_time = next_batch_time;
      }
      want_sg_time = std::min(want_sg_time, aggr_sg_time);
      if (want_sg_time > last_step_gen_time_) advance_flush_time(0., want_sg_time);
    } else {
      double want_flush_time = est_print_time + kBgFlushHighTime;
      double max_flush_time = need_flush_time_ + kBgFlushExtraTime;
      want_flush_time = std::min(want_flush_time, max_flush_time);
      if (want_flush_time > last_flush_time_) advance_flush_time(want_flush_time);
    }
    double waketime;
    aggr_sg_time = need_step_gen_time_ - 2. * kin_flush_delay_;
    if (last_step_gen_time_ < aggr_sg_time) {
      waketime = last_step_gen_time_ - kBgFlushSgLowTime;
    } else {
      do_kick_flush_timer_ = true;
      double max_flush_time = need_flush_time_ + kBgFlushExtraTime;
      if (last_flush_time_ >= max_flush_time) return Reactor::kNever;
      waketime = last_flush_time_ - kBgFlushLowTime;
    }
    return eventtime + waketime - est_print_time;
  } catch (const std::exception& e) {
    log::error("Exception in flush_handler: {}", e.what());
    printer_.invoke_shutdown("Exception in flush_handler");
  }
  return Reactor::kNever;
}

double MotionQueuing::flush_handler_debug(double /*eventtime*/) {
  // Batch mode: no MCU clock to pace against; flush everything but the last 1.5 s of queued
  // moves in fixed batches, then the rest.
  try {
    double faux_time = need_flush_time_ - 1.5;
    double batch_time = kBgFlushSgHighTime - kBgFlushSgLowTime;
    int flush_count = 0;
    while (last_step_gen_time_ < faux_time) {
      double target = last_step_gen_time_ + batch_time;
      if (flush_count > 100 && faux_time > target)
        target += static_cast<int64_t>((faux_time - target) / batch_time) * batch_time;
      advance_flush_time(0., target);
      flush_count++;
    }
    if (flush_count) return Reactor::kNow;
    advance_flush_time(need_flush_time_ + kBgFlushExtraTime);
    do_kick_flush_timer_ = true;
    return Reactor::kNever;
  } catch (const std::exception& e) {
    log::error("Exception in flush_handler_debug: {}", e.what());
    printer_.invoke_shutdown("Exception in flush_handler_debug");
  }
  return Reactor::kNever;
}

void MotionQueuing::note_mcu_movequeue_activity(double mq_time, bool is_step_gen) {
  if (is_step_gen) {
    mq_time += kin_flush_delay_;
    need_step_gen_time_ = std::max(need_step_gen_time_, mq_time);
  }
  need_flush_time_ = std::max(need_flush_time_, mq_time);
  if (do_kick_flush_timer_) {
    do_kick_flush_timer_ = false;
    reactor_.update_timer(flush_timer_, Reactor::kNow);
  }
}

void MotionQueuing::drip_update_time(double start_time, double end_time,
                                     DripCompletion* completion) {
  await_flush_time(start_time);
  // No background flushing while dripping.
  reactor_.update_timer(flush_timer_, Reactor::kNever);
  do_kick_flush_timer_ = false;
  advance_flush_time(start_time);
  // Steps are generated in 50 ms segments up to G (capped at the move end) while commands are
  // only flushed up to G - 1 ms (the step+dir+step filter window), then everything up to the
  // end plus kin_flush_delay: the schedule Klipper's golden output shows (its flush 1 ms
  // before the move end splits the last steps of a homing move).
  double kfd = kin_flush_delay_;
  double gen_time = start_time, gen_end = end_time;
  while (gen_time < gen_end) {
    if (completion && completion->test()) break;
    double curtime = reactor_.monotonic();
    double est_print_time = mcu_->estimated_print_time(curtime);
    double wait_time = gen_time - kfd - est_print_time - kDripTime;
    if (wait_time > 0. && can_pause_) {
      if (completion) completion->wait(curtime + wait_time);
      else reactor_.pause(curtime + wait_time);
      continue;
    }
    gen_time = std::min(gen_time + kDripSegmentTime, gen_end);
    note_mcu_movequeue_activity(gen_time);
    advance_flush_time(gen_time - kSdsCheckTime, gen_time);
  }
  reactor_.update_timer(flush_timer_, Reactor::kNow);
  advance_flush_time(gen_time + kfd);
}

namespace {
std::shared_ptr<PrinterObject> load_motion_queuing(ConfigWrapper& config) {
  return std::make_shared<MotionQueuing>(config.get_printer());
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(motion_queuing, kpp::load_motion_queuing, nullptr)
