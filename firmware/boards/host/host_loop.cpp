// Timers, sleeping and the main loop of a process MCU. Timers run from the loop (there are no
// interrupts); between tasks and before sleeping the loop runs every timer that is due.
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

#include "boards/host/host_board.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

uint32_t timer_read_time() {
  return static_cast<uint32_t>(host::clock_now());
}

uint32_t timer_from_us(uint32_t us) {
  return us * (host::clock_freq() / 1000000);
}

void timer_kick() {}

void board_delay_ticks(uint32_t ticks) {
  if (host::clock_is_virtual()) return;
  uint64_t end = host::clock_now() + ticks;
  while (host::clock_now() < end) {
  }
}

void board_shutdown_unwind() { longjmp(g_shutdown_jmp, 1); }

uint32_t board_max_lateness() {
  return host::clock_max_lateness();
}

namespace {
uint8_t g_arena[1 << 18] __attribute__((aligned(16)));
}

void board_arena(uint8_t** start, uint8_t** end) {
  *start = g_arena;
  *end = g_arena + sizeof(g_arena);
}

volatile uint8_t* board_debug_address(uint32_t addr) {
  return addr < sizeof(g_arena) - 4 ? g_arena + addr : nullptr;
}

namespace host {

void dispatch_timers() {
  uint32_t now = static_cast<uint32_t>(clock_now());
  uint32_t next = sched_next_waketime();
  for (unsigned n = 0; !timer_is_before(now, next); n++) {
    if (timer_is_before(next + board_max_lateness(), now))
      fw_try_shutdown("Rescheduled timer in the past");
    if (n >= 256 && sched_tasks_busy()) return;  // let the tasks catch up
    next = sched_timer_dispatch();
    now = static_cast<uint32_t>(clock_now());
  }
}

}  // namespace host

void irq_poll() {
  host::dispatch_timers();
}

void irq_wait() {
  using namespace host;
  int32_t ticks = static_cast<int32_t>(sched_next_waketime() - static_cast<uint32_t>(clock_now()));
  if (ticks <= 0) return;
  uint64_t ns = static_cast<uint64_t>(ticks) * 1000000000u / clock_freq();
  struct timespec ts = {static_cast<time_t>(ns / 1000000000u), static_cast<long>(ns % 1000000000u)};
  struct pollfd pfd[2] = {{console_fd(), POLLIN, 0}, {console_out_fd(), POLLOUT, 0}};
  int n = console_flush() ? 2 : 1;
  if (pfd[0].fd < 0) return;
  if (ppoll(pfd, static_cast<nfds_t>(n), &ts, nullptr) > 0) {
    if (pfd[1].revents & POLLOUT) console_flush();
    if (pfd[0].revents & POLLIN) console_read_input();
  }
}

namespace host {

void set_realtime() {
  struct sched_param sp = {};
  sp.sched_priority = 1;
  if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0) perror("warning: SCHED_FIFO");
  if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0) perror("warning: mlockall");
}

void main_loop() {
  sched_startup();
  if (setjmp(g_shutdown_jmp)) sched_run_shutdown();
  uint32_t start = timer_read_time();
  for (;;) {
    dispatch_timers();
    console_read_input();
    if (!sched_run_tasks_pass()) {
      // Sleep time does not count as load.
      start -= timer_read_time();
      irq_wait();
      start += timer_read_time();
      continue;
    }
    uint32_t cur = timer_read_time();
    stats_update(start, cur);
    start = cur;
  }
}

}  // namespace host
}  // namespace fw
