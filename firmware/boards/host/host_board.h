// Shared runtime of the boards that run as a Linux process (linux, sim): the serial link over a
// file descriptor (pty or socket), the clock, and the main loop that runs timers and tasks.
#pragma once

#include <stdint.h>

namespace fw {
namespace host {

// ---- clock (implemented by the board) ----
// The MCU clock in ticks, 64 bits wide (the firmware sees its low 32 bits).
uint64_t clock_now();
// How late a timer may run before the MCU shuts down with "Rescheduled timer in the past".
uint32_t clock_max_lateness();
// Ticks per second.
uint32_t clock_freq();
// True when the clock only moves between commands (the sim board in virtual time): busy-waits
// must not wait for it.
bool clock_is_virtual();

// ---- console ----
// Attach the link: bytes are read from in_fd and written to out_fd (the same descriptor for a
// pty or socket). The owner keeps the descriptors.
void console_attach(int in_fd, int out_fd);
int console_fd();
// End the process when the input reaches end-of-file (a pipe, not a pty).
void console_exit_on_eof(bool on);
int console_out_fd();
// Read what the host sent (non-blocking); true if bytes arrived.
bool console_read_input();
// Try to write pending output (non-blocking); true if output is still pending.
bool console_flush();
// Drop buffered input and output (a new session).
void console_reset();

// ---- pty ----
// Open a pseudo-terminal in raw mode; returns the master fd and stores the slave's path.
// When `link` is non-empty a symlink of that name points to the slave. -1 on failure.
int pty_create(const char* link, char* slave_path, int slave_path_size);

// ---- the main loop ----
// Ask for real-time scheduling (SCHED_FIFO) and lock memory, as Klipper's linux MCU does with
// -r; prints a warning and carries on when not permitted.
void set_realtime();
// Run the timers due by now (and not more than a bounded burst, so tasks are not starved).
void dispatch_timers();
// Real-time main loop: start-up, then timers, tasks and the link until the process exits.
[[noreturn]] void main_loop();

}  // namespace host
}  // namespace fw
