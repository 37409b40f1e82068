// Checking host message formats against an MCU's dictionary.
#include "mcu/compat.h"

#include <fmt/format.h>

namespace kpp::mcu {

namespace {

struct Range {
  int64_t lo, hi;
};

// The values a type carries, as the receiver reads them.
Range type_range(ParamType t) {
  switch (t) {
    case ParamType::kByte:
      return {0, 255};
    case ParamType::kUint16:
      return {0, 65535};
    case ParamType::kInt16:
      return {-32768, 32767};
    case ParamType::kUint32:
      return {0, 4294967295LL};
    case ParamType::kInt32:
      return {-2147483648LL, 2147483647LL};
    default:
      return {0, 0};
  }
}

}  // namespace

std::string compat_difference(std::string_view host_format, const MessageFormat& mcu,
                              bool host_sends) {
  MessageFormat host(0, std::string(host_format),
                     host_sends ? MessageKind::kCommand : MessageKind::kResponse);
  const auto& hp = host.params();
  const auto& mp = mcu.params();
  for (size_t i = 0; i < hp.size() || i < mp.size(); i++) {
    if (i >= mp.size()) return fmt::format("mcu lacks parameter '{}'", hp[i].name);
    if (i >= hp.size()) return fmt::format("mcu has extra parameter '{}'", mp[i].name);
    if (hp[i].name != mp[i].name)
      return fmt::format("parameter {} is '{}' on the host, '{}' on the mcu", i + 1, hp[i].name,
                         mp[i].name);
    ParamType ht = hp[i].type, mt = mp[i].type;
    if (is_int_type(ht) != is_int_type(mt))
      return fmt::format("parameter '{}': host {}, mcu {}", hp[i].name, param_type_code(ht),
                         param_type_code(mt));
    if (!is_int_type(ht)) continue;
    Range from = type_range(host_sends ? ht : mt);
    Range to = type_range(host_sends ? mt : ht);
    if (from.lo < to.lo || from.hi > to.hi)
      return fmt::format("parameter '{}': host {}, mcu {}", hp[i].name, param_type_code(ht),
                         param_type_code(mt));
  }
  return "";
}

CompatReport check_compat(const Dictionary& dict, std::span<const std::string> commands,
                          std::span<const std::string> responses) {
  CompatReport report;
  auto check = [&](const std::string& format, bool host_sends) {
    MessageFormat parsed(0, format, MessageKind::kCommand);  // throws on a malformed host format
    const MessageFormat* m =
        host_sends ? dict.find_command(parsed.name()) : dict.find_response(parsed.name());
    if (!m) {
      report.issues.push_back({format, "", host_sends ? "missing command" : "missing response"});
      return;
    }
    if (m->format() == format) return;
    std::string why = compat_difference(format, *m, host_sends);
    if (!why.empty()) report.issues.push_back({format, m->format(), why});
  };
  for (const auto& f : commands) check(f, true);
  for (const auto& f : responses) check(f, false);
  return report;
}

const MessageFormat& lookup_compatible_command(const Dictionary& dict,
                                               std::string_view host_format) {
  MessageFormat parsed(0, std::string(host_format), MessageKind::kCommand);
  const MessageFormat* m = dict.find_command(parsed.name());
  if (!m) throw ProtocolError(fmt::format("Unknown command: {}", parsed.name()));
  if (m->format() == host_format) return *m;
  std::string why = compat_difference(host_format, *m, true);
  if (!why.empty())
    throw ProtocolError(
        fmt::format("Command format mismatch: {} vs {} ({})", host_format, m->format(), why));
  return *m;
}

std::string CompatReport::message(std::string_view mcu_name, std::string_view mcu_version) const {
  std::string out = fmt::format("MCU '{}' firmware", mcu_name);
  if (!mcu_version.empty()) out += fmt::format(" (version {})", mcu_version);
  out += fmt::format(" does not match this host: {} message{} missing or different:", issues.size(),
                     issues.size() == 1 ? "" : "s");
  for (const auto& i : issues) {
    if (i.mcu_format.empty())
      out += fmt::format("\n  {}: {}", i.reason, i.host_format);
    else
      out += fmt::format("\n  different: host '{}' vs mcu '{}' ({})", i.host_format, i.mcu_format,
                         i.reason);
  }
  out += fmt::format("\nUpdate the firmware of MCU '{}' to match this host.", mcu_name);
  return out;
}

void require_compat(const Dictionary& dict, std::string_view mcu_name,
                    std::span<const std::string> commands, std::span<const std::string> responses) {
  CompatReport r = check_compat(dict, commands, responses);
  if (!r.ok()) throw ProtocolError(r.message(mcu_name, dict.version()));
}

}  // namespace kpp::mcu
