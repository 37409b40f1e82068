// sensor_type: temperature_combined: the maximum, minimum or mean of other sensors, with a
// shutdown when they disagree by more than maximum_deviation (Klipper's temperature_combined.py).
#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "mcu/mcu.h"
#include "modules/temperature_sensors.h"

namespace kpp {

namespace {

constexpr double kReportTime = 0.300;

class TemperatureCombined : public PrinterObject, public TemperatureSensor, public TemperatureSource {
 public:
  explicit TemperatureCombined(const ConfigWrapper& config) : printer_(config.get_printer()) {
    sensor_names_ = config.getlist("sensor_list");
    max_deviation_ = config.getfloat("maximum_deviation", {.above = 0.});
    method_ = config.getchoice("combination_method", {"mean", "max", "min"});
    auto& reactor = printer_.get_reactor();
    timer_ = reactor.register_timer([this](double t) { return update_event(t); });
    printer_.register_event_handler<>("klippy:connect", [this] { handle_connect(); });
    printer_.register_event_handler<>("klippy:ready", [this] {
      printer_.get_reactor().update_timer(timer_, Reactor::kNow);
    });
  }
  void setup_minmax(double min_temp, double max_temp) override {
    min_temp_ = min_temp;
    max_temp_ = max_temp;
  }
  void setup_callback(Callback callback) override { callback_ = std::move(callback); }
  double get_report_time_delta() const override { return kReportTime; }
  std::pair<double, double> get_temp(double) override { return {last_temp_, 0.}; }
  Json get_status(double) override { return {{"temperature", round2(last_temp_)}}; }

 private:
  void handle_connect() {
    double now = printer_.get_reactor().monotonic();
    for (auto& name : sensor_names_) {
      PrinterObject* obj = printer_.lookup_object(name);
      if (!obj) throw ConfigError(fmt::format("Unknown config object '{}'", name));
      Json st = obj->get_status(now);
      if (!st.is_object() || !st.contains("temperature"))
        throw ConfigError(fmt::format("'{}' does not report a temperature.", name));
      sensors_.push_back(obj);
    }
  }
  void update_temp(double eventtime) {
    std::vector<double> values;
    for (auto* s : sensors_) {
      Json st = s->get_status(eventtime);
      values.push_back(st["temperature"].is_number() ? st["temperature"].get<double>() : 0.);
    }
    if (values.empty()) return;
    auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    if (*hi - *lo > max_deviation_)
      printer_.invoke_shutdown(fmt::format(
          "COMBINED SENSOR maximum deviation exceeded limit of {:.1f}, max sensor value {:.1f}, "
          "min sensor value {:.1f}.",
          max_deviation_, *hi, *lo));
    double temp;
    if (method_ == "max")
      temp = *hi;
    else if (method_ == "min")
      temp = *lo;
    else
      temp = std::accumulate(values.begin(), values.end(), 0.) / static_cast<double>(values.size());
    if (temp != 0.) last_temp_ = temp;
  }
  double update_event(double) {
    double eventtime = printer_.get_reactor().monotonic();
    update_temp(eventtime);
    if (last_temp_ < min_temp_)
      printer_.invoke_shutdown(fmt::format(
          "COMBINED SENSOR temperature {:.1f} below minimum temperature of {:.1f}.", last_temp_,
          min_temp_));
    if (last_temp_ > max_temp_)
      printer_.invoke_shutdown(fmt::format(
          "COMBINED SENSOR temperature {:.1f} above maximum temperature of {:.1f}.", last_temp_,
          max_temp_));
    if (callback_)
      callback_(get_printer_mcu(printer_, "mcu").estimated_print_time(eventtime), last_temp_);
    return eventtime + kReportTime;
  }

  Printer& printer_;
  std::vector<std::string> sensor_names_;
  double max_deviation_;
  std::string method_;
  std::vector<PrinterObject*> sensors_;
  double last_temp_ = 0., min_temp_ = 0., max_temp_ = 0.;
  Reactor::Timer* timer_;
  Callback callback_;
};

std::unique_ptr<TemperatureSensor> create(const ConfigWrapper& config) {
  auto sensor = std::make_shared<TemperatureCombined>(config);
  const std::string& section = config.get_name();
  config.get_printer().add_object(
      "temperature_combined " + section.substr(section.find_last_of(' ') + 1), sensor);
  return std::make_unique<SharedSensorProxy>(sensor);
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_SENSOR(temperature_combined, "temperature_combined", kpp::create)
