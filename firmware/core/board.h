// What every board offers to the core and the drivers.
//
// A board is a folder firmware/boards/<name>/ whose `board/board.h` (found through the include
// path CMake sets for that board) defines, inline or as declarations:
//
//   irqstatus_t; irq_disable(), irq_enable(), irq_save(), irq_restore(s), irq_wait(), irq_poll()
//   FW_PROGMEM, pgm_read(const T* p), memcpy_pgm(dst, src, n)   (flash access on Harvard
//                                                               machines, plain reads else)
//   GpioOut, GpioIn, GpioPwm, GpioAdc, SpiConfig, I2cConfig types and the inline
//   gpio_out_toggle_noirq(GpioOut) used by the step path;
//   kStepperEdgeMaxTicks, kStepperInlineUnstepMaxTicks (int32_t, -1 = never): the largest
//   step_pulse_ticks for which a stepper may step on both edges with one event per step, or
//   raise and lower its step pin within one event.
//
// and whose .cpp files implement the functions declared below. Nothing in the core or the
// drivers tests which board it is built for.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "board/board.h"

namespace fw {

// ---- time ----
// The MCU clock (CLOCK_FREQ ticks per second, wrapping at 2^32).
uint32_t timer_read_time();
uint32_t timer_from_us(uint32_t us);
// Make the timer interrupt run the timer list as soon as possible (a timer was added first).
void timer_kick();
// How late a timer may run before the MCU gives up ("Rescheduled timer in the past", "Stepper
// too far in past"): 1 ms on a chip, more for a process at the mercy of the OS scheduler.
uint32_t board_max_lateness();
// Busy-wait `ticks` of the MCU clock (bit-banged buses and LED strips). On the sim board in
// virtual time a command takes no time, so there it returns at once.
void board_delay_ticks(uint32_t ticks);

// Leave whatever the shutdown interrupted (interrupts disabled) and continue in the main loop's
// shutdown handling: a longjmp to g_shutdown_jmp, plus whatever the board needs first to get out
// of an interrupt handler.
[[noreturn]] void board_shutdown_unwind();

// ---- memory ----
// The memory the allocator may hand out (oids, driver objects, the move queue).
void board_arena(uint8_t** start, uint8_t** end);

// The memory debug_read/debug_write reach for an address: the address itself on a chip, an
// offset into the arena on a process board; null when out of range.
volatile uint8_t* board_debug_address(uint32_t addr);

// ---- console (serial link to the host) ----
// Reserve room for a block of up to max_len bytes in the transmit buffer; null when full.
uint8_t* console_tx_reserve(uint_fast8_t max_len);
// Hand the first `len` bytes of the reserved room to the transmitter.
void console_tx_commit(uint_fast8_t len);

// ---- gpio ----
GpioOut gpio_out_setup(uint32_t pin, uint8_t val);
void gpio_out_reset(GpioOut g, uint8_t val);
void gpio_out_write(GpioOut g, uint8_t val);
void gpio_out_toggle(GpioOut g);
GpioIn gpio_in_setup(uint32_t pin, int8_t pull_up);
void gpio_in_reset(GpioIn g, int8_t pull_up);
uint8_t gpio_in_read(GpioIn g);

GpioPwm gpio_pwm_setup(uint32_t pin, uint32_t cycle_ticks, uint32_t val);
void gpio_pwm_write(GpioPwm g, uint32_t val);

GpioAdc gpio_adc_setup(uint32_t pin);
// Start or continue a conversion: 0 when a result is ready, else ticks to wait before asking
// again.
uint32_t gpio_adc_sample(GpioAdc g);
uint16_t gpio_adc_read(GpioAdc g);
void gpio_adc_cancel_sample(GpioAdc g);

// ---- spi ----
SpiConfig spi_setup(uint32_t bus, uint8_t mode, uint32_t rate);
void spi_prepare(SpiConfig config);
// Full duplex: sends len bytes of data, and when `receive` stores the reply over data.
void spi_transfer(SpiConfig config, uint8_t receive, uint8_t len, uint8_t* data);

// ---- i2c ----
enum : uint8_t {
  I2C_BUS_SUCCESS = 0,
  I2C_BUS_NACK = 1,
  I2C_BUS_TIMEOUT = 2,
  I2C_BUS_START_NACK = 3,
  I2C_BUS_START_READ_NACK = 4,
};
I2cConfig i2c_setup(uint32_t bus, uint32_t rate, uint8_t addr);
int i2c_write(I2cConfig config, uint8_t write_len, uint8_t* write);
int i2c_read(I2cConfig config, uint8_t reg_len, uint8_t* reg, uint8_t read_len, uint8_t* read);

}  // namespace fw
