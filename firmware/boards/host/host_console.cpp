// The serial link of a process MCU: a pty (or a socket in tests) read and written without
// blocking, with the protocol's receive window on input and a large output buffer.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "boards/host/host_board.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

FW_CONSTANT("RECEIVE_WINDOW", 192);

namespace host {

namespace {
int g_fd = -1;      // input
int g_out_fd = -1;  // output
bool g_exit_on_eof;
uint8_t g_rx[4096];
size_t g_rx_len;
uint8_t g_tx[1 << 16];
size_t g_tx_head, g_tx_tail;  // pending output is g_tx[g_tx_head, g_tx_tail)
}  // namespace

void console_attach(int in_fd, int out_fd) {
  g_fd = in_fd;
  g_out_fd = out_fd;
  if (in_fd >= 0) fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
  if (out_fd >= 0) fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
  console_reset();
}

int console_fd() {
  return g_fd;
}

void console_exit_on_eof(bool on) {
  g_exit_on_eof = on;
}

int console_out_fd() {
  return g_out_fd;
}

void console_reset() {
  g_rx_len = 0;
  g_tx_head = g_tx_tail = 0;
  command_reset_link();
}

bool console_read_input() {
  if (g_fd < 0 || g_rx_len >= sizeof(g_rx)) return false;
  ssize_t n = read(g_fd, g_rx + g_rx_len, sizeof(g_rx) - g_rx_len);
  if (n == 0 && g_exit_on_eof) {
    console_flush();
    exit(0);
  }
  if (n <= 0) return false;
  g_rx_len += static_cast<size_t>(n);
  sched_wake_tasks();
  return true;
}

bool console_flush() {
  while (g_tx_head < g_tx_tail) {
    ssize_t n = write(g_out_fd, g_tx + g_tx_head, g_tx_tail - g_tx_head);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      g_tx_head = g_tx_tail = 0;  // link gone: drop the output
      return false;
    }
    g_tx_head += static_cast<size_t>(n);
  }
  g_tx_head = g_tx_tail = 0;
  return false;
}

}  // namespace host

uint8_t* console_tx_reserve(uint_fast8_t max_len) {
  using namespace host;
  if (g_out_fd < 0) return nullptr;
  if (g_tx_tail + max_len > sizeof(g_tx)) {
    if (g_tx_head) {
      memmove(g_tx, g_tx + g_tx_head, g_tx_tail - g_tx_head);
      g_tx_tail -= g_tx_head;
      g_tx_head = 0;
    }
    if (g_tx_tail + max_len > sizeof(g_tx)) return nullptr;
  }
  return g_tx + g_tx_tail;
}

void console_tx_commit(uint_fast8_t len) {
  host::g_tx_tail += len;
  host::console_flush();
}

// Dispatch the complete blocks received so far. Each block leaves the receive buffer before its
// commands run, so a shutdown raised by one of them cannot make it run twice.
FW_TASK(console_task);
void console_task() {
  using namespace host;
  uint8_t block[64];
  for (;;) {
    uint_fast8_t avail = g_rx_len > 255 ? 255 : static_cast<uint_fast8_t>(g_rx_len);
    uint_fast8_t pop = 0;
    int_fast8_t ret = command_find_block(g_rx, avail, &pop);
    if (!ret) break;
    if (ret > 0) memcpy(block, g_rx, pop);
    memmove(g_rx, g_rx + pop, g_rx_len - pop);
    g_rx_len -= pop;
    if (ret > 0) {
      command_dispatch(block, pop);
      command_send_ack();
    }
  }
}

namespace host {

int pty_create(const char* link, char* slave_path, int slave_path_size) {
  int mfd = posix_openpt(O_RDWR | O_NOCTTY);
  if (mfd < 0 || grantpt(mfd) < 0 || unlockpt(mfd) < 0) return -1;
  const char* name = ptsname(mfd);
  if (!name) return -1;
  snprintf(slave_path, static_cast<size_t>(slave_path_size), "%s", name);
  // Keep the slave open ourselves so the master does not see a hang-up each time the host
  // closes its side.
  int sfd = open(name, O_RDWR | O_NOCTTY);
  if (sfd < 0) return -1;
  struct termios t;
  tcgetattr(sfd, &t);
  cfmakeraw(&t);
  tcsetattr(sfd, TCSANOW, &t);
  if (link && *link) {
    unlink(link);
    if (symlink(name, link) < 0) return -1;
  }
  return mfd;
}

}  // namespace host
}  // namespace fw
