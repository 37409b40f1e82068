// [adc_scaled name]: a pin chip "name" whose ADC pins read relative to the board's measured
// reference voltages (Klipper's adc_scaled.py). Duet boards wire VREF and VSSA to ADC inputs;
// scaling a thermistor reading into the measured [vssa, vref] span cancels reference drift.
// Use as `sensor_pin: name:PC13`.
#include <fmt/format.h>

#include "core/printer.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"

namespace kpp {
namespace {

constexpr double kSampleTime = 0.001;
constexpr int kSampleCount = 8;
constexpr double kReportTime = 0.300;

class PrinterAdcScaled;

// One scaled input: the MCU's ADC pin, its readings mapped into the reference span.
class ScaledAdc : public McuAdc {
 public:
  ScaledAdc(PrinterAdcScaled& main, std::shared_ptr<McuAdc> adc)
      : main_(main), adc_(std::move(adc)) {}
  Mcu& get_mcu() override { return adc_->get_mcu(); }
  void setup_minmax(double sample_time, int sample_count, double minval, double maxval,
                    int range_check_count) override {
    adc_->setup_minmax(sample_time, sample_count, minval, maxval, range_check_count);
  }
  void setup_adc_callback(double report_time, Callback callback, int batch_count = 1) override;
  std::pair<double, double> get_last_value() override { return last_state_; }

 private:
  PrinterAdcScaled& main_;
  std::shared_ptr<McuAdc> adc_;
  std::pair<double, double> last_state_{0., 0.};
  Callback callback_;
};

class PrinterAdcScaled : public PrinterObject, public PinChip {
 public:
  explicit PrinterAdcScaled(const ConfigWrapper& config) {
    Printer& printer = config.get_printer();
    const std::string& section = config.get_name();
    name_ = section.substr(section.find(' ') + 1);
    auto& ppins = printer.lookup<PrinterPins>("pins");
    vref_ = config_pin(ppins, config, "vref_pin", &last_vref_);
    vssa_ = config_pin(ppins, config, "vssa_pin", &last_vssa_);
    inv_smooth_time_ = 1. / config.getfloat("smooth_time", 2., {.above = 0.});
    mcu_ = &vref_->get_mcu();
    if (mcu_ != &vssa_->get_mcu()) throw config.error("vref and vssa must be on same mcu");
    ppins.register_chip(name_, *this);
  }

  std::shared_ptr<McuAdc> setup_adc(const PinParams& p) override {
    return std::make_shared<ScaledAdc>(*this, mcu_->setup_adc(p));
  }
  std::shared_ptr<McuEndstop> setup_endstop(const PinParams&) override { return unsupported(); }
  std::shared_ptr<McuDigitalOut> setup_digital_out(const PinParams&) override {
    return unsupported();
  }
  std::shared_ptr<McuPwm> setup_pwm(const PinParams&) override { return unsupported(); }

  // A raw reading mapped so that vssa reads 0 and vref reads 1.
  double scale(double raw) const {
    double span = last_vref_.second - last_vssa_.second;
    return (raw - last_vssa_.second) / span;
  }

 private:
  static std::nullptr_t unsupported() { throw PinError("adc_scaled only supports adc pins"); }

  std::shared_ptr<McuAdc> config_pin(PrinterPins& ppins, const ConfigWrapper& config,
                                     const char* option, std::pair<double, double>* last) {
    auto adc = ppins.setup_adc(config.get(option));
    adc->setup_adc_callback(kReportTime, [this, last](double t, double v) { smooth(t, v, *last); });
    adc->setup_minmax(kSampleTime, kSampleCount);
    return adc;
  }
  // Low-pass filter of the reference readings with time constant smooth_time: the
  // references change slowly, their noise should not move every scaled reading.
  void smooth(double read_time, double value, std::pair<double, double>& last) const {
    double adj = std::min((read_time - last.first) * inv_smooth_time_, 1.);
    last = {read_time, last.second + (value - last.second) * adj};
  }

  std::string name_;
  Mcu* mcu_ = nullptr;
  std::shared_ptr<McuAdc> vref_, vssa_;
  double inv_smooth_time_ = 0.5;
  std::pair<double, double> last_vref_{0., 0.}, last_vssa_{0., 0.};  // (time, value)
};

void ScaledAdc::setup_adc_callback(double report_time, Callback callback, int batch_count) {
  callback_ = std::move(callback);
  adc_->setup_adc_callback(
      report_time,
      [this](double read_time, double value) {
        double scaled = main_.scale(value);
        last_state_ = {scaled, read_time};
        if (callback_) callback_(read_time, scaled);
      },
      batch_count);
}

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterAdcScaled>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(adc_scaled, nullptr, kpp::load_prefix)
