// What all TMC driver modules share (Klipper's tmc.py): the G-code commands (SET_TMC_FIELD,
// SET_TMC_CURRENT, INIT_TMC, DUMP_TMC), register init at connect and on stepper enable (with
// the "virtual enable" through toff when the stepper has no enable pin), phase tracking,
// periodic DRV_STATUS/GSTAT checks, the status object, sensorless homing through the driver's
// diag pin, and the config helpers for microsteps, wave table and velocity thresholds.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/gcode.h"
#include "core/reactor.h"
#include "mcu/pin_types.h"
#include "modules/tmc_current.h"
#include "modules/tmc_transport.h"

namespace kpp {

class MotionStepper;
class PrinterStepperEnable;
class HomingMove;

// TSTEP value for `velocity` (mm/s): the driver's clock ticks between 1/256 microsteps.
// 0xfffff for velocity <= 0. `step_dist` is the stepper's distance per (micro)step.
uint32_t tmc_tstep(const TmcFieldHelper& fields, double tmc_frequency, double step_dist,
                   double velocity);
// The step distance of the stepper a TMC section drives, from the stepper's config section.
double tmc_config_step_dist(const ConfigWrapper& config);

// Config helpers (each reads its options and fills the register shadow).
void tmc_microstep_config(const ConfigWrapper& config, TmcFieldHelper& fields);
void tmc_wave_table_config(const ConfigWrapper& config, TmcFieldHelper& fields);
void tmc_stealthchop_config(const ConfigWrapper& config, TmcTransport& tmc);
void tmc_coolstep_threshold_config(const ConfigWrapper& config, TmcTransport& tmc);
void tmc_high_velocity_config(const ConfigWrapper& config, TmcTransport& tmc);

// Periodic DRV_STATUS / GSTAT (and ADC_TEMP) queries while the driver is enabled.
class TmcErrorCheck {
 public:
  TmcErrorCheck(const ConfigWrapper& config, TmcTransport& tmc);
  // Returns true when GSTAT showed a driver reset (cleared now).
  bool start_checks();
  void stop_checks();
  Json get_status();

 private:
  struct RegInfo {
    uint32_t last_value = 0;
    std::string reg_name;
    uint32_t mask = 0, err_mask = 0, cs_actual_mask = 0;
  };
  uint32_t query_register(RegInfo& info, bool try_clear = false);
  double do_periodic_check(double eventtime);

  Printer& printer_;
  std::string stepper_name_;
  TmcTransport& tmc_;
  TmcFieldHelper& fields_;
  Reactor::Timer* check_timer_ = nullptr;
  std::optional<RegInfo> gstat_;
  RegInfo drv_status_;
  bool clear_gstat_ = true;
  std::string irun_field_ = "irun";
  std::optional<std::string> adc_temp_reg_;
  std::optional<uint32_t> adc_temp_;
  std::optional<uint32_t> last_drv_status_;
  Json last_drv_fields_;
};

// What a [tmcXXXX stepper] object offers other modules (endstop_phase): the stepper's phase
// offset (mcu_phase_offset, phases) as TmcCommandHelper::get_phase_offset() gives it.
class TmcPhaseSource {
 public:
  virtual ~TmcPhaseSource() = default;
  virtual std::pair<std::optional<int64_t>, int> get_phase_offset() const = 0;
};

class TmcCommandHelper {
 public:
  using ReadTranslate =
      std::function<std::pair<std::string, uint32_t>(const std::string&, uint32_t)>;
  TmcCommandHelper(const ConfigWrapper& config, TmcTransport& tmc, TmcCurrentHelper& current);
  void setup_register_dump(std::vector<std::string> read_registers,
                           ReadTranslate translate = nullptr);
  // (mcu_phase_offset, phases).
  std::pair<std::optional<int64_t>, int> get_phase_offset() const;
  Json get_status(double eventtime);

 private:
  void init_registers(std::optional<double> print_time = {});
  int get_phases() const;
  uint32_t query_phase();
  void handle_sync_mcu_pos(MotionStepper* stepper);
  void handle_mcu_identify();
  void handle_connect();
  void handle_stepper_enable(double print_time, bool is_enable);
  void do_enable(double print_time);
  void do_disable(double print_time);
  double last_move_time();
  void cmd_INIT_TMC(GCodeCommand& gcmd);
  void cmd_SET_TMC_FIELD(GCodeCommand& gcmd);
  void cmd_SET_TMC_CURRENT(GCodeCommand& gcmd);
  void cmd_DUMP_TMC(GCodeCommand& gcmd);

  Printer& printer_;
  std::string stepper_name_;
  std::string name_;
  TmcTransport& tmc_;
  TmcCurrentHelper& current_;
  TmcErrorCheck echeck_;
  TmcFieldHelper& fields_;
  std::vector<std::string> read_registers_;
  ReadTranslate read_translate_;
  std::optional<int64_t> toff_;
  std::optional<int64_t> mcu_phase_offset_;
  MotionStepper* stepper_ = nullptr;
  PrinterStepperEnable* stepper_enable_ = nullptr;
};

// The "<chip>_<stepper>:virtual_endstop" pin: the driver's diag output as a homing endstop,
// with stealthChop and CoolStep thresholds switched for StallGuard during homing moves.
class TmcVirtualPinHelper : public PinChip {
 public:
  TmcVirtualPinHelper(const ConfigWrapper& config, TmcTransport& tmc);
  std::shared_ptr<McuEndstop> setup_endstop(const PinParams& p) override;
  std::shared_ptr<McuDigitalOut> setup_digital_out(const PinParams& p) override;
  std::shared_ptr<McuPwm> setup_pwm(const PinParams& p) override;
  std::shared_ptr<McuAdc> setup_adc(const PinParams& p) override;

 private:
  void handle_homing_move_begin(HomingMove* hmove);
  void handle_homing_move_end(HomingMove* hmove);
  bool uses_our_endstop(HomingMove* hmove) const;

  Printer& printer_;
  TmcTransport& tmc_;
  TmcFieldHelper& fields_;
  std::optional<std::string> diag_pin_;
  std::optional<std::string> diag_pin_field_;
  std::shared_ptr<McuEndstop> mcu_endstop_;
  bool en_pwm_ = false;
  int64_t pwmthrs_ = 0, coolthrs_ = 0, thigh_ = 0;
};

}  // namespace kpp
