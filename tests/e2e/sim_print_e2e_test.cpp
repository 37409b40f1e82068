// The main job as users run it: build/bin/sim-print prints a G-code file on the built-in
// simulated printer and ends with a summary; a failing print ends with the shutdown reason and
// exit status 1.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <string>

namespace {

struct Outcome {
  int status;
  std::string out;
};

Outcome run(const std::string& args) {
  // A log of our own (removed below) instead of a /tmp/kpp-sim-print-* folder per run.
  std::string log = "/tmp/kpp-sim-print-test-" + std::to_string(getpid()) + ".log";
  std::string cmd =
      std::string(KPP_BINARY_DIR) + "/bin/sim-print " + args + " -q --log " + log + " 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  Outcome r{-1, {}};
  if (!f) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) r.out.append(buf, n);
  int st = pclose(f);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::remove(log.c_str());
  for (int i = 1; i <= 5; i++) std::remove((log + "." + std::to_string(i)).c_str());
  return r;
}

std::string write_gcode(const std::string& text) {
  std::string path = "/tmp/kpp-sim-print-test-" + std::to_string(getpid()) + ".gcode";
  std::ofstream(path) << text;
  return path;
}

TEST(SimPrintE2E, PrintsAFileAndSumsItUp) {
  std::string g = write_gcode(
      "M104 S200\nG28\nM109 S200\nG90\nM83\nG1 Z0.3 F600\nG1 X50 Y50 F6000\n"
      "G1 X100 Y50 E5 F1800\nG1 X100 Y100 E5\nG1 X50 Y100 E5\nG1 X50 Y50 E5\nG1 Z10\n");
  Outcome r = run(g);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("result        complete"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("filament      20.0 mm (host), 20.0 mm through the simulated extruder"),
            std::string::npos)
      << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("path error +max ([0-9.]+) mm"))) << r.out;
  EXPECT_LT(std::stod(m[1]), 0.02);
  EXPECT_TRUE(std::regex_search(r.out, std::regex("steps compared"))) << r.out;
  std::remove(g.c_str());
}

TEST(SimPrintE2E, AShutdownEndsThePrintWithItsReason) {
  std::string g = write_gcode("G28\nM109 S200\nG1 X10 F6000\n");
  Outcome r = run(g + " --fault extruder=noheat");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("SHUTDOWN: Heater extruder not heating at expected rate"),
            std::string::npos)
      << r.out;
  std::remove(g.c_str());
}

TEST(SimPrintE2E, BadArgumentsAreNamed) {
  Outcome r = run("--bogus 1 x.gcode");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("unknown option --bogus"), std::string::npos) << r.out;
  r = run("/nonexistent/file.gcode");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("no file /nonexistent/file.gcode"), std::string::npos) << r.out;
}

}  // namespace
