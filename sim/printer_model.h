// The simulated printer behind the sim MCU's pins (ARCHITECTURE.md §7): stepper motors moving
// the nozzle through the configured kinematics, endstops at their positions, a probe over a bed
// surface, heaters with thermal plants feeding thermistor ADCs, fans. Attach it to the sim
// board with fw::sim::set_pin_listener(&model): the model itself is the listener of the MCU
// named "mcu"; the pins of another MCU ("zboard:PA3") reach it through port("zboard"), which is
// attached to that MCU's firmware (HostSim does it for each [mcu NAME] given in its options).
// Clocks of every MCU must be in one time base (HostSim converts them to the main MCU's).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boards/sim/sim_pins.h"
#include "sim/machine_kinematics.h"
#include "sim/machine_spec.h"
#include "sim/sim_options.h"
#include "sim/stepper_motor.h"
#include "sim/thermal_model.h"

namespace kpp::sim {

class PrinterModel;

// Told about every step, in clock order (e.g. to record or check the nozzle's path).
class MotionObserver {
 public:
  virtual ~MotionObserver() = default;
  // Stepper `index` (of spec().steppers) made a step at `clock`.
  virtual void on_step(const PrinterModel& model, size_t index, uint64_t clock) = 0;
};

class PrinterModel : public fw::sim::PinListener {
 public:
  PrinterModel(MachineSpec spec, SimOptions options = {});
  ~PrinterModel() override;

  // ---- the pin bus ----
  // The pins of the MCU "mcu".
  void on_pin_mode(uint16_t pin, fw::sim::PinMode mode, uint64_t clock) override;
  void on_output(uint16_t pin, uint8_t level, uint64_t clock) override;
  void on_pwm(uint16_t pin, uint16_t value, uint32_t cycle_ticks, uint64_t clock) override;
  uint8_t read_input(uint16_t pin, uint64_t clock) override;
  uint16_t read_adc(uint16_t pin, uint64_t clock) override;
  // The listener for the pins of MCU `chip` (the model itself for "mcu"). Owned by the model.
  fw::sim::PinListener& port(std::string_view chip);
  // The MCUs the config puts model pins on ("mcu" first).
  std::vector<std::string> chips() const { return chips_; }

  // ---- state ----
  const MachineSpec& spec() const { return spec_; }
  const SimOptions& options() const { return options_; }
  const MachineKinematics& kinematics() const { return *kin_; }
  static double clock_to_time(uint64_t clock) {
    return static_cast<double>(clock) / fw::sim::kClockFreq;
  }

  size_t stepper_count() const { return motors_.size(); }
  const StepperMotor& stepper(size_t i) const { return motors_[i]; }
  // By section name; throws std::out_of_range when absent.
  const StepperMotor& stepper(std::string_view name) const;
  size_t stepper_index(std::string_view name) const;
  // Where the nozzle is now (machine coordinates) and how much filament went through each
  // extruder (mm, by section name).
  Vec3 nozzle() const;
  double extruder_position(std::string_view name = "extruder") const;
  // Whether an endstop (by stepper index) or the probe reads triggered now.
  bool endstop_triggered(size_t i) const;
  bool probe_triggered() const;
  // The bed height the probe would touch under the probe tip with the nozzle at (x, y).
  double bed_height_under_probe(double x, double y) const;
  const BedSurface& bed() const { return options_.bed; }

  // Heaters and sensors by config name. temperature(name, clock) advances the plant to `clock`.
  double temperature(std::string_view heater, uint64_t clock);
  bool heater_on(std::string_view heater) const;
  // Duty (0..1) the heater was last driven at.
  double heater_duty(std::string_view heater) const;
  ThermalModel& thermal(std::string_view heater);
  // Inject (or clear) a fault; with `clock` the plant is first brought up to it, so heat
  // delivered before the fault counts.
  void set_fault(std::string_view heater, HeaterFault fault, uint64_t clock = 0);
  // Fan speed 0..1 (hardware PWM duty, or the duty of the last soft-PWM cycle).
  double fan_speed(std::string_view fan) const;

  // Motion observers (not owned); called for every step.
  void add_observer(MotionObserver* obs) { observers_.push_back(obs); }
  void remove_observer(MotionObserver* obs);
  // Times a rail left its travel by more than 1 mm (the carriage would hit the frame).
  uint64_t out_of_range_events() const { return out_of_range_; }
  uint64_t last_clock() const { return last_clock_; }

 private:
  enum class Use : uint8_t { kStep, kDir, kEnable, kEndstop, kProbe, kHeater, kSensor, kFan };
  struct PinUse {
    Use use;
    uint16_t index;
  };
  using PinTable = std::array<std::vector<PinUse>, fw::sim::kPinCount>;
  class Port;
  size_t chip_index(std::string_view chip);
  void pin_mode(size_t chip, const fw::sim::PinListener& src, uint16_t pin,
                fw::sim::PinMode mode, uint64_t clock);
  void output(size_t chip, uint16_t pin, uint8_t level, uint64_t clock);
  void pwm(size_t chip, uint16_t pin, uint16_t value, uint64_t clock);
  uint8_t input(size_t chip, const fw::sim::PinListener& src, uint16_t pin, uint64_t clock);
  uint16_t adc(size_t chip, uint16_t pin, uint64_t clock);
  struct Heater {
    const HeaterSpec* spec;
    ThermalModel thermal;
    HeaterFault fault = HeaterFault::kNone;
    bool on = false;
    double duty = 0.;
  };
  struct Fan {
    const FanSpec* spec;
    double speed = 0.;
    uint8_t level = 0;
    uint64_t rise = 0, prev_rise = 0, fall = 0;
    bool hardware = false;
  };
  void map_pin(const PinRef& p, Use use, size_t index);
  void place_nozzle();
  void step(size_t i, uint8_t level, uint64_t clock);
  double fan_speed_at(const Fan& f, uint64_t clock) const;
  size_t heater_index(std::string_view name) const;

  MachineSpec spec_;
  SimOptions options_;
  std::unique_ptr<MachineKinematics> kin_;
  std::vector<StepperMotor> motors_;
  std::vector<double> positions_;  // motor positions (mm), as the kinematics reads them
  std::vector<Heater> heaters_;
  std::vector<Fan> fans_;
  std::vector<std::string> chips_{"mcu"};
  std::vector<PinTable> pins_{1};                 // by chip
  std::vector<std::unique_ptr<Port>> ports_;      // by chip; null for "mcu" (the model itself)
  std::vector<MotionObserver*> observers_;
  mutable Vec3 nozzle_cache_;
  mutable bool nozzle_valid_ = false;
  uint64_t out_of_range_ = 0;
  std::vector<bool> out_of_range_now_;
  uint64_t last_clock_ = 0;
};

}  // namespace kpp::sim
