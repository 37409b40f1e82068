// [heater_bed] and its G-codes.
#include "modules/heater_bed.h"

namespace kpp {

PrinterHeaterBed::PrinterHeaterBed(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      heater_(printer_.load<PrinterHeaters>(config, "heaters").setup_heater(config, "B")) {
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command("M140", [this](GCodeCommand& g) { cmd_M140(g, false); });
  gcode.register_command("M190", [this](GCodeCommand& g) { cmd_M140(g, true); });
}

void PrinterHeaterBed::cmd_M140(GCodeCommand& gcmd, bool wait) {
  double temp = gcmd.get_float("S", 0.);
  printer_.lookup<PrinterHeaters>("heaters").set_temperature(heater_, temp, wait);
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<PrinterHeaterBed>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(heater_bed, kpp::load, nullptr)
