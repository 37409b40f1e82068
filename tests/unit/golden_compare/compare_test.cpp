// golden-compare: a golden file agrees with itself and with a renumbered copy in every mode;
// a shifted, removed or flipped step is found on the right stepper and step; each mode accepts
// exactly the differences its README class allows; the binary's exit codes.
#include "compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace kpp::golden;
namespace fs = std::filesystem;

namespace {

fs::path golden(const char* rel) {
  return fs::path(KPP_SHARED_DIR) / "golden" / "klipper" / rel;
}

const Stream& bed_mesh() {
  static const Stream s = load_stream(golden("bed_mesh/bed_mesh.txt.gz").string());
  return s;
}

int64_t arg(const Line& l, const char* key) {
  return std::stoll(*l.find(key));
}
void set_arg(Line& l, const char* key, int64_t v) {
  for (auto& [k, val] : l.args)
    if (k == key) val = std::to_string(v);
}
Line queue_step(int64_t oid, int64_t interval, int64_t count, int64_t add) {
  Line l;
  l.name = "queue_step";
  l.args = {{"oid", std::to_string(oid)},
            {"interval", std::to_string(interval)},
            {"count", std::to_string(count)},
            {"add", std::to_string(add)}};
  return l;
}

// A queue_step with count=1 of stepper `oid`, followed (with no direction change between) by
// another queue_step of that stepper whose interval is well above `min_interval`. Returns the
// two line indexes and the step index of the single step.
struct Site {
  size_t single, next;
  size_t step_index;
};
Site find_site(const Stream& s, int64_t oid, int64_t min_interval, size_t skip_steps) {
  size_t steps = 0;
  for (size_t i = 0; i < s.lines.size(); i++) {
    const Line& l = s.lines[i];
    if (l.name != "queue_step" || arg(l, "oid") != oid) continue;
    if (arg(l, "count") == 1 && steps >= skip_steps) {
      for (size_t j = i + 1; j < s.lines.size(); j++) {
        const Line& n = s.lines[j];
        if (!n.find("oid") || arg(n, "oid") != oid) continue;
        if (n.name == "queue_step" && arg(n, "interval") > min_interval && arg(n, "count") > 1)
          return {i, j, steps};
        break;
      }
    }
    steps += static_cast<size_t>(arg(l, "count"));
  }
  ADD_FAILURE() << "no site found";
  return {0, 0, 0};
}

// Replaces line `next` (interval I, count c, add A) by "I+delta count=1" and "I+A count=c-1",
// which keeps every step time of that command except that its first comes `delta` later.
void split_next(Stream& s, size_t next, int64_t delta) {
  Line n = s.lines[next];
  int64_t oid = arg(n, "oid"), I = arg(n, "interval"), c = arg(n, "count"), A = arg(n, "add");
  s.lines[next] = queue_step(oid, I + delta, 1, 0);
  s.lines.insert(s.lines.begin() + static_cast<std::ptrdiff_t>(next) + 1,
                 queue_step(oid, I + A, c - 1, A));
}

Stream renumbered(const Stream& in, int64_t n_oids) {
  Stream s = in;
  for (Line& l : s.lines)
    for (auto& [k, v] : l.args)
      if (k == "oid" || (k.size() > 4 && k.ends_with("_oid")))
        v = std::to_string((std::stoll(v) * 7 + 3) % n_oids);  // 7 is prime to 18
  return s;
}

const StepperReport& stepper(const Report& r, int64_t oid) {
  for (const auto& s : r.steppers)
    if (s.oid == oid) return s;
  throw std::runtime_error("no stepper");
}

Options mode(Mode m) {
  Options o;
  o.mode = m;
  return o;
}

constexpr Mode kAllModes[] = {Mode::kExact,    Mode::kPerOidOrder, Mode::kMultiset,
                              Mode::kTailRace, Mode::kMotion,      Mode::kMotionPrefix};

#define REQUIRE_GOLDEN() \
  if (!fs::exists(golden("bed_mesh/bed_mesh.txt.gz"))) GTEST_SKIP() << "no golden data"

}  // namespace

TEST(GoldenCompare, ParsesModesAndLines) {
  EXPECT_EQ(parse_mode("timer-content(motion-exact)"), Mode::kMotion);
  EXPECT_EQ(parse_mode("timer-content+tail-race(motion-prefix)"), Mode::kMotionPrefix);
  EXPECT_EQ(parse_mode("per-oid-order"), Mode::kPerOidOrder);
  EXPECT_FALSE(parse_mode("fuzzy"));
  Stream s = parse_stream("spi_send oid=2 data=b'a b'\n\nfinalize_config crc=5\n");
  ASSERT_EQ(s.lines.size(), 2u);
  EXPECT_EQ(*s.lines[0].find("data"), "b'a b'");
  EXPECT_EQ(s.lines[1].line_no, 3u);
  EXPECT_THROW(parse_stream("x novalue"), std::runtime_error);
}

TEST(GoldenCompare, FileAgreesWithItselfInEveryMode) {
  REQUIRE_GOLDEN();
  for (Mode m : kAllModes) {
    Report r = compare_streams(bed_mesh(), bed_mesh(), mode(m));
    EXPECT_TRUE(r.ok) << mode_name(m) << ": " << r.summary;
    EXPECT_EQ(r.steppers.size(), 4u);
    EXPECT_EQ(stepper(r, 8).ref_steps, 377310u);
    EXPECT_TRUE(r.summary.starts_with("AGREE")) << r.summary;
  }
}

TEST(GoldenCompare, RenumberedOidsAgree) {
  REQUIRE_GOLDEN();
  Stream cand = renumbered(bed_mesh(), 18);
  for (Mode m : kAllModes) {
    Report r = compare_streams(bed_mesh(), cand, mode(m));
    EXPECT_TRUE(r.ok) << mode_name(m) << ": " << r.summary << "\n"
                      << (r.details.empty() ? "" : r.details[0]);
  }
  // The configuration in another order as well (objects reversed, each oid's lines kept in
  // order): still the same objects.
  Stream reordered = cand;
  auto fin = std::find_if(reordered.lines.begin(), reordered.lines.end(),
                          [](const Line& l) { return l.name == "finalize_config"; });
  std::stable_sort(reordered.lines.begin() + 1, fin, [](const Line& a, const Line& b) {
    return std::stoll(*a.find("oid")) > std::stoll(*b.find("oid"));
  });
  Report rr = compare_streams(bed_mesh(), reordered, mode(Mode::kPerOidOrder));
  EXPECT_TRUE(rr.ok) << rr.summary;
  EXPECT_FALSE(compare_streams(bed_mesh(), reordered, mode(Mode::kExact)).ok);

  Report r = compare_streams(bed_mesh(), cand, mode(Mode::kPerOidOrder));
  EXPECT_EQ(r.oid_map.at((8 * 7 + 3) % 18), 8);
  EXPECT_EQ(r.oid_map.at((1 * 7 + 3) % 18), 1);  // a trsync: matched through its endstop
  EXPECT_EQ(stepper(r, 8).cand_oid, (8 * 7 + 3) % 18);
}

TEST(GoldenCompare, EveryGoldenFileAgreesWithItsRenumberedSelf) {
  REQUIRE_GOLDEN();
  size_t files = 0;
  for (const auto& dir : fs::directory_iterator(golden(""))) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (!f.path().string().ends_with(".txt.gz")) continue;
      Stream s = load_stream(f.path().string());
      Report self = compare_streams(s, s, mode(Mode::kExact));
      EXPECT_TRUE(self.ok) << f.path() << ": " << self.summary;
      Stream cand = renumbered(s, 1000003);  // any injective renumbering
      Report r = compare_streams(s, cand, mode(Mode::kPerOidOrder));
      EXPECT_TRUE(r.ok) << f.path() << ": " << r.summary;
      files++;
    }
  }
  EXPECT_GE(files, 242u);
}

TEST(GoldenCompare, OneStepShiftedBeyondTolerance) {
  REQUIRE_GOLDEN();
  Stream cand = bed_mesh();
  Site site = find_site(cand, 8, 4000, 1000);
  // 1000 ticks = 62.5 us at 16 MHz, beyond 50 us: that step only moves.
  set_arg(cand.lines[site.single], "interval", arg(cand.lines[site.single], "interval") + 1000);
  split_next(cand, site.next, -1000);
  for (Mode m : kAllModes) {
    Report r = compare_streams(bed_mesh(), cand, mode(m));
    EXPECT_FALSE(r.ok) << mode_name(m);
    const StepperReport& s = stepper(r, 8);
    EXPECT_FALSE(s.ok);
    ASSERT_TRUE(s.first_divergence) << mode_name(m);
    EXPECT_EQ(*s.first_divergence, site.step_index);
    EXPECT_EQ(s.max_abs_dt, 1000);
    EXPECT_EQ(s.ref_steps, s.cand_steps);
    for (int64_t other : {4, 7, 9}) EXPECT_TRUE(stepper(r, other).ok);
    EXPECT_NE(r.summary.find("stepper oid 8"), std::string::npos) << r.summary;
  }
  // Within tolerance (700 ticks = 43.75 us) the same change agrees, except in exact mode.
  Stream near = bed_mesh();
  set_arg(near.lines[site.single], "interval", arg(near.lines[site.single], "interval") + 700);
  split_next(near, site.next, -700);
  EXPECT_TRUE(compare_streams(bed_mesh(), near, mode(Mode::kMotion)).ok);
  Report r = compare_streams(bed_mesh(), near, mode(Mode::kPerOidOrder));
  EXPECT_TRUE(r.ok) << r.summary;
  EXPECT_EQ(stepper(r, 8).max_abs_dt, 700);
  EXPECT_FALSE(compare_streams(bed_mesh(), near, mode(Mode::kExact)).ok);
}

TEST(GoldenCompare, OneStepRemoved) {
  REQUIRE_GOLDEN();
  Stream cand = bed_mesh();
  Site site = find_site(cand, 7, 4000, 500);
  int64_t single_interval = arg(cand.lines[site.single], "interval");
  split_next(cand, site.next, single_interval);  // the next step keeps its time ...
  cand.lines.erase(cand.lines.begin() + static_cast<std::ptrdiff_t>(site.single));  // ... this goes
  for (Mode m : {Mode::kPerOidOrder, Mode::kMotion, Mode::kMultiset}) {
    Report r = compare_streams(bed_mesh(), cand, mode(m));
    EXPECT_FALSE(r.ok);
    const StepperReport& s = stepper(r, 7);
    EXPECT_EQ(s.ref_steps, s.cand_steps + 1);
    ASSERT_TRUE(s.first_divergence);
    EXPECT_EQ(*s.first_divergence, site.step_index);
    EXPECT_TRUE(stepper(r, 8).ok);
  }
}

TEST(GoldenCompare, OneDirectionFlipped) {
  REQUIRE_GOLDEN();
  Stream cand = bed_mesh();
  // The 5th set_next_step_dir of stepper 8 that is followed by a step.
  size_t steps = 0, seen = 0, flip_step = 0;
  for (size_t i = 0; i < cand.lines.size(); i++) {
    Line& l = cand.lines[i];
    if (!l.find("oid") || arg(l, "oid") != 8) continue;
    if (l.name == "queue_step") steps += static_cast<size_t>(arg(l, "count"));
    if (l.name == "set_next_step_dir" && ++seen == 5) {
      set_arg(l, "dir", 1 - arg(l, "dir"));
      flip_step = steps;
      break;
    }
  }
  ASSERT_GT(flip_step, 0u);
  Report r = compare_streams(bed_mesh(), cand, mode(Mode::kMotion));
  EXPECT_FALSE(r.ok);
  const StepperReport& s = stepper(r, 8);
  ASSERT_TRUE(s.first_divergence);
  EXPECT_EQ(*s.first_divergence, flip_step);
  EXPECT_NE(s.divergence.find("direction"), std::string::npos);
  EXPECT_EQ(s.ref_steps, s.cand_steps);
  EXPECT_EQ(s.max_abs_dt, 0);
}

TEST(GoldenCompare, ModesAcceptWhatTheirClassAllows) {
  REQUIRE_GOLDEN();
  const Stream& ref = bed_mesh();
  auto ok = [&](const Stream& c, Mode m) { return compare_streams(ref, c, mode(m)).ok; };

  // Interleaving between oids changes: only exact notices.
  Stream swapped = ref;
  size_t i = 0;
  while (!(swapped.lines[i].find("oid") && swapped.lines[i + 1].find("oid") &&
           *swapped.lines[i].find("oid") != *swapped.lines[i + 1].find("oid") && i > 30))
    i++;
  std::swap(swapped.lines[i], swapped.lines[i + 1]);
  EXPECT_FALSE(ok(swapped, Mode::kExact));
  EXPECT_TRUE(ok(swapped, Mode::kPerOidOrder));

  // Two messages of one oid swap: multiset accepts, per-oid order does not.
  Stream within = ref;
  std::vector<size_t> idx;
  for (size_t k = 0; k < within.lines.size() && idx.size() < 2; k++)
    if (within.lines[k].name == "queue_digital_out" && arg(within.lines[k], "oid") == 12)
      idx.push_back(k);
  ASSERT_EQ(idx.size(), 2u);
  std::swap(within.lines[idx[0]], within.lines[idx[1]]);
  EXPECT_FALSE(ok(within, Mode::kPerOidOrder));
  EXPECT_TRUE(ok(within, Mode::kMultiset));
  EXPECT_TRUE(ok(within, Mode::kMotion));

  // The tail is lost: tail-race and motion-prefix accept, the others do not; same for a tail
  // that only the candidate has.
  Stream shorter = ref;
  shorter.lines.resize(ref.lines.size() - 200);
  EXPECT_TRUE(ok(shorter, Mode::kTailRace));
  EXPECT_TRUE(ok(shorter, Mode::kMotionPrefix));
  EXPECT_FALSE(ok(shorter, Mode::kPerOidOrder));
  EXPECT_FALSE(ok(shorter, Mode::kMotion));
  EXPECT_TRUE(compare_streams(shorter, ref, mode(Mode::kTailRace)).ok);

  // A non-step message changes beyond tolerance: motion modes ignore it.
  Stream heater = ref;
  for (Line& l : heater.lines)
    if (l.name == "queue_digital_out" && arg(l, "oid") == 11) {
      set_arg(l, "on_ticks", arg(l, "on_ticks") + 1);
      break;
    }
  EXPECT_FALSE(ok(heater, Mode::kPerOidOrder));
  EXPECT_TRUE(ok(heater, Mode::kMotion));

  // A clock a few ticks off: within tolerance except in exact mode.
  Stream clock = ref;
  for (Line& l : clock.lines)
    if (l.name == "queue_digital_out") {
      set_arg(l, "clock", arg(l, "clock") + 5);
      break;
    }
  EXPECT_TRUE(ok(clock, Mode::kPerOidOrder));
  EXPECT_FALSE(ok(clock, Mode::kExact));
}

TEST(GoldenCompare, ToolExitCodes) {
  fs::path tool = fs::path(KPP_BINARY_DIR) / "bin" / "golden-compare";
  if (!fs::exists(tool)) GTEST_SKIP() << "golden-compare not built";
  REQUIRE_GOLDEN();
  fs::path tmp = fs::temp_directory_path() / ("kpp_gc_" + std::to_string(getpid()));
  fs::create_directories(tmp);
  Stream cand = bed_mesh();
  Site site = find_site(cand, 8, 4000, 1000);
  set_arg(cand.lines[site.single], "interval", arg(cand.lines[site.single], "interval") + 2000);
  {
    std::ofstream f(tmp / "cand.txt");
    for (const Line& l : cand.lines) f << l.text() << "\n";
  }
  std::string g = golden("bed_mesh/bed_mesh.txt.gz").string();
  std::string dict = golden("dict/atmega2560.dict").string();
  auto run = [&](const std::string& args) {
    int rc = std::system((tool.string() + " " + args + " > " + (tmp / "out").string()).c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  EXPECT_EQ(run(g + " " + g), 0);
  EXPECT_EQ(run(g + " " + (tmp / "cand.txt").string() + " -d " + dict), 1);
  std::ifstream out(tmp / "out");
  std::string first;
  std::getline(out, first);
  EXPECT_TRUE(first.starts_with("DISAGREE (mode per-oid-order): 1 of 4 steppers differ")) << first;
  EXPECT_EQ(run(g), 2);
  EXPECT_EQ(run(g + " /nonexistent.txt"), 2);
  EXPECT_EQ(run(g + " " + g + " --mode nope"), 2);
  EXPECT_EQ(run(g + " " + g + " --mode 'timer-content(motion-exact)'"), 0);
  fs::remove_all(tmp);
}
