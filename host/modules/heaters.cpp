// The heaters object: heater and sensor registry, M105, TEMPERATURE_WAIT, TURN_OFF_HEATERS.
#include "modules/heaters.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/toolhead_base.h"
#include "modules/temperature_sensors.h"

namespace kpp {

// ---- built-in sensor registry ------------------------------------------------------------

namespace {
std::map<std::string, SensorFactory>& builtin_registry() {
  static std::map<std::string, SensorFactory> registry;
  return registry;
}
}  // namespace

void register_builtin_sensor(const std::string& sensor_type, SensorFactory factory) {
  builtin_registry()[sensor_type] = std::move(factory);
}

const std::map<std::string, SensorFactory>& builtin_sensors() { return builtin_registry(); }

double round2(double x) { return std::round(x * 100.) / 100.; }

// ---- heaters -------------------------------------------------------------------------------

PrinterHeatersImpl::PrinterHeatersImpl(const ConfigWrapper& config)
    : printer_(config.get_printer()) {
  printer_.register_event_handler<>("klippy:ready", [this] { has_started_ = true; });
  printer_.register_event_handler<double>("gcode:request_restart",
                                          [this](double pt) { turn_off_all_heaters(pt); });
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command(
      "TURN_OFF_HEATERS", [this](GCodeCommand&) { turn_off_all_heaters(); }, false,
      "Turn off all heaters");
  gcode.register_command("M105", [this](GCodeCommand& g) { cmd_M105(g); }, true);
  gcode.register_command(
      "TEMPERATURE_WAIT", [this](GCodeCommand& g) { cmd_TEMPERATURE_WAIT(g); }, false,
      "Wait for a temperature on a sensor");
}

void PrinterHeatersImpl::add_sensor_factory(const std::string& sensor_type,
                                            SensorFactory factory) {
  sensor_factories_[sensor_type] = std::move(factory);
}

std::unique_ptr<TemperatureSensor> PrinterHeatersImpl::setup_sensor(const ConfigWrapper& config) {
  std::string sensor_type = config.get("sensor_type");
  auto it = sensor_factories_.find(sensor_type);
  if (it != sensor_factories_.end()) return it->second(config);
  auto& builtins = builtin_sensors();
  auto bit = builtins.find(sensor_type);
  if (bit == builtins.end())
    throw ConfigError(fmt::format("Unknown temperature sensor '{}'", sensor_type));
  return bit->second(config);
}

Heater& PrinterHeatersImpl::setup_heater(const ConfigWrapper& config,
                                         const std::string& gcode_id) {
  const std::string& section = config.get_name();
  std::string heater_name = section.substr(section.find_last_of(' ') + 1);
  if (heaters_.count(heater_name))
    throw ConfigError(fmt::format("Heater {} already registered", heater_name));
  auto sensor = setup_sensor(config);
  auto heater = std::make_unique<PwmHeater>(config, std::move(sensor));
  PwmHeater& ref = *heater;
  heaters_[heater_name] = std::move(heater);
  register_sensor(config, ref,
                  gcode_id.empty() ? std::nullopt : std::optional<std::string>(gcode_id));
  available_heaters_.push_back(section);
  return ref;
}

Heater& PrinterHeatersImpl::lookup_heater(const std::string& name) {
  auto it = heaters_.find(name);
  if (it == heaters_.end()) throw ConfigError(fmt::format("Unknown heater '{}'", name));
  return *it->second;
}

PwmHeater* PrinterHeatersImpl::find_heater(const std::string& name) {
  auto it = heaters_.find(name);
  return it == heaters_.end() ? nullptr : it->second.get();
}

void PrinterHeatersImpl::register_sensor(const ConfigWrapper& config, TemperatureSource& source,
                                         std::optional<std::string> gcode_id) {
  available_sensors_.push_back(config.get_name());
  if (!gcode_id) {
    gcode_id = config.get_opt("gcode_id");
    if (!gcode_id) return;
  }
  if (gcode_id_to_sensor_.count(*gcode_id))
    throw ConfigError(fmt::format("G-Code sensor id {} already registered", *gcode_id));
  gcode_id_to_sensor_[*gcode_id] = &source;
}

void PrinterHeatersImpl::register_monitor(const ConfigWrapper& config) {
  available_monitors_.push_back(config.get_name());
}

Json PrinterHeatersImpl::get_status(double) {
  return {{"available_heaters", available_heaters_},
          {"available_sensors", available_sensors_},
          {"available_monitors", available_monitors_}};
}

void PrinterHeatersImpl::turn_off_all_heaters(double) {
  for (auto& [name, heater] : heaters_) heater->set_temp(0.);
}

void PrinterHeatersImpl::set_temperature(Heater& heater, double temp, bool wait) {
  // Order the change after the moves already queued.
  if (auto* toolhead = printer_.try_lookup<ToolHeadBase>("toolhead"))
    toolhead->register_lookahead_callback([](double) {});
  heater.set_temp(temp);
  if (wait && temp != 0.) wait_for_temperature(heater);
}

std::string PrinterHeatersImpl::temperature_report(double eventtime) {
  std::string out;
  if (has_started_) {
    for (auto& [gcode_id, sensor] : gcode_id_to_sensor_) {
      auto [cur, target] = sensor->get_temp(eventtime);
      if (!out.empty()) out += ' ';
      out += fmt::format("{}:{:.1f} /{:.1f}", gcode_id, cur, target);
    }
  }
  return out.empty() ? "T:0" : out;
}

void PrinterHeatersImpl::cmd_M105(GCodeCommand& gcmd) {
  std::string msg = temperature_report(printer_.get_reactor().monotonic());
  if (!gcmd.ack(msg)) gcmd.respond_raw(msg);
}

void PrinterHeatersImpl::wait_for_temperature(Heater& heater) {
  if (printer_.is_batch_mode()) return;
  auto* toolhead = printer_.try_lookup<ToolHeadBase>("toolhead");
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  auto& reactor = printer_.get_reactor();
  double eventtime = reactor.monotonic();
  while (!printer_.is_shutdown() && heater.check_busy(eventtime)) {
    if (toolhead) toolhead->get_last_move_time();
    gcode.respond_raw(temperature_report(eventtime));
    eventtime = reactor.pause(eventtime + 1.);
  }
}

void PrinterHeatersImpl::cmd_TEMPERATURE_WAIT(GCodeCommand& gcmd) {
  std::string sensor_name = gcmd.get("SENSOR");
  if (std::find(available_sensors_.begin(), available_sensors_.end(), sensor_name) ==
      available_sensors_.end())
    throw gcmd.error(fmt::format("Unknown sensor '{}'", sensor_name));
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double min_temp = gcmd.get_float("MINIMUM", -kInf);
  double max_temp = gcmd.get_float("MAXIMUM", kInf, {.above = min_temp});
  if (min_temp == -kInf && max_temp == kInf)
    throw gcmd.error("Error on 'TEMPERATURE_WAIT': missing MINIMUM or MAXIMUM.");
  if (printer_.is_batch_mode()) return;
  TemperatureSource* sensor = find_heater(sensor_name);
  if (!sensor) sensor = dynamic_cast<TemperatureSource*>(printer_.lookup_object(sensor_name));
  if (!sensor) throw gcmd.error(fmt::format("Unknown sensor '{}'", sensor_name));
  auto* toolhead = printer_.try_lookup<ToolHeadBase>("toolhead");
  auto& reactor = printer_.get_reactor();
  double eventtime = reactor.monotonic();
  while (!printer_.is_shutdown()) {
    auto [temp, target] = sensor->get_temp(eventtime);
    if (temp >= min_temp && temp <= max_temp) return;
    if (toolhead) toolhead->get_last_move_time();
    gcmd.respond_raw(temperature_report(eventtime));
    eventtime = reactor.pause(eventtime + 1.);
  }
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<PrinterHeatersImpl>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(heaters, kpp::load, nullptr)
