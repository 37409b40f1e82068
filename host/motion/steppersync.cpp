// Step generation and ordering per MCU (see steppersync.h).
#include "motion/steppersync.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "motion/trapq.h"

namespace kpp::motion {

SyncEmitter::SyncEmitter(std::string name, bool with_stepcompress) : name_(std::move(name)) {
  if (with_stepcompress) sc_ = std::make_unique<StepCompress>(&msgs_);
}

void SyncEmitter::queue_msg(uint64_t req_clock, std::span<const uint32_t> data) {
  QueuedMessage& qm = msgs_.emplace_back();
  size_t n = data.size() < QueuedMessage::kMaxWords ? data.size() : QueuedMessage::kMaxWords;
  for (size_t i = 0; i < n; i++) qm.data[i] = data[i];
  qm.len = static_cast<uint8_t>(n);
  qm.min_clock = qm.req_clock = req_clock;
}

int32_t SyncEmitter::generate(double gen_steps_time, uint64_t flush_clock,
                              uint64_t clear_history_clock) {
  if (!sc_ || !sk_) return 0;
  int32_t ret = sk_->generate_steps(*sc_, gen_steps_time);
  if (ret) return ret;
  ret = sc_->flush(flush_clock);
  if (ret) return ret;
  sc_->history_expire(clear_history_clock);
  return 0;
}

SyncEmitter& StepperSync::alloc_emitter(std::string name, bool with_stepcompress) {
  emitters_.push_back(std::make_unique<SyncEmitter>(std::move(name), with_stepcompress));
  SyncEmitter& se = *emitters_.back();
  if (se.stepcompress() && clock_.freq != 0.)
    se.stepcompress()->set_time(clock_.time_offset, clock_.freq);
  return se;
}

void StepperSync::setup_movequeue(MessageSink* sink, int queue_id, int move_count) {
  sink_ = sink;
  queue_id_ = queue_id;
  move_clocks_.assign(move_count > 0 ? static_cast<size_t>(move_count) : 1, 0);
}

void StepperSync::set_time(double time_offset, double mcu_freq) {
  clock_.time_offset = time_offset;
  clock_.freq = mcu_freq;
  for (auto& se : emitters_)
    if (se->stepcompress()) se->stepcompress()->set_time(time_offset, mcu_freq);
}

// Replace the earliest free-slot clock (the heap root) with `req_clock` and restore the heap.
void StepperSync::heap_replace(uint64_t req_clock) {
  uint64_t* mc = move_clocks_.data();
  size_t nmc = move_clocks_.size(), pos = 0;
  for (;;) {
    size_t child1_pos = 2 * pos + 1, child2_pos = 2 * pos + 2;
    uint64_t child2_clock = child2_pos < nmc ? mc[child2_pos] : UINT64_MAX;
    uint64_t child1_clock = child1_pos < nmc ? mc[child1_pos] : UINT64_MAX;
    if (req_clock <= child1_clock && req_clock <= child2_clock) {
      mc[pos] = req_clock;
      break;
    }
    if (child1_clock < child2_clock) {
      mc[pos] = child1_clock;
      pos = child1_pos;
    } else {
      mc[pos] = child2_clock;
      pos = child2_pos;
    }
  }
}

void StepperSync::flush(uint64_t move_clock) {
  if (move_clocks_.empty()) move_clocks_.assign(1, 0);
  batch_.clear();
  for (;;) {
    // The pending message with the lowest req_clock (the first emitter wins a tie).
    uint64_t req_clock = UINT64_MAX;
    MessageQueue* best = nullptr;
    for (auto& se : emitters_) {
      MessageQueue& q = se->messages();
      if (!q.empty() && q.front().req_clock < req_clock) {
        best = &q;
        req_clock = q.front().req_clock;
      }
    }
    if (!best) break;
    QueuedMessage qm = best->front();
    if (qm.min_clock && req_clock > move_clock) break;
    uint64_t next_avail = move_clocks_[0];
    // A non-zero min_clock marks a move-queue command; it holds its slot until min_clock.
    if (qm.min_clock) heap_replace(qm.min_clock);
    // From here on min_clock means "do not send before".
    qm.min_clock = next_avail;
    best->pop_front();
    batch_.push_back(qm);
  }
  if (!batch_.empty() && sink_) sink_->send_batch(queue_id_, batch_);
}

// Worker threads that run the emitters' step generation of one round in parallel.
struct StepperSyncManager::Workers {
  struct Task {
    SyncEmitter* se;
    uint64_t flush_clock, clear_clock;
    int32_t result;
  };
  std::vector<std::thread> threads;
  std::mutex lock;
  std::condition_variable cond;
  std::vector<Task> tasks;
  double gen_steps_time = 0.;
  std::atomic<size_t> next_task{0};
  size_t round = 0, busy = 0;
  bool exit = false;

  void run_tasks() {
    for (;;) {
      size_t i = next_task.fetch_add(1);
      if (i >= tasks.size()) return;
      Task& t = tasks[i];
      t.result = t.se->generate(gen_steps_time, t.flush_clock, t.clear_clock);
    }
  }
  void thread_main() {
    size_t seen = 0;
    std::unique_lock<std::mutex> lk(lock);
    for (;;) {
      cond.wait(lk, [&] { return exit || round != seen; });
      if (exit) return;
      seen = round;
      lk.unlock();
      run_tasks();
      lk.lock();
      if (--busy == 0) cond.notify_all();
    }
  }
  void run_round() {
    {
      std::lock_guard<std::mutex> lk(lock);
      next_task = 0;
      busy = threads.size();
      round++;
    }
    cond.notify_all();
    run_tasks();
    std::unique_lock<std::mutex> lk(lock);
    cond.wait(lk, [&] { return busy == 0; });
  }
  ~Workers() {
    {
      std::lock_guard<std::mutex> lk(lock);
      exit = true;
    }
    cond.notify_all();
    for (auto& t : threads) t.join();
  }
};

StepperSyncManager::StepperSyncManager() = default;
StepperSyncManager::~StepperSyncManager() = default;

StepperSync& StepperSyncManager::alloc_steppersync() {
  syncs_.push_back(std::make_unique<StepperSync>());
  return *syncs_.back();
}

void StepperSyncManager::set_worker_threads(int n) {
  workers_.reset();
  if (n <= 0) return;
  workers_ = std::make_unique<Workers>();
  for (int i = 0; i < n; i++)
    workers_->threads.emplace_back([w = workers_.get()] { w->thread_main(); });
}

int32_t StepperSyncManager::gen_steps(double flush_time, double gen_steps_time,
                                      double clear_history_time) {
  // The tail sentinels must be current before generation reads the queues.
  for (auto& ss : syncs_)
    for (auto& se : ss->emitters())
      if (se->stepcompress() && se->stepper_kinematics() && se->stepper_kinematics()->trapq())
        se->stepper_kinematics()->trapq()->check_sentinels();

  int32_t res = 0;
  if (workers_) {
    Workers& w = *workers_;
    w.tasks.clear();
    w.gen_steps_time = gen_steps_time;
    for (auto& ss : syncs_) {
      uint64_t flush_clock = ss->clock().clock_from_time(flush_time);
      uint64_t clear_clock = ss->clock().clock_from_time(clear_history_time);
      for (auto& se : ss->emitters())
        if (se->stepcompress() && se->stepper_kinematics())
          w.tasks.push_back({se.get(), flush_clock, clear_clock, 0});
    }
    w.run_round();
    for (auto& t : w.tasks)
      if (t.result && !res) res = t.result;
    if (res) return res;
  } else {
    for (auto& ss : syncs_) {
      uint64_t flush_clock = ss->clock().clock_from_time(flush_time);
      uint64_t clear_clock = ss->clock().clock_from_time(clear_history_time);
      for (auto& se : ss->emitters()) {
        int32_t ret = se->generate(gen_steps_time, flush_clock, clear_clock);
        if (ret) return ret;
      }
    }
  }
  for (auto& ss : syncs_) ss->flush(ss->clock().clock_from_time(flush_time));
  return 0;
}

}  // namespace kpp::motion
