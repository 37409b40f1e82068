// [board_pins] aliases and reservations, applied to each listed MCU's pin resolver.
#include "modules/board_pins.h"

#include "mcu/pins.h"

namespace kpp {

BoardPins::BoardPins(const ConfigWrapper& config) {
  auto& ppins = config.get_printer().lookup<PrinterPins>("pins");
  auto mcu_names = config.getlist_opt("mcu").value_or(std::vector<std::string>{"mcu"});
  std::vector<PinResolver*> resolvers;
  for (auto& n : mcu_names) resolvers.push_back(&ppins.get_pin_resolver(n));
  std::vector<std::string> options = {"aliases"};
  for (auto& o : config.get_prefix_options("aliases_")) options.push_back(o);
  for (auto& opt : options) {
    if (!config.has_option(opt)) {
      config.note_valid(opt);
      continue;
    }
    for (auto& pair : config.getlists(opt, ",=", 2)) {
      const std::string& name = pair[0];
      const std::string& value = pair[1];
      bool reserve = value.size() >= 2 && value.front() == '<' && value.back() == '>';
      for (auto* r : resolvers) {
        if (reserve)
          r->reserve_pin(name, value);
        else
          r->alias_pin(name, value);
      }
    }
  }
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<BoardPins>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(board_pins, kpp::load, kpp::load)
