// The [tmc2130], [tmc2208], [tmc2209], [tmc2660], [tmc2240] and [tmc5160] config sections:
// each picks its register map, transport, current model and the driver_* defaults of its
// chip. The order in which fields are first set is the order registers are sent at start-up.
#include <fmt/format.h>

#include <memory>
#include <vector>

#include "core/printer.h"
#include "modules/tmc.h"
#include "modules/tmc_registers.h"
#include "modules/tmc_spi.h"
#include "modules/tmc_uart.h"

namespace kpp {

namespace {

class TmcDriver : public PrinterObject, public TmcPhaseSource {
 public:
  explicit TmcDriver(const TmcChip& chip) : fields(std::make_unique<TmcFieldHelper>(chip)) {}
  Json get_status(double eventtime) override { return cmdhelper->get_status(eventtime); }
  std::pair<std::optional<int64_t>, int> get_phase_offset() const override {
    return cmdhelper->get_phase_offset();
  }

  std::unique_ptr<TmcFieldHelper> fields;
  std::unique_ptr<TmcTransport> transport;
  std::unique_ptr<TmcVirtualPinHelper> pins;
  std::unique_ptr<TmcCurrentHelper> current;
  std::unique_ptr<TmcCommandHelper> cmdhelper;
};

using Defaults = std::vector<std::pair<const char*, int64_t>>;

void set_config_fields(const ConfigWrapper& config, TmcFieldHelper& fields,
                       const Defaults& defaults) {
  for (const auto& [field, def] : defaults) fields.set_config_field(config, field, def);
}

// Current helper and commands, in Klipper's order (the current registers come first).
template <class Current>
void setup_commands(TmcDriver& d, const ConfigWrapper& config) {
  d.current = std::make_unique<Current>(config, *d.transport);
  d.cmdhelper = std::make_unique<TmcCommandHelper>(config, *d.transport, *d.current);
}

std::shared_ptr<PrinterObject> load_tmc2130(ConfigWrapper& config) {
  auto d = std::make_shared<TmcDriver>(tmc2130_chip());
  d->transport = std::make_unique<McuTmcSpi>(config, *d->fields);
  d->pins = std::make_unique<TmcVirtualPinHelper>(config, *d->transport);
  setup_commands<Tmc2130Current>(*d, config);
  d->cmdhelper->setup_register_dump(d->fields->chip().read_registers);
  tmc_wave_table_config(config, *d->fields);
  tmc_stealthchop_config(config, *d->transport);
  tmc_coolstep_threshold_config(config, *d->transport);
  tmc_high_velocity_config(config, *d->transport);
  set_config_fields(config, *d->fields,
                    {{"toff", 4},     {"hstrt", 0},         {"hend", 7},       {"tbl", 1},
                     {"vhighfs", 0},  {"vhighchm", 0},      {"semin", 0},      {"seup", 0},
                     {"semax", 0},    {"sedn", 0},          {"seimin", 0},     {"sgt", 0},
                     {"sfilt", 0},    {"iholddelay", 8},    {"pwm_ampl", 128}, {"pwm_grad", 4},
                     {"pwm_freq", 1}, {"pwm_autoscale", 1}, {"freewheel", 0},  {"tpowerdown", 0}});
  return d;
}

// TMC2208 and TMC2209 share everything but the StallGuard/CoolStep registers.
std::shared_ptr<PrinterObject> load_tmc220x(ConfigWrapper& config, bool is_2209) {
  auto d = std::make_shared<TmcDriver>(is_2209 ? tmc2209_chip() : tmc2208_chip());
  d->transport = std::make_unique<McuTmcUart>(config, *d->fields, is_2209 ? 3 : 0);
  // UART access needs the PDN pin released from power-down duty; a send delay keeps replies
  // from colliding on shared lines.
  d->fields->set_field("pdn_disable", 1);
  d->fields->set_field("senddelay", 2);
  if (is_2209) d->pins = std::make_unique<TmcVirtualPinHelper>(config, *d->transport);
  setup_commands<Tmc2130Current>(*d, config);
  TmcFieldHelper* fields = d->fields.get();
  d->cmdhelper->setup_register_dump(
      fields->chip().read_registers,
      is_2209 ? TmcCommandHelper::ReadTranslate()
              : [fields](const std::string& reg, uint32_t val) -> std::pair<std::string, uint32_t> {
        // The IOIN layout depends on the package, told by its sel_a bit.
        if (reg == "IOIN")
          return {fields->get_field("sel_a", val, "IOIN@TMC220x") ? "IOIN@TMC220x" : "IOIN@TMC222x",
                  val};
        return {reg, val};
      });
  d->fields->set_field("mstep_reg_select", 1);
  tmc_stealthchop_config(config, *d->transport);
  if (is_2209) tmc_coolstep_threshold_config(config, *d->transport);
  set_config_fields(config, *d->fields,
                    {{"multistep_filt", 1},
                     {"toff", 3},
                     {"hstrt", 5},
                     {"hend", 0},
                     {"tbl", 2},
                     {"iholddelay", 8},
                     {"pwm_ofs", 36},
                     {"pwm_grad", 14},
                     {"pwm_freq", 1},
                     {"pwm_autoscale", 1},
                     {"pwm_autograd", 1},
                     {"freewheel", 0},
                     {"pwm_reg", 8},
                     {"pwm_lim", 12},
                     {"tpowerdown", 20}});
  if (is_2209)
    set_config_fields(
        config, *d->fields,
        {{"sgthrs", 0}, {"semin", 0}, {"seup", 0}, {"semax", 0}, {"sedn", 0}, {"seimin", 0}});
  return d;
}

std::shared_ptr<PrinterObject> load_tmc2208(ConfigWrapper& config) {
  return load_tmc220x(config, false);
}
std::shared_ptr<PrinterObject> load_tmc2209(ConfigWrapper& config) {
  return load_tmc220x(config, true);
}

std::shared_ptr<PrinterObject> load_tmc2660(ConfigWrapper& config) {
  auto d = std::make_shared<TmcDriver>(tmc2660_chip());
  d->fields->set_field("sdoff", 0);  // step/dir mode: DRVCTRL holds the microstep settings
  d->transport = std::make_unique<McuTmc2660Spi>(config, *d->fields);
  setup_commands<Tmc2660Current>(*d, config);
  d->cmdhelper->setup_register_dump(d->fields->chip().read_registers);
  auto& f = *d->fields;
  set_config_fields(
      config, f,
      {{"tbl", 2}, {"rndtf", 0}, {"hdec", 0}, {"chm", 0}, {"hend", 3}, {"hstrt", 3}, {"toff", 4}});
  if (!f.get_field("chm") && f.get_field("hstrt") + f.get_field("hend") > 15)
    throw ConfigError("driver_HEND + driver_HSTRT must be <= 15");
  set_config_fields(config, f,
                    {{"seimin", 0},
                     {"sedn", 0},
                     {"semax", 0},
                     {"seup", 0},
                     {"semin", 0},
                     {"sfilt", 0},
                     {"sgt", 0},
                     {"slph", 0},
                     {"slpl", 0},
                     {"diss2g", 0},
                     {"ts2g", 3}});
  return d;
}

// Chopper, CoolStep and PWM defaults shared by the TMC5160 and TMC2240.
const Defaults kChop5160{
    {"multistep_filt", 1}, {"toff", 3},   {"hstrt", 5},   {"hend", 2},    {"fd3", 0},
    {"disfdcc", 0},        {"chm", 0},    {"tbl", 2},     {"vhighfs", 0}, {"vhighchm", 0},
    {"tpfd", 4},           {"diss2g", 0}, {"diss2vs", 0}, {"semin", 0},   {"seup", 0},
    {"semax", 0},          {"sedn", 0},   {"seimin", 0},  {"sgt", 0},     {"sfilt", 0}};

std::shared_ptr<PrinterObject> load_tmc5160(ConfigWrapper& config) {
  auto d = std::make_shared<TmcDriver>(tmc5160_chip());
  d->transport = std::make_unique<McuTmcSpi>(config, *d->fields);
  d->pins = std::make_unique<TmcVirtualPinHelper>(config, *d->transport);
  setup_commands<Tmc5160Current>(*d, config);
  d->cmdhelper->setup_register_dump(d->fields->chip().read_registers);
  tmc_wave_table_config(config, *d->fields);
  tmc_stealthchop_config(config, *d->transport);
  tmc_coolstep_threshold_config(config, *d->transport);
  tmc_high_velocity_config(config, *d->transport);
  set_config_fields(config, *d->fields, kChop5160);
  set_config_fields(config, *d->fields,
                    {{"drvstrength", 0},
                     {"bbmclks", 4},
                     {"bbmtime", 0},
                     {"filt_isense", 0},
                     {"iholddelay", 6},
                     {"pwm_ofs", 30},
                     {"pwm_grad", 0},
                     {"pwm_freq", 0},
                     {"pwm_autoscale", 1},
                     {"pwm_autograd", 1},
                     {"freewheel", 0},
                     {"pwm_reg", 4},
                     {"pwm_lim", 12},
                     {"tpowerdown", 10}});
  return d;
}

std::shared_ptr<PrinterObject> load_tmc2240(ConfigWrapper& config) {
  auto d = std::make_shared<TmcDriver>(tmc2240_chip());
  // The TMC2240 talks SPI, or UART when uart_pin is given.
  if (config.get_opt("uart_pin"))
    d->transport = std::make_unique<McuTmcUart>(config, *d->fields, 3);
  else
    d->transport = std::make_unique<McuTmcSpi>(config, *d->fields);
  d->pins = std::make_unique<TmcVirtualPinHelper>(config, *d->transport);
  setup_commands<Tmc2240Current>(*d, config);
  d->cmdhelper->setup_register_dump(d->fields->chip().read_registers);
  tmc_wave_table_config(config, *d->fields);
  d->fields->set_config_field(config, "offset_sin90", 0);
  tmc_stealthchop_config(config, *d->transport);
  tmc_coolstep_threshold_config(config, *d->transport);
  tmc_high_velocity_config(config, *d->transport);
  set_config_fields(config, *d->fields, kChop5160);
  set_config_fields(config, *d->fields,
                    {{"iholddelay", 6},
                     {"irundelay", 4},
                     {"pwm_ofs", 29},
                     {"pwm_grad", 0},
                     {"pwm_freq", 0},
                     {"pwm_autoscale", 1},
                     {"pwm_autograd", 1},
                     {"freewheel", 0},
                     {"pwm_reg", 4},
                     {"pwm_lim", 12},
                     {"tpowerdown", 10},
                     {"sg4_thrs", 0},
                     {"sg4_angle_offset", 1},
                     {"slope_control", 0}});
  return d;
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(tmc2130, nullptr, kpp::load_tmc2130)
KPP_REGISTER_MODULE(tmc2208, nullptr, kpp::load_tmc2208)
KPP_REGISTER_MODULE(tmc2209, nullptr, kpp::load_tmc2209)
KPP_REGISTER_MODULE(tmc2660, nullptr, kpp::load_tmc2660)
KPP_REGISTER_MODULE(tmc2240, nullptr, kpp::load_tmc2240)
KPP_REGISTER_MODULE(tmc5160, nullptr, kpp::load_tmc5160)
