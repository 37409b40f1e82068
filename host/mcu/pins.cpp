// Pin parsing, sharing and alias resolution.
#include "mcu/pins.h"

#include <cctype>

#include <fmt/format.h>

namespace kpp {

namespace {

std::string strip(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// A pin name may not carry modifiers or whitespace.
bool bad_pin_name(const std::string& pin) {
  for (char c : pin)
    if (c == '^' || c == '~' || c == '!' || c == ':' || std::isspace(static_cast<unsigned char>(c)))
      return true;
  return false;
}

}  // namespace

std::shared_ptr<McuEndstop> PinChip::setup_endstop(const PinParams&) {
  throw PinError("pin type endstop not supported on mcu");
}
std::shared_ptr<McuDigitalOut> PinChip::setup_digital_out(const PinParams&) {
  throw PinError("pin type digital_out not supported on mcu");
}
std::shared_ptr<McuPwm> PinChip::setup_pwm(const PinParams&) {
  throw PinError("pin type pwm not supported on mcu");
}
std::shared_ptr<McuAdc> PinChip::setup_adc(const PinParams&) {
  throw PinError("pin type adc not supported on mcu");
}

// ---- PinResolver -----------------------------------------------------------------------------

void PinResolver::reserve_pin(const std::string& pin, const std::string& reserve_name) {
  auto it = reserved_.find(pin);
  if (it != reserved_.end() && it->second != reserve_name)
    throw PinError(fmt::format("Pin {} reserved for {} - can't reserve for {}", pin, it->second,
                               reserve_name));
  reserved_[pin] = reserve_name;
}

void PinResolver::alias_pin(const std::string& alias, const std::string& pin_in) {
  auto it = aliases_.find(alias);
  if (it != aliases_.end() && it->second != pin_in)
    throw PinError(
        fmt::format("Alias {} mapped to {} - can't alias to {}", alias, it->second, pin_in));
  if (bad_pin_name(pin_in)) throw PinError(fmt::format("Invalid pin alias '{}'\n", pin_in));
  std::string pin = pin_in;
  if (auto a = aliases_.find(pin); a != aliases_.end()) pin = a->second;
  aliases_[alias] = pin;
  for (auto& [existing_alias, existing_pin] : aliases_)
    if (existing_pin == alias) existing_pin = pin;
}

std::string PinResolver::update_command(const std::string& cmd) {
  // Values of fields named "pin" or "*_pin" (config_stepper step_pin=..., etc.).
  std::string out;
  size_t i = 0;
  while (i < cmd.size()) {
    size_t p = cmd.find("pin=", i);
    if (p == std::string::npos || p == 0) break;
    char before = cmd[p - 1];
    if (before != ' ' && before != '_') {
      out.append(cmd, i, p + 4 - i);
      i = p + 4;
      continue;
    }
    size_t vs = p + 4;
    size_t ve = cmd.find(' ', vs);
    if (ve == std::string::npos) ve = cmd.size();
    std::string name = cmd.substr(vs, ve - vs);
    std::string pin_id = name;
    if (auto a = aliases_.find(name); a != aliases_.end()) pin_id = a->second;
    auto [ap, inserted] = active_pins_.emplace(pin_id, name);
    if (name != ap->second && validate_aliases_)
      throw PinError(fmt::format("pin {} is an alias for {}", name, ap->second));
    if (auto r = reserved_.find(pin_id); r != reserved_.end())
      throw PinError(fmt::format("pin {} is reserved for {}", name, r->second));
    out.append(cmd, i, vs - i);
    out += pin_id;
    i = ve;
  }
  out.append(cmd, i, std::string::npos);
  return out;
}

// ---- PrinterPins -----------------------------------------------------------------------------

PinParams PrinterPins::parse_pin(std::string_view pin_desc, bool can_invert,
                                 bool can_pullup) const {
  std::string desc = strip(pin_desc);
  PinParams p;
  if (can_pullup && !desc.empty() && (desc[0] == '^' || desc[0] == '~')) {
    p.pullup = desc[0] == '~' ? -1 : 1;
    desc = strip(std::string_view(desc).substr(1));
  }
  if (can_invert && !desc.empty() && desc[0] == '!') {
    p.invert = 1;
    desc = strip(std::string_view(desc).substr(1));
  }
  auto colon = desc.find(':');
  if (colon == std::string::npos) {
    p.chip_name = "mcu";
    p.pin = desc;
  } else {
    p.chip_name = strip(std::string_view(desc).substr(0, colon));
    p.pin = strip(std::string_view(desc).substr(colon + 1));
  }
  auto chip = chips_.find(p.chip_name);
  if (chip == chips_.end())
    throw PinError(fmt::format("Unknown pin chip name '{}'", p.chip_name));
  if (bad_pin_name(p.pin)) {
    std::string format;
    if (can_pullup) format += "[^~] ";
    if (can_invert) format += "[!] ";
    throw PinError(fmt::format("Invalid pin description '{}'\nFormat is: {}[chip_name:] pin_name",
                               pin_desc, format));
  }
  p.chip = chip->second;
  return p;
}

PinParams PrinterPins::lookup_pin(std::string_view desc, bool can_invert, bool can_pullup,
                                  const std::string& share_type) {
  PinParams p = parse_pin(desc, can_invert, can_pullup);
  std::string share_name = p.chip_name + ":" + p.pin;
  auto it = active_pins_.find(share_name);
  if (it != active_pins_.end()) {
    const PinParams& shared = it->second;
    if (allow_multi_use_pins_.count(share_name)) {
      // [duplicate_pin_override]: any reuse is fine.
    } else if (share_type.empty() || share_type != shared.share_type) {
      throw PinError(fmt::format("pin {} used multiple times in config", p.pin));
    } else if (p.invert != shared.invert || p.pullup != shared.pullup) {
      throw PinError(fmt::format("Shared pin {} must have same polarity", p.pin));
    }
    return shared;
  }
  p.share_type = share_type;
  active_pins_[share_name] = p;
  return p;
}

std::shared_ptr<McuEndstop> PrinterPins::setup_endstop(std::string_view desc) {
  PinParams p = lookup_pin(desc, true, true);
  return p.chip->setup_endstop(p);
}
std::shared_ptr<McuDigitalOut> PrinterPins::setup_digital_out(std::string_view desc) {
  PinParams p = lookup_pin(desc, true, false);
  return p.chip->setup_digital_out(p);
}
std::shared_ptr<McuPwm> PrinterPins::setup_pwm(std::string_view desc) {
  PinParams p = lookup_pin(desc, true, false);
  return p.chip->setup_pwm(p);
}
std::shared_ptr<McuAdc> PrinterPins::setup_adc(std::string_view desc) {
  PinParams p = lookup_pin(desc, false, false);
  return p.chip->setup_adc(p);
}

void PrinterPins::reset_pin_sharing(const PinParams& p) {
  active_pins_.erase(p.chip_name + ":" + p.pin);
}

PinResolver& PrinterPins::get_pin_resolver(const std::string& chip_name) {
  auto it = pin_resolvers_.find(chip_name);
  if (it == pin_resolvers_.end()) throw PinError(fmt::format("Unknown chip name '{}'", chip_name));
  return it->second;
}

void PrinterPins::register_chip(const std::string& chip_name_in, PinChip& chip) {
  std::string chip_name = strip(chip_name_in);
  if (chips_.count(chip_name)) throw PinError(fmt::format("Duplicate chip name '{}'", chip_name));
  chips_[chip_name] = &chip;
  pin_resolvers_.emplace(chip_name, PinResolver());
}

PinChip* PrinterPins::lookup_chip(const std::string& chip_name) const {
  auto it = chips_.find(chip_name);
  return it == chips_.end() ? nullptr : it->second;
}

void PrinterPins::allow_multi_use_pin(std::string_view desc) {
  PinParams p = parse_pin(desc);
  allow_multi_use_pins_[p.chip_name + ":" + p.pin] = true;
}

namespace {
void add_pins(Printer& printer, const ConfigWrapper*) {
  printer.add_object("pins", std::make_shared<PrinterPins>());
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_STARTUP_HOOK(pins, kpp::StartupPhase::kBeforeSections, 10, kpp::add_pins)
