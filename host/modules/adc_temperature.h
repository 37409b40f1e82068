// Temperature from an MCU analog input (Klipper's adc_temperature.py): the ADC-to-temperature
// sensor wrapper used by thermistors and amplifiers, piecewise linear tables over voltage or
// resistance, the built-in amplifier and PT100/PT1000 tables, and [adc_temperature] sections.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "core/config.h"
#include "mcu/pin_types.h"
#include "modules/heaters_api.h"

namespace kpp {

// Converts between an ADC reading (0..1 of full scale) and a temperature.
class AdcConverter {
 public:
  virtual ~AdcConverter() = default;
  virtual double calc_temp(double adc) const = 0;
  virtual double calc_adc(double temp) const = 0;
};

// Sampling of every ADC temperature sensor: 8 samples 1 ms apart, reported every 300 ms; the
// MCU shuts down after 4 readings in a row outside the configured range.
struct AdcSampling {
  static constexpr double kSampleTime = 0.001;
  static constexpr int kSampleCount = 8;
  static constexpr double kReportTime = 0.300;
  static constexpr int kRangeCheckCount = 4;
};

// An ADC pin read through a converter (Klipper's PrinterADCtoTemperature).
class AdcTemperatureSensor : public TemperatureSensor {
 public:
  AdcTemperatureSensor(const ConfigWrapper& config, std::unique_ptr<AdcConverter> converter);
  void setup_minmax(double min_temp, double max_temp) override;
  void setup_callback(Callback callback) override { callback_ = std::move(callback); }
  double get_report_time_delta() const override { return AdcSampling::kReportTime; }
  const AdcConverter& converter() const { return *converter_; }

 private:
  void adc_callback(double read_time, double value);
  std::unique_ptr<AdcConverter> converter_;
  std::shared_ptr<McuAdc> mcu_adc_;
  Callback callback_;
};

// Piecewise linear interpolation over (key, value) samples, and its inverse.
class LinearInterpolate {
 public:
  // Throws std::invalid_argument "duplicate value" / "need at least two samples".
  explicit LinearInterpolate(std::vector<std::pair<double, double>> samples);
  double interpolate(double key) const;
  double reverse_interpolate(double value) const;

 private:
  std::vector<double> keys_;
  std::vector<std::pair<double, double>> slopes_;  // (gain, offset) per segment
};

// A table of (temperature, volts) read against adc_voltage with an optional voltage_offset.
class LinearVoltage : public AdcConverter {
 public:
  LinearVoltage(const ConfigWrapper& config, const std::vector<std::pair<double, double>>& params);
  double calc_temp(double adc) const override { return li_->interpolate(adc); }
  double calc_adc(double temp) const override { return li_->reverse_interpolate(temp); }

 private:
  std::unique_ptr<LinearInterpolate> li_;
};

// A table of (temperature, ohms) read through a pullup resistor.
class LinearResistance : public AdcConverter {
 public:
  LinearResistance(const ConfigWrapper& config,
                   const std::vector<std::pair<double, double>>& samples);
  double calc_temp(double adc) const override;
  double calc_adc(double temp) const override;

 private:
  double pullup_;
  std::unique_ptr<LinearInterpolate> li_;
};

// Platinum RTD resistance over 0..490 C in 10 C steps (Callendar-Van Dusen), `base` ohms at 0 C.
std::vector<std::pair<double, double>> pt100_table(double base = 100.);
// The PT100 behind Klipper's standard INA826 amplifier circuit: volts at each temperature.
std::vector<std::pair<double, double>> ina826_pt100_table();

}  // namespace kpp
