// Pseudo-terminals: the /tmp/printer G-code interface (OctoPrint) and simulated MCU links.
#pragma once

#include <string>

namespace kpp {

// Open a pty master in raw, non-blocking mode and point the symlink `link_path` at its slave
// (replacing an old link). Returns the master fd; throws std::runtime_error on failure.
int create_pty(const std::string& link_path);

}  // namespace kpp
