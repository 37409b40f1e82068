// sensor_type: DS18B20: a 1-wire temperature sensor read by a Linux MCU process (Klipper's
// ds18b20.py). The MCU polls it every ds18_report_time and shuts down after repeated read
// errors; readings outside min_temp..max_temp shut the printer down.
#include <fmt/format.h>

#include "core/logging.h"
#include "mcu/mcu.h"
#include "modules/temperature_sensors.h"

namespace kpp {
namespace {

constexpr double kReportTime = 3.0;
// Conversion takes ~750 ms: polling faster does not give faster readings.
constexpr double kMinReportTime = 1.0;
constexpr int kMaxConsecutiveErrors = 4;

class Ds18b20 : public TemperatureSensor {
 public:
  explicit Ds18b20(const ConfigWrapper& config)
      : printer_(config.get_printer()),
        serial_(config.get("serial_no")),
        report_time_(config.getfloat("ds18_report_time", kReportTime, {.minval = kMinReportTime})),
        mcu_(get_printer_mcu(printer_, config.get("sensor_mcu"))) {
    oid_ = mcu_.create_oid();
    mcu_.register_response([this](const McuResponse& r) { handle_result(r); }, "ds18b20_result",
                           oid_);
    mcu_.register_config_callback([this] { build_config(); });
  }
  void setup_minmax(double min_temp, double max_temp) override {
    min_temp_ = min_temp;
    max_temp_ = max_temp;
  }
  void setup_callback(Callback cb) override { callback_ = std::move(cb); }
  double get_report_time_delta() const override { return report_time_; }

 private:
  void build_config() {
    // The serial number goes to the MCU as the bytes of its text.
    std::string hex;
    for (unsigned char c : serial_) hex += fmt::format("{:02x}", c);
    mcu_.add_config_cmd(fmt::format("config_ds18b20 oid={} serial={} max_error_count={}", oid_,
                                    hex, kMaxConsecutiveErrors));
    uint64_t clock = mcu_.get_query_slot(oid_);
    report_clock_ = mcu_.seconds_to_clock(report_time_);
    mcu_.add_config_cmd(
        fmt::format("query_ds18b20 oid={} clock={} rest_ticks={} min_value={} max_value={}", oid_,
                    clock, report_clock_, static_cast<int64_t>(min_temp_ * 1000.),
                    static_cast<int64_t>(max_temp_ * 1000.)),
        true);
  }
  void handle_result(const McuResponse& r) {
    if (r.get_int("fault")) {
      // A failed read; the MCU shuts down itself after max_error_count of them in a row.
      log::info("ds18b20 reports fault {} (value={})", r.get_int("fault"), r.get_int("value"));
      return;
    }
    double temp = static_cast<double>(r.get_int("value")) / 1000.;
    if (temp < min_temp_ || temp > max_temp_) {
      printer_.invoke_shutdown(fmt::format("DS18B20 temperature {:.1f} outside range of {:.1f}:{:.1f}",
                                           temp, min_temp_, max_temp_));
      return;
    }
    uint64_t next_clock = mcu_.clock32_to_clock64(static_cast<uint32_t>(r.get_int("next_clock")));
    double read_time = mcu_.clock_to_print_time(static_cast<double>(next_clock - report_clock_));
    if (callback_) callback_(read_time, temp);
  }

  Printer& printer_;
  std::string serial_;
  double report_time_;
  Mcu& mcu_;
  int oid_;
  int64_t report_clock_ = 0;
  double min_temp_ = 0., max_temp_ = 0.;
  Callback callback_;
};

}  // namespace
}  // namespace kpp

KPP_REGISTER_SENSOR(ds18b20, "DS18B20",
                    [](const kpp::ConfigWrapper& c) -> std::unique_ptr<kpp::TemperatureSensor> {
                      return std::make_unique<kpp::Ds18b20>(c);
                    })
