// Pin names, sharing and aliases (Klipper's pins.py): parses "^!mcu_name:PA3", tracks which
// pins are in use, resolves [board_pins] aliases and reserved pins in MCU config commands.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/printer.h"
#include "mcu/pin_types.h"

namespace kpp {

// Per-chip name resolution for the "pin=" fields of config commands.
class PinResolver {
 public:
  explicit PinResolver(bool validate_aliases = true) : validate_aliases_(validate_aliases) {}
  void reserve_pin(const std::string& pin, const std::string& reserve_name);
  void alias_pin(const std::string& alias, const std::string& pin);
  // Replace every " pin=NAME" / "_pin=NAME" value in `cmd` by the pin it stands for.
  std::string update_command(const std::string& cmd);

 private:
  bool validate_aliases_;
  std::map<std::string, std::string> reserved_;
  std::map<std::string, std::string> aliases_;
  std::map<std::string, std::string> active_pins_;
};

class PrinterPins : public PrinterObject {
 public:
  PinParams parse_pin(std::string_view desc, bool can_invert = false,
                      bool can_pullup = false) const;
  // Parse and claim a pin. A pin may be shared only by users of the same `share_type`.
  PinParams lookup_pin(std::string_view desc, bool can_invert = false, bool can_pullup = false,
                       const std::string& share_type = {});
  std::shared_ptr<McuEndstop> setup_endstop(std::string_view desc);
  std::shared_ptr<McuDigitalOut> setup_digital_out(std::string_view desc);
  std::shared_ptr<McuPwm> setup_pwm(std::string_view desc);
  std::shared_ptr<McuAdc> setup_adc(std::string_view desc);
  void reset_pin_sharing(const PinParams& p);
  PinResolver& get_pin_resolver(const std::string& chip_name);
  void register_chip(const std::string& chip_name, PinChip& chip);
  PinChip* lookup_chip(const std::string& chip_name) const;
  void allow_multi_use_pin(std::string_view desc);

 private:
  std::map<std::string, PinChip*> chips_;
  std::map<std::string, PinParams> active_pins_;
  std::map<std::string, PinResolver> pin_resolvers_;
  std::map<std::string, bool> allow_multi_use_pins_;
};

}  // namespace kpp
