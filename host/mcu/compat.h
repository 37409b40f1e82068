// Version tolerance: check, before configuring an MCU, that its dictionary offers every message
// the host is going to use, and report all problems of that MCU in one error.
//
// A host format and the MCU's format of the same name are compatible when they list the same
// parameter names in the same order and each parameter reads the same on both sides: integer
// types where every value the sender may use fits the receiver's type (a host %c command is
// fine on an MCU that takes %u; a host %u command on an MCU %c is not), and any of the string
// types %s %*s %.*s for each other (they travel the same way).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mcu/dictionary.h"

namespace kpp::mcu {

struct CompatIssue {
  std::string host_format;
  std::string mcu_format;  // empty: the MCU has no message of that name
  std::string reason;      // e.g. "parameter 'count': host %u, mcu %c"
};

struct CompatReport {
  std::vector<CompatIssue> issues;
  bool ok() const { return issues.empty(); }
  // One message naming the MCU and listing every missing or different message.
  std::string message(std::string_view mcu_name, std::string_view mcu_version = {}) const;
};

// Why `host_format` cannot be used with `mcu_format` (same name assumed), or "" if it can.
// `host_sends` is true for commands (host -> MCU) and false for responses (MCU -> host).
std::string compat_difference(std::string_view host_format, const MessageFormat& mcu_format,
                              bool host_sends);

CompatReport check_compat(const Dictionary& dict, std::span<const std::string> commands,
                          std::span<const std::string> responses = {});

// The MCU's command for `host_format` if compatible (then encode with it: parameters are in the
// same order); throws ProtocolError naming the command otherwise.
const MessageFormat& lookup_compatible_command(const Dictionary& dict,
                                               std::string_view host_format);

// Throws ProtocolError with CompatReport::message() when anything is missing or different.
void require_compat(const Dictionary& dict, std::string_view mcu_name,
                    std::span<const std::string> commands,
                    std::span<const std::string> responses = {});

}  // namespace kpp::mcu
