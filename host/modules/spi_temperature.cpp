// MAX6675, MAX31855, MAX31856 (thermocouples) and MAX31865 (platinum RTD) on SPI (Klipper's
// spi_temperature.py): the MCU polls the chip and reports raw values, which are converted here.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/logging.h"
#include "mcu/bus.h"
#include "modules/spi_temperature.h"
#include "modules/temperature_sensors.h"

namespace kpp {

namespace {

constexpr double kReportTime = 0.300;
constexpr int kMaxInvalidCount = 3;

// Reads from the MCU's thermocouple polling; subclasses convert raw values.
class SpiTemperatureSensor : public TemperatureSensor {
 public:
  SpiTemperatureSensor(const ConfigWrapper& config, std::string chip_type,
                       std::optional<std::vector<uint8_t>> config_cmd, int spi_mode)
      : spi_(spi_from_config(config, spi_mode, "sensor_pin", 4000000)),
        chip_type_(std::move(chip_type)),
        mcu_(spi_->get_mcu()) {
    if (config_cmd) spi_->spi_send(*config_cmd);
    oid_ = mcu_.create_oid();
    mcu_.register_response([this](const McuResponse& r) { handle_result(r); },
                           "thermocouple_result", oid_);
    mcu_.register_config_callback([this] { build_config(); });
  }
  void setup_minmax(double min_temp, double max_temp) override {
    int64_t a = calc_adc(min_temp), b = calc_adc(max_temp);
    min_sample_ = std::min(a, b);
    max_sample_ = std::max(a, b);
  }
  void setup_callback(Callback callback) override { callback_ = std::move(callback); }
  double get_report_time_delta() const override { return kReportTime; }

  virtual double calc_temp(uint32_t adc) const = 0;
  virtual int64_t calc_adc(double temp) const = 0;

 protected:
  virtual void handle_fault(uint32_t adc, int fault) = 0;
  void report_fault(const std::string& msg) { log::warning("{}", msg); }
  std::unique_ptr<McuSpi> spi_;

 private:
  void build_config() {
    mcu_.add_config_cmd(fmt::format("config_thermocouple oid={} spi_oid={} thermocouple_type={}",
                                    oid_, spi_->get_oid(), chip_type_));
    uint64_t clock = mcu_.get_query_slot(oid_);
    report_clock_ = mcu_.seconds_to_clock(kReportTime);
    mcu_.add_config_cmd(fmt::format(
                            "query_thermocouple oid={} clock={} rest_ticks={} min_value={} "
                            "max_value={} max_invalid_count={}",
                            oid_, clock, report_clock_, min_sample_, max_sample_, kMaxInvalidCount),
                        true);
  }
  void handle_result(const McuResponse& r) {
    auto value = static_cast<uint32_t>(r.get_int("value"));
    if (int fault = static_cast<int>(r.get_int("fault"))) {
      handle_fault(value, fault);
      return;
    }
    double temp = calc_temp(value);
    uint64_t next_clock = mcu_.clock32_to_clock64(static_cast<uint32_t>(r.get_int("next_clock")));
    double last_read_time =
        mcu_.clock_to_print_time(static_cast<double>(next_clock - report_clock_));
    if (callback_) callback_(last_read_time, temp);
  }

  std::string chip_type_;
  Mcu& mcu_;
  int oid_ = -1;
  int64_t min_sample_ = 0, max_sample_ = 0;
  int64_t report_clock_ = 0;
  Callback callback_;
};

}  // namespace

namespace spi_temp {
namespace {
// Two's complement value of the low `bits` bits of v (the datasheets' format; Klipper's Python
// maps negative values one step off, which matters only below 0 C).
int64_t sign_extend(uint32_t v, int bits) {
  uint32_t mask = (bits >= 32) ? 0xffffffffu : ((1u << bits) - 1);
  v &= mask;
  uint32_t sign = 1u << (bits - 1);
  return (v & sign) ? static_cast<int64_t>(v) - (static_cast<int64_t>(1) << bits) : v;
}

// A temperature as a count of `mult` degrees, limited to 0..max_count, shifted into place.
int64_t thermocouple_adc(double temp, double mult, int64_t max_count, int shift) {
  auto adc = static_cast<int64_t>(temp / mult + 0.5);
  return std::clamp<int64_t>(adc, 0, max_count) << shift;
}

// Callendar-Van Dusen coefficients of platinum.
constexpr double kCvdA = 3.9083e-3;
constexpr double kCvdB = -5.775e-7;
constexpr int64_t kMax31865AdcMax = 1 << 15;
}  // namespace

double max6675_temp(uint32_t raw) { return 0.25 * static_cast<double>((raw >> 3) & 0xfff); }
int64_t max6675_raw(double temp) { return thermocouple_adc(temp, 0.25, 0x1FFF, 3); }
double max31855_temp(uint32_t raw) { return 0.25 * static_cast<double>(sign_extend(raw >> 18, 14)); }
int64_t max31855_raw(double temp) { return thermocouple_adc(temp, 0.25, 0x1FFF, 18); }
double max31856_temp(uint32_t raw) {
  return 0.0078125 * static_cast<double>(sign_extend(raw >> 5, 19));
}
int64_t max31856_raw(double temp) { return thermocouple_adc(temp, 0.0078125, 0x3FFFF, 5); }

double max31865_temp(uint32_t raw, double nominal_r, double reference_r) {
  double ratio = reference_r / static_cast<double>(kMax31865AdcMax) / nominal_r;
  double r_div_nominal = static_cast<double>(raw >> 1) * ratio;  // D0 is the fault bit
  // Solve R/R0 = 1 + A t + B t^2 for t.
  double discriminant = std::sqrt(kCvdA * kCvdA - 4. * kCvdB * (1. - r_div_nominal));
  return (-kCvdA + discriminant) / (2. * kCvdB);
}
int64_t max31865_raw(double temp, double nominal_r, double reference_r) {
  double ratio = reference_r / static_cast<double>(kMax31865AdcMax) / nominal_r;
  temp = std::min(temp, 1768.3);  // platinum melts
  double r_div_nominal = 1. + kCvdA * temp + kCvdB * temp * temp;
  auto adc = static_cast<int64_t>(r_div_nominal / ratio + 0.5);
  return std::clamp<int64_t>(adc, 0, kMax31865AdcMax) << 1;
}
}  // namespace spi_temp

namespace {

class Max31856 : public SpiTemperatureSensor {
 public:
  explicit Max31856(const ConfigWrapper& config)
      : SpiTemperatureSensor(config, "MAX31856", build_spi_init(config), 1) {}
  double calc_temp(uint32_t adc) const override { return spi_temp::max31856_temp(adc); }
  int64_t calc_adc(double temp) const override { return spi_temp::max31856_raw(temp); }

 private:
  static std::vector<uint8_t> build_spi_init(const ConfigWrapper& config) {
    // CR0: auto conversion (+ 50 Hz filter), CR1: type and averaging, MASK: only OV/UV and
    // open-circuit faults raise FAULT.
    uint8_t cr0 = 0x80;
    if (config.getboolean("tc_use_50Hz_filter", false)) cr0 |= 0x01;
    static const std::vector<std::string> types = {"B", "E", "J", "K", "N", "R", "S", "T"};
    auto tc = config.getchoice("tc_type", types, "K");
    uint8_t cr1 = static_cast<uint8_t>(std::find(types.begin(), types.end(), tc) - types.begin());
    static const std::map<int64_t, uint8_t> averages = {
        {1, 0x00}, {2, 0x10}, {4, 0x20}, {8, 0x30}, {16, 0x70}};
    int64_t avg = config.getint("tc_averaging_count", 1);
    auto it = averages.find(avg);
    if (it == averages.end())
      throw config.error(
          fmt::format("Choice '{}' for option 'tc_averaging_count' in section '{}' is not a valid "
                      "choice",
                      avg, config.get_name()));
    cr1 |= it->second;
    return {0x80, cr0, cr1, 0x03};
  }
  void handle_fault(uint32_t, int fault) override {
    static const std::pair<int, const char*> faults[] = {
        {0x80, "Max31856: Cold Junction Range Fault"},
        {0x40, "Max31856: Thermocouple Range Fault"},
        {0x20, "Max31856: Cold Junction High Fault"},
        {0x10, "Max31856: Cold Junction Low Fault"},
        {0x08, "Max31856: Thermocouple High Fault"},
        {0x04, "Max31856: Thermocouple Low Fault"},
        {0x02, "Max31856: Over/Under Voltage Fault"},
        {0x01, "Max31856: Thermocouple Open Fault"}};
    for (auto [bit, msg] : faults)
      if (fault & bit) report_fault(msg);
  }
};

class Max31855 : public SpiTemperatureSensor {
 public:
  explicit Max31855(const ConfigWrapper& config)
      : SpiTemperatureSensor(config, "MAX31855", std::nullopt, 0) {}
  double calc_temp(uint32_t adc) const override { return spi_temp::max31855_temp(adc); }
  int64_t calc_adc(double temp) const override { return spi_temp::max31855_raw(temp); }

 private:
  void handle_fault(uint32_t, int fault) override {
    if (fault & 0x1) report_fault("MAX31855 : Open Circuit");
    if (fault & 0x2) report_fault("MAX31855 : Short to GND");
    if (fault & 0x4) report_fault("MAX31855 : Short to Vcc");
  }
};

class Max6675 : public SpiTemperatureSensor {
 public:
  explicit Max6675(const ConfigWrapper& config)
      : SpiTemperatureSensor(config, "MAX6675", std::nullopt, 0) {}
  double calc_temp(uint32_t adc) const override { return spi_temp::max6675_temp(adc); }
  int64_t calc_adc(double temp) const override { return spi_temp::max6675_raw(temp); }

 private:
  void handle_fault(uint32_t, int fault) override {
    if (fault & 0x02) report_fault("Max6675 : Device ID error");
    if (fault & 0x04) report_fault("Max6675 : Thermocouple Open Fault");
  }
};

class Max31865 : public SpiTemperatureSensor {
 public:
  explicit Max31865(const ConfigWrapper& config)
      : Max31865(config, config.getfloat("rtd_nominal_r", 100., {.above = 0.}),
                 config.getfloat("rtd_reference_r", 430., {.above = 0.}),
                 build_spi_init(config)) {}
  double calc_temp(uint32_t adc) const override {
    return spi_temp::max31865_temp(adc, nominal_r_, reference_r_);
  }
  int64_t calc_adc(double temp) const override {
    return spi_temp::max31865_raw(temp, nominal_r_, reference_r_);
  }

 private:
  Max31865(const ConfigWrapper& config, double nominal_r, double reference_r,
           std::vector<uint8_t> init)
      : SpiTemperatureSensor(config, "MAX31865", init, 1),
        nominal_r_(nominal_r),
        reference_r_(reference_r),
        config_reg_(std::move(init)) {}
  static std::vector<uint8_t> build_spi_init(const ConfigWrapper& config) {
    // Bias on, automatic conversion, clear faults (+ 50 Hz filter, 3-wire).
    uint8_t value = 0x80 | 0x40 | 0x02;
    if (config.getboolean("rtd_use_50Hz_filter", false)) value |= 0x01;
    if (config.getint("rtd_num_of_wires", 2) == 3) value |= 0x10;
    return {0x80, value};
  }
  void handle_fault(uint32_t, int fault) override {
    if (fault & 0x80) report_fault("Max31865 RTD input is disconnected");
    if (fault & 0x40) report_fault("Max31865 RTD input is shorted");
    if (fault & 0x20) report_fault("Max31865 VREF- is greater than 0.85 * VBIAS, FORCE- open");
    if (fault & 0x10) report_fault("Max31865 VREF- is less than 0.85 * VBIAS, FORCE- open");
    if (fault & 0x08) report_fault("Max31865 VRTD- is less than 0.85 * VBIAS, FORCE- open");
    if (fault & 0x04) report_fault("Max31865 Overvoltage or undervoltage fault");
    if (!(fault & 0xfc)) report_fault("Max31865 Unspecified error");
    // Try to clear the fault.
    spi_->spi_send(config_reg_);
  }
  double nominal_r_, reference_r_;
  std::vector<uint8_t> config_reg_;
};

template <class T>
SensorFactory factory() {
  return [](const ConfigWrapper& config) { return std::make_unique<T>(config); };
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_SENSOR(max6675, "MAX6675", kpp::factory<kpp::Max6675>())
KPP_REGISTER_SENSOR(max31855, "MAX31855", kpp::factory<kpp::Max31855>())
KPP_REGISTER_SENSOR(max31856, "MAX31856", kpp::factory<kpp::Max31856>())
KPP_REGISTER_SENSOR(max31865, "MAX31865", kpp::factory<kpp::Max31865>())
