// sensor_type: temperature_host: the temperature of the computer running the host, read from a
// sysfs file in millidegrees once a second (Klipper's temperature_host.py).
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/logging.h"
#include "core/pyfmt.h"
#include "mcu/mcu.h"
#include "modules/temperature_sensors.h"

namespace kpp {

namespace {

constexpr double kHostReportTime = 1.0;
constexpr const char* kDefaultPath = "/sys/class/thermal/thermal_zone0/temp";

class TemperatureHost : public PrinterObject, public TemperatureSensor {
 public:
  explicit TemperatureHost(const ConfigWrapper& config)
      : printer_(config.get_printer()), path_(config.get("sensor_path", kDefaultPath)) {
    if (printer_.is_batch_mode()) return;
    if (!std::ifstream(path_))
      throw config.error(fmt::format("Unable to open temperature file '{}'", path_));
    printer_.register_event_handler<>("klippy:connect", [this] {
      printer_.get_reactor().register_timer([this](double t) { return sample(t); }, Reactor::kNow);
    });
  }
  void setup_minmax(double min_temp, double max_temp) override {
    min_temp_ = min_temp;
    max_temp_ = max_temp;
  }
  void setup_callback(Callback callback) override { callback_ = std::move(callback); }
  double get_report_time_delta() const override { return kHostReportTime; }
  Json get_status(double) override { return {{"temperature", round2(temp_)}}; }

 private:
  double sample(double eventtime) {
    std::ifstream f(path_);
    std::stringstream ss;
    ss << f.rdbuf();
    auto value = py::parse_float(ss.str());
    if (!f || !value) {
      log::error("temperature_host: Error reading data from {}", path_);
      temp_ = 0.;
      return Reactor::kNever;
    }
    temp_ = *value / 1000.0;
    if (temp_ < min_temp_)
      printer_.invoke_shutdown(fmt::format(
          "HOST temperature {:.1f} below minimum temperature of {:.1f}.", temp_, min_temp_));
    if (temp_ > max_temp_)
      printer_.invoke_shutdown(fmt::format(
          "HOST temperature {:.1f} above maximum temperature of {:.1f}.", temp_, max_temp_));
    double now = printer_.get_reactor().monotonic();
    if (callback_)
      callback_(get_printer_mcu(printer_, "mcu").estimated_print_time(now), temp_);
    (void)eventtime;
    return now + kHostReportTime;
  }

  Printer& printer_;
  std::string path_;
  double temp_ = 0., min_temp_ = 0., max_temp_ = 0.;
  Callback callback_;
};

std::unique_ptr<TemperatureSensor> create(const ConfigWrapper& config) {
  auto sensor = std::make_shared<TemperatureHost>(config);
  const std::string& section = config.get_name();
  config.get_printer().add_object(
      "temperature_host " + section.substr(section.find_last_of(' ') + 1), sensor);
  return std::make_unique<SharedSensorProxy>(sensor);
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_SENSOR(temperature_host, "temperature_host", kpp::create)
