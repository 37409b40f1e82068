// The OctoPrint-style interface end to end, in real time and without Python: klipper-sim runs the
// simulated printer behind its pty, klippy talks to it and offers `-I <dir>/printer`, and a small
// client here writes G-code lines to that pty and reads the answers: `ok` after each line,
// M105's temperature report, `!!` errors (followed by their `ok` as Klipper does), and M112.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

double now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// A child process; killed (SIGTERM, then SIGKILL) when the object goes.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& stdout_file) {
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; i++) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      usleep(20000);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

 private:
  pid_t pid_ = -1;
};

// The test client: what a print server does on /tmp/printer.
class PtyClient {
 public:
  bool open_tty(const std::string& path, double timeout) {
    double end = now() + timeout;
    while (now() < end) {
      fd_ = open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
      if (fd_ >= 0) {
        termios t;
        tcgetattr(fd_, &t);
        cfmakeraw(&t);
        tcsetattr(fd_, TCSANOW, &t);
        return true;
      }
      usleep(50000);
    }
    return false;
  }
  ~PtyClient() {
    if (fd_ >= 0) close(fd_);
  }
  // Send one line and collect the answer lines up to and including the first "ok..." line.
  std::vector<std::string> command(const std::string& line, double timeout = 10.) {
    std::string out = line + "\n";
    if (write(fd_, out.data(), out.size()) != static_cast<ssize_t>(out.size())) return {};
    std::vector<std::string> got;
    double end = now() + timeout;
    for (;;) {
      std::string l;
      if (!read_line(l, end)) return got;
      got.push_back(l);
      if (l.rfind("ok", 0) == 0) return got;
    }
  }
  // Lines that arrive within `seconds` without a command (unsolicited output).
  std::vector<std::string> drain(double seconds) {
    std::vector<std::string> got;
    double end = now() + seconds;
    std::string l;
    while (read_line(l, end)) got.push_back(l);
    return got;
  }

 private:
  bool read_line(std::string& line, double end) {
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return true;
      }
      double left = end - now();
      if (left <= 0.) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left * 1000.) + 1) <= 0) continue;
      char b[4096];
      ssize_t n = read(fd_, b, sizeof(b));
      if (n > 0) buf_.append(b, static_cast<size_t>(n));
    }
  }

  int fd_ = -1;
  std::string buf_;
};

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (auto& l : lines) s += l + "\n";
  return s;
}

bool has_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  for (auto& l : lines)
    if (l.rfind(prefix, 0) == 0) return true;
  return false;
}

class PtyE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kpp-pty-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string bin = KPP_BINARY_DIR "/bin/";
    std::string sim_link = dir_ + "/sim";
    std::string cfg_src = KPP_SOURCE_DIR "/config/simulated-printer.cfg";
    // The same machine for both: klippy's copy points its [mcu] at the sim's pty.
    std::ifstream in(cfg_src);
    std::stringstream text;
    text << in.rdbuf();
    std::string cfg = text.str();
    auto pos = cfg.find("serial: /tmp/klipper_sim");
    ASSERT_NE(pos, std::string::npos);
    cfg.replace(pos, std::strlen("serial: /tmp/klipper_sim"),
                "serial: " + sim_link + "\nrestart_method: command");
    std::ofstream(dir_ + "/printer.cfg") << cfg;
    sim_ = std::make_unique<Child>(
        std::vector<std::string>{bin + "klipper-sim", cfg_src, "-p", sim_link},
        dir_ + "/sim.out");
    for (int i = 0; i < 200 && access(sim_link.c_str(), F_OK) != 0; i++) usleep(25000);
    ASSERT_EQ(access(sim_link.c_str(), F_OK), 0) << "klipper-sim did not start";
    printer_ = dir_ + "/printer";
    klippy_ = std::make_unique<Child>(
        std::vector<std::string>{bin + "klippy", dir_ + "/printer.cfg", "-I", printer_, "-l",
                                 dir_ + "/klippy.log"},
        dir_ + "/klippy.out");
    ASSERT_TRUE(client_.open_tty(printer_, 10.)) << "no " << printer_;
  }
  void TearDown() override {
    klippy_.reset();
    sim_.reset();
    if (HasFailure()) {
      std::ifstream log(dir_ + "/klippy.log");
      std::stringstream s;
      s << log.rdbuf();
      std::printf("klippy.log:\n%s\n", s.str().c_str());
    }
    std::string cmd = "rm -rf " + dir_;
    if (system(cmd.c_str()) != 0) std::printf("cannot remove %s\n", dir_.c_str());
  }
  // Poll with M105 until the heaters report (the printer is ready).
  bool wait_ready(double timeout) {
    double end = now() + timeout;
    while (now() < end) {
      auto r = client_.command("M105", 2.);
      if (!r.empty() && r.back().find(" B:") != std::string::npos) return true;
      usleep(200000);
    }
    return false;
  }

  std::string dir_, printer_;
  std::unique_ptr<Child> sim_, klippy_;
  PtyClient client_;
};

TEST_F(PtyE2ETest, LinesAreAnsweredOkM105ReportsErrorsAndM112ShutsDown) {
  ASSERT_TRUE(wait_ready(30.));
  // M105: "ok" plus each heater's temperature and target, by G-code id as Klipper sorts them.
  auto r = client_.command("M105");
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.back().rfind("ok B:", 0), 0u) << join(r);
  EXPECT_NE(r.back().find(" /0.0 T0:"), std::string::npos) << join(r);
  // Plain commands and comments: just "ok".
  for (const char* line : {"G90", "M117 hello", "; a comment", "", "N5 G91*23", "G90"}) {
    r = client_.command(line);
    ASSERT_FALSE(r.empty()) << line;
    EXPECT_EQ(r.back(), "ok") << line << "\n" << join(r);
  }
  // Informational output comes as "// " lines before the ok.
  r = client_.command("GET_POSITION");
  EXPECT_TRUE(has_prefix(r, "// ")) << join(r);
  EXPECT_EQ(r.back(), "ok");
  // An unknown command is only reported (Klipper's "//" line), an error is "!! " and is still
  // followed by an ok, as Klipper answers.
  r = client_.command("NOT_A_COMMAND");
  ASSERT_GE(r.size(), 2u);
  EXPECT_TRUE(has_prefix(r, "// Unknown command:\"NOT_A_COMMAND\"")) << join(r);
  EXPECT_EQ(r.back(), "ok");
  r = client_.command("G1 X-500");
  EXPECT_TRUE(has_prefix(r, "!! Must home axis first")) << join(r);
  EXPECT_EQ(r.back(), "ok");
  // Heating works through the pty: the target shows in M105.
  r = client_.command("M104 S60");
  EXPECT_EQ(r.back(), "ok");
  r = client_.command("M105");
  EXPECT_NE(r.back().find("/60.0"), std::string::npos) << join(r);
  // M112: an emergency stop, even while other commands wait; afterwards commands answer with
  // the shutdown reason and M105 still reports.
  r = client_.command("M112");
  auto later = client_.drain(0.5);
  r.insert(r.end(), later.begin(), later.end());
  EXPECT_TRUE(has_prefix(r, "// Klipper state: Shutdown")) << join(r);
  r = client_.command("G28");
  EXPECT_TRUE(has_prefix(r, "!! Shutdown due to M112 command")) << join(r);
  r = client_.command("M105");
  EXPECT_EQ(r.back().rfind("ok B:", 0), 0u) << join(r);
  // FIRMWARE_RESTART brings it back.
  client_.command("FIRMWARE_RESTART");
  EXPECT_TRUE(wait_ready(30.));
}

}  // namespace
