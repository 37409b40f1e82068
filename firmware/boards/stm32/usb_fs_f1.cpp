// The stm32f103 USB full-speed device controller (RM0008 chapter 23): endpoint registers with
// toggle/clear-on-write bits, and the packet memory (PMA) seen as 16-bit words on a 32-bit
// stride.
#include "boards/common/usb_hw.h"
#include "boards/stm32/stm32_chip.h"
#include "core/board.h"

namespace fw {
namespace usb {

namespace {

using stm32::reg;

constexpr uintptr_t kUsb = 0x40005C00, kPma = 0x40006000;
constexpr uintptr_t kCntr = kUsb + 0x40, kIstr = kUsb + 0x44, kDaddr = kUsb + 0x4C,
                    kBtable = kUsb + 0x50;
constexpr uint32_t EP_CTR_RX = 1 << 15, EP_DTOG_RX = 1 << 14, EP_STAT_RX = 3 << 12,
                   EP_SETUP = 1 << 11, EP_TYPE = 3 << 9, EP_KIND = 1 << 8, EP_CTR_TX = 1 << 7,
                   EP_DTOG_TX = 1 << 6, EP_STAT_TX = 3 << 4, EP_ADDR = 0xf;
constexpr uint32_t STAT_STALL = 1, STAT_NAK = 2, STAT_VALID = 3;
constexpr uint32_t TYPE_BULK = 0 << 9, TYPE_CONTROL = 1 << 9, TYPE_INTERRUPT = 3 << 9;
// PMA layout (byte offsets): buffer table, then the endpoint buffers.
constexpr uint16_t kEp0Tx = 64, kEp0Rx = 80, kEp1Tx = 96, kEp2Rx = 112, kEp2Tx = 176;

volatile uint32_t& ep_reg(uint8_t ep) { return reg(kUsb + 4 * ep); }
volatile uint32_t& pma_word(uint16_t offset) { return reg(kPma + 2 * offset); }

void btable(uint8_t ep, uint16_t tx_addr, uint16_t rx_addr, uint16_t rx_size) {
  uint16_t base = static_cast<uint16_t>(ep * 8);
  pma_word(base + 0) = tx_addr;
  pma_word(base + 2) = 0;
  pma_word(base + 4) = rx_addr;
  // Receive size: 2-byte blocks below 64, 32-byte blocks from 64.
  pma_word(base + 6) = rx_size >= 64 ? (0x8000 | ((rx_size / 32 - 1) << 10)) : ((rx_size / 2) << 10);
}

// Set the status bits of an endpoint (they toggle when written with 1).
void set_stat(uint8_t ep, uint32_t mask, uint32_t shift, uint32_t stat) {
  uint32_t v = ep_reg(ep);
  uint32_t keep = v & (EP_TYPE | EP_KIND | EP_ADDR);
  ep_reg(ep) = keep | EP_CTR_RX | EP_CTR_TX | ((v & mask) ^ (stat << shift));
}
void set_rx(uint8_t ep, uint32_t stat) { set_stat(ep, EP_STAT_RX, 12, stat); }
void set_tx(uint8_t ep, uint32_t stat) { set_stat(ep, EP_STAT_TX, 4, stat); }
uint32_t rx_stat(uint8_t ep) { return (ep_reg(ep) & EP_STAT_RX) >> 12; }
uint32_t tx_stat(uint8_t ep) { return (ep_reg(ep) & EP_STAT_TX) >> 4; }

void clear_ctr(uint8_t ep, uint32_t flag) {
  uint32_t v = ep_reg(ep);
  ep_reg(ep) = (v & (EP_TYPE | EP_KIND | EP_ADDR)) | ((EP_CTR_RX | EP_CTR_TX) & ~flag);
}

int read_packet(uint8_t ep, uint16_t addr, void* data, uint_fast8_t max) {
  if (rx_stat(ep) == STAT_VALID) return -1;  // still waiting for the host
  uint16_t count = pma_word(static_cast<uint16_t>(ep * 8 + 6)) & 0x3ff;
  if (count > max) count = static_cast<uint16_t>(max);
  uint8_t* d = static_cast<uint8_t*>(data);
  for (uint16_t i = 0; i < count; i += 2) {
    uint16_t w = static_cast<uint16_t>(pma_word(static_cast<uint16_t>(addr + i)));
    d[i] = static_cast<uint8_t>(w);
    if (i + 1 < count) d[i + 1] = static_cast<uint8_t>(w >> 8);
  }
  set_rx(ep, STAT_VALID);
  return count;
}

int send_packet(uint8_t ep, uint16_t addr, const void* data, uint_fast8_t len) {
  if (tx_stat(ep) == STAT_VALID) return -1;
  const uint8_t* s = static_cast<const uint8_t*>(data);
  for (uint_fast8_t i = 0; i < len; i += 2)
    pma_word(static_cast<uint16_t>(addr + i)) = s[i] | (i + 1 < len ? s[i + 1] << 8 : 0);
  pma_word(static_cast<uint16_t>(ep * 8 + 2)) = len;
  set_tx(ep, STAT_VALID);
  return len;
}

uint8_t g_address;
bool g_setup_pending;

void reset_endpoints() {
  reg(kBtable) = 0;
  btable(0, kEp0Tx, kEp0Rx, kEp0Size);
  btable(kNotifyEp, kEp1Tx, 0, 0);
  btable(kBulkEp, kEp2Tx, kEp2Rx, kBulkSize);
  ep_reg(0) = TYPE_CONTROL | 0;
  set_rx(0, STAT_VALID);
  set_tx(0, STAT_NAK);
  reg(kDaddr) = 0x80;
}

}  // namespace

int hw_read_setup(void* data) {
  if (!g_setup_pending) return -1;
  g_setup_pending = false;
  uint8_t* d = static_cast<uint8_t*>(data);
  for (uint16_t i = 0; i < 8; i += 2) {
    uint16_t w = static_cast<uint16_t>(pma_word(static_cast<uint16_t>(kEp0Rx + i)));
    d[i] = static_cast<uint8_t>(w);
    d[i + 1] = static_cast<uint8_t>(w >> 8);
  }
  set_rx(0, STAT_VALID);
  return 8;
}

int hw_read_ep0(void* data, uint_fast8_t max) { return read_packet(0, kEp0Rx, data, max); }
int hw_send_ep0(const void* data, uint_fast8_t len) { return send_packet(0, kEp0Tx, data, len); }

void hw_stall_ep0() {
  set_tx(0, STAT_STALL);
  set_rx(0, STAT_VALID);
}

void hw_set_address(uint8_t addr) { g_address = addr; }

void hw_set_configured() {
  ep_reg(kNotifyEp) = TYPE_INTERRUPT | kNotifyEp;
  set_tx(kNotifyEp, STAT_NAK);
  ep_reg(kBulkEp) = TYPE_BULK | kBulkEp;
  set_rx(kBulkEp, STAT_VALID);
  set_tx(kBulkEp, STAT_NAK);
}

int hw_read_bulk_out(void* data, uint_fast8_t max) { return read_packet(kBulkEp, kEp2Rx, data, max); }
int hw_send_bulk_in(const void* data, uint_fast8_t len) {
  return send_packet(kBulkEp, kEp2Tx, data, len);
}
bool hw_bulk_in_ready() { return tx_stat(kBulkEp) != STAT_VALID; }

void hw_init() {
  stm32::periph_enable(kUsb);
  reg(kCntr) = 1;  // force reset, powered up
  for (volatile int i = 0; i < 1000; i++) {
  }
  reg(kCntr) = 0;
  reg(kIstr) = 0;
  reset_endpoints();
  reg(kCntr) = (1 << 15) | (1 << 10);  // CTR and RESET interrupts
  stm32::nvic_enable(stm32::usb_irq(), 0x80);
}

}  // namespace usb
}  // namespace fw

extern "C" void stm32_usb_handler() {
  using namespace fw::usb;
  uint32_t istr = reg(kIstr);
  if (istr & (1 << 10)) {  // bus reset
    reg(kIstr) = ~(1u << 10);
    reset_endpoints();
    return;
  }
  while ((istr = reg(kIstr)) & (1 << 15)) {  // a transfer completed
    uint8_t ep = istr & 0xf;
    uint32_t v = ep_reg(ep);
    if (v & EP_CTR_RX) {
      if (ep == 0 && (v & EP_SETUP)) g_setup_pending = true;
      clear_ctr(ep, EP_CTR_RX);
      set_rx(ep, STAT_NAK);  // hold until the packet is read
      if (ep == 0)
        notify_ep0();
      else
        notify_bulk_out();
    }
    if (v & EP_CTR_TX) {
      clear_ctr(ep, EP_CTR_TX);
      if (ep == 0) {
        if (g_address) {
          reg(kDaddr) = 0x80 | g_address;
          g_address = 0;
        }
        notify_ep0();
      } else if (ep == kBulkEp) {
        notify_bulk_in();
      }
    }
  }
}
