// How the host reaches one TMC driver's registers: SPI (possibly daisy chained), the TMC2660's
// 20-bit SPI, or the single-wire UART. The driver modules only see this interface.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "modules/tmc_fields.h"

namespace kpp {

class TmcTransport {
 public:
  virtual ~TmcTransport() = default;
  virtual TmcFieldHelper& get_fields() = 0;
  // Read a register. In batch mode nothing is read back and the result is 0. Throws
  // CommandError when the driver does not answer.
  virtual uint32_t get_register(const std::string& reg_name) = 0;
  // Write a register, not before `print_time` when given. Throws CommandError when the
  // driver does not confirm the write.
  virtual void set_register(const std::string& reg_name, uint32_t val,
                            std::optional<double> print_time = {}) = 0;
  // The driver's clock (for TSTEP based velocity thresholds); none on the TMC2660.
  virtual std::optional<double> get_tmc_frequency() const = 0;
};

}  // namespace kpp
