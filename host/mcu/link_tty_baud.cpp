// Setting any baud rate on a tty (termios2 with BOTHER: 250000 baud has no Bxxx constant). Kept
// apart because <asm/termbits.h> and <termios.h> cannot be included together.
#include <asm/termbits.h>
#include <sys/ioctl.h>

namespace kpp {

bool tty_set_baud(int fd, int baud) {
  struct termios2 t{};
  if (ioctl(fd, TCGETS2, &t) < 0) return false;
  t.c_cflag &= ~static_cast<tcflag_t>(CBAUD);
  t.c_cflag |= BOTHER;
  t.c_ispeed = static_cast<speed_t>(baud);
  t.c_ospeed = static_cast<speed_t>(baud);
  return ioctl(fd, TCSETS2, &t) == 0;
}

}  // namespace kpp
