// klipper-suite: run every case of Klipper's regression suite (as listed in the golden
// INDEX.tsv) through our klippy in batch mode, check the exit status, decode each MCU stream
// with parsedump and compare it with real Klipper's output using golden-compare in the mode the
// case's reproducibility class allows. Prints per-case results and the totals:
//   regression: N of M cases pass
//   golden: N of M cases agree
// With --expect FILE, exits non-zero only if a case listed there (one "test_file case_no" per
// line) no longer passes — a ratchet: the list only ever grows.
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace fs = std::filesystem;

namespace {

struct Case {
  std::string test_file, config, gcode_source, expected, gcode_file;
  std::vector<std::string> dicts;          // "atmega2560.dict", "name=file.dict", ...
  std::vector<std::string> decoded_files;  // relative to the golden folder
  std::vector<std::string> reproducibility;
  int case_no = 0;
  std::string result;  // PASS / SKIP in the golden run
  std::string id() const { return fmt::format("{} {}", test_file, case_no); }
};

struct Outcome {
  bool ran_ok = false;     // exit status as expected
  int golden_total = 0;    // decoded files compared
  int golden_agree = 0;
  std::string detail;
  double seconds = 0;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.push_back("");
  return out;
}

std::vector<Case> read_index(const fs::path& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot read " + path.string());
  std::string line;
  std::getline(f, line);  // header
  std::vector<Case> cases;
  while (std::getline(f, line)) {
    auto col = split(line, '\t');
    if (col.size() < 12) continue;
    Case c;
    c.test_file = col[0];
    c.config = col[1];
    c.gcode_source = col[2];
    std::istringstream d(col[3]);
    for (std::string w; d >> w;) c.dicts.push_back(w);
    c.expected = col[4];
    if (col[5] != "-") c.decoded_files = split(col[5], ',');
    c.case_no = std::atoi(col[7].c_str());
    c.gcode_file = col[8];
    c.result = col[9];
    if (col[11] != "-") c.reproducibility = split(col[11], ',');
    cases.push_back(std::move(c));
  }
  return cases;
}

// Run argv with stdout to `out_path` (or inherited if empty) in `cwd`; returns exit status or -1.
int run(const std::vector<std::string>& argv, const std::string& cwd, const std::string& out_path,
        double timeout_s) {
  pid_t pid = fork();
  if (pid == 0) {
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    if (!out_path.empty()) {
      FILE* f = std::fopen(out_path.c_str(), "w");
      if (!f) _exit(127);
      dup2(fileno(f), 1);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
        timeout_s) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Paths {
  fs::path klipper, golden, bin, work;
};

Outcome run_case(const Case& c, size_t index, const Paths& p) {
  Outcome o;
  auto t0 = std::chrono::steady_clock::now();
  fs::path dir = p.work / fmt::format("case{:03d}", index);
  fs::create_directories(dir);
  fs::path out = dir / "out.bin";
  std::vector<std::string> argv = {(p.bin / "klippy").string(), c.config,
                                   "-i", (p.golden / c.gcode_file).string(),
                                   "-o", out.string(),
                                   "-l", (dir / "klippy.log").string()};
  if (c.gcode_source != "inline") argv[3] = c.gcode_file;  // a path in the Klipper tree
  std::string main_dict;
  std::vector<std::pair<std::string, std::string>> extra;  // mcu name -> dict path
  for (auto& d : c.dicts) {
    auto eq = d.find('=');
    if (eq == std::string::npos) {
      main_dict = (p.golden / "dict" / d).string();
      argv.push_back("-d");
      argv.push_back(main_dict);
    } else {
      auto path = (p.golden / "dict" / d.substr(eq + 1)).string();
      extra.emplace_back(d.substr(0, eq), path);
      argv.push_back("-d");
      argv.push_back(d.substr(0, eq) + "=" + path);
    }
  }
  int rc = run(argv, p.klipper.string(), (dir / "stdout.txt").string(), 300.);
  bool should_fail = c.expected == "should_fail";
  o.ran_ok = rc >= 0 && ((rc == 0) != should_fail);
  if (!o.ran_ok) o.detail = rc < 0 ? "timeout" : fmt::format("exit status {}", rc);
  // Compare each decoded stream.
  for (size_t i = 0; i < c.decoded_files.size(); i++) {
    o.golden_total++;
    std::string mcu_suffix, dict = main_dict;
    // Extra MCUs' streams are named "<config>.<mcu>.txt.gz" and written to out.bin-<mcu>.
    for (auto& [name, path] : extra) {
      if (c.decoded_files[i].ends_with("." + name + ".txt.gz")) {
        mcu_suffix = "-" + name;
        dict = path;
      }
    }
    fs::path bin = out.string() + mcu_suffix;
    fs::path txt = dir / fmt::format("decoded{}.txt", i);
    if (!fs::exists(bin)) {
      o.detail += fmt::format("; no output {}", bin.filename().string());
      continue;
    }
    int prc = run({(p.bin / "parsedump").string(), dict, bin.string()}, "", txt.string(), 120.);
    if (prc != 0) {
      o.detail += "; parsedump failed";
      continue;
    }
    std::string mode = i < c.reproducibility.size() ? c.reproducibility[i] : "exact";
    fs::path report = dir / fmt::format("compare{}.txt", i);
    int grc = run({(p.bin / "golden-compare").string(), "--mode", mode,
                   (p.golden / c.decoded_files[i]).string(), txt.string()},
                  "", report.string(), 120.);
    if (grc == 0) {
      o.golden_agree++;
    } else {
      std::string r = read_file(report);
      auto nl = r.find('\n');
      o.detail += "; " + (nl == std::string::npos ? r : r.substr(0, nl));
    }
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Paths p;
  fs::path expect_file;
  std::string filter;
  int jobs = static_cast<int>(std::thread::hardware_concurrency());
  bool verbose = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--shared") {
      fs::path s = next();
      p.klipper = s / "klipper";
      p.golden = s / "golden" / "klipper";
    } else if (a == "--bin") {
      p.bin = next();
    } else if (a == "--work") {
      p.work = next();
    } else if (a == "--expect") {
      expect_file = next();
    } else if (a == "--filter") {
      filter = next();
    } else if (a == "-j" || (a.starts_with("-j") && a.size() > 2)) {
      // "-j 2" or "-j2", as make and ninja take it.
      std::string n = a.size() > 2 ? a.substr(2) : next();
      char* end = nullptr;
      long v = std::strtol(n.c_str(), &end, 10);
      if (n.empty() || *end != '\0' || v < 1) {
        std::fprintf(stderr, "klipper-suite: -j needs a positive number, got '%s'\n", n.c_str());
        return 2;
      }
      jobs = static_cast<int>(v);
    } else if (a == "-v") {
      verbose = true;
    } else {
      std::fprintf(stderr,
                   "usage: klipper-suite --shared DIR --bin BUILD/bin [--work DIR] "
                   "[--expect FILE] [--filter SUBSTR] [-j N] [-v]\n");
      return 2;
    }
  }
  if (p.klipper.empty() || p.bin.empty()) {
    std::fprintf(stderr, "klipper-suite: --shared and --bin are required\n");
    return 2;
  }
  if (!fs::exists(p.golden / "INDEX.tsv")) {
    std::printf("klipper-suite: no golden data at %s, nothing to run\n", p.golden.c_str());
    return 0;
  }
  if (p.work.empty()) p.work = fs::temp_directory_path() / "kpp-klipper-suite";
  p.klipper = fs::absolute(p.klipper);
  p.golden = fs::absolute(p.golden);
  p.bin = fs::absolute(p.bin);
  p.work = fs::absolute(p.work);
  fs::remove_all(p.work);
  fs::create_directories(p.work);

  auto cases = read_index(p.golden / "INDEX.tsv");
  std::vector<size_t> todo;
  for (size_t i = 0; i < cases.size(); i++)
    if (cases[i].result != "SKIP" && (filter.empty() || cases[i].id().find(filter) != std::string::npos ||
                                      cases[i].config.find(filter) != std::string::npos))
      todo.push_back(i);

  std::vector<Outcome> outcomes(cases.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (int j = 0; j < std::max(1, jobs); j++)
    pool.emplace_back([&] {
      for (size_t k; (k = next++) < todo.size();)
        outcomes[todo[k]] = run_case(cases[todo[k]], todo[k], p);
    });
  for (auto& t : pool) t.join();

  std::set<std::string> expected;
  if (!expect_file.empty()) {
    std::ifstream f(expect_file);
    for (std::string line; std::getline(f, line);)
      if (!line.empty() && line[0] != '#') expected.insert(line);
  }

  int pass = 0, total = 0, gagree = 0, gtotal = 0, regressions = 0;
  std::vector<std::string> failing, gfailing;
  for (size_t i : todo) {
    const Case& c = cases[i];
    const Outcome& o = outcomes[i];
    total++;
    bool golden_ok = o.golden_agree == o.golden_total;
    bool ok = o.ran_ok && golden_ok;
    if (o.ran_ok) pass++;
    if (!c.decoded_files.empty()) {
      gtotal++;
      if (o.ran_ok && golden_ok) gagree++;
      else gfailing.push_back(fmt::format("  {} [{}]{}", c.id(), c.config, o.detail));
    }
    if (!o.ran_ok) failing.push_back(fmt::format("  {} [{}] {}", c.id(), c.config, o.detail));
    if (expected.count(c.id()) && !ok) {
      regressions++;
      std::printf("REGRESSION: %s [%s]%s\n", c.id().c_str(), c.config.c_str(), o.detail.c_str());
    }
    if (verbose)
      std::printf("%-4s %-50s %-45s %.2fs%s\n", ok ? "ok" : "FAIL", c.id().c_str(),
                  c.config.c_str(), o.seconds, o.detail.c_str());
  }
  if (!failing.empty()) {
    std::printf("cases whose exit status differs from Klipper's:\n");
    for (auto& f : failing) std::printf("%s\n", f.c_str());
  }
  if (!gfailing.empty()) {
    std::printf("cases whose MCU streams differ from Klipper's:\n");
    for (auto& f : gfailing) std::printf("%s\n", f.c_str());
  }
  std::printf("regression: %d of %d cases pass\n", pass, total);
  std::printf("golden: %d of %d cases agree\n", gagree, gtotal);
  if (regressions) std::printf("%d expected-passing cases regressed\n", regressions);
  return regressions ? 1 : 0;
}
