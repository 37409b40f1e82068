// Hot paths do not allocate: once warmed up, appending moves, generating, compressing and
// flushing steps makes no heap allocation (counted through the global operator new).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>

#include "motion/kinematics/cartesian.h"
#include "motion/kinematics/extruder.h"
#include "motion/kinematics/input_shaper.h"
#include "motion/kinematics/shaper_defs.h"
#include "motion/steppersync.h"
#include "motion/trapq.h"

namespace {
std::atomic<long> g_allocs{0};
}

void* operator new(std::size_t n) {
  g_allocs++;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace kpp::motion {
namespace {

class CountingSink : public MessageSink {
 public:
  void send_batch(int, std::vector<QueuedMessage>& msgs) override { count += msgs.size(); }
  size_t count = 0;
};

TEST(NoAlloc, SteadyStateStepGeneration) {
  TrapQ tq, etq;
  CartesianKinematics x('x'), y('y');
  InputShaperKinematics sx;
  ExtruderKinematics e;
  x.set_trapq(&tq, 0.0125);
  y.set_trapq(&tq, 0.0125);
  sx.set_trapq(&tq, 0.0125);
  e.set_trapq(&etq, 0.002);
  ASSERT_TRUE(sx.set_inner(&x));
  ShaperDef d = zv_shaper(40., 0.1);
  ASSERT_TRUE(sx.set_shaper_params('x', d.a, d.t));
  e.set_pressure_advance(0., 0.04, 0.04);
  CountingSink sink;
  StepperSyncManager ssm;
  StepperSync& ss = ssm.alloc_steppersync();
  ss.setup_movequeue(&sink, 0, 32);
  SyncEmitter& ex = ss.alloc_emitter("x");
  SyncEmitter& ey = ss.alloc_emitter("y");
  SyncEmitter& ee = ss.alloc_emitter("e");
  ex.stepcompress()->configure(1, 400, 1, 2);
  ey.stepcompress()->configure(2, 400, 1, 2);
  ee.stepcompress()->configure(3, 400, 1, 2);
  ss.set_time(0., 16e6);
  ex.set_stepper_kinematics(&sx);
  ey.set_stepper_kinematics(&y);
  ee.set_stepper_kinematics(&e);

  double t = 1.;
  Vec3 p;
  double epos = 0.;
  auto segment = [&](int i) {
    static const Vec3 kCorners[5] = {
        {10., 10., 0.}, {60., 15., 0.}, {35., 50., 0.}, {5., 40., 0.}, {50., 45., 0.}};
    Vec3 q = kCorners[i % 5];
    double dx = q.x - p.x, dy = q.y - p.y, len = std::sqrt(dx * dx + dy * dy);
    double v = 100., a = 3000., at = v / a, ad = .5 * v * at, ct = (len - 2 * ad) / v;
    tq.append(t, at, ct, at, p, {dx / len, dy / len, 0.}, 0., v, a);
    etq.append(t, at, ct, at, {epos, 0., 0.}, {1., 1., 0.}, 0., v * 0.03, a * 0.03);
    epos += len * 0.03;
    t += 2 * at + ct;
    p = q;
    // Generation stays a window behind the newest move (pressure advance and shaping look
    // ahead in time).
    ASSERT_EQ(ssm.gen_steps(t - 0.15, t - 0.05, t - 2.), 0)
        << ex.stepcompress()->error() << ey.stepcompress()->error() << ee.stepcompress()->error();
    tq.finalize_moves(t - 0.25, t - 2.);
    etq.finalize_moves(t - 0.25, t - 2.);
  };
  for (int i = 0; i < 300; i++) segment(i);  // warm up: pools and buffers grow
  long before = g_allocs.load();
  for (int i = 300; i < 600; i++) segment(i);
  EXPECT_EQ(g_allocs.load() - before, 0);
  EXPECT_GT(sink.count, 1000u);
}

}  // namespace
}  // namespace kpp::motion
