// Golden anchor: the homing moves at the start of Klipper's example-cartesian and
// example-rotary-delta regression cases (../shared/golden/klipper/printers/) rebuilt from
// hand-set trapq moves must give exactly Klipper's queue_step / set_next_step_dir sequences.
// The moves are derived from the config (step distances, homing speed, accelerations) and the
// golden file itself (start time from the first step; flush boundaries on the 50 ms drip grid).
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>
#include <regex>
#include <string>
#include <vector>

#include "motion/kinematics/cartesian.h"
#include "motion/kinematics/rotary_delta.h"
#include "motion/steppersync.h"
#include "motion/trapq.h"
#include "motion_test_util.h"

namespace kpp::motion {
namespace {

constexpr double kFreq = 16000000.;  // atmega2560
constexpr uint32_t kMaxError = 400;  // 25 us
constexpr double kKinFlushDelay = 0.001;

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
// plans it (rest to rest) and starting at t0 = homing start + 2 ms, sent in 50 ms drip
// segments: steps generated up to t0 + k*0.05 and commands flushed up to 1 ms (the kinematic
// flush delay) before that - the schedule the golden chunk boundaries show. Returns each oid's
// step messages.
std::map<int, std::vector<std::string>> simulate_homing(
    const std::vector<std::pair<int, StepperKinematics*>>& steppers, double step_dist,
    const Vec3& start, const Vec3& end, double speed, double accel, double homing_start) {
  double t0 = homing_start + 0.002;
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
  for (int k = 1;; k++) {
    double gen = t0 + 0.05 * k, flush = gen - kKinFlushDelay;
    if (flush > move_end) flush = gen = move_end + 0.001;
    EXPECT_EQ(ssm.gen_steps(flush, gen, 0.), 0);
    if (flush > move_end) break;
  }
  std::map<int, std::vector<std::string>> out;
  for (auto& m : sink.sent[0]) out[static_cast<int>(m.data[1])].push_back(to_text(m));
  return out;
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

}  // namespace
}  // namespace kpp::motion
