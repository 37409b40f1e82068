// Step generation throughput: itersolve + stepcompress (+ steppersync ordering) on a long
// cartesian move sequence, and the shaped / pressure-advance variants. Reports steps/s.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "motion/kinematics/cartesian.h"
#include "motion/kinematics/extruder.h"
#include "motion/kinematics/input_shaper.h"
#include "motion/kinematics/shaper_defs.h"
#include "motion/steppersync.h"
#include "motion/trapq.h"

namespace kpp::motion {
namespace {

class CountingSink : public MessageSink {
 public:
  void send_batch(int, std::vector<QueuedMessage>& msgs) override {
    messages += msgs.size();
    for (const QueuedMessage& m : msgs)
      if (m.data[0] == 1) steps += m.data[3];  // queue_step count
  }
  size_t messages = 0, steps = 0;
};

// A zig-zag infill-like path: 2000 moves of 5..60 mm at 100-250 mm/s, 3000 mm/s^2, on an
// 80 steps/mm printer with a 16 MHz MCU; the extruder at 0.033 mm filament per mm (415 steps/mm).
struct Job {
  struct Seg {
    double t, at, ct, dt, v, a;
    Vec3 start, dir;
    double e, ev;
  };
  std::vector<Seg> segs;
  double end_time = 0.;
  Job() {
    double t = 1.;
    Vec3 p = {100., 100., 0.2};
    double e = 0.;
    for (int i = 0; i < 2000; i++) {
      double len = 5. + (i * 37) % 56;
      double ang = (i % 2 ? 0. : 3.14159265358979) + 0.3 * std::sin(i * 0.7);
      Vec3 dir = {std::cos(ang), std::sin(ang), 0.};
      double v = 100. + (i * 13) % 151, a = 3000.;
      double at = v / a, ad = .5 * v * at;
      if (2. * ad > len) {
        at = std::sqrt(len / a);
        v = a * at;
        ad = .5 * len;
      }
      double ct = (len - 2. * ad) / v;
      segs.push_back({t, at, ct, at, v, a, p, dir, e, 0.033});
      t += 2. * at + ct;
      p = {p.x + dir.x * len, p.y + dir.y * len, p.z};
      e += len * 0.033;
    }
    end_time = t;
  }
};

enum class Variant { kXY, kXYShaped, kXYE };

void run(benchmark::State& state, Variant variant) {
  static const Job job;
  size_t steps = 0;
  for (auto _ : state) {
    TrapQ tq, etq;
    CartesianKinematics x('x'), y('y');
    InputShaperKinematics sx, sy;
    ExtruderKinematics e;
    for (StepperKinematics* sk : std::initializer_list<StepperKinematics*>{&x, &y}) {
      sk->set_trapq(&tq, 0.0125);
      sk->set_position(100., 100., 0.2);
    }
    e.set_trapq(&etq, 1. / 415.);
    StepperKinematics *kx = &x, *ky = &y;
    if (variant == Variant::kXYShaped) {
      sx.set_trapq(&tq, 0.0125);
      sy.set_trapq(&tq, 0.0125);
      sx.set_inner(&x);
      sy.set_inner(&y);
      ShaperDef dx = init_shaper("mzv", 45., 0.1).def, dy = init_shaper("ei", 38., 0.1).def;
      sx.set_shaper_params('x', dx.a, dx.t);
      sy.set_shaper_params('y', dy.a, dy.t);
      kx = &sx;
      ky = &sy;
    }
    e.set_pressure_advance(0., 0.05, 0.04);
    CountingSink sink;
    StepperSyncManager ssm;
    StepperSync& ss = ssm.alloc_steppersync();
    ss.setup_movequeue(&sink, 0, 64);
    SyncEmitter& ex = ss.alloc_emitter("x");
    SyncEmitter& ey = ss.alloc_emitter("y");
    SyncEmitter& ee = ss.alloc_emitter("e");
    ex.stepcompress()->configure(1, 400, 1, 2);
    ey.stepcompress()->configure(2, 400, 1, 2);
    ee.stepcompress()->configure(3, 400, 1, 2);
    ss.set_time(0., 16e6);
    ex.set_stepper_kinematics(kx);
    ey.set_stepper_kinematics(ky);
    if (variant == Variant::kXYE) ee.set_stepper_kinematics(&e);
    // Queue moves and generate in 0.5 s batches that trail the queue by 0.1 s.
    double gen = 1.;
    for (const auto& s : job.segs) {
      tq.append(s.t, s.at, s.ct, s.dt, s.start, s.dir, 0., s.v, s.a);
      if (variant == Variant::kXYE)
        etq.append(s.t, s.at, s.ct, s.dt, {s.e, 0., 0.}, {1., 1., 0.}, 0., s.v * s.ev, s.a * s.ev);
      double end = s.t + s.at + s.ct + s.dt;
      if (end - 0.1 > gen + 0.5) {
        gen = end - 0.1;
        if (ssm.gen_steps(gen - 0.05, gen, gen - 1.)) {
          state.SkipWithError(
              (ex.stepcompress()->error() + ey.stepcompress()->error() + ee.stepcompress()->error())
                  .c_str());
          break;
        }
        tq.finalize_moves(gen - 0.2, gen - 1.);
        etq.finalize_moves(gen - 0.2, gen - 1.);
      }
    }
    if (ssm.gen_steps(job.end_time + 1., job.end_time + 1., 0.)) state.SkipWithError("error");
    steps += sink.steps;
    benchmark::DoNotOptimize(sink.messages);
  }
  state.counters["steps/s"] = benchmark::Counter(double(steps), benchmark::Counter::kIsRate);
}

void BM_CartesianXY(benchmark::State& state) {
  run(state, Variant::kXY);
}
void BM_CartesianXYInputShaped(benchmark::State& state) {
  run(state, Variant::kXYShaped);
}
void BM_CartesianXYExtruderPA(benchmark::State& state) {
  run(state, Variant::kXYE);
}
BENCHMARK(BM_CartesianXY)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CartesianXYInputShaped)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CartesianXYExtruderPA)->Unit(benchmark::kMillisecond);

// Compression alone: a constant-acceleration ramp up and down, repeated.
void BM_StepCompressRamp(benchmark::State& state) {
  std::vector<double> times;
  double t = 0.;
  for (int r = 0; r < 100; r++)
    for (int n = 1; n <= 2000; n++)
      times.push_back(t + std::sqrt(2. * n * 0.0125 / 3000.)), t = times.back();
  for (auto _ : state) {
    MessageQueue out;
    StepCompress sc(&out);
    sc.configure(1, 400, 1, 2);
    sc.set_time(0., 16e6);
    for (double st : times) (void)sc.append(1, 1., st);
    (void)sc.flush(UINT64_MAX);
    benchmark::DoNotOptimize(out.size());
  }
  state.counters["steps/s"] = benchmark::Counter(double(times.size()) * double(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StepCompressRamp)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kpp::motion

BENCHMARK_MAIN();
