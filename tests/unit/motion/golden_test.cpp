// Golden anchor: the homing moves at the start of Klipper's example-cartesian and
// example-rotary-delta regression cases (../shared/golden/klipper/printers/) rebuilt from
// hand-set trapq moves must give exactly Klipper's queue_step / set_next_step_dir sequences.
// The moves are derived from the config (step distances, homing speed, accelerations) and the
// golden file itself (start time from the first step; flush boundaries on the 50 ms drip grid).
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>
#include <regex>
#include <string>
#include <vector>

#include "motion/kinematics/cartesian.h"
#include "motion/kinematics/generic_cartesian.h"
#include "motion/kinematics/input_shaper.h"
#include "motion/kinematics/shaper_defs.h"
#include "motion/kinematics/rotary_delta.h"
#include "motion/steppersync.h"
#include "motion/trapq.h"
#include "motion_test_util.h"

namespace kpp::motion {
namespace {

constexpr double kFreq = 16000000.;  // atmega2560
constexpr uint32_t kMaxError = 400;  // 25 us

std::vector<std::string> golden_lines(const char* rel) {
  std::vector<std::string> lines;
  // The shared folder sits next to the checkout (/work/main) or two levels up (a worktree).
  gzFile f = nullptr;
  for (std::string dir :
       {std::string(KPP_SHARED_DIR), std::string(KPP_SOURCE_DIR) + "/../../shared"}) {
    f = gzopen((dir + "/" + rel).c_str(), "rb");
    if (f) break;
  }
  if (!f) return lines;
  char buf[4096];
  while (gzgets(f, buf, sizeof(buf))) {
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    lines.push_back(s);
  }
  gzclose(f);
  return lines;
}

// The golden step messages of one oid from line `first` (1-based) up to the first line that
// matches `stop` (not included).
std::vector<std::string> golden_steps(const std::vector<std::string>& lines, int oid, size_t first,
                                      const std::string& stop) {
  std::vector<std::string> out;
  std::string tag = " oid=" + std::to_string(oid) + " ";
  for (size_t i = first - 1; i < lines.size(); i++) {
    const std::string& l = lines[i];
    if (l.find(stop) != std::string::npos) break;
    if (l.find(tag) == std::string::npos) continue;
    if (l.rfind("queue_step", 0) == 0 || l.rfind("set_next_step_dir", 0) == 0) out.push_back(l);
  }
  return out;
}

std::string to_text(const QueuedMessage& m) {
  char buf[128];
  if (m.data[0] == testing::kSetDirTag)
    std::snprintf(buf, sizeof(buf), "set_next_step_dir oid=%u dir=%u", m.data[1], m.data[2]);
  else
    std::snprintf(buf, sizeof(buf), "queue_step oid=%u interval=%u count=%u add=%d", m.data[1],
                  m.data[2], m.data[3], static_cast<int32_t>(m.data[4]));
  return buf;
}

// A homing move from `start` to `end` at `speed` with `accel`, planned the way the toolhead
// plans it (rest to rest), sent the way Klipper's drip mode sends it: the move starts at
// t0 = homing start + 1 ms (homing start delay) + kin_flush_delay; steps are generated in
// 50 ms segments up to G = t0 + k*0.05 capped at the move end while commands are flushed up to
// G - 1 ms (the step+dir+step filter window), then everything up to the end plus
// kin_flush_delay. This is the schedule the golden chunk boundaries show (the flush 1 ms
// before the end splits the last steps of a move). Returns each oid's step messages.
std::map<int, std::vector<std::string>> simulate_homing(
    const std::vector<std::pair<int, StepperKinematics*>>& steppers, double step_dist,
    const Vec3& start, const Vec3& end, double speed, double accel, double homing_start,
    double kin_flush_delay = 0.001) {
  double t0 = homing_start + 0.001 + kin_flush_delay;
  TrapQ tq;
  testing::RecordingSink sink;
  StepperSyncManager ssm;
  StepperSync& ss = ssm.alloc_steppersync();
  ss.setup_movequeue(&sink, 0, 16);
  for (auto& [oid, sk] : steppers) {
    sk->set_trapq(&tq, step_dist);
    sk->set_position(start.x, start.y, start.z);
    SyncEmitter& se = ss.alloc_emitter("stepper");
    se.stepcompress()->configure(oid, kMaxError, testing::kQueueStepTag, testing::kSetDirTag);
    se.set_stepper_kinematics(sk);
  }
  ss.set_time(0., kFreq);

  // Move.set_junction for a rest-to-rest move.
  Vec3 d = {end.x - start.x, end.y - start.y, end.z - start.z};
  double move_d = std::sqrt(d.x * d.x + d.y * d.y + d.z * d.z);
  double cruise_v2 = std::pow(speed, 2.), half_inv_accel = .5 / accel;
  double accel_d = cruise_v2 * half_inv_accel, decel_d = accel_d;
  double cruise_d = move_d - accel_d - decel_d;
  double cruise_v = std::sqrt(cruise_v2);
  double accel_t = accel_d / (cruise_v * 0.5), cruise_t = cruise_d / cruise_v;
  double decel_t = decel_d / (cruise_v * 0.5);
  Vec3 axes_r = {d.x / move_d, d.y / move_d, d.z / move_d};
  tq.append(t0, accel_t, cruise_t, decel_t, start, axes_r, 0., cruise_v, accel);
  double move_end = t0 + accel_t + cruise_t + decel_t;
  double gen = t0;
  while (gen < move_end) {
    gen = std::min(gen + 0.05, move_end);
    EXPECT_EQ(ssm.gen_steps(gen - 0.001, gen, 0.), 0);
  }
  EXPECT_EQ(ssm.gen_steps(gen + kin_flush_delay, gen + kin_flush_delay, 0.), 0);
  std::map<int, std::vector<std::string>> out;
  for (auto& m : sink.sent[0]) out[static_cast<int>(m.data[1])].push_back(to_text(m));
  return out;
}

// Back from text to a message, for the step decoder.
QueuedMessage parse(const std::string& line) {
  QueuedMessage m;
  unsigned oid = 0, a = 0, b = 0;
  int add = 0;
  if (std::sscanf(line.c_str(), "queue_step oid=%u interval=%u count=%u add=%d", &oid, &a, &b,
                  &add) == 4) {
    m.data = {testing::kQueueStepTag, oid, a, b, static_cast<uint32_t>(add)};
  } else if (std::sscanf(line.c_str(), "set_next_step_dir oid=%u dir=%u", &oid, &a) == 2) {
    m.data = {testing::kSetDirTag, oid, a};
  }
  return m;
}

void expect_same(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  EXPECT_EQ(got.size(), want.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < want.size() && i < got.size(); i++)
    if (got[i] != want[i] && mismatches++ < 10)
      ADD_FAILURE() << "message " << i << ": got '" << got[i] << "' want '" << want[i] << "'";
  EXPECT_EQ(mismatches, 0u);
}

TEST(GoldenCartesian, XHomingMoveMatchesKlipper) {
  auto lines = golden_lines("golden/klipper/printers/example-cartesian.txt.gz");
  if (lines.empty()) GTEST_SKIP() << "golden output not available";
  // stepper_x: rotation_distance 40, 16 microsteps -> 0.0125 mm; homing from the forced
  // position 300 (1.5 * position_max) to 0 at 5 mm/s, max_accel 3000. Homing starts at 0.25 s
  // (endstop_home clock=4000000) and the move 2 ms later (stepper enable at clock 4032000).
  auto want = golden_steps(lines, 2, 32, "endstop_home oid=0 clock=0");
  ASSERT_GT(want.size(), 1000u);
  CartesianKinematics x('x');
  auto got = simulate_homing({{2, &x}}, 40. / 3200., {300., 0., 0.}, {0., 0., 0.}, 5., 3000., 0.25);
  expect_same(got[2], want);
}

TEST(GoldenCartesian, ZHomingMoveWithAccelerationMatchesKlipper) {
  auto lines = golden_lines("golden/klipper/printers/example-cartesian.txt.gz");
  if (lines.empty()) GTEST_SKIP() << "golden output not available";
  // stepper_z: rotation_distance 8, 16 microsteps -> 0.0025 mm; homing from 299.75
  // (0.5 + 1.5 * (200 - 0.5)) down to 0.5 at 5 mm/s with max_z_accel 30: 166 steps of
  // acceleration compressed with `add`. Homing starts at endstop_home clock=2084453333; the
  // sub-tick part of that print time matters to the early steps: 130.2783333... (the golden
  // output is reproduced for fractions 0.31..0.37 of a tick).
  auto want = golden_steps(lines, 8, 2629, "endstop_home oid=6 clock=0");
  ASSERT_GT(want.size(), 1000u);
  CartesianKinematics z('z');
  auto got = simulate_homing({{8, &z}}, 8. / 3200., {0., 0., 299.75}, {0., 0., 0.5}, 5., 30.,
                             130.2783333333333);
  expect_same(got[8], want);
}

TEST(GoldenRotaryDelta, HomingMoveOfThreeArmsMatchesKlipper) {
  auto lines = golden_lines("golden/klipper/printers/example-rotary-delta.txt.gz");
  if (lines.empty()) GTEST_SKIP() << "golden output not available";
  // example-rotary-delta.cfg: shoulder radius 33.9 / height 412.9, arms 170 and 320 at 30, 150
  // and 270 degrees; gear_ratio 107:16, 60:16 at 16 microsteps -> 2*pi/80250 rad per step.
  // All three arms home together: from z = -1 below the home position (the forward solution of
  // the endstop angles for z = 252) up to it at 50 mm/s, 3000 mm/s^2. The arm angles are a
  // nonlinear function of z.
  std::array<RotaryDeltaArm, 3> arms;
  const double angles[3] = {30., 150., 270.};
  for (int i = 0; i < 3; i++)
    arms[i] = {33.9, 412.9, angles[i] * std::numbers::pi / 180., 170., 320.};
  std::array<double, 3> endstop_angles;
  for (int i = 0; i < 3; i++)
    endstop_angles[i] = RotaryDeltaKinematics(arms[i]).calc_position_from_coord(0., 0., 252.);
  Vec3 home = RotaryDeltaKinematics::forward(arms, endstop_angles);
  RotaryDeltaKinematics a(arms[0]), b(arms[1]), c(arms[2]);
  double step_dist = 2. * std::numbers::pi / (200. * 16. * (107. / 16. * 60. / 16.));
  auto got = simulate_homing({{2, &a}, {5, &b}, {8, &c}}, step_dist, {home.x, home.y, -1.}, home,
                             50., 3000., 0.25);
  for (int oid : {2, 5, 8}) {
    auto want = golden_steps(lines, oid, 39, "endstop_home oid=0 clock=0");
    ASSERT_GT(want.size(), 200u);
    SCOPED_TRACE("oid " + std::to_string(oid));
    expect_same(got[oid], want);
  }
}

TEST(GoldenGenericCartesian, InputShapedXHomingMatchesKlipper) {
  auto lines = golden_lines("golden/klipper/generic_cartesian/generic_cartesian.txt.gz");
  if (lines.empty()) GTEST_SKIP() << "golden output not available";
  // test/klippy/generic_cartesian.cfg + .test: stepper_x follows carriage_x + carriage_y
  // (coefficients 1, 1, 0), 0.0125 mm steps; SET_INPUT_SHAPER ei at 50 Hz on X and 2hump_ei at
  // 80 Hz on Y (damping 0.1). Homing X: 450 -> 0 at 50 mm/s, 3000 mm/s^2. The kinematic flush
  // delay is the largest shaper window (the ei post window).
  GenericCartesianKinematics g({1., 1., 0.});
  InputShaperKinematics shaped;
  shaped.set_trapq(nullptr, 40. / 3200.);
  ASSERT_TRUE(shaped.set_inner(&g));
  ShaperDef sx = init_shaper("ei", 50., 0.1).def, sy = init_shaper("2hump_ei", 80., 0.1).def;
  ASSERT_TRUE(shaped.set_shaper_params('x', sx.a, sx.t));
  ASSERT_TRUE(shaped.set_shaper_params('y', sy.a, sy.t));
  double kin_flush_delay = std::max(shaped.gen_steps_pre_active(), shaped.gen_steps_post_active());
  auto got = simulate_homing({{8, &shaped}}, 40. / 3200., {450., 0., 0.}, {0., 0., 0.}, 50., 3000.,
                             0.25, kin_flush_delay);
  auto want = golden_steps(lines, 8, 1, "endstop_home oid=0 clock=0");
  ASSERT_GT(want.size(), 190u);
  // Command for command, the shaped final deceleration included (it ends in the window of the
  // last flushes, so it pins down that flush points lag generation by 1 ms, not by the delay).
  expect_same(got[8], want);
  testing::StepDecoder dg, dw;
  for (auto& l : got[8]) dg.feed(parse(l));
  for (auto& l : want) dw.feed(parse(l));
  ASSERT_EQ(dg.steps.size(), dw.steps.size());
  EXPECT_EQ(dg.steps.back().clock, dw.steps.back().clock);
}

}  // namespace
}  // namespace kpp::motion
