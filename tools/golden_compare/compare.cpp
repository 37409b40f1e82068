// golden-compare's engine: oid matching, step-time reconstruction and per-mode comparison.
#include "compare.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "mcu/msgproto.h"

namespace kpp::golden {

namespace {

bool is_oid_key(std::string_view key) {
  return key == "oid" || (key.size() > 4 && key.ends_with("_oid"));
}
bool is_clock_key(std::string_view key) {
  return key == "clock" || key.ends_with("_clock");
}
bool is_step_cmd(std::string_view name) {
  return name == "queue_step" || name == "set_next_step_dir" || name == "reset_step_clock";
}

std::optional<int64_t> to_int(std::string_view s) {
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

int64_t int_arg(const Line& l, std::string_view key) {
  const std::string* v = l.find(key);
  auto i = v ? to_int(*v) : std::nullopt;
  if (!i)
    throw std::runtime_error(
        fmt::format("line {}: '{}' needs an integer '{}'", l.line_no, l.text(), key));
  return *i;
}

// Oid of a line, or -1 for messages that belong to no object (allocate_oids, finalize_config).
int64_t line_oid(const Line& l) {
  const std::string* v = l.find("oid");
  if (!v) return -1;
  auto i = to_int(*v);
  return i ? *i : -1;
}

// ------------------------------------------------------------------------------------------
// Oid matching

struct Obj {
  int64_t oid = -1;
  std::string type;     // the config_* command that created it ("" if none)
  std::string sig;      // its configuration lines without oids
  std::string pin_key;  // type + pins
  std::string label;    // for messages
  size_t first = 0;     // first line that mentions it
  std::set<std::pair<std::string, int64_t>> refs;  // (how, other oid), both directions
};

std::map<int64_t, Obj> collect_objects(const Stream& s) {
  std::map<int64_t, Obj> objs;
  size_t config_end = s.lines.size();
  for (size_t i = 0; i < s.lines.size(); i++)
    if (s.lines[i].name == "finalize_config") {
      config_end = i;
      break;
    }
  auto touch = [&](int64_t oid, size_t line) -> Obj& {
    auto [it, fresh] = objs.try_emplace(oid);
    if (fresh) {
      it->second.oid = oid;
      it->second.first = line;
    }
    return it->second;
  };
  for (size_t i = 0; i < s.lines.size(); i++) {
    const Line& l = s.lines[i];
    int64_t oid = line_oid(l);
    if (oid >= 0) touch(oid, i);
    for (const auto& [k, v] : l.args) {
      if (k == "oid" || !is_oid_key(k)) continue;
      auto other = to_int(v);
      if (!other) continue;
      Obj& target = touch(*other, i);
      if (oid >= 0) {
        objs[oid].refs.insert({">" + l.name + "." + k, *other});
        target.refs.insert({"<" + l.name + "." + k, oid});
      }
    }
    if (oid < 0) continue;
    Obj& o = objs[oid];
    if (i >= config_end) continue;
    std::string text = l.name;
    std::string pins;
    for (const auto& [k, v] : l.args) {
      if (k == "oid") continue;
      text += " " + k + "=" + (is_oid_key(k) ? std::string("@") : v);
      if (k == "pin" || k.ends_with("_pin") || k == "serial") pins += " " + k + "=" + v;
    }
    o.sig += text + "\n";
    if (l.name.starts_with("config_") && o.type.empty()) {
      o.type = l.name;
      o.pin_key = l.name + pins;
      o.label = l.name + pins;
    }
  }
  for (auto& [oid, o] : objs) {
    if (o.label.empty()) o.label = o.type.empty() ? "unconfigured" : o.type;
  }
  return objs;
}

struct OidMatcher {
  std::map<int64_t, Obj>& ref;
  std::map<int64_t, Obj>& cand;
  std::map<int64_t, int64_t> c2r, r2c;

  void match(int64_t c, int64_t r) {
    c2r[c] = r;
    r2c[r] = c;
  }

  // Key of an object for the reference-based round: its type plus its links to objects that
  // are already matched, expressed in reference oids.
  std::string ref_key(const Obj& o, bool is_cand) const {
    std::vector<std::string> parts;
    for (const auto& [how, other] : o.refs) {
      int64_t r = other;
      if (is_cand) {
        auto it = c2r.find(other);
        if (it == c2r.end()) continue;
        r = it->second;
      } else if (!r2c.count(other)) {
        continue;
      }
      parts.push_back(how + "=" + std::to_string(r));
    }
    std::sort(parts.begin(), parts.end());
    std::string key = o.type;
    for (const auto& p : parts) key += " " + p;
    return key;
  }

  // Matches objects whose key is unique among the unmatched ones on both sides.
  template <class KeyFn>
  bool unique_round(KeyFn key) {
    std::map<std::string, std::vector<int64_t>> rk, ck;
    for (const auto& [oid, o] : ref)
      if (!r2c.count(oid)) rk[key(o, false)].push_back(oid);
    for (const auto& [oid, o] : cand)
      if (!c2r.count(oid)) ck[key(o, true)].push_back(oid);
    bool progress = false;
    for (const auto& [k, rv] : rk) {
      auto it = ck.find(k);
      if (rv.size() == 1 && it != ck.end() && it->second.size() == 1) {
        match(it->second[0], rv[0]);
        progress = true;
      }
    }
    return progress;
  }

  // Last resort: objects with equal keys matched in order of first appearance.
  template <class KeyFn>
  bool ordered_round(KeyFn key) {
    std::map<std::string, std::vector<std::pair<size_t, int64_t>>> rk, ck;
    for (const auto& [oid, o] : ref)
      if (!r2c.count(oid)) rk[key(o, false)].push_back({o.first, oid});
    for (const auto& [oid, o] : cand)
      if (!c2r.count(oid)) ck[key(o, true)].push_back({o.first, oid});
    bool progress = false;
    for (auto& [k, rv] : rk) {
      auto it = ck.find(k);
      if (it == ck.end()) continue;
      std::sort(rv.begin(), rv.end());
      std::sort(it->second.begin(), it->second.end());
      for (size_t i = 0; i < rv.size() && i < it->second.size(); i++) {
        match(it->second[i].second, rv[i].second);
        progress = true;
      }
    }
    return progress;
  }

  void run() {
    auto sig = [](const Obj& o, bool) { return o.sig.empty() ? "#" + o.type : o.sig; };
    auto pins = [](const Obj& o, bool) { return o.pin_key.empty() ? "#" + o.type : o.pin_key; };
    auto refs = [this](const Obj& o, bool c) { return ref_key(o, c); };
    auto type = [](const Obj& o, bool) { return o.type; };
    for (;;) {
      bool p = unique_round(sig);
      p |= unique_round(pins);
      p |= unique_round(refs);
      if (p) continue;
      if (ordered_round(sig) || ordered_round(refs) || ordered_round(type)) continue;
      break;
    }
  }
};

// ------------------------------------------------------------------------------------------
// Steps

// Walks one stepper's commands and yields its absolute step times one at a time (a file can
// hold tens of millions of steps; nothing is stored).
class StepCursor {
 public:
  explicit StepCursor(const std::vector<const Line*>& lines) : lines_(lines) {}

  bool next(int64_t* t, uint8_t* dir) {
    while (remaining_ == 0) {
      if (pos_ >= lines_.size()) return false;
      const Line& l = *lines_[pos_++];
      if (l.name == "set_next_step_dir") {
        next_dir_ = static_cast<uint8_t>(int_arg(l, "dir") != 0);
      } else if (l.name == "reset_step_clock") {
        // A 32-bit clock: place it next to the current 64-bit time.
        int64_t c32 = int_arg(l, "clock") & 0xffffffff;
        int64_t c = (clock_ & ~int64_t{0xffffffff}) | c32;
        if (c < clock_ - (int64_t{1} << 31)) c += int64_t{1} << 32;
        clock_ = c;
      } else if (l.name == "queue_step") {
        interval_ = static_cast<uint32_t>(int_arg(l, "interval"));
        add_ = static_cast<uint32_t>(int_arg(l, "add"));
        remaining_ = int_arg(l, "count");
        dir_ = next_dir_;
      }
    }
    remaining_--;
    clock_ += interval_;
    interval_ += add_;  // 32-bit arithmetic, as on the MCU
    *t = clock_;
    *dir = dir_;
    return true;
  }

  // Fast path for identical stretches: whether `o` stands at the same point of an identical
  // step command, and then how many steps both can skip.
  int64_t common_run(const StepCursor& o) const {
    if (remaining_ == 0 || o.remaining_ == 0 || clock_ != o.clock_ || interval_ != o.interval_ ||
        add_ != o.add_ || dir_ != o.dir_)
      return 0;
    return std::min(remaining_, o.remaining_);
  }
  // Advances k steps of the current command at once (k <= remaining). Returns false, doing
  // nothing, if the interval would wrap around 32 bits on the way (then step one by one).
  bool skip(int64_t k) {
    auto add = static_cast<int64_t>(static_cast<int32_t>(add_));
    int64_t last_interval = static_cast<int64_t>(interval_) + (k - 1) * add;
    if (k <= 0 || last_interval < 0 || last_interval > 0xffffffffLL) return false;
    clock_ += k * static_cast<int64_t>(interval_) + add * (k * (k - 1) / 2);
    interval_ = static_cast<uint32_t>(static_cast<int64_t>(interval_) + k * add);
    remaining_ -= k;
    return true;
  }
  uint8_t dir() const { return dir_; }
  int64_t clock() const { return clock_; }

 private:
  const std::vector<const Line*>& lines_;
  size_t pos_ = 0;
  int64_t remaining_ = 0, clock_ = 0;
  uint32_t interval_ = 0, add_ = 0;
  uint8_t next_dir_ = 0, dir_ = 0;
};

// ------------------------------------------------------------------------------------------
// Line comparison

struct LineCompare {
  int64_t clock_tol = 0;
  std::set<std::string> ignored;  // "name.key"

  // Empty when equal, else why not.
  std::string diff(const Line& a, const Line& b) const {
    if (a.name != b.name) return "different command";
    if (a.args.size() != b.args.size()) return "different parameters";
    for (size_t i = 0; i < a.args.size(); i++) {
      const auto& [ka, va] = a.args[i];
      const auto& [kb, vb] = b.args[i];
      if (ka != kb) return "different parameters";
      if (va == vb || ignored.count(a.name + "." + ka)) continue;
      if (is_clock_key(ka)) {
        auto x = to_int(va), y = to_int(vb);
        if (x && y) {
          auto d = static_cast<int32_t>(static_cast<uint32_t>(*y - *x));
          if (std::abs(static_cast<int64_t>(d)) <= clock_tol) continue;
          return fmt::format("{} differs by {} ticks", ka, d);
        }
      }
      return fmt::format("{} differs", ka);
    }
    return "";
  }
};

// Sort key for multiset comparison: command and non-clock values, then clocks.
std::string multiset_key(const Line& l) {
  std::string key = l.name;
  std::string clocks;
  for (const auto& [k, v] : l.args) {
    if (is_clock_key(k)) {
      auto i = to_int(v);
      clocks += fmt::format(" {:020d}", i ? *i : 0);
    } else {
      key += " " + k + "=" + v;
    }
  }
  return key + " |" + clocks;
}

std::string describe_oid(int64_t oid, const std::map<int64_t, Obj>& objs) {
  if (oid < 0) return "messages without oid";
  auto it = objs.find(oid);
  return fmt::format("oid {} ({})", oid, it == objs.end() ? "unknown" : it->second.label);
}

}  // namespace

// ------------------------------------------------------------------------------------------
// Parsing

const std::string* Line::find(std::string_view key) const {
  for (const auto& [k, v] : args)
    if (k == key) return &v;
  return nullptr;
}

std::string Line::text() const {
  std::string out = name;
  for (const auto& [k, v] : args) out += " " + k + "=" + v;
  return out;
}

Stream parse_stream(std::string_view text) {
  Stream s;
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    line_no++;
    if (raw.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Line l;
    l.line_no = line_no;
    std::string_view name;
    try {
      for (const auto& [k, v] : mcu::split_message_text(raw, &name))
        l.args.emplace_back(std::string(k), std::string(v));
    } catch (const mcu::ProtocolError& e) {
      throw std::runtime_error(fmt::format("line {}: {}", line_no, e.what()));
    }
    l.name = std::string(name);
    s.lines.push_back(std::move(l));
  }
  return s;
}

Stream load_stream(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(fmt::format("cannot open {}", path));
  std::string data;
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) data.append(buf, static_cast<size_t>(n));
  int err = 0;
  const char* msg = gzerror(f, &err);
  std::string errmsg = (n < 0 && msg) ? msg : "";
  gzclose(f);
  if (n < 0) throw std::runtime_error(fmt::format("cannot read {}: {}", path, errmsg));
  try {
    return parse_stream(data);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
}

std::optional<Mode> parse_mode(std::string_view name) {
  if (name == "exact") return Mode::kExact;
  if (name == "per-oid-order") return Mode::kPerOidOrder;
  if (name == "multiset") return Mode::kMultiset;
  if (name == "tail-race") return Mode::kTailRace;
  if (name == "motion" || name == "motion-exact" || name == "timer-content(motion-exact)")
    return Mode::kMotion;
  if (name == "motion-prefix" || name == "timer-content+tail-race(motion-prefix)")
    return Mode::kMotionPrefix;
  return std::nullopt;
}

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::kExact:
      return "exact";
    case Mode::kPerOidOrder:
      return "per-oid-order";
    case Mode::kMultiset:
      return "multiset";
    case Mode::kTailRace:
      return "tail-race";
    case Mode::kMotion:
      return "motion";
    case Mode::kMotionPrefix:
      return "motion-prefix";
  }
  return "?";
}

// ------------------------------------------------------------------------------------------
// Comparison

Report compare_streams(const Stream& ref_in, const Stream& cand_in, const Options& opt) {
  Report rep;
  rep.ref_lines = ref_in.lines.size();
  rep.cand_lines = cand_in.lines.size();
  const bool prefix_ok = opt.mode == Mode::kTailRace || opt.mode == Mode::kMotionPrefix;
  const bool motion_only = opt.mode == Mode::kMotion || opt.mode == Mode::kMotionPrefix;
  const auto tol = static_cast<int64_t>(opt.tolerance_us * opt.clock_freq / 1e6 + 1e-9);
  auto us = [&](int64_t ticks) { return static_cast<double>(ticks) * 1e6 / opt.clock_freq; };
  size_t problems = 0, dropped = 0;
  std::string first_problem;
  auto problem = [&](std::string text) {
    if (first_problem.empty()) first_problem = text;
    problems++;
    if (rep.details.size() < opt.max_details)
      rep.details.push_back(std::move(text));
    else
      dropped++;
  };

  // Match oids and rewrite the candidate in reference oids.
  auto ref_objs = collect_objects(ref_in);
  auto cand_objs = collect_objects(cand_in);
  OidMatcher matcher{ref_objs, cand_objs, {}, {}};
  matcher.run();
  rep.oid_map = matcher.c2r;
  bool identity = true;
  for (const auto& [c, r] : matcher.c2r) identity &= c == r;
  constexpr int64_t kUnmatched = 1000000;
  Stream cand = cand_in;
  for (Line& l : cand.lines)
    for (auto& [k, v] : l.args) {
      if (!is_oid_key(k)) continue;
      auto i = to_int(v);
      if (!i) continue;
      auto it = matcher.c2r.find(*i);
      v = std::to_string(it != matcher.c2r.end() ? it->second : kUnmatched + *i);
    }
  const Stream& ref = ref_in;
  for (const auto& [oid, o] : ref_objs)
    if (!matcher.r2c.count(oid) && (!motion_only || o.type == "config_stepper"))
      problem(fmt::format("reference {} has no counterpart in the candidate",
                          describe_oid(oid, ref_objs)));
  for (const auto& [oid, o] : cand_objs)
    if (!matcher.c2r.count(oid) && (!motion_only || o.type == "config_stepper"))
      problem(
          fmt::format("candidate oid {} ({}) has no counterpart in the reference", oid, o.label));

  // Group lines per (reference) oid.
  std::map<int64_t, std::vector<const Line*>> ref_by_oid, cand_by_oid;
  for (const Line& l : ref.lines) ref_by_oid[line_oid(l)].push_back(&l);
  for (const Line& l : cand.lines) cand_by_oid[line_oid(l)].push_back(&l);

  // Steppers.
  size_t total_steps = 0;
  int64_t max_dt = 0;
  size_t bad_steppers = 0;
  for (const auto& [oid, o] : ref_objs) {
    if (o.type != "config_stepper") continue;
    StepperReport sr;
    sr.oid = oid;
    sr.cand_oid = matcher.r2c.count(oid) ? matcher.r2c.at(oid) : -1;
    sr.label = o.label.substr(std::string("config_stepper ").size());
    StepCursor rc(ref_by_oid[oid]), cc(cand_by_oid[oid]);
    int64_t rt = 0, ct = 0;
    uint8_t rd = 0, cd = 0, last_rd = 0, last_cd = 0;
    for (size_t i = 0;; i++) {
      // Identical commands at identical times (the usual case against a golden file): skip
      // the steps both would produce, no direction change and dt 0 among them.
      if (sr.ref_steps > 0 && sr.cand_steps > 0 && rc.dir() == last_rd && cc.dir() == last_cd &&
          !sr.first_divergence) {
        int64_t k = rc.common_run(cc);
        if (k > 0 && rc.skip(k) && cc.skip(k)) {
          i += static_cast<size_t>(k);
          sr.ref_steps += static_cast<size_t>(k);
          sr.cand_steps += static_cast<size_t>(k);
        }
      }
      bool have_r = rc.next(&rt, &rd), have_c = cc.next(&ct, &cd);
      if (!have_r && !have_c) break;
      if (have_r) {
        sr.ref_dir_changes += sr.ref_steps++ > 0 && rd != last_rd;
        last_rd = rd;
      }
      if (have_c) {
        sr.cand_dir_changes += sr.cand_steps++ > 0 && cd != last_cd;
        last_cd = cd;
      }
      if (!have_r || !have_c) {
        if (!sr.first_divergence && !prefix_ok) {
          sr.first_divergence = i;
          sr.divergence = fmt::format("step {}: the {} ends, the {} goes on at clock {}", i,
                                      have_r ? "candidate" : "reference",
                                      have_r ? "reference" : "candidate", have_r ? rt : ct);
        }
        continue;
      }
      int64_t dt = ct - rt;
      sr.max_abs_dt = std::max(sr.max_abs_dt, std::abs(dt));
      if (sr.first_divergence) continue;
      if (rd != cd) {
        sr.first_divergence = i;
        sr.divergence =
            fmt::format("step {}: direction {} in the reference, {} in the candidate (clock {})", i,
                        rd, cd, rt);
      } else if (std::abs(dt) > tol) {
        sr.first_divergence = i;
        sr.divergence =
            fmt::format("step {}: clock {} vs {}, dt {} ticks ({:.3f} us)", i, rt, ct, dt, us(dt));
      }
    }
    sr.ok = !sr.first_divergence;
    total_steps += sr.ref_steps;
    max_dt = std::max(max_dt, sr.max_abs_dt);
    if (!sr.ok) {
      bad_steppers++;
      // The per-stepper table carries the details; count it and keep it for the summary.
      std::string text = fmt::format("stepper oid {} ({}) {}", oid, sr.label, sr.divergence);
      if (first_problem.empty()) first_problem = text;
      problems++;
    }
    rep.steppers.push_back(std::move(sr));
  }

  // Everything else, per mode.
  LineCompare cmp;
  cmp.clock_tol = opt.mode == Mode::kExact ? 0 : tol;
  if (!identity) cmp.ignored.insert("finalize_config.crc");  // the crc covers the oids
  size_t bad_oids = 0;
  auto is_stepper = [&](int64_t oid) {
    auto it = ref_objs.find(oid);
    return it != ref_objs.end() && it->second.type == "config_stepper";
  };
  if (opt.mode == Mode::kExact) {
    size_t n = std::min(ref.lines.size(), cand.lines.size());
    for (size_t i = 0; i < n; i++) {
      std::string why = cmp.diff(ref.lines[i], cand.lines[i]);
      if (why.empty()) continue;
      bad_oids++;
      problem(fmt::format("line {}: {}: reference '{}' vs candidate '{}'", i + 1, why,
                          ref.lines[i].text(), cand.lines[i].text()));
      break;
    }
    if (!bad_oids && ref.lines.size() != cand.lines.size()) {
      bad_oids++;
      problem(fmt::format("line {}: the {} ends ({} vs {} lines)", n + 1,
                          ref.lines.size() < cand.lines.size() ? "reference" : "candidate",
                          ref.lines.size(), cand.lines.size()));
    }
  } else if (!motion_only) {
    std::set<int64_t> oids;
    for (const auto& [oid, v] : ref_by_oid) oids.insert(oid);
    for (const auto& [oid, v] : cand_by_oid) oids.insert(oid);
    for (int64_t oid : oids) {
      std::vector<const Line*> r, c;
      for (const Line* l : ref_by_oid[oid])
        if (!(is_stepper(oid) && is_step_cmd(l->name))) r.push_back(l);
      for (const Line* l : cand_by_oid[oid])
        if (!(is_stepper(oid) && is_step_cmd(l->name))) c.push_back(l);
      if (opt.mode == Mode::kMultiset) {
        auto by_key = [](const Line* a, const Line* b) {
          return multiset_key(*a) < multiset_key(*b);
        };
        std::stable_sort(r.begin(), r.end(), by_key);
        std::stable_sort(c.begin(), c.end(), by_key);
      }
      std::string what = oid >= kUnmatched
                             ? fmt::format("candidate oid {} (unmatched)", oid - kUnmatched)
                             : describe_oid(oid, ref_objs);
      size_t n = std::min(r.size(), c.size());
      bool bad = false;
      for (size_t i = 0; i < n && !bad; i++) {
        std::string why = cmp.diff(*r[i], *c[i]);
        if (why.empty()) continue;
        bad = true;
        problem(fmt::format("{}: message {}: {}: reference line {} '{}' vs candidate line {} '{}'",
                            what, i + 1, why, r[i]->line_no, r[i]->text(), c[i]->line_no,
                            c[i]->text()));
      }
      if (!bad && r.size() != c.size() && opt.mode != Mode::kTailRace) {
        bad = true;
        const auto& longer = r.size() > c.size() ? r : c;
        problem(fmt::format("{}: {} vs {} messages; first extra in the {}: line {} '{}'", what,
                            r.size(), c.size(), r.size() > c.size() ? "reference" : "candidate",
                            longer[n]->line_no, longer[n]->text()));
      }
      bad_oids += bad;
    }
  }

  rep.ok = problems == 0;
  size_t n_oids = 0;
  for (const auto& [oid, o] : ref_objs) n_oids += oid >= 0;
  std::string counts = fmt::format(
      "{} steppers, {} steps, max |dt| {} ticks ({:.3f} us), {} oids, {}/{} lines",
      rep.steppers.size(), total_steps, max_dt, us(max_dt), n_oids, rep.ref_lines, rep.cand_lines);
  if (rep.ok) {
    rep.summary = fmt::format("AGREE (mode {}): {}", mode_name(opt.mode), counts);
  } else {
    rep.summary = fmt::format(
        "DISAGREE (mode {}): {} of {} steppers differ, {} other "
        "difference{}; {}; first: {}",
        mode_name(opt.mode), bad_steppers, rep.steppers.size(), problems - bad_steppers,
        problems - bad_steppers == 1 ? "" : "s", counts, first_problem);
  }
  if (dropped) rep.details.push_back(fmt::format("... and {} more", dropped));
  if (!identity) {
    std::string m;
    for (const auto& [c, r] : matcher.c2r)
      if (c != r) m += fmt::format(" {}->{}", c, r);
    rep.details.push_back("note: candidate oids renumbered (candidate->reference):" + m);
  }
  return rep;
}

}  // namespace kpp::golden
