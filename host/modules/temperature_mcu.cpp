// sensor_type: temperature_mcu: the micro-controller's internal temperature sensor (Klipper's
// temperature_mcu.py), with the chip's nominal or factory calibration, or the user's.
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "core/logging.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"
#include "modules/adc_temperature.h"
#include "modules/temperature_sensors.h"

namespace kpp {

namespace {

class TemperatureMcu : public TemperatureSensor {
 public:
  explicit TemperatureMcu(const ConfigWrapper& config) : printer_(config.get_printer()) {
    std::string mcu_name = config.get("sensor_mcu", "mcu");
    reference_voltage_ = config.getfloat("reference_voltage", 3.3);
    temp1_ = config.getfloat_opt("sensor_temperature1");
    if (temp1_) {
      adc1_ = config.getfloat("sensor_adc1", {.minval = 0., .maxval = 1.});
      temp2_ = config.getfloat_opt("sensor_temperature2");
      if (temp2_) adc2_ = config.getfloat("sensor_adc2", {.minval = 0., .maxval = 1.});
    }
    auto& ppins = printer_.lookup<PrinterPins>("pins");
    mcu_adc_ = ppins.setup_adc(mcu_name + ":ADC_TEMPERATURE");
    mcu_adc_->setup_adc_callback(AdcSampling::kReportTime,
                                 [this](double t, double v) { adc_callback(t, v); });
    if (printer_.is_batch_mode()) {
      // No calibration can be read from a file: Klipper samples without a range check
      // (min 0, max 1, range_check_count=0), as its batch output shows.
      mcu_adc_->setup_minmax(AdcSampling::kSampleTime, AdcSampling::kSampleCount, 0., 1., 0);
      return;
    }
    printer_.register_event_handler<>("klippy:mcu_identify", [this] { mcu_identify(); });
  }
  void setup_minmax(double min_temp, double max_temp) override {
    min_temp_ = min_temp;
    max_temp_ = max_temp;
  }
  void setup_callback(Callback callback) override { callback_ = std::move(callback); }
  double get_report_time_delta() const override { return AdcSampling::kReportTime; }

 private:
  void adc_callback(double read_time, double value) {
    double temp = base_temperature_ + value * slope_;
    if (callback_)
      callback_(read_time + AdcSampling::kSampleCount * AdcSampling::kSampleTime, temp);
  }
  double calc_adc(double temp) const { return (temp - base_temperature_) / slope_; }
  double calc_base(double temp, double adc) const { return temp - adc * slope_; }
  int64_t read(int order, uint32_t addr) {
    return debug_read_.send({order, static_cast<int64_t>(addr)}).get_int("val");
  }
  double read16(uint32_t addr) { return static_cast<double>(read(1, addr)); }
  uint32_t read32(uint32_t addr) { return static_cast<uint32_t>(read(2, addr)); }

  // Datasheet voltage at a temperature and slope in V/C.
  void nominal(double temp, double volts, double volts_per_c) {
    slope_ = reference_voltage_ / volts_per_c;
    base_temperature_ = calc_base(temp, volts / reference_voltage_);
  }
  // Two factory calibration points of 0..1 ADC readings.
  void two_point(double t1, double adc1, double t2, double adc2) {
    slope_ = (t2 - t1) / (adc2 - adc1);
    base_temperature_ = calc_base(t1, adc1);
  }
  void config_samd21(uint32_t addr) {
    auto get1v = [](uint32_t val) {
      double v = val & 0x80 ? 0x100 - val : val;
      return 1. - v / 1000.;
    };
    uint32_t cal1 = read32(addr), cal2 = read32(addr + 4);
    double room_temp = ((cal1 >> 0) & 0xff) + ((cal1 >> 8) & 0xf) / 10.;
    double hot_temp = ((cal1 >> 12) & 0xff) + ((cal1 >> 20) & 0xf) / 10.;
    double room_1v = get1v((cal1 >> 24) & 0xff), hot_1v = get1v((cal2 >> 0) & 0xff);
    double room_adc = ((cal2 >> 8) & 0xfff) * room_1v / (reference_voltage_ * 4095.);
    double hot_adc = ((cal2 >> 20) & 0xfff) * hot_1v / (reference_voltage_ * 4095.);
    two_point(room_temp, room_adc, hot_temp, hot_adc);
  }
  void config_stm32_30_130(uint32_t a30, uint32_t a130) {
    double scale = 3.0 / (reference_voltage_ * 4095.);
    two_point(30., read16(a30) * scale, 130., read16(a130) * scale);
  }

  void mcu_identify() {
    Mcu& mcu = mcu_adc_->get_mcu();
    debug_read_ = mcu.lookup_query_command("debug_read order=%c addr=%u", "debug_result val=%u");
    std::string type = mcu.dictionary().constant("MCU", "");
    const std::vector<std::pair<std::string, std::function<void()>>> table = {
        {"rp2040", [&] { nominal(27., 0.706, -0.001721); }},
        {"rp2350", [&] { nominal(27., 0.706, -0.001721); }},
        {"sam3", [&] { nominal(27., 0.8, .002650); }},
        {"sam4", [&] { nominal(27., 1.44, .004700); }},
        {"same70", [&] { nominal(25., 0.72, .002330); }},
        {"samd21", [&] { config_samd21(0x00806030); }},
        {"samd51", [&] { config_samd21(0x00800100); }},
        {"same5", [&] { config_samd21(0x00800100); }},
        {"stm32f1", [&] { nominal(25., 1.43, -.004300); }},
        {"stm32f2", [&] { nominal(25., .76, .002500); }},
        {"stm32f4",
         [&] { two_point(30., read16(0x1FFF7A2C) / 4095., 110., read16(0x1FFF7A2E) / 4095.); }},
        {"stm32f042",
         [&] { two_point(30., read16(0x1FFFF7B8) / 4095., 110., read16(0x1FFFF7C2) / 4095.); }},
        {"stm32f070",
         [&] {
           slope_ = reference_voltage_ / -.004300;
           base_temperature_ = calc_base(30., read16(0x1FFFF7B8) / 4095.);
         }},
        {"stm32f072",
         [&] { two_point(30., read16(0x1FFFF7B8) / 4095., 110., read16(0x1FFFF7C2) / 4095.); }},
        {"stm32g0", [&] { config_stm32_30_130(0x1FFF75A8, 0x1FFF75CA); }},
        {"stm32g4", [&] { config_stm32_30_130(0x1FFF75A8, 0x1FFF75CA); }},
        {"stm32l4", [&] { config_stm32_30_130(0x1FFF75A8, 0x1FFF75CA); }},
        {"stm32h7",
         [&] { two_point(30., read16(0x1FF1E820) / 65535., 110., read16(0x1FF1E840) / 65535.); }},
    };
    bool found = false;
    for (auto& [prefix, fn] : table) {
      if (type.starts_with(prefix)) {
        fn();
        found = true;
        break;
      }
    }
    if (!found) throw ConfigError(fmt::format("MCU temperature not supported on {}", type));
    log::info("mcu_temperature '{}' nominal base={:.6f} slope={:.6f}", mcu.get_name(),
              base_temperature_, slope_);
    if (temp1_) {
      if (temp2_) slope_ = (*temp2_ - *temp1_) / (adc2_ - adc1_);
      base_temperature_ = calc_base(*temp1_, adc1_);
    }
    double a = calc_adc(min_temp_), b = calc_adc(max_temp_);
    mcu_adc_->setup_minmax(AdcSampling::kSampleTime, AdcSampling::kSampleCount, std::min(a, b),
                           std::max(a, b), AdcSampling::kRangeCheckCount);
  }

  Printer& printer_;
  double reference_voltage_;
  std::optional<double> temp1_, temp2_;
  double adc1_ = 0., adc2_ = 0.;
  double base_temperature_ = 0., slope_ = 1.;
  double min_temp_ = 0., max_temp_ = 0.;
  std::shared_ptr<McuAdc> mcu_adc_;
  McuQueryCommand debug_read_;
  Callback callback_;
};

std::unique_ptr<TemperatureSensor> create(const ConfigWrapper& config) {
  return std::make_unique<TemperatureMcu>(config);
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_SENSOR(temperature_mcu, "temperature_mcu", kpp::create)
