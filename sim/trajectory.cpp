// Nozzle trajectory recording and checking (see trajectory.h).
#include "sim/trajectory.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kpp::sim {

void TrajectoryRecorder::on_step(const PrinterModel& model, size_t, uint64_t clock) {
  if (extruder_ == -2) {
    extruder_ = -1;
    for (size_t i = 0; i < model.stepper_count(); i++)
      if (model.stepper(i).spec().is_extruder) {
        extruder_ = static_cast<int>(i);
        break;
      }
  }
  double t = PrinterModel::clock_to_time(clock);
  TrajectorySample s{t, model.nozzle(),
                     extruder_ >= 0 ? model.stepper(static_cast<size_t>(extruder_)).position() : 0.};
  if (min_interval_ > 0. && samples_.size() >= 2) {
    // Overwrite the newest sample while it is within the interval of the one before it.
    TrajectorySample& last = samples_.back();
    if (last.time - samples_[samples_.size() - 2].time < min_interval_ &&
        t - samples_[samples_.size() - 2].time < min_interval_) {
      last = s;
      return;
    }
  }
  samples_.push_back(s);
}

bool TrajectoryRecorder::write_csv(const std::string& path) const {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  std::fprintf(f, "time,x,y,z,e\n");
  for (const TrajectorySample& s : samples_)
    std::fprintf(f, "%.7f,%.5f,%.5f,%.5f,%.5f\n", s.time, s.nozzle.x, s.nozzle.y, s.nozzle.z, s.e);
  return std::fclose(f) == 0;
}

void CommandedPath::add(const motion::PullMove& m) {
  if (!moves_.empty() && m.print_time < moves_.back().print_time) {
    auto it = std::upper_bound(moves_.begin(), moves_.end(), m.print_time,
                               [](double t, const motion::PullMove& x) { return t < x.print_time; });
    moves_.insert(it, m);
    return;
  }
  moves_.push_back(m);
}

void CommandedPath::add(const motion::Move& m) {
  add(motion::PullMove{m.print_time, m.move_t, m.start_v, 2. * m.half_accel, m.start_pos,
                       m.axes_r});
}

bool CommandedPath::position(double t, Vec3& out) const {
  if (moves_.empty() || t < moves_.front().print_time) return false;
  // Steps come in time order: walk from the last answer, or search when time went back.
  if (cursor_ >= moves_.size() || moves_[cursor_].print_time > t) {
    auto it = std::upper_bound(moves_.begin(), moves_.end(), t,
                               [](double v, const motion::PullMove& x) { return v < x.print_time; });
    cursor_ = static_cast<size_t>(it - moves_.begin()) - 1;
  }
  while (cursor_ + 1 < moves_.size() && moves_[cursor_ + 1].print_time <= t) cursor_++;
  const motion::PullMove& m = moves_[cursor_];
  double mt = std::min(t - m.print_time, m.move_t);
  double d = (m.start_v + 0.5 * m.accel * mt) * mt;
  out = {m.start_pos.x + m.axes_r.x * d, m.start_pos.y + m.axes_r.y * d,
         m.start_pos.z + m.axes_r.z * d};
  return true;
}

void PathChecker::on_step(const PrinterModel& model, size_t index, uint64_t clock) {
  if (!model.kinematics().moves_nozzle(index)) return;
  double t = PrinterModel::clock_to_time(clock);
  if (deferred_)
    pending_.emplace_back(t, model.nozzle());
  else
    check(t, model.nozzle());
}

void PathChecker::begin_exclusion(double t) {
  if (open_from_ < 0.) open_from_ = t;
}

void PathChecker::end_exclusion(double t) {
  if (open_from_ < 0.) return;
  exclusions_.emplace_back(open_from_, std::max(t, open_from_));
  open_from_ = -1.;
}

bool PathChecker::is_excluded(double t) const {
  if (open_from_ >= 0. && t >= open_from_) return true;
  // Steps come in time order and intervals are few: newest first finds the usual case at once.
  for (auto it = exclusions_.rbegin(); it != exclusions_.rend(); ++it)
    if (t >= it->first && t <= it->second) return true;
  return false;
}

void PathChecker::check_until(double t) {
  // The steps of an open exclusion are judged once it ends.
  if (open_from_ >= 0.) t = std::min(t, open_from_);
  size_t n = 0;
  while (n < pending_.size() && pending_[n].first <= t) {
    check(pending_[n].first, pending_[n].second);
    n++;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
}

void PathChecker::check(double t, const Vec3& got) {
  if (t < start_time_) return;
  if (is_excluded(t)) {
    excluded_++;
    return;
  }
  Vec3 want;
  if (!path_.position(t, want)) {
    unchecked_++;
    return;
  }
  double dx = got.x - want.x, dy = got.y - want.y, dz = got.z - want.z;
  double err = std::sqrt(dx * dx + dy * dy + dz * dz);
  max_axes_ = {std::max(max_axes_.x, std::fabs(dx)), std::max(max_axes_.y, std::fabs(dy)),
               std::max(max_axes_.z, std::fabs(dz))};
  if (err > max_error_) {
    max_error_ = err;
    worst_time_ = t;
  }
  checked_++;
}

}  // namespace kpp::sim
