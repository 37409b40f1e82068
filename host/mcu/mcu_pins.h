// Output and analog pins on an MCU (Klipper's MCU_digital_out, MCU_pwm, MCU_adc): the config
// commands they emit and the scheduled commands they send.
#pragma once

#include "mcu/mcu.h"

namespace kpp {

class McuDigitalOutPin : public McuDigitalOut {
 public:
  McuDigitalOutPin(Mcu& mcu, const PinParams& p);
  Mcu& get_mcu() override { return mcu_; }
  void setup_max_duration(double max_duration) override { max_duration_ = max_duration; }
  void setup_start_value(double start_value, double shutdown_value, bool is_static) override;
  void set_digital(double print_time, int value) override;

 private:
  void build_config();
  Mcu& mcu_;
  std::string pin_;
  int invert_;
  int start_value_, shutdown_value_;
  bool is_static_ = false;
  double max_duration_ = 2.;
  uint64_t last_clock_ = 0;
  int oid_ = -1;
  McuCommand set_cmd_;
};

class McuPwmPin : public McuPwm {
 public:
  McuPwmPin(Mcu& mcu, const PinParams& p);
  Mcu& get_mcu() override { return mcu_; }
  void setup_max_duration(double max_duration) override { max_duration_ = max_duration; }
  void setup_cycle_time(double cycle_time, bool hardware_pwm) override {
    cycle_time_ = cycle_time;
    hardware_pwm_ = hardware_pwm;
  }
  void setup_start_value(double start_value, double shutdown_value, bool is_static) override;
  void set_pwm(double print_time, double value, std::optional<double> cycle_time) override;

 private:
  void build_config();
  Mcu& mcu_;
  std::string pin_;
  int invert_;
  bool hardware_pwm_ = false;
  double cycle_time_ = 0.100;
  double max_duration_ = 2.;
  double start_value_, shutdown_value_;
  bool is_static_ = false;
  uint64_t last_clock_ = 0;
  int64_t last_cycle_ticks_ = 0;
  double pwm_max_ = 0.;
  int oid_ = -1;
  McuCommand set_cmd_, set_cycle_ticks_;
};

class McuAdcPin : public McuAdc {
 public:
  McuAdcPin(Mcu& mcu, const PinParams& p);
  Mcu& get_mcu() override { return mcu_; }
  void setup_minmax(double sample_time, int sample_count, double minval, double maxval,
                    int range_check_count) override;
  void setup_adc_callback(double report_time, Callback callback, int batch_count = 1) override {
    report_time_ = report_time;
    callback_ = std::move(callback);
    batch_count_ = std::max(batch_count, 1);
  }
  std::pair<double, double> get_last_value() override { return last_state_; }

 private:
  void build_config();
  void handle_analog_in_state(const McuResponse& r);
  Mcu& mcu_;
  std::string pin_;
  double min_sample_ = 0., max_sample_ = 0.;
  double sample_time_ = 0., report_time_ = 0.;
  int sample_count_ = 0, range_check_count_ = 0;
  int64_t report_clock_ = 0;
  int batch_count_ = 1;
  int bytes_per_sample_ = 2;
  double inv_max_adc_ = 0.;
  std::pair<double, double> last_state_{0., 0.};
  int oid_ = -1;
  Callback callback_;
};

}  // namespace kpp
