// The in-process host + simulated MCU fixture: a shared virtual clock, the MCU behind a Unix
// socket relay (so a "cable" can be cut and the host can reconnect), and klippy's restart loop.
#include "sim/host_sim.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "boards/sim/sim_mcu.h"
#include "core/gcode.h"
#include "core/logging.h"
#include "sim/fw_instance.h"

namespace kpp::sim {

// One virtual clock for every reactor the fixture creates (a restart makes a new one).
class HostSim::SharedTime : public TimeSource {
 public:
  explicit SharedTime(TimeSource& base) : base_(base) {}
  double monotonic() override { return base_.monotonic(); }
  int wait(int epfd, epoll_event* events, int max_events, double until) override {
    return base_.wait(epfd, events, max_events, until);
  }
  void sleep_until(double until) override { base_.sleep_until(until); }
  bool is_virtual() const override { return base_.is_virtual(); }

 private:
  TimeSource& base_;
};

// The pins of a second (third ...) MCU seen by a listener that counts time in the main MCU's
// clock: every clock is converted, so the printer model sees one time base.
class HostSim::ClockAdapter : public fw::sim::PinListener {
 public:
  ClockAdapter(fw::sim::PinListener& inner, std::function<uint64_t(uint64_t)> to_main)
      : inner_(inner), to_main_(std::move(to_main)) {}
  void bind_pins(const fw::sim::PinState& (*fn)(uint16_t)) override {
    PinListener::bind_pins(fn);
    inner_.bind_pins(fn);
  }
  void on_pin_mode(uint16_t pin, fw::sim::PinMode mode, uint64_t clock) override {
    inner_.on_pin_mode(pin, mode, to_main_(clock));
  }
  void on_output(uint16_t pin, uint8_t level, uint64_t clock) override {
    inner_.on_output(pin, level, to_main_(clock));
  }
  void on_pwm(uint16_t pin, uint16_t value, uint32_t cycle_ticks, uint64_t clock) override {
    inner_.on_pwm(pin, value, cycle_ticks, to_main_(clock));
  }
  uint8_t read_input(uint16_t pin, uint64_t clock) override {
    return inner_.read_input(pin, to_main_(clock));
  }
  uint16_t read_adc(uint16_t pin, uint64_t clock) override {
    return inner_.read_adc(pin, to_main_(clock));
  }
  void spi_transfer(uint32_t bus, uint8_t mode, uint8_t* data, uint8_t len,
                    uint64_t clock) override {
    inner_.spi_transfer(bus, mode, data, len, to_main_(clock));
  }
  int i2c_write(uint32_t bus, uint8_t addr, const uint8_t* data, uint8_t len,
                uint64_t clock) override {
    return inner_.i2c_write(bus, addr, data, len, to_main_(clock));
  }
  int i2c_read(uint32_t bus, uint8_t addr, const uint8_t* reg, uint8_t reg_len, uint8_t* data,
               uint8_t len, uint64_t clock) override {
    return inner_.i2c_read(bus, addr, reg, reg_len, data, len, to_main_(clock));
  }

 private:
  fw::sim::PinListener& inner_;
  std::function<uint64_t(uint64_t)> to_main_;
};

// A simulated MCU on virtual time. The firmware's console is one end of a socket pair for its
// whole life; the fixture relays bytes between that pair and the host's connection, which lets a
// test cut the link and lets the host reconnect without the MCU noticing.
class HostSim::McuDriver {
 public:
  McuDriver(std::unique_ptr<FirmwareInstance> fw, std::string path, double ppm, double t0)
      : fw_(std::move(fw)),
        api_(fw_->api()),
        path_(std::move(path)),
        freq_(fw::sim::kClockFreq * (1. + ppm * 1e-6)),
        t0_(t0) {
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    ::unlink(path_.c_str());
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0 ||
        listen(listen_fd_, 4) < 0)
      throw std::runtime_error(fmt::format("host_sim: cannot listen on {}", path_));
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair_) < 0)
      throw std::runtime_error("host_sim: socketpair failed");
  }
  // Power on with `listener` (may be null) behind the pins.
  void boot(fw::sim::PinListener* listener) {
    if (listener) api_.set_pin_listener(listener);
    api_.start(pair_[0], clock_at(t0_));
  }
  ~McuDriver() {
    detach();
    api_.set_pin_listener(nullptr);
    if (conn_fd_ >= 0) ::close(conn_fd_);
    ::close(listen_fd_);
    ::close(pair_[0]);
    ::close(pair_[1]);
    ::unlink(path_.c_str());
  }

  uint64_t clock_at(double t) const {
    double c = (t - t0_) * freq_;
    return c <= 0. ? 0 : static_cast<uint64_t>(c);
  }
  double time_of(uint64_t clock) const { return t0_ + static_cast<double>(clock) / freq_; }

  void attach(Reactor& r) {
    detach();
    r_ = &r;
    listen_h_ = r.register_fd(listen_fd_, [this](double) { on_accept(); });
    if (conn_fd_ >= 0) conn_h_ = r.register_fd(conn_fd_, [this](double t) { on_host_data(t); });
    timer_ = r.register_timer([this](double t) { return on_timer(t); }, Reactor::kNow);
  }
  void detach() {
    if (!r_) return;
    r_->unregister_fd(listen_h_);
    if (conn_h_) r_->unregister_fd(conn_h_);
    r_->unregister_timer(timer_);
    listen_h_ = conn_h_ = nullptr;
    timer_ = nullptr;
    r_ = nullptr;
  }

  uint64_t now() const { return api_.now(); }
  bool is_shutdown() const { return api_.is_shutdown(); }
  void set_connected(bool c) { connected_ = c; }
  // The host is gone: no reactor drives the MCU any more and its connection is closed.
  void host_killed() {
    detach();
    if (conn_fd_ >= 0) ::close(conn_fd_);
    conn_fd_ = -1;
  }
  // Without a host: run the MCU up to time `t`.
  void advance(double t) { run_to(t, 0); }
  void power_cycle(double now) {
    t0_ = now;
    api_.start(pair_[0], 0);
    wake_clock_ = 0;
    forward_mcu_output();
    if (r_) r_->update_timer(timer_, Reactor::kNow);
  }

 private:
  void on_accept() {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    drop_connection();
    conn_fd_ = fd;
    conn_h_ = r_->register_fd(conn_fd_, [this](double t) { on_host_data(t); });
  }
  void drop_connection() {
    if (conn_h_) r_->unregister_fd(conn_h_);
    conn_h_ = nullptr;
    if (conn_fd_ >= 0) ::close(conn_fd_);
    conn_fd_ = -1;
  }
  void on_host_data(double now) {
    // Bring the MCU up to now first: run_until() takes new input in at the MCU's current clock,
    // which would otherwise be the time of its last timer (a stale clock in every answer).
    run_to(now, 0);
    uint8_t buf[4096];
    for (;;) {
      ssize_t n = ::read(conn_fd_, buf, sizeof(buf));
      if (n == 0) {
        drop_connection();  // the host closed the link
        break;
      }
      if (n < 0) break;
      if (connected_) write_all(pair_[1], buf, static_cast<size_t>(n));
    }
    run_to(now, 0);
  }
  double on_timer(double eventtime) {
    run_to(eventtime, wake_clock_);
    return time_of(wake_clock_);
  }
  void run_to(double t, uint64_t min_clock) {
    uint64_t target = std::max({clock_at(t), min_clock, api_.now()});
    api_.run_until(target);
    forward_mcu_output();
    wake_clock_ = api_.next_wake();
    if (r_ && timer_) r_->update_timer(timer_, time_of(wake_clock_));
  }
  void forward_mcu_output() {
    uint8_t buf[4096];
    for (;;) {
      ssize_t n = ::read(pair_[1], buf, sizeof(buf));
      if (n <= 0) break;
      if (connected_ && conn_fd_ >= 0) write_all(conn_fd_, buf, static_cast<size_t>(n));
    }
  }
  static void write_all(int fd, const uint8_t* p, size_t n) {
    while (n) {
      ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
      if (w <= 0) return;  // full or closed: the link's retransmits cope, as on a real line
      p += w;
      n -= static_cast<size_t>(w);
    }
  }

  std::unique_ptr<FirmwareInstance> fw_;
  const fw::sim::Api& api_;
  std::string path_;
  double freq_, t0_;
  int listen_fd_ = -1, conn_fd_ = -1;
  int pair_[2] = {-1, -1};
  bool connected_ = true;
  uint64_t wake_clock_ = 0;
  Reactor* r_ = nullptr;
  Reactor::Fd *listen_h_ = nullptr, *conn_h_ = nullptr;
  Reactor::Timer* timer_ = nullptr;
};

namespace {

// The MCU a config section configures: "mcu" for [mcu], "NAME" for [mcu NAME], "" otherwise.
std::string mcu_of_section(const std::string& header) {
  std::string name;
  size_t open = header.find('['), close = header.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  std::istringstream words(header.substr(open + 1, close - open - 1));
  std::string first, second, extra;
  words >> first >> second >> extra;
  if (first != "mcu" || !extra.empty()) return "";
  return second.empty() ? "mcu" : second;
}

// Point every `serial: sim` of an [mcu] / [mcu NAME] section at that MCU's socket (made by
// `path_of(name)`); the names found, in config order, go to `mcus`.
std::string replace_sim_serial(const std::string& config,
                               const std::function<std::string(const std::string&)>& path_of,
                               std::vector<std::string>& mcus) {
  std::string out, section;
  size_t pos = 0;
  while (pos < config.size()) {
    size_t end = config.find('\n', pos);
    std::string line = config.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    std::string compact;
    for (char c : line)
      if (c != ' ' && c != '\t') compact += c;
    if (!compact.empty() && compact[0] == '[') section = mcu_of_section(line);
    if ((compact == "serial:sim" || compact == "serial=sim") && !section.empty()) {
      line = "serial: " + path_of(section);
      if (std::find(mcus.begin(), mcus.end(), section) == mcus.end()) mcus.push_back(section);
    }
    out += line + "\n";
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return out;
}

}  // namespace

HostSim::HostSim(HostSimOptions options) : options_(std::move(options)) {
  signal(SIGPIPE, SIG_IGN);
  char tmpl[] = "/tmp/kpp-e2e-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("host_sim: mkdtemp failed");
  dir_ = tmpl;
  auto sock_of = [this](const std::string& name) {
    return name == "mcu" ? dir_ + "/mcu.sock" : dir_ + "/mcu-" + name + ".sock";
  };
  config_path_ = dir_ + "/printer.cfg";
  std::vector<std::string> names;
  std::ofstream(config_path_) << replace_sim_serial(options_.config, sock_of, names);
  for (auto& [name, m] : options_.mcus)
    if (std::find(names.begin(), names.end(), name) == names.end())
      throw std::invalid_argument(
          fmt::format("host_sim: no [mcu {}] with 'serial: sim' in the config", name));
  if (!options_.log_file.empty()) log::open_file(options_.log_file);

  time_ = make_virtual_time_source(options_.start_time);
  // [mcu] runs the firmware linked into the program; every other MCU a copy of the module.
  std::stable_partition(names.begin(), names.end(), [](auto& n) { return n == "mcu"; });
  for (const std::string& name : names) {
    bool main = name == "mcu";
    HostSimMcu settings;
    if (main) settings = {options_.mcu_clock_ppm, options_.pin_listener};
    if (auto it = options_.mcus.find(name); it != options_.mcus.end()) settings = it->second;
    auto fw = main ? FirmwareInstance::linked() : FirmwareInstance::load_copy(dir_, name);
    auto d = std::make_unique<McuDriver>(std::move(fw), sock_of(name), settings.clock_ppm,
                                         options_.start_time);
    fw::sim::PinListener* listener = settings.pin_listener;
    if (listener && !main && !mcus_.empty()) {
      // Its pins reach the listener in the main MCU's clock.
      McuDriver* own = d.get();
      McuDriver* first = mcus_.front().second.get();
      adapters_.push_back(std::make_unique<ClockAdapter>(
          *listener, [own, first](uint64_t c) { return first->clock_at(own->time_of(c)); }));
      listener = adapters_.back().get();
    }
    d->boot(listener);
    mcus_.emplace_back(name, std::move(d));
  }
  if (mcus_.empty()) throw std::invalid_argument("host_sim: no [mcu] with 'serial: sim' in the config");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
    throw std::runtime_error("host_sim: socketpair failed");
  gcode_peer_fd_ = sv[1];
  args_.config_file = config_path_;
  args_.log_file = options_.log_file;
  args_.gcode_fd = sv[0];
  if (!options_.link_faults.empty()) args_.extra["link_faults"] = options_.link_faults;
  new_printer();
}

HostSim::~HostSim() {
  if (printer_) {
    if (printer_->exit_result().empty()) printer_->request_exit("exit");
    end_printer();
  }
  mcus_.clear();
  adapters_.clear();
  if (args_.gcode_fd >= 0) ::close(args_.gcode_fd);
  if (gcode_peer_fd_ >= 0) ::close(gcode_peer_fd_);
  ::unlink(config_path_.c_str());
  ::rmdir(dir_.c_str());
  if (!options_.log_file.empty()) log::close();
}

double HostSim::now() { return time_->monotonic(); }

void HostSim::new_printer() {
  reactor_ = std::make_unique<Reactor>(std::make_unique<SharedTime>(*time_));
  printer_ = std::make_unique<Printer>(*reactor_, args_);
  printer_->lookup<GCodeDispatch>("gcode").register_output_handler([this](const std::string& m) {
    size_t pos = 0;
    for (;;) {
      size_t nl = m.find('\n', pos);
      output_.push_back(m.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
  });
  // What the printer writes to its "pty" is read here and dropped (output() has it already).
  reactor_->register_fd(gcode_peer_fd_, [this](double) {
    char buf[4096];
    while (::read(gcode_peer_fd_, buf, sizeof(buf)) > 0) {
    }
  });
  for (auto& [name, m] : mcus_) m->attach(*reactor_);
  generation_++;
}

void HostSim::end_printer() {
  std::string result = printer_->finish_run();
  for (auto& [name, m] : mcus_) m->detach();
  printer_.reset();
  reactor_.reset();
  args_.extra["start_reason"] = result;
}

bool HostSim::run_until(const std::function<bool()>& pred, double timeout) {
  double deadline = now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (now() >= deadline) return false;
    if (!printer_) {
      // The host was killed: the MCU runs alone.
      double t = std::min(now() + 0.005, deadline);
      for (auto& [name, m] : mcus_) m->advance(t);
      time_->sleep_until(t);
      continue;
    }
    Reactor* r = reactor_.get();
    Reactor::Timer* check = r->register_timer(
        [&pred, deadline, r](double eventtime) -> double {
          if (pred() || eventtime >= deadline) {
            r->end();
            return Reactor::kNever;
          }
          return eventtime + 0.005;
        },
        Reactor::kNow);
    r->run();
    if (printer_->exit_result().empty()) {
      r->unregister_timer(check);
      continue;
    }
    std::string result = printer_->exit_result();
    end_printer();
    if (result == "exit" || result == "error_exit") return pred();
    new_printer();
  }
}

void HostSim::run_for(double seconds) {
  double until = now() + seconds;
  run_until([this, until] { return now() >= until; }, seconds + 1.);
}

bool HostSim::wait_ready(double timeout) {
  run_until([this] { return state().second != "startup"; }, timeout);
  return state().second == "ready";
}

std::vector<std::string> HostSim::gcode(const std::string& script, double timeout) {
  size_t start = output_.size();
  int gen = generation_;
  auto done = std::make_shared<bool>(false);
  Printer* printer = printer_.get();
  reactor_->register_callback([printer, script, done](double) {
    try {
      printer->lookup<GCodeDispatch>("gcode").run_script(script);
    } catch (const std::exception&) {
      // Already answered as "!! ..." on the output.
    }
    *done = true;
  });
  run_until([this, done, gen] { return *done || generation_ != gen; }, timeout);
  return {output_.begin() + static_cast<std::ptrdiff_t>(start), output_.end()};
}

void HostSim::kill_host() {
  if (!printer_) return;
  // No finish_run(): a killed klippy sends no goodbye and runs no shutdown.
  for (auto& [name, m] : mcus_) m->host_killed();
  printer_.reset();
  reactor_.reset();
}

HostSim::McuDriver& HostSim::mcu(const std::string& name) const {
  for (auto& [n, m] : mcus_)
    if (n == name) return *m;
  throw std::invalid_argument(fmt::format("host_sim: no simulated MCU '{}'", name));
}

std::vector<std::string> HostSim::mcu_names() const {
  std::vector<std::string> out;
  for (auto& [n, m] : mcus_) out.push_back(n);
  return out;
}

void HostSim::set_mcu_connected(const std::string& name, bool connected) {
  mcu(name).set_connected(connected);
}

void HostSim::power_cycle_mcu(const std::string& name) { mcu(name).power_cycle(now()); }

uint64_t HostSim::mcu_clock(const std::string& name) { return mcu(name).now(); }

bool HostSim::mcu_is_shutdown(const std::string& name) const { return mcu(name).is_shutdown(); }

}  // namespace kpp::sim
