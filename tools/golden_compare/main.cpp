// golden-compare REFERENCE CANDIDATE: do two decoded MCU streams agree? Exit 0 if they do,
// 1 if they do not, 2 on a usage error.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "compare.h"
#include "mcu/dictionary.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Compare two decoded MCU streams (parsedump text, .gz allowed): oids are matched by their "
      "configuration, steppers by absolute step times."};
  std::string ref_path, cand_path, mode = "per-oid-order", dict_path;
  kpp::golden::Options opt;
  bool verbose = false;
  app.add_option("reference", ref_path, "Reference stream (e.g. a golden .txt.gz)")->required();
  app.add_option("candidate", cand_path, "Candidate stream")->required();
  app.add_option("-m,--mode", mode,
                 "exact | per-oid-order | multiset | tail-race | motion | motion-prefix (also the "
                 "golden README's reproducibility classes)")
      ->capture_default_str();
  app.add_option("--clock-freq", opt.clock_freq, "MCU clock in Hz")->capture_default_str();
  app.add_option("-d,--dict", dict_path, "Take the clock from this dictionary's CLOCK_FREQ");
  app.add_option("-t,--tolerance-us", opt.tolerance_us, "Allowed step time difference in us")
      ->capture_default_str();
  app.add_option("--max-details", opt.max_details,
                 "Differences listed besides the per-stepper table")
      ->capture_default_str();
  app.add_flag("-v,--verbose", verbose, "Show the per-stepper table also when streams agree");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  auto m = kpp::golden::parse_mode(mode);
  if (!m) {
    std::fprintf(stderr, "golden-compare: unknown mode '%s'\n", mode.c_str());
    return 2;
  }
  opt.mode = *m;
  if (opt.clock_freq <= 0 || opt.tolerance_us < 0) {
    std::fprintf(stderr, "golden-compare: clock frequency and tolerance must be positive\n");
    return 2;
  }
  kpp::golden::Report rep;
  try {
    if (!dict_path.empty())
      opt.clock_freq = kpp::mcu::Dictionary::from_file(dict_path).constant_float("CLOCK_FREQ");
    auto ref = kpp::golden::load_stream(ref_path);
    auto cand = kpp::golden::load_stream(cand_path);
    rep = kpp::golden::compare_streams(ref, cand, opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "golden-compare: %s\n", e.what());
    return 2;
  }
  std::printf("%s\n", rep.summary.c_str());
  if (!rep.ok || verbose) {
    for (const auto& s : rep.steppers)
      std::printf(
          "  stepper oid %lld (%s): steps %zu/%zu, direction changes %zu/%zu, max |dt| "
          "%lld ticks (%.3f us)%s%s\n",
          static_cast<long long>(s.oid), s.label.c_str(), s.ref_steps, s.cand_steps,
          s.ref_dir_changes, s.cand_dir_changes, static_cast<long long>(s.max_abs_dt),
          static_cast<double>(s.max_abs_dt) * 1e6 / opt.clock_freq,
          s.ok ? "" : ", first divergence at ", s.divergence.c_str());
    for (const auto& d : rep.details) std::printf("  %s\n", d.c_str());
  }
  return rep.ok ? 0 : 1;
}
