// Input shaping wrapper kinematics (see input_shaper.h).
#include "motion/kinematics/input_shaper.h"

namespace kpp::motion {

bool ShaperPulses::init(std::span<const double> a, std::span<const double> t) {
  size_t n = a.size() < t.size() ? a.size() : t.size();
  if (n > static_cast<size_t>(kMaxPulses)) {
    num_pulses = 0;
    return false;
  }
  double sum_a = 0.;
  for (size_t i = 0; i < n; i++) sum_a += a[i];
  double inv_a = 1. / sum_a;
  // The convolution looks ahead in time for the earliest pulse: reverse the definition.
  for (size_t i = 0; i < n; i++) {
    pulses[n - i - 1].a = a[i] * inv_a;
    pulses[n - i - 1].t = -t[i];
  }
  num_pulses = static_cast<int>(n);
  // Centre the pulses so that v*t is mapped onto itself.
  double ts = 0.;
  for (int i = 0; i < num_pulses; i++) ts += pulses[i].a * pulses[i].t;
  for (int i = 0; i < num_pulses; i++) pulses[i].t -= ts;
  return true;
}

InputShaperKinematics::InputShaperKinematics() = default;

bool InputShaperKinematics::set_inner(StepperKinematics* inner) {
  // A stepper that follows no axis right now (a parked dual carriage) is still wrapped: its
  // axes come back with update_from_inner().
  inner_ = inner;
  set_active_flags(inner->active_flags());
  copy_solver_state(*inner);
  note_generation_time();
  return true;
}

void InputShaperKinematics::update_from_inner() {
  if (!inner_) return;
  set_active_flags(inner_->active_flags());
  note_generation_time();
}

bool InputShaperKinematics::set_shaper_params(char axis, std::span<const double> a,
                                              std::span<const double> t) {
  if (axis < 'x' || axis > 'z') return false;
  int idx = axis - 'x';
  bool ok = true;
  // An axis the wrapped stepper does not follow stays unshaped.
  if (inner_ && (inner_->active_flags() & (kActiveX << idx))) {
    ok = sp_[idx].init(a, t);
    note_generation_time();
  }
  return ok;
}

void InputShaperKinematics::note_generation_time() {
  double pre_active = 0., post_active = 0.;
  for (int i = 0; i < 3; i++) {
    const ShaperPulses& sp = sp_[i];
    if (!(active_flags() & (kActiveX << i)) || !sp.num_pulses) continue;
    if (sp.pulses[sp.num_pulses - 1].t > pre_active) pre_active = sp.pulses[sp.num_pulses - 1].t;
    if (-sp.pulses[0].t > post_active) post_active = -sp.pulses[0].t;
  }
  set_gen_steps_window(pre_active, post_active);
}

double InputShaperKinematics::step_generation_window() const {
  return gen_steps_pre_active() > gen_steps_post_active() ? gen_steps_pre_active()
                                                          : gen_steps_post_active();
}

// Shaped position of one axis: the pulse-weighted positions at shifted times, walking into the
// neighbouring moves as needed.
double InputShaperKinematics::shaped_axis_position(const Move& m0, int axis, double move_time,
                                                   const ShaperPulses& sp) {
  double res = 0.;
  for (int i = 0; i < sp.num_pulses; i++) {
    const Move* m = &m0;
    double time = move_time + sp.pulses[i].t;
    while (time < 0.) [[likely]] {
        if (!m->prev || !m->prev->prev) {
          time = 0.;  // nothing queued earlier: the toolhead stood at the oldest move's start
          break;
        }
        m = m->prev;
        time += m->move_t;
      }
    while (time > m->move_t) [[likely]] {
        time -= m->move_t;
        m = m->next;
      }
    double pos = m->start_pos[axis] + m->axes_r[axis] * m->distance(time);
    res += sp.pulses[i].a * pos;
  }
  return res;
}

double InputShaperKinematics::calc_position(const Move& m, double move_time) {
  int flags = active_flags();
  int shaped = 0;
  for (int i = 0; i < 3; i++)
    if ((flags & (kActiveX << i)) && sp_[i].num_pulses) shaped |= kActiveX << i;
  if (!shaped) return inner_->calc_position(m, move_time);
  if (flags == kActiveX || flags == kActiveY || flags == kActiveZ) {
    // Single-axis stepper: only that coordinate matters to the wrapped kinematics.
    int axis = flags == kActiveX ? 0 : flags == kActiveY ? 1 : 2;
    dm_.m.start_pos[axis] = shaped_axis_position(m, axis, move_time, sp_[axis]);
  } else {
    dm_.m.start_pos = m.coord(move_time);
    for (int i = 0; i < 3; i++)
      if (shaped & (kActiveX << i))
        dm_.m.start_pos[i] = shaped_axis_position(m, i, move_time, sp_[i]);
  }
  return inner_->calc_position(dm_.m, DummyMove::kDummyTime);
}

void InputShaperKinematics::post_fixup() {
  // The wrapped kinematics keeps state in its commanded position (e.g. the polar angle).
  inner_->set_commanded_pos(commanded_pos());
  inner_->post_fixup();
  set_commanded_pos(inner_->commanded_pos());
}

}  // namespace kpp::motion
