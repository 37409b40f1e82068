// The host's error types: one per tier of CONVENTIONS.md (config error, command error); the
// third tier, shutdown, is Printer::invoke_shutdown().
#pragma once

#include <stdexcept>
#include <string>

namespace kpp {

// A bad printer.cfg: stops start-up with this one message.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An MCU that cannot be reached, identified or configured (Klipper's mcu.error): connect fails
// with this message and the printer waits for FIRMWARE_RESTART / RESTART.
class McuError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A G-code command that cannot run: answered as "!! <message>", nothing changed.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kpp
