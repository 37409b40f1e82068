// The objects a pin can be set up as (Klipper's MCU_endstop, MCU_digital_out, MCU_pwm,
// MCU_adc). Interfaces, because chips other than MCUs provide them too: a probe's virtual
// endstop, I/O expanders, replicape-style boards.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "core/reactor.h"

namespace kpp {

class Mcu;
class McuStepper;
class PinChip;

// A bad pin description or pin use: reported like a config error.
class PinError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

// A parsed pin description: "^!ar4" on chip "mcu" -> pin "ar4", pullup 1, invert 1.
struct PinParams {
  PinChip* chip = nullptr;
  std::string chip_name;
  std::string pin;
  int invert = 0;
  int pullup = 0;  // 1 pull-up, -1 pull-down
  std::string share_type;
};

// What endstops need of a stepper; the motion code's stepper implements it.
class McuStepper {
 public:
  virtual ~McuStepper() = default;
  virtual Mcu& get_mcu() = 0;
  virtual int get_oid() const = 0;
  virtual const std::string& get_name() const = 0;
  // Homing ended: the stepper re-reads its position from the MCU.
  virtual void note_homing_end() = 0;
};

class McuEndstop {
 public:
  virtual ~McuEndstop() = default;
  virtual Mcu& get_mcu() = 0;
  virtual void add_stepper(McuStepper& stepper) = 0;
  virtual std::vector<McuStepper*> get_steppers() = 0;
  // Start homing at print_time; the returned completion fires with true when triggered.
  virtual std::shared_ptr<Completion<bool>> home_start(double print_time, double sample_time,
                                                       int sample_count, double rest_time,
                                                       bool triggered = true) = 0;
  // Wait for the end of homing; returns the trigger time, 0 if not triggered, -1 on a
  // communication timeout.
  virtual double home_wait(double home_end_time) = 0;
  virtual int query_endstop(double print_time) = 0;
};

class McuDigitalOut {
 public:
  virtual ~McuDigitalOut() = default;
  virtual Mcu& get_mcu() = 0;
  virtual void setup_max_duration(double max_duration) = 0;
  virtual void setup_start_value(double start_value, double shutdown_value,
                                 bool is_static = false) = 0;
  virtual void set_digital(double print_time, int value) = 0;
};

class McuPwm {
 public:
  virtual ~McuPwm() = default;
  virtual Mcu& get_mcu() = 0;
  virtual void setup_max_duration(double max_duration) = 0;
  virtual void setup_cycle_time(double cycle_time, bool hardware_pwm = false) = 0;
  virtual void setup_start_value(double start_value, double shutdown_value,
                                 bool is_static = false) = 0;
  virtual void set_pwm(double print_time, double value,
                       std::optional<double> cycle_time = std::nullopt) = 0;
};

class McuAdc {
 public:
  using Callback = std::function<void(double read_time, double value)>;
  virtual ~McuAdc() = default;
  virtual Mcu& get_mcu() = 0;
  virtual void setup_minmax(double sample_time, int sample_count, double minval = 0.,
                            double maxval = 1., int range_check_count = 0) = 0;
  // The MCU takes a reading every report_time and sends batch_count of them per message
  // (analog buttons batch theirs to save bandwidth); the callback runs once per reading, in
  // order, with the time each was taken.
  virtual void setup_adc_callback(double report_time, Callback callback,
                                  int batch_count = 1) = 0;
  // (value, time) of the last reading.
  virtual std::pair<double, double> get_last_value() = 0;
};

// Something pins live on: an MCU or a virtual chip. Unsupported pin types raise PinError.
class PinChip {
 public:
  virtual ~PinChip() = default;
  virtual std::shared_ptr<McuEndstop> setup_endstop(const PinParams& p);
  virtual std::shared_ptr<McuDigitalOut> setup_digital_out(const PinParams& p);
  virtual std::shared_ptr<McuPwm> setup_pwm(const PinParams& p);
  virtual std::shared_ptr<McuAdc> setup_adc(const PinParams& p);
};

}  // namespace kpp
