// Register maps of the Trinamic stepper drivers and the field arithmetic on them (Klipper's
// tmc.FieldHelper): which register holds a field, reading and writing a field inside a register
// value, driver_* config options, and the text DUMP_TMC prints for a register.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"

namespace kpp {

struct TmcField {
  std::string name;  // lower case, as SET_TMC_FIELD and driver_<NAME> take it
  uint32_t mask;
};

struct TmcRegister {
  std::string name;
  int addr;  // -1: a read-only view with no address of its own (IOIN@TMC222x, READRSP@RDSEL0)
  std::vector<TmcField> fields;
};

// One driver model: its registers and fields, which fields are signed, which registers
// DUMP_TMC reads, and the chip clock (for velocity thresholds; none on the TMC2660).
struct TmcChip {
  std::string name;  // "tmc2130"
  std::vector<TmcRegister> registers;
  std::vector<std::string> signed_fields;
  std::vector<std::string> read_registers;
  std::optional<double> tmc_frequency;

  const TmcRegister* find_register(std::string_view name) const;
  std::optional<int> address(std::string_view reg_name) const;
};

// Position of the lowest set bit of `mask`.
int tmc_ffs(uint32_t mask);

// The driver's register shadow: the values the host last wrote (or will write at start-up), in
// the order their registers were first touched (the order Klipper sends them in).
class TmcFieldHelper {
 public:
  explicit TmcFieldHelper(const TmcChip& chip) : chip_(chip) {}
  const TmcChip& chip() const { return chip_; }

  // The register holding `field`, if the chip has that field.
  std::optional<std::string> lookup_register(std::string_view field) const;
  // The field's value in `reg_value` (default: the shadow value of its register).
  int64_t get_field(std::string_view field, std::optional<uint32_t> reg_value = {},
                    std::optional<std::string> reg_name = {}) const;
  // Set the field in the shadow register (or in `reg_value`, stored to the shadow as well);
  // returns the new register value.
  uint32_t set_field(std::string_view field, int64_t value, std::optional<uint32_t> reg_value = {},
                     std::optional<std::string> reg_name = {});
  // Read option driver_<FIELD> (boolean for one-bit fields, a bounded integer otherwise).
  uint32_t set_config_field(const ConfigWrapper& config, std::string_view field, int64_t def);
  // "CHOPCONF:   14028384 toff=4 hend=7 ..." (DUMP_TMC's line for a register).
  std::string pretty_format(const std::string& reg_name, uint32_t reg_value) const;
  // Every field of `reg_name` with its value in `reg_value`.
  std::vector<std::pair<std::string, int64_t>> get_reg_fields(const std::string& reg_name,
                                                              uint32_t reg_value) const;

  const std::vector<std::pair<std::string, uint32_t>>& registers() const { return registers_; }
  std::optional<uint32_t> get_register_value(std::string_view reg_name) const;
  uint32_t mask_of(std::string_view field) const;

 private:
  const TmcField* find_field(std::string_view reg_name, std::string_view field) const;
  uint32_t& shadow(const std::string& reg_name);
  std::string format_field(const std::string& field, int64_t value) const;

  const TmcChip& chip_;
  std::vector<std::pair<std::string, uint32_t>> registers_;
};

}  // namespace kpp
