// ADC temperature sensors: sampling setup, table interpolation, built-in tables and
// [adc_temperature] sections.
#include "modules/adc_temperature.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/logging.h"
#include "mcu/pins.h"
#include "modules/temperature_sensors.h"

namespace kpp {

// ---- sensor ----------------------------------------------------------------------------------

AdcTemperatureSensor::AdcTemperatureSensor(const ConfigWrapper& config,
                                           std::unique_ptr<AdcConverter> converter)
    : converter_(std::move(converter)) {
  auto& ppins = config.get_printer().lookup<PrinterPins>("pins");
  mcu_adc_ = ppins.setup_adc(config.get("sensor_pin"));
  mcu_adc_->setup_adc_callback(AdcSampling::kReportTime,
                               [this](double t, double v) { adc_callback(t, v); });
}

void AdcTemperatureSensor::setup_minmax(double min_temp, double max_temp) {
  double a = converter_->calc_adc(min_temp), b = converter_->calc_adc(max_temp);
  mcu_adc_->setup_minmax(AdcSampling::kSampleTime, AdcSampling::kSampleCount, std::min(a, b),
                         std::max(a, b), AdcSampling::kRangeCheckCount);
}

void AdcTemperatureSensor::adc_callback(double read_time, double value) {
  double temp = converter_->calc_temp(value);
  // The reading is the average of samples ending kSampleCount sample times after read_time.
  if (callback_)
    callback_(read_time + AdcSampling::kSampleCount * AdcSampling::kSampleTime, temp);
}

// ---- interpolation ---------------------------------------------------------------------------

LinearInterpolate::LinearInterpolate(std::vector<std::pair<double, double>> samples) {
  std::sort(samples.begin(), samples.end());
  bool first = true;
  double last_key = 0., last_value = 0.;
  for (auto [key, value] : samples) {
    if (first) {
      first = false;
      last_key = key;
      last_value = value;
      continue;
    }
    if (key <= last_key) throw std::invalid_argument("duplicate value");
    double gain = (value - last_value) / (key - last_key);
    double offset = last_value - last_key * gain;
    // Collinear points extend the previous segment.
    if (!slopes_.empty() && slopes_.back() == std::make_pair(gain, offset)) continue;
    last_value = value;
    last_key = key;
    keys_.push_back(key);
    slopes_.emplace_back(gain, offset);
  }
  if (keys_.empty()) throw std::invalid_argument("need at least two samples");
  keys_.push_back(9999999999999.);
  slopes_.push_back(slopes_.back());
}

double LinearInterpolate::interpolate(double key) const {
  size_t pos = std::upper_bound(keys_.begin(), keys_.end(), key) - keys_.begin();
  pos = std::min(pos, slopes_.size() - 1);
  auto [gain, offset] = slopes_[pos];
  return key * gain + offset;
}

double LinearInterpolate::reverse_interpolate(double value) const {
  size_t n = keys_.size();
  std::vector<double> values(n);
  for (size_t i = 0; i < n; i++) values[i] = keys_[i] * slopes_[i].first + slopes_[i].second;
  // The segment is the first whose end lies beyond `value` in the table's direction.
  bool rising = values[0] < values[n >= 2 ? n - 2 : 0];
  size_t pos = n - 1;
  for (size_t i = 0; i < n; i++) {
    if (rising ? values[i] >= value : values[i] <= value) {
      pos = i;
      break;
    }
  }
  auto [gain, offset] = slopes_[pos];
  return (value - offset) / gain;
}

// ---- converters ------------------------------------------------------------------------------

namespace {

std::unique_ptr<LinearInterpolate> make_interpolate(const ConfigWrapper& config,
                                                    std::vector<std::pair<double, double>> s) {
  try {
    return std::make_unique<LinearInterpolate>(std::move(s));
  } catch (const std::invalid_argument& e) {
    throw config.error(fmt::format("adc_temperature {} in heater {}", e.what(), config.get_name()));
  }
}

}  // namespace

LinearVoltage::LinearVoltage(const ConfigWrapper& config,
                             const std::vector<std::pair<double, double>>& params) {
  double adc_voltage = config.getfloat("adc_voltage", 5., {.above = 0.});
  double voltage_offset = config.getfloat("voltage_offset", 0.0);
  std::vector<std::pair<double, double>> samples;
  for (auto [temp, volt] : params) {
    double adc = (volt - voltage_offset) / adc_voltage;
    if (adc < 0. || adc > 1.) {
      log::warning("Ignoring adc sample {:.3f}/{:.3f} in heater {}", temp, volt,
                   config.get_name());
      continue;
    }
    samples.emplace_back(adc, temp);
  }
  li_ = make_interpolate(config, std::move(samples));
}

LinearResistance::LinearResistance(const ConfigWrapper& config,
                                   const std::vector<std::pair<double, double>>& samples)
    : pullup_(config.getfloat("pullup_resistor", 4700., {.above = 0.})) {
  std::vector<std::pair<double, double>> rt;
  for (auto [t, r] : samples) rt.emplace_back(r, t);
  li_ = make_interpolate(config, std::move(rt));
}

double LinearResistance::calc_temp(double adc) const {
  adc = std::clamp(adc, .00001, .99999);
  double r = pullup_ * adc / (1.0 - adc);
  return li_->interpolate(r);
}

double LinearResistance::calc_adc(double temp) const {
  double r = li_->reverse_interpolate(temp);
  return r / (pullup_ + r);
}

// ---- tables ----------------------------------------------------------------------------------

std::vector<std::pair<double, double>> pt100_table(double base) {
  // Callendar-Van Dusen for t >= 0: R = R0 * (1 + A t + B t^2).
  constexpr double kA = 3.9083e-3, kB = -5.775e-7;
  std::vector<std::pair<double, double>> out;
  for (int t = 0; t < 500; t += 10) out.emplace_back(t, base * (1. + kA * t + kB * t * t));
  return out;
}

std::vector<std::pair<double, double>> ina826_pt100_table() {
  // 4400 ohm pullup from 5 V, amplified 10 times.
  std::vector<std::pair<double, double>> out;
  for (auto [t, r] : pt100_table()) out.emplace_back(t, 10. * 5. * r / (4400. + r));
  return out;
}

namespace {

using Table = std::vector<std::pair<double, double>>;

// Output voltage over temperature of the thermocouple amplifiers (datasheet tables).
const Table kAD595 = {
    {0., .0027},   {10., .101},   {20., .200},   {25., .250},   {30., .300},   {40., .401},
    {50., .503},   {60., .605},   {80., .810},   {100., 1.015}, {120., 1.219}, {140., 1.420},
    {160., 1.620}, {180., 1.817}, {200., 2.015}, {220., 2.213}, {240., 2.413}, {260., 2.614},
    {280., 2.817}, {300., 3.022}, {320., 3.227}, {340., 3.434}, {360., 3.641}, {380., 3.849},
    {400., 4.057}, {420., 4.266}, {440., 4.476}, {460., 4.686}, {480., 4.896}};

const Table kAD597 = {
    {0., 0.},      {10., .097},   {20., .196},   {25., .245},   {30., .295},   {40., 0.395},
    {50., 0.496},  {60., 0.598},  {80., 0.802},  {100., 1.005}, {120., 1.207}, {140., 1.407},
    {160., 1.605}, {180., 1.801}, {200., 1.997}, {220., 2.194}, {240., 2.392}, {260., 2.592},
    {280., 2.794}, {300., 2.996}, {320., 3.201}, {340., 3.406}, {360., 3.611}, {380., 3.817},
    {400., 4.024}, {420., 4.232}, {440., 4.440}, {460., 4.649}, {480., 4.857}, {500., 5.066}};

const Table kAD8494 = {
    {-180, -0.714}, {-160, -0.658}, {-140, -0.594}, {-120, -0.523}, {-100, -0.446},
    {-80, -0.365},  {-60, -0.278},  {-40, -0.188},  {-20, -0.095},  {0, 0.002},
    {20, 0.1},      {25, 0.125},    {40, 0.201},    {60, 0.303},    {80, 0.406},
    {100, 0.511},   {120, 0.617},   {140, 0.723},   {160, 0.829},   {180, 0.937},
    {200, 1.044},   {220, 1.151},   {240, 1.259},   {260, 1.366},   {280, 1.473},
    {300, 1.58},    {320, 1.687},   {340, 1.794},   {360, 1.901},   {380, 2.008},
    {400, 2.114},   {420, 2.221},   {440, 2.328},   {460, 2.435},   {480, 2.542},
    {500, 2.65},    {520, 2.759},   {540, 2.868},   {560, 2.979},   {580, 3.09},
    {600, 3.203},   {620, 3.316},   {640, 3.431},   {660, 3.548},   {680, 3.666},
    {700, 3.786},   {720, 3.906},   {740, 4.029},   {760, 4.152},   {780, 4.276},
    {800, 4.401},   {820, 4.526},   {840, 4.65},    {860, 4.774},   {880, 4.897},
    {900, 5.018},   {920, 5.138},   {940, 5.257},   {960, 5.374},   {980, 5.49},
    {1000, 5.606},  {1020, 5.72},   {1040, 5.833},  {1060, 5.946},  {1080, 6.058},
    {1100, 6.17},   {1120, 6.282},  {1140, 6.394},  {1160, 6.505},  {1180, 6.616},
    {1200, 6.727}};

const Table kAD8495 = {
    {-260, -0.786}, {-240, -0.774}, {-220, -0.751}, {-200, -0.719}, {-180, -0.677},
    {-160, -0.627}, {-140, -0.569}, {-120, -0.504}, {-100, -0.432}, {-80, -0.355},
    {-60, -0.272},  {-40, -0.184},  {-20, -0.093},  {0, 0.003},     {20, 0.1},
    {25, 0.125},    {40, 0.2},      {60, 0.301},    {80, 0.402},    {100, 0.504},
    {120, 0.605},   {140, 0.705},   {160, 0.803},   {180, 0.901},   {200, 0.999},
    {220, 1.097},   {240, 1.196},   {260, 1.295},   {280, 1.396},   {300, 1.497},
    {320, 1.599},   {340, 1.701},   {360, 1.803},   {380, 1.906},   {400, 2.01},
    {420, 2.113},   {440, 2.217},   {460, 2.321},   {480, 2.425},   {500, 2.529},
    {520, 2.634},   {540, 2.738},   {560, 2.843},   {580, 2.947},   {600, 3.051},
    {620, 3.155},   {640, 3.259},   {660, 3.362},   {680, 3.465},   {700, 3.568},
    {720, 3.67},    {740, 3.772},   {760, 3.874},   {780, 3.975},   {800, 4.076},
    {820, 4.176},   {840, 4.275},   {860, 4.374},   {880, 4.473},   {900, 4.571},
    {920, 4.669},   {940, 4.766},   {960, 4.863},   {980, 4.959},   {1000, 5.055},
    {1020, 5.15},   {1040, 5.245},  {1060, 5.339},  {1080, 5.432},  {1100, 5.525},
    {1120, 5.617},  {1140, 5.709},  {1160, 5.8},    {1180, 5.891},  {1200, 5.98},
    {1220, 6.069},  {1240, 6.158},  {1260, 6.245},  {1280, 6.332},  {1300, 6.418},
    {1320, 6.503},  {1340, 6.587},  {1360, 6.671},  {1380, 6.754}};

const Table kAD8496 = {
    {-180, -0.642}, {-160, -0.59}, {-140, -0.53}, {-120, -0.464}, {-100, -0.392},
    {-80, -0.315},  {-60, -0.235}, {-40, -0.15},  {-20, -0.063},  {0, 0.027},
    {20, 0.119},    {25, 0.142},   {40, 0.213},   {60, 0.308},    {80, 0.405},
    {100, 0.503},   {120, 0.601},  {140, 0.701},  {160, 0.8},     {180, 0.9},
    {200, 1.001},   {220, 1.101},  {240, 1.201},  {260, 1.302},   {280, 1.402},
    {300, 1.502},   {320, 1.602},  {340, 1.702},  {360, 1.801},   {380, 1.901},
    {400, 2.001},   {420, 2.1},    {440, 2.2},    {460, 2.3},     {480, 2.401},
    {500, 2.502},   {520, 2.603},  {540, 2.705},  {560, 2.808},   {580, 2.912},
    {600, 3.017},   {620, 3.124},  {640, 3.231},  {660, 3.34},    {680, 3.451},
    {700, 3.562},   {720, 3.675},  {740, 3.789},  {760, 3.904},   {780, 4.02},
    {800, 4.137},   {820, 4.254},  {840, 4.37},   {860, 4.486},   {880, 4.6},
    {900, 4.714},   {920, 4.826},  {940, 4.937},  {960, 5.047},   {980, 5.155},
    {1000, 5.263},  {1020, 5.369}, {1040, 5.475}, {1060, 5.581},  {1080, 5.686},
    {1100, 5.79},   {1120, 5.895}, {1140, 5.999}, {1160, 6.103},  {1180, 6.207},
    {1200, 6.311}};

const Table kAD8497 = {
    {-260, -0.785}, {-240, -0.773}, {-220, -0.751}, {-200, -0.718}, {-180, -0.676},
    {-160, -0.626}, {-140, -0.568}, {-120, -0.503}, {-100, -0.432}, {-80, -0.354},
    {-60, -0.271},  {-40, -0.184},  {-20, -0.092},  {0, 0.003},     {20, 0.101},
    {25, 0.126},    {40, 0.2},      {60, 0.301},    {80, 0.403},    {100, 0.505},
    {120, 0.605},   {140, 0.705},   {160, 0.804},   {180, 0.902},   {200, 0.999},
    {220, 1.097},   {240, 1.196},   {260, 1.296},   {280, 1.396},   {300, 1.498},
    {320, 1.599},   {340, 1.701},   {360, 1.804},   {380, 1.907},   {400, 2.01},
    {420, 2.114},   {440, 2.218},   {460, 2.322},   {480, 2.426},   {500, 2.53},
    {520, 2.634},   {540, 2.739},   {560, 2.843},   {580, 2.948},   {600, 3.052},
    {620, 3.156},   {640, 3.259},   {660, 3.363},   {680, 3.466},   {700, 3.569},
    {720, 3.671},   {740, 3.773},   {760, 3.874},   {780, 3.976},   {800, 4.076},
    {820, 4.176},   {840, 4.276},   {860, 4.375},   {880, 4.474},   {900, 4.572},
    {920, 4.67},    {940, 4.767},   {960, 4.863},   {980, 4.96},    {1000, 5.055},
    {1020, 5.151},  {1040, 5.245},  {1060, 5.339},  {1080, 5.433},  {1100, 5.526},
    {1120, 5.618},  {1140, 5.71},   {1160, 5.801},  {1180, 5.891},  {1200, 5.981},
    {1220, 6.07},   {1240, 6.158},  {1260, 6.246},  {1280, 6.332},  {1300, 6.418},
    {1320, 6.503},  {1340, 6.588},  {1360, 6.671},  {1380, 6.754}};

SensorFactory voltage_factory(Table table) {
  return [table = std::move(table)](const ConfigWrapper& config) {
    return std::make_unique<AdcTemperatureSensor>(config,
                                                  std::make_unique<LinearVoltage>(config, table));
  };
}

SensorFactory resistance_factory(Table table) {
  return [table = std::move(table)](const ConfigWrapper& config) {
    return std::make_unique<AdcTemperatureSensor>(
        config, std::make_unique<LinearResistance>(config, table));
  };
}

const bool kBuiltinsRegistered = [] {
  register_builtin_sensor("AD595", voltage_factory(kAD595));
  register_builtin_sensor("AD597", voltage_factory(kAD597));
  register_builtin_sensor("AD8494", voltage_factory(kAD8494));
  register_builtin_sensor("AD8495", voltage_factory(kAD8495));
  register_builtin_sensor("AD8496", voltage_factory(kAD8496));
  register_builtin_sensor("AD8497", voltage_factory(kAD8497));
  register_builtin_sensor("PT100 INA826", voltage_factory(ina826_pt100_table()));
  register_builtin_sensor("PT1000", resistance_factory(pt100_table(1000.)));
  return true;
}();

// [adc_temperature my_sensor]: a sensor type from temperatureN with voltageN or resistanceN.
class CustomAdcTemperature : public PrinterObject {
 public:
  explicit CustomAdcTemperature(const ConfigWrapper& config) {
    auto name = config.get_name();
    std::string sensor_name = name.substr(std::min(name.size(), name.find(' ') + 1));
    bool resistance = config.get_opt("resistance1").has_value();
    const char* value_opt = resistance ? "resistance" : "voltage";
    Table params;
    for (int i = 1; i < 1000; i++) {
      auto t = config.getfloat_opt(fmt::format("temperature{}", i));
      if (!t) break;
      params.emplace_back(*t, config.getfloat(fmt::format("{}{}", value_opt, i)));
    }
    auto& heaters = config.get_printer().load<PrinterHeaters>(config, "heaters");
    heaters.add_sensor_factory(sensor_name, resistance ? resistance_factory(std::move(params))
                                                       : voltage_factory(std::move(params)));
  }
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<CustomAdcTemperature>(config);
}

// The bare [adc_temperature] section only stands for the built-in types, which always exist.
std::shared_ptr<PrinterObject> load_plain(ConfigWrapper&) {
  return std::make_shared<PrinterObject>();
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(adc_temperature, kpp::load_plain, kpp::load_prefix)
