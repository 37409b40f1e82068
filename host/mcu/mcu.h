// One micro-controller as the host sees it (Klipper's mcu.py MCU class): its link (batch file
// or live: tty, pty, socket, CAN), the config phase (oids, config commands, CRC, init
// commands), command lookup against its dictionary, clock conversions, restarts, shutdown
// reports, statistics, and the pins it offers.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/printer.h"
#include "core/stats.h"
#include "mcu/clocksync.h"
#include "mcu/pin_types.h"
#include "mcu/serial_reader.h"

namespace kpp {

// A command of one MCU, encoded with that MCU's ids (Klipper's CommandWrapper).
class McuCommand {
 public:
  McuCommand() = default;
  McuCommand(SerialReader* serial, const mcu::MessageFormat* format, int queue)
      : serial_(serial), format_(format), queue_(queue) {}
  explicit operator bool() const { return format_ != nullptr; }
  const mcu::MessageFormat* format() const { return format_; }
  int queue() const { return queue_; }

  void send(std::initializer_list<int64_t> args, uint64_t min_clock = 0,
            uint64_t req_clock = 0) const {
    send(std::span<const int64_t>(args.begin(), args.size()), min_clock, req_clock);
  }
  void send(std::span<const int64_t> args, uint64_t min_clock = 0, uint64_t req_clock = 0) const;
  // Commands with byte-string parameters (spi_send data=...).
  void send_values(std::span<const mcu::ParamValue> values, uint64_t min_clock = 0,
                   uint64_t req_clock = 0) const;
  std::vector<uint8_t> encode(std::span<const int64_t> args) const;

 private:
  SerialReader* serial_ = nullptr;
  const mcu::MessageFormat* format_ = nullptr;
  int queue_ = 0;
};

// A command answered by a response (Klipper's CommandQueryWrapper).
class McuQueryCommand {
 public:
  McuQueryCommand() = default;
  McuQueryCommand(SerialReader* serial, McuCommand cmd, std::string response, int oid)
      : serial_(serial), cmd_(cmd), response_(std::move(response)), oid_(oid) {}
  explicit operator bool() const { return static_cast<bool>(cmd_); }
  McuResponse send(std::initializer_list<int64_t> args = {}, uint64_t min_clock = 0,
                   uint64_t req_clock = 0) const;

 private:
  SerialReader* serial_ = nullptr;
  McuCommand cmd_;
  std::string response_;
  int oid_ = -1;
};

class Mcu : public PrinterObject, public PinChip, public StatsProvider {
 public:
  static constexpr double kDefaultMaxStepperError = 0.000025;

  Mcu(const ConfigWrapper& config, std::unique_ptr<ClockSync> clocksync);
  ~Mcu() override;

  Printer& get_printer() { return printer_; }
  // "mcu" for [mcu], "name" for [mcu name].
  const std::string& get_name() const { return name_; }
  bool is_fileoutput() const;
  bool is_shutdown() const { return is_shutdown_; }
  // MCU clock of its last shutdown report (0 if none).
  uint64_t get_shutdown_clock() const { return shutdown_clock_; }
  // The restart_method in effect ("arduino", "cheetah", "command", "rpi_usb"; empty: arduino).
  const std::optional<std::string>& restart_method() const { return restart_method_; }

  // ---- config phase (called while objects are created and in config callbacks) ----
  int create_oid() { return oid_count_++; }
  // Called at connect, in registration order, to emit config commands.
  void register_config_callback(std::function<void()> cb);
  // is_init: sent after finalize_config on every connect; on_restart: sent instead of the
  // config when the MCU already has it (host restart without MCU restart).
  void add_config_cmd(const std::string& cmd, bool is_init = false, bool on_restart = false);
  // A clock at which a periodic query for `oid` should start (spread over time by oid).
  uint64_t get_query_slot(int oid);
  void request_move_queue_slot() { reserved_move_slots_++; }
  int reserved_move_slots() const { return reserved_move_slots_; }
  // Size of the MCU's move queue (from get_config), valid after connect.
  int move_count() const { return move_count_; }
  double get_max_stepper_error() const { return max_stepper_error_; }
  // Called with (print_time, clock) whenever the toolhead flushes moves up to print_time.
  void register_flush_callback(std::function<void(double, uint64_t)> cb);
  void flush_moves(double print_time, double clear_history_time);
  // Calibrate the clock for step generation (clock = (print_time - offset) * freq), and shut
  // down when the MCU stopped answering; returns (offset, freq).
  std::pair<double, double> check_active(double print_time, double eventtime);

  // ---- commands ----
  int alloc_command_queue() { return serial_.alloc_command_queue(); }
  // Look up `format` in the MCU's dictionary. During the config phase a missing or
  // incompatible command is recorded and reported, with all others, in one error at the end of
  // the config phase; later it throws at once.
  McuCommand lookup_command(const std::string& format, int queue = -1);
  std::optional<McuCommand> try_lookup_command(const std::string& format, int queue = -1);
  McuQueryCommand lookup_query_command(const std::string& format, const std::string& response,
                                       int oid = -1, int queue = -1);
  int lookup_command_tag(const std::string& format);
  void register_response(SerialReader::Handler handler, const std::string& name, int oid = -1);
  SerialReader& serial() { return serial_; }
  SerialQueue& serial_queue() { return serial_.queue(); }

  // ---- dictionary ----
  const mcu::Dictionary& dictionary() const { return serial_.dictionary(); }
  const std::map<std::string, std::string, std::less<>>& get_constants() const;
  double get_constant_float(std::string_view name) const;
  double get_constant_float(std::string_view name, double fallback) const;

  // ---- clocks ----
  int64_t seconds_to_clock(double time) const { return static_cast<int64_t>(time * mcu_freq_); }
  uint64_t print_time_to_clock(double print_time) const {
    return clocksync_->print_time_to_clock(print_time);
  }
  double clock_to_print_time(double clock) const { return clocksync_->clock_to_print_time(clock); }
  double estimated_print_time(double eventtime) const;
  uint64_t clock32_to_clock64(uint32_t clock32) const {
    return clocksync_->clock32_to_clock64(clock32);
  }
  ClockSync& clocksync() { return *clocksync_; }
  double mcu_freq() const { return mcu_freq_; }

  // ---- PinChip ----
  std::shared_ptr<McuEndstop> setup_endstop(const PinParams& p) override;
  std::shared_ptr<McuDigitalOut> setup_digital_out(const PinParams& p) override;
  std::shared_ptr<McuPwm> setup_pwm(const PinParams& p) override;
  std::shared_ptr<McuAdc> setup_adc(const PinParams& p) override;

  Json get_status(double eventtime) override;
  // "mcu: mcu_awake=.. mcu_task_avg=.. mcu_task_stddev=.. bytes_write=.. ... freq=.."
  StatsEntry stats(double eventtime) override;

 private:
  struct ConfigParams {
    bool is_config = false;
    uint32_t crc = 0;
    bool is_shutdown = false;
    int move_count = 0;
  };
  void handle_mcu_identify();
  void handle_connect();
  void handle_shutdown(bool force = false);
  void handle_disconnect();
  void connect_file();
  void connect_live();
  ConfigParams send_get_config();
  void send_config(std::optional<uint32_t> prev_crc);
  void check_restart(const std::string& reason);
  void check_timeout(double eventtime);
  std::string log_info() const;
  void handle_shutdown_response(const McuResponse& r);
  void handle_starting(const McuResponse& r);
  void handle_mcu_stats(const McuResponse& r);
  // FIRMWARE_RESTART
  void firmware_restart(bool force = false);
  void restart_arduino();
  void restart_cheetah();
  void restart_via_command();
  void restart_rpi_usb();

  Printer& printer_;
  std::string name_;
  std::unique_ptr<ClockSync> clocksync_;
  SerialReader serial_;
  std::string serialport_;
  int baud_ = 0;
  std::optional<std::string> canbus_iface_;
  std::optional<std::string> restart_method_;
  double max_stepper_error_ = kDefaultMaxStepperError;
  double mcu_freq_ = 0.;

  int oid_count_ = 0;
  std::vector<std::function<void()>> config_callbacks_;
  std::vector<std::string> config_cmds_, restart_cmds_, init_cmds_;
  int reserved_move_slots_ = 0;
  int move_count_ = 0;
  std::vector<std::function<void(double, uint64_t)>> flush_callbacks_;
  bool in_config_phase_ = false;
  std::vector<std::string> incompatible_commands_;

  McuCommand emergency_stop_cmd_;
  std::optional<McuCommand> reset_cmd_, config_reset_cmd_;
  bool is_mcu_bridge_ = false;
  bool is_shutdown_ = false;
  bool is_timeout_ = false;
  uint64_t shutdown_clock_ = 0;
  std::string shutdown_msg_;
  Json status_info_ = Json::object();
  // From the MCU's "stats" reports.
  double stats_sumsq_base_ = 0.;
  double mcu_tick_avg_ = 0., mcu_tick_stddev_ = 0., mcu_tick_awake_ = 0.;
};

// The Mcu named "mcu" (or "mcu <name>") of `printer`; ConfigError "Unknown mcu <name>".
Mcu& get_printer_mcu(Printer& printer, const std::string& name);

}  // namespace kpp
