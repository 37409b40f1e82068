// Register addresses and bits of the STM32F1/F4 peripherals the firmware uses, from the
// reference manuals (RM0008, RM0090) and the Cortex-M3/M4 architecture manual.
#pragma once

#include <stdint.h>

namespace fw {
namespace stm32 {

inline volatile uint32_t& reg(uintptr_t addr) { return *reinterpret_cast<volatile uint32_t*>(addr); }

// ---- Cortex-M core ----
constexpr uintptr_t kSysTick = 0xE000E010;  // CTRL, LOAD, VAL, CALIB
constexpr uintptr_t kDwtCtrl = 0xE0001000, kDwtCyccnt = 0xE0001004;
constexpr uintptr_t kDemcr = 0xE000EDFC;
constexpr uintptr_t kScbIcsr = 0xE000ED04, kScbVtor = 0xE000ED08, kScbAircr = 0xE000ED0C;
constexpr uintptr_t kScbShpr3 = 0xE000ED20;
constexpr uintptr_t kNvicIser = 0xE000E100, kNvicIpr = 0xE000E400;

inline void nvic_enable(unsigned irq, uint8_t prio) {
  *reinterpret_cast<volatile uint8_t*>(kNvicIpr + irq) = prio;
  reg(kNvicIser + 4 * (irq / 32)) = 1u << (irq % 32);
}

// ---- USART (same layout on F1 and F4) ----
struct UsartRegs {
  volatile uint32_t SR, DR, BRR, CR1, CR2, CR3, GTPR;
};
enum : uint32_t {
  USART_SR_RXNE = 1 << 5, USART_SR_TXE = 1 << 7, USART_SR_ORE = 1 << 3,
  USART_CR1_RE = 1 << 2, USART_CR1_TE = 1 << 3, USART_CR1_RXNEIE = 1 << 5,
  USART_CR1_TXEIE = 1 << 7, USART_CR1_UE = 1 << 13,
};

// ---- SPI (same on F1 and F4) ----
struct SpiRegs {
  volatile uint32_t CR1, CR2, SR, DR;
};
enum : uint32_t {
  SPI_CR1_MSTR = 1 << 2, SPI_CR1_SPE = 1 << 6, SPI_CR1_SSI = 1 << 8, SPI_CR1_SSM = 1 << 9,
  SPI_SR_RXNE = 1 << 0, SPI_SR_TXE = 1 << 1, SPI_SR_BSY = 1 << 7,
};

// ---- I2C (F1 and F4 "v1" peripheral) ----
struct I2cRegs {
  volatile uint32_t CR1, CR2, OAR1, OAR2, DR, SR1, SR2, CCR, TRISE;
};
enum : uint32_t {
  I2C_CR1_PE = 1 << 0, I2C_CR1_START = 1 << 8, I2C_CR1_STOP = 1 << 9, I2C_CR1_ACK = 1 << 10,
  I2C_SR1_SB = 1 << 0, I2C_SR1_ADDR = 1 << 1, I2C_SR1_BTF = 1 << 2, I2C_SR1_RXNE = 1 << 6,
  I2C_SR1_TXE = 1 << 7, I2C_SR1_AF = 1 << 10,
};

// ---- general purpose / advanced timers (PWM) ----
struct TimRegs {
  volatile uint32_t CR1, CR2, SMCR, DIER, SR, EGR, CCMR1, CCMR2, CCER, CNT, PSC, ARR, RCR;
  volatile uint32_t CCR[4];
  volatile uint32_t BDTR;
};

}  // namespace stm32
}  // namespace fw
