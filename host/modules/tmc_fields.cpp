// Field arithmetic on TMC register values and DUMP_TMC formatting.
#include "modules/tmc_fields.h"

#include <algorithm>
#include <fmt/format.h>

namespace kpp {

const TmcRegister* TmcChip::find_register(std::string_view reg_name) const {
  for (const auto& r : registers)
    if (r.name == reg_name) return &r;
  return nullptr;
}

std::optional<int> TmcChip::address(std::string_view reg_name) const {
  const TmcRegister* r = find_register(reg_name);
  if (!r || r->addr < 0) return std::nullopt;
  return r->addr;
}

int tmc_ffs(uint32_t mask) {
  if (!mask) return -1;
  int pos = 0;
  while (!(mask & 1u)) {
    mask >>= 1;
    pos++;
  }
  return pos;
}

std::optional<std::string> TmcFieldHelper::lookup_register(std::string_view field) const {
  // A field name may appear in several read views (READRSP@RDSEL0..2); the first register
  // that has an address wins, as the writable one is what SET_TMC_FIELD must target.
  std::optional<std::string> fallback;
  for (const auto& r : chip_.registers)
    for (const auto& f : r.fields)
      if (f.name == field) {
        if (r.addr >= 0) return r.name;
        if (!fallback) fallback = r.name;
      }
  return fallback;
}

const TmcField* TmcFieldHelper::find_field(std::string_view reg_name,
                                           std::string_view field) const {
  const TmcRegister* r = chip_.find_register(reg_name);
  if (!r) return nullptr;
  for (const auto& f : r->fields)
    if (f.name == field) return &f;
  return nullptr;
}

uint32_t TmcFieldHelper::mask_of(std::string_view field) const {
  auto reg = lookup_register(field);
  if (!reg) throw ConfigError(fmt::format("Unknown tmc field '{}'", field));
  return find_field(*reg, field)->mask;
}

std::optional<uint32_t> TmcFieldHelper::get_register_value(std::string_view reg_name) const {
  for (const auto& [name, val] : registers_)
    if (name == reg_name) return val;
  return std::nullopt;
}

uint32_t& TmcFieldHelper::shadow(const std::string& reg_name) {
  for (auto& [name, val] : registers_)
    if (name == reg_name) return val;
  registers_.emplace_back(reg_name, 0);
  return registers_.back().second;
}

int64_t TmcFieldHelper::get_field(std::string_view field, std::optional<uint32_t> reg_value,
                                  std::optional<std::string> reg_name) const {
  if (!reg_name) reg_name = lookup_register(field);
  if (!reg_name) throw ConfigError(fmt::format("Unknown tmc field '{}'", field));
  const TmcField* f = find_field(*reg_name, field);
  if (!f) throw ConfigError(fmt::format("Unknown tmc field '{}'", field));
  uint32_t value = reg_value ? *reg_value : get_register_value(*reg_name).value_or(0);
  uint32_t mask = f->mask;
  int64_t field_value = (value & mask) >> tmc_ffs(mask);
  bool is_signed = std::find(chip_.signed_fields.begin(), chip_.signed_fields.end(), field) !=
                   chip_.signed_fields.end();
  // Two's complement within the field width: the top bit of the field is the sign.
  if (is_signed && (static_cast<uint64_t>(value & mask) << 1) > mask) {
    int bits = 0;
    for (int64_t v = field_value; v; v >>= 1) bits++;
    field_value -= int64_t(1) << bits;
  }
  return field_value;
}

uint32_t TmcFieldHelper::set_field(std::string_view field, int64_t value,
                                   std::optional<uint32_t> reg_value,
                                   std::optional<std::string> reg_name) {
  if (!reg_name) reg_name = lookup_register(field);
  if (!reg_name) throw ConfigError(fmt::format("Unknown tmc field '{}'", field));
  const TmcField* f = find_field(*reg_name, field);
  if (!f) throw ConfigError(fmt::format("Unknown tmc field '{}'", field));
  uint32_t& slot = shadow(*reg_name);
  uint32_t old = reg_value ? *reg_value : slot;
  uint32_t mask = f->mask;
  uint32_t bits = static_cast<uint32_t>(static_cast<uint64_t>(value) << tmc_ffs(mask)) & mask;
  slot = (old & ~mask) | bits;
  return slot;
}

uint32_t TmcFieldHelper::set_config_field(const ConfigWrapper& config, std::string_view field,
                                          int64_t def) {
  std::string option = "driver_" + std::string(field);
  std::transform(option.begin() + 7, option.end(), option.begin() + 7,
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  uint32_t mask = mask_of(field);
  int64_t maxval = mask >> tmc_ffs(mask);
  bool is_signed = std::find(chip_.signed_fields.begin(), chip_.signed_fields.end(), field) !=
                   chip_.signed_fields.end();
  int64_t val;
  if (maxval == 1)
    val = config.getboolean(option, def != 0) ? 1 : 0;
  else if (is_signed)
    val = config.getint(option, def, {.minval = -(maxval / 2 + 1), .maxval = maxval / 2});
  else
    val = config.getint(option, def, {.minval = 0, .maxval = maxval});
  return set_field(field, val);
}

namespace {

std::string flag(int64_t v, const char* text) {
  return v ? fmt::format("1({})", text) : "";
}

}  // namespace

// The value text of one field in DUMP_TMC output; empty or "0" leaves the field out.
std::string TmcFieldHelper::format_field(const std::string& field, int64_t v) const {
  const std::string& chip = chip_.name;
  if (chip == "tmc2660") {
    if (field == "chm") return v ? "1(constant toff)" : "0(spreadCycle)";
    if (field == "vsense") return v ? "1(165mV)" : "0(305mV)";
    if (field == "sdoff") return flag(v, "Step/Dir disabled!");
    if (field == "diss2g") return flag(v, "Short to GND disabled!");
    if (field == "se") return v ? std::to_string(v) : "0(Reset?)";
  }
  if (chip == "tmc2208" || chip == "tmc2209") {
    if (field == "sel_a") return fmt::format("{}({})", v, v ? "TMC220x" : "TMC222x");
    if (field == "s2vsa") return flag(v, "LowSideShort_A!");
    if (field == "s2vsb") return flag(v, "LowSideShort_B!");
  }
  if (chip == "tmc5160" || chip == "tmc2240") {
    if (field == "s2vsa") return flag(v, "ShortToSupply_A!");
    if (field == "s2vsb") return flag(v, "ShortToSupply_B!");
  }
  if (chip == "tmc2240" && field == "adc_temp")
    return fmt::format("0x{:04x}({:.1f}C)", v, (static_cast<double>(v) - 2038.) / 7.7);
  if (field == "i_scale_analog") return flag(v, "ExtVREF");
  if (field == "shaft") return flag(v, "Reverse");
  if (field == "reset") return flag(v, "Reset");
  if (field == "drv_err") return flag(v, "ErrorShutdown!");
  if (field == "uv_cp") return flag(v, "Undervoltage!");
  if (field == "version") return fmt::format("{:#x}", v);
  if (field == "mres") return fmt::format("{}({}usteps)", v, 0x100 >> v);
  if (field == "otpw") return flag(v, "OvertempWarning!");
  if (field == "ot") return flag(v, "OvertempError!");
  if (field == "s2ga") return flag(v, "ShortToGND_A!");
  if (field == "s2gb") return flag(v, "ShortToGND_B!");
  if (field == "ola") return flag(v, "OpenLoad_A!");
  if (field == "olb") return flag(v, "OpenLoad_B!");
  if (field == "cs_actual") return v ? std::to_string(v) : "0(Reset?)";
  return std::to_string(v);
}

std::string TmcFieldHelper::pretty_format(const std::string& reg_name, uint32_t reg_value) const {
  const TmcRegister* r = chip_.find_register(reg_name);
  std::vector<std::pair<uint32_t, std::string>> fields;
  if (r)
    for (const auto& f : r->fields) fields.emplace_back(f.mask, f.name);
  std::sort(fields.begin(), fields.end());
  std::string out;
  for (const auto& [mask, name] : fields) {
    std::string sval = format_field(name, get_field(name, reg_value, reg_name));
    if (!sval.empty() && sval != "0") out += fmt::format(" {}={}", name, sval);
  }
  return fmt::format("{:<11} {:08x}{}", reg_name + ":", reg_value, out);
}

std::vector<std::pair<std::string, int64_t>> TmcFieldHelper::get_reg_fields(
    const std::string& reg_name, uint32_t reg_value) const {
  std::vector<std::pair<std::string, int64_t>> out;
  const TmcRegister* r = chip_.find_register(reg_name);
  if (!r) return out;
  for (const auto& f : r->fields) out.emplace_back(f.name, get_field(f.name, reg_value, reg_name));
  return out;
}

}  // namespace kpp
