// Pseudo-terminal creation, as Klipper's util.create_pty does it.
#include "core/pty.h"

#include <fcntl.h>
#include <pty.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kpp {

int create_pty(const std::string& link_path) {
  int master = -1, slave = -1;
  char name[256];
  if (openpty(&master, &slave, name, nullptr, nullptr) < 0)
    throw std::runtime_error(std::string("Unable to open pty: ") + std::strerror(errno));
  unlink(link_path.c_str());
  if (symlink(name, link_path.c_str()) < 0) {
    int err = errno;
    close(master);
    close(slave);
    throw std::runtime_error("Unable to create pty link " + link_path + ": " + std::strerror(err));
  }
  chmod(name, 0660);
  termios t;
  tcgetattr(master, &t);
  cfmakeraw(&t);
  tcsetattr(master, TCSAFLUSH, &t);
  // Keep the slave open so that the master does not see EOF/EIO while no client is attached.
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  fcntl(master, F_SETFD, FD_CLOEXEC);
  fcntl(slave, F_SETFD, FD_CLOEXEC);
  return master;
}

}  // namespace kpp
