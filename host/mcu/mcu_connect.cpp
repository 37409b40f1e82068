// The live side of the Mcu: opening the link, get_config and automated restarts, FIRMWARE_RESTART
// by the configured restart_method, the MCU's load statistics and the Stats line piece.
#include <sys/stat.h>

#include <cmath>

#include "core/logging.h"
#include "mcu/canbus_ids.h"
#include "mcu/mcu.h"
#include "mcu/restart_methods.h"

namespace kpp {

namespace {

bool path_exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

bool start_reason_is(const Printer& printer, const char* reason) {
  const auto& extra = printer.get_start_args().extra;
  auto it = extra.find("start_reason");
  return it != extra.end() && it->second == reason;
}

}  // namespace

void Mcu::connect_live() {
  if (restart_method_ == "rpi_usb" && !path_exists(serialport_))
    check_restart("enable power");  // the USB ports may be switched off
  std::string faults_option;
  const auto& extra = printer_.get_start_args().extra;
  if (auto it = extra.find("link_faults"); it != extra.end() && it->second.is_string())
    faults_option = it->second.get<std::string>();
  try {
    serial_.set_fault_spec(fault_spec_for(name_, faults_option));
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  if (canbus_iface_) {
    int nodeid = CanbusIds::get(printer_).get_nodeid(serialport_);
    serial_.connect_canbus(serialport_, nodeid, *canbus_iface_);
  } else if (baud_) {
    // Cheetah boards enter their bootloader when RTS is asserted at a reset.
    serial_.connect_uart(serialport_, baud_, restart_method_ != "cheetah");
  } else {
    serial_.connect_pipe(serialport_);
  }
  clocksync_->connect(serial_);
}

std::string Mcu::log_info() const {
  const auto& dict = serial_.dictionary();
  std::string constants;
  for (auto& [k, v] : dict.constants()) {
    if (!constants.empty()) constants += ' ';
    constants += k + "=" + v;
  }
  return fmt::format("Loaded MCU '{}' {} commands ({} / {})\nMCU '{}' config: {}", name_,
                     dict.messages().size(), dict.version(), dict.build_versions(), name_,
                     constants);
}

Mcu::ConfigParams Mcu::send_get_config() {
  ConfigParams p;
  if (is_fileoutput()) {
    p.move_count = 500;
    return p;
  }
  auto query = lookup_query_command("get_config",
                                    "config is_config=%c crc=%u is_shutdown=%c move_count=%hu");
  McuResponse r = query.send();
  if (is_shutdown_)
    throw McuError(fmt::format("MCU '{}' error during config: {}", name_, shutdown_msg_));
  p.is_config = r.get_int("is_config") != 0;
  p.crc = static_cast<uint32_t>(r.get_int("crc"));
  p.is_shutdown = r.get_int("is_shutdown") != 0;
  p.move_count = static_cast<int>(r.get_int("move_count"));
  if (p.is_shutdown)
    throw McuError(fmt::format("Can not update MCU '{}' config as it is shutdown", name_));
  return p;
}

void Mcu::check_restart(const std::string& reason) {
  if (start_reason_is(printer_, "firmware_restart")) return;
  log::info("Attempting automated MCU '{}' restart: {}", name_, reason);
  printer_.request_exit("firmware_restart");
  Reactor& reactor = printer_.get_reactor();
  reactor.pause(reactor.monotonic() + 2.000);
  throw McuError(fmt::format("Attempt MCU '{}' restart failed", name_));
}

// ---- statistics --------------------------------------------------------------------------------

void Mcu::handle_mcu_stats(const McuResponse& r) {
  double count = static_cast<double>(static_cast<uint32_t>(r.get_int("count")));
  double tick_sum = static_cast<double>(static_cast<uint32_t>(r.get_int("sum")));
  if (count <= 0. || mcu_freq_ <= 0.) return;
  double c = 1. / (count * mcu_freq_);
  mcu_tick_avg_ = tick_sum * c;
  double tick_sumsq =
      static_cast<double>(static_cast<uint32_t>(r.get_int("sumsq"))) * stats_sumsq_base_;
  double diff = count * tick_sumsq - tick_sum * tick_sum;
  mcu_tick_stddev_ = c * std::sqrt(std::max(0., diff));
  mcu_tick_awake_ = tick_sum / mcu_freq_;
}

StatsEntry Mcu::stats(double eventtime) {
  // The link may be lost while no toolhead checks it (check_active); notice it here too.
  check_timeout(eventtime);
  std::string load = fmt::format("mcu_awake={:.3f} mcu_task_avg={:.6f} mcu_task_stddev={:.6f}",
                                 mcu_tick_awake_, mcu_tick_avg_, mcu_tick_stddev_);
  std::string text = load;
  std::string link = serial_.stats();
  if (!link.empty()) text += " " + link;
  text += " " + clocksync_->stats(eventtime);
  // The same values for the API (printer.mcu.last_stats).
  Json last = Json::object();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    pos = end + 1;
    auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    std::string k = item.substr(0, eq), v = item.substr(eq + 1);
    if (v.find('.') != std::string::npos)
      last[k] = std::strtod(v.c_str(), nullptr);
    else
      last[k] = std::strtoll(v.c_str(), nullptr, 10);
  }
  status_info_["last_stats"] = last;
  return {false, fmt::format("{}: {}", name_, text)};
}

// ---- FIRMWARE_RESTART ----------------------------------------------------------------------------

void Mcu::firmware_restart(bool force) {
  if (is_fileoutput()) return;
  if (is_mcu_bridge_ && !force) return;
  if (restart_method_ == "rpi_usb")
    restart_rpi_usb();
  else if (restart_method_ == "command")
    restart_via_command();
  else if (restart_method_ == "cheetah")
    restart_cheetah();
  else
    restart_arduino();
}

void Mcu::restart_arduino() {
  log::info("Attempting MCU '{}' reset", name_);
  handle_disconnect();
  arduino_reset(serialport_, printer_.get_reactor());
}

void Mcu::restart_cheetah() {
  log::info("Attempting MCU '{}' Cheetah-style reset", name_);
  handle_disconnect();
  cheetah_reset(serialport_, printer_.get_reactor());
}

void Mcu::restart_via_command() {
  Reactor& reactor = printer_.get_reactor();
  if ((!reset_cmd_ && !config_reset_cmd_) || !clocksync_->is_active() ||
      !serial_.is_connected()) {
    log::info("Unable to issue reset command on MCU '{}'", name_);
    return;
  }
  if (!reset_cmd_) {
    // config_reset works only on a shut down MCU: stop it first.
    log::info("Attempting MCU '{}' config_reset command", name_);
    is_shutdown_ = true;
    handle_shutdown(true);
    reactor.pause(reactor.monotonic() + 0.015);
    config_reset_cmd_->send({});
  } else {
    log::info("Attempting MCU '{}' reset command", name_);
    reset_cmd_->send({});
  }
  reactor.pause(reactor.monotonic() + 0.015);
  handle_disconnect();
}

void Mcu::restart_rpi_usb() {
  log::info("Attempting MCU '{}' reset via rpi usb power", name_);
  handle_disconnect();
  Reactor& reactor = printer_.get_reactor();
  usb_hub_power(false);
  reactor.pause(reactor.monotonic() + 2.);
  usb_hub_power(true);
}

}  // namespace kpp
