// Thermistor conversion, built-in thermistor types and [thermistor] sections.
#include "modules/thermistor.h"

#include <algorithm>
#include <cmath>

#include "core/logging.h"
#include "modules/temperature_sensors.h"

namespace kpp {

void Thermistor::setup_coefficients(double t1, double r1, double t2, double r2, double t3,
                                    double r3, const std::string& name) {
  // Three linear equations in c1, c2, c3; eliminate c1 and c2 by differences.
  double inv_t1 = 1. / (t1 - kKelvinToCelsius);
  double inv_t2 = 1. / (t2 - kKelvinToCelsius);
  double inv_t3 = 1. / (t3 - kKelvinToCelsius);
  double ln_r1 = std::log(r1), ln_r2 = std::log(r2), ln_r3 = std::log(r3);
  double ln3_r1 = ln_r1 * ln_r1 * ln_r1;
  double ln3_r2 = ln_r2 * ln_r2 * ln_r2;
  double ln3_r3 = ln_r3 * ln_r3 * ln_r3;
  double inv_t12 = inv_t1 - inv_t2, inv_t13 = inv_t1 - inv_t3;
  double ln_r12 = ln_r1 - ln_r2, ln_r13 = ln_r1 - ln_r3;
  double ln3_r12 = ln3_r1 - ln3_r2, ln3_r13 = ln3_r1 - ln3_r3;
  c3_ = (inv_t12 - inv_t13 * ln_r12 / ln_r13) / (ln3_r12 - ln3_r13 * ln_r12 / ln_r13);
  if (c3_ <= 0.) {
    double beta = ln_r13 / inv_t13;
    log::warning("Using thermistor beta {:.3f} in heater {}", beta, name);
    setup_coefficients_beta(t1, r1, beta);
    return;
  }
  c2_ = (inv_t12 - c3_ * ln3_r12) / ln_r12;
  c1_ = inv_t1 - c2_ * ln_r1 - c3_ * ln3_r1;
}

void Thermistor::setup_coefficients_beta(double t1, double r1, double beta) {
  double inv_t1 = 1. / (t1 - kKelvinToCelsius);
  double ln_r1 = std::log(r1);
  c3_ = 0.;
  c2_ = 1. / beta;
  c1_ = inv_t1 - c2_ * ln_r1;
}

double Thermistor::calc_temp(double adc) const {
  adc = std::clamp(adc, .00001, .99999);
  double r = pullup_ * adc / (1.0 - adc);
  double ln_r = std::log(r - inline_);
  double inv_t = c1_ + c2_ * ln_r + c3_ * ln_r * ln_r * ln_r;
  return 1.0 / inv_t + kKelvinToCelsius;
}

double Thermistor::calc_adc(double temp) const {
  if (temp <= kKelvinToCelsius) return 1.;
  double inv_t = 1. / (temp - kKelvinToCelsius);
  double ln_r;
  if (c3_ != 0.) {
    // The cubic c3 x^3 + c2 x + (c1 - 1/T) = 0 in x = ln R, by Cardano's formula.
    double y = (c1_ - inv_t) / (2. * c3_);
    double x = std::sqrt(std::pow(c2_ / (3. * c3_), 3) + y * y);
    ln_r = std::pow(x - y, 1. / 3.) - std::pow(x + y, 1. / 3.);
  } else {
    ln_r = (inv_t - c1_) / c2_;
  }
  double r = std::exp(ln_r) + inline_;
  return r / (pullup_ + r);
}

SensorFactory thermistor_factory(const ThermistorParams& p) {
  return [p](const ConfigWrapper& config) {
    double pullup = config.getfloat("pullup_resistor", 4700., {.above = 0.});
    double inline_resistor = config.getfloat("inline_resistor", 0., {.minval = 0.});
    auto th = std::make_unique<Thermistor>(pullup, inline_resistor);
    if (p.beta)
      th->setup_coefficients_beta(p.t1, p.r1, *p.beta);
    else
      th->setup_coefficients(p.t1, p.r1, p.t2, p.r2, p.t3, p.r3, config.get_name());
    return std::make_unique<AdcTemperatureSensor>(config, std::move(th));
  };
}

namespace {

// Built-in thermistor types: manufacturer R/T table points (or beta values).
const bool kBuiltinsRegistered = [] {
  auto three = [](const char* name, double t1, double r1, double t2, double r2, double t3,
                  double r3) {
    register_builtin_sensor(name, thermistor_factory({t1, r1, t2, r2, t3, r3, std::nullopt}));
  };
  auto beta = [](const char* name, double t1, double r1, double b) {
    register_builtin_sensor(name, thermistor_factory({t1, r1, 0., 0., 0., 0., b}));
  };
  three("ATC Semitec 104GT-2", 20, 126800, 150, 1360, 300, 80.65);
  three("ATC Semitec 104NT-4-R025H42G", 25, 100000, 160, 1074, 300, 82.78);
  three("EPCOS 100K B57560G104F", 25, 100000, 150, 1641.9, 250, 226.15);
  three("Generic 3950", 25, 100000, 150, 1770, 250, 230);
  three("SliceEngineering 450", 25, 500000, 200, 3734, 400, 240);
  three("TDK NTCG104LH104JT1", 25, 100000, 50, 31230, 125, 2066);
  beta("Honeywell 100K 135-104LAG-J01", 25, 100000, 3974);
  // The same part under the name older configs used.
  beta("Honeywell 100K 135-104LAF-J01", 25, 100000, 3974);
  beta("NTC 100K MGB18-104F39050L32", 25, 100000, 4100);
  return true;
}();

// [thermistor my_thermistor]: a thermistor type from three points or one point and beta.
class CustomThermistor : public PrinterObject {
 public:
  explicit CustomThermistor(const ConfigWrapper& config) {
    auto name = config.get_name();
    std::string sensor_name = name.substr(std::min(name.size(), name.find(' ') + 1));
    ThermistorParams p;
    p.t1 = config.getfloat("temperature1", {.minval = kKelvinToCelsius});
    p.r1 = config.getfloat("resistance1", {.minval = 0.});
    p.beta = config.getfloat_opt("beta", {.above = 0.});
    if (!p.beta) {
      p.t2 = config.getfloat("temperature2", {.minval = kKelvinToCelsius});
      p.r2 = config.getfloat("resistance2", {.minval = 0.});
      p.t3 = config.getfloat("temperature3", {.minval = kKelvinToCelsius});
      p.r3 = config.getfloat("resistance3", {.minval = 0.});
    }
    auto& heaters = config.get_printer().load<PrinterHeaters>(config, "heaters");
    heaters.add_sensor_factory(sensor_name, thermistor_factory(p));
  }
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<CustomThermistor>(config);
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(thermistor, nullptr, kpp::load_prefix)
