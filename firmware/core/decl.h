// Build-time declarations: one line next to each command handler, response, enumeration,
// constant, static string and init/task/shutdown function.
//
// Every macro here leaves a NUL-terminated text record in the `.fw_decl` section of the object
// file and nothing in the final image (the section is never referenced, so the linker drops it
// with --gc-sections). firmware/scripts/fwgen.py reads the records from the objects, assigns
// message ids, and writes the dispatch table, the response ids, the static-string table, the
// call lists and the zlib-compressed data dictionary for the board being built.
//
// Records (fields separated by one space, the last field may contain spaces):
//   cmd <handler> <flags> <format>       a command; flags 0 or 1 (runs while shut down)
//   resp <symbol> <format>               a response sent with fw_sendf(symbol, ...)
//   str <text>                           a static string (shutdown reason)
//   enum <enum> <name> <value>           one enumeration value
//   enumr <enum> <name> <start> <count>  a range of values: name0..name(count-1)
//   const <name> <integer expression>    a constant of the data dictionary
//   conststr <name> <text>               a string constant
//   call <list> <priority> <function>    init / task / shutdown call lists
#pragma once

#include <stdint.h>

#define FW_CAT2(a, b) a##b
#define FW_CAT(a, b) FW_CAT2(a, b)
#define FW_STR2(x) #x
#define FW_STR(x) FW_STR2(x)

#define FW_DECL_RECORD(text)                                                           \
  __attribute__((section(".fw_decl"), used)) static const char FW_CAT(fw_decl_record_, \
                                                                      __COUNTER__)[] = text

namespace fw {

// Number of parameters in a message format ("name a=%u b=%*s" has 2).
constexpr uint8_t count_format_params(const char* fmt) {
  uint8_t n = 0;
  for (; *fmt; fmt++)
    if (*fmt == '=') n++;
  return n;
}

// FNV-1a hash of a static string: shutdown reasons are passed around as this value and mapped
// to their static_string_id by the generated table when a shutdown is reported.
constexpr uint32_t static_string_hash(const char* s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ static_cast<uint8_t>(*s)) * 16777619u;
  return h;
}

template <uint32_t V>
struct ConstU32 {
  static constexpr uint32_t value = V;
};

// Handler flags.
constexpr uint8_t kCmdInShutdown = 1;

}  // namespace fw

// A command: declares the handler `void handler(uint32_t* args)` in namespace fw (use it inside
// namespace fw) and registers its format. Integer parameters arrive in args[] in order; a
// buffer (%*s) takes two slots: its length and its offset (see command_decode_ptr()).
#define FW_COMMAND(handler, fmt) \
  void handler(uint32_t* args);  \
  FW_DECL_RECORD("cmd " #handler " 0 " fmt)

// A command that also runs while the MCU is shut down.
#define FW_COMMAND_IN_SHUTDOWN(handler, fmt) \
  void handler(uint32_t* args);              \
  FW_DECL_RECORD("cmd " #handler " 1 " fmt)

// A response message; send it with fw_sendf(symbol, args...).
#define FW_RESPONSE(symbol, fmt)                                                 \
  extern const uint16_t fw_msgid_##symbol;                                       \
  static constexpr uint8_t fw_nparams_##symbol = ::fw::count_format_params(fmt); \
  FW_DECL_RECORD("resp " #symbol " " fmt)

// Send a declared response (drops it if the transmit buffer is full, as Klipper does).
#define fw_sendf(symbol, ...) \
  ::fw::send_response<fw_nparams_##symbol>(fw_msgid_##symbol, ##__VA_ARGS__)

#define FW_ENUM(enum_name, name, value) FW_DECL_RECORD("enum " enum_name " " name " " FW_STR(value))
#define FW_ENUM_RANGE(enum_name, first_name, start, count) \
  FW_DECL_RECORD("enumr " enum_name " " first_name " " FW_STR(start) " " FW_STR(count))
#define FW_CONSTANT(name, value) FW_DECL_RECORD("const " name " " FW_STR(value))
#define FW_CONSTANT_STR(name, value) FW_DECL_RECORD("conststr " name " " value)

// Call lists: the generated fw::run_init_functions(), fw::run_task_functions() and
// fw::run_shutdown_functions() call these in priority order (lower first), then link order.
// Like FW_COMMAND, use them directly in namespace fw.
#define FW_INIT_PRIO(func, prio) \
  void func();                   \
  FW_DECL_RECORD("call init " FW_STR(prio) " " #func)
#define FW_INIT(func) FW_INIT_PRIO(func, 50)
#define FW_TASK(func) \
  void func();        \
  FW_DECL_RECORD("call task 50 " #func)
#define FW_SHUTDOWN_PRIO(func, prio) \
  void func();                       \
  FW_DECL_RECORD("call shutdown " FW_STR(prio) " " #func)
#define FW_SHUTDOWN(func) FW_SHUTDOWN_PRIO(func, 50)

// The hash identifying a static string, evaluated at compile time; registers the string.
#define FW_STATIC_STRING(msg)                             \
  ({                                                      \
    FW_DECL_RECORD("str " msg);                           \
    ::fw::ConstU32<::fw::static_string_hash(msg)>::value; \
  })
