// [bltouch]: the control pin's command pulses and the sensor checks, against the golden stream
// of Klipper's bltouch.test (connect, then the first Z homing pass with the sensor test, the
// pin lowered, raised on trigger and verified), plus BLTOUCH_DEBUG, BLTOUCH_STORE,
// set_output_mode and probe_with_touch_mode.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <sstream>

#include "../common/batch_util.h"

namespace kpp {
namespace {

const std::string kShared = KPP_SHARED_DIR;

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> read_gz_lines(const std::string& path) {
  std::vector<std::string> lines;
  gzFile f = gzopen(path.c_str(), "rb");
  char buf[4096];
  while (f && gzgets(f, buf, sizeof(buf))) {
    std::string l(buf);
    if (!l.empty() && l.back() == '\n') l.pop_back();
    lines.push_back(l);
  }
  if (f) gzclose(f);
  return lines;
}

// The control pin (oid 12 in bltouch.cfg) and the sensor endstop (oid 0) traffic.
std::vector<std::string> bltouch_lines(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (auto& l : lines)
    if (l.starts_with("queue_digital_out oid=12 ") || l.starts_with("endstop_home oid=0 ") ||
        l.starts_with("trsync_start oid=1 "))
      out.push_back(l);
  return out;
}

std::string bltouch_cfg(const std::string& extra = {}) {
  std::string cfg = read_file(kShared + "/klipper/test/klippy/bltouch.cfg");
  auto pos = cfg.find("[bltouch]\n");
  cfg.insert(pos + 10, extra);
  return cfg;
}

// The on_ticks of the control pin's pulses (0 entries, the pulse ends, left out).
std::vector<int> pulses(const std::vector<std::string>& lines) {
  std::vector<int> out;
  for (auto& l : bltouch_lines(lines)) {
    auto p = l.find("on_ticks=");
    if (p == std::string::npos) continue;
    int v = std::stoi(l.substr(p + 9));
    if (v) out.push_back(v);
  }
  return out;
}

// Pulse widths at 16 MHz with a 20 ms period (320000 ticks).
constexpr int kPinDown = 10400, kTouchMode = 18640, kPinUp = 23600, kReset = 35040;
constexpr int kSet5V = 31808, kSetOD = 33456, kStore = 30144;

TEST(BLTouch, ConnectAndFirstHomingPassMatchKlipper) {
  auto r = test::run_batch(bltouch_cfg(), "G28\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  auto ours = bltouch_lines(r.lines);
  auto gold =
      bltouch_lines(read_gz_lines(kShared + "/golden/klipper/bltouch/bltouch.txt.gz"));
  // Connect: pin up and its check; first Z pass: sensor test (pin up, touch mode, check),
  // pin down, homing move, pin up on trigger, check. (The second pass starts after the
  // homing retract, whose timing is the homing code's.)
  const size_t n = 23;
  ASSERT_GE(ours.size(), n);
  ASSERT_GE(gold.size(), n);
  for (size_t i = 0; i < n; i++) EXPECT_EQ(ours[i], gold[i]) << "line " << i;
}

TEST(BLTouch, DebugAndStoreCommands) {
  auto r = test::run_batch(bltouch_cfg(),
                           "BLTOUCH_DEBUG COMMAND=reset\n"
                           "BLTOUCH_DEBUG COMMAND=bogus\n"
                           "BLTOUCH_STORE MODE=5V\n"
                           "BLTOUCH_STORE MODE=XX\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  // Connect: pin up. Then reset, then the 5V store sequence; unknown names send nothing.
  EXPECT_EQ(pulses(r.lines),
            (std::vector<int>{kPinUp, kReset, kPinDown, kSet5V, kStore, kSet5V, kPinUp}));
}

TEST(BLTouch, OutputModeAtConnectAndTouchModeProbing) {
  auto r = test::run_batch(
      bltouch_cfg("set_output_mode: OD\nprobe_with_touch_mode: True\n"
                  "pin_up_touch_mode_reports_triggered: False\n"),
      "G28 Z\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  auto p = pulses(r.lines);
  ASSERT_GE(p.size(), 5u);
  // Connect: set OD mode, pin up. Homing pass: no sensor test; pin down, touch mode, pin up.
  EXPECT_EQ(std::vector<int>(p.begin(), p.begin() + 5),
            (std::vector<int>{kSetOD, kPinUp, kPinDown, kTouchMode, kPinUp}));
}

TEST(BLTouch, PinUpWithoutCheckResetsFirst) {
  auto r = test::run_batch(bltouch_cfg("pin_up_reports_not_triggered: False\n"), "\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  EXPECT_EQ(pulses(r.lines), (std::vector<int>{kReset, kPinUp}));
  // Nothing to verify: no endstop check at connect.
  int homes = 0;
  for (auto& l : r.lines) homes += l.starts_with("endstop_home oid=0 ");
  EXPECT_EQ(homes, 0);
}

TEST(BLTouch, BadOutputMode) {
  auto r = test::run_batch(bltouch_cfg("set_output_mode: 3V\n"), "\n");
  EXPECT_EQ(r.result, "error_exit");
}

}  // namespace
}  // namespace kpp
