// The stm32f407 USB OTG full-speed controller in device mode (RM0090 chapter 34): packets arrive
// through the shared receive FIFO (popped by the interrupt into per-endpoint buffers), and leave
// through one transmit FIFO per IN endpoint.
#include "boards/common/usb_hw.h"
#include "boards/stm32/stm32_chip.h"
#include "core/board.h"

namespace fw {
namespace usb {

namespace {

using stm32::reg;

constexpr uintptr_t kOtg = 0x50000000;
constexpr uintptr_t GAHBCFG = kOtg + 0x008, GUSBCFG = kOtg + 0x00C, GRSTCTL = kOtg + 0x010,
                    GINTSTS = kOtg + 0x014, GINTMSK = kOtg + 0x018, GRXSTSP = kOtg + 0x020,
                    GRXFSIZ = kOtg + 0x024, DIEPTXF0 = kOtg + 0x028, GCCFG = kOtg + 0x038,
                    DCFG = kOtg + 0x800, DCTL = kOtg + 0x804, DAINT = kOtg + 0x818,
                    DAINTMSK = kOtg + 0x81C, DIEPMSK = kOtg + 0x810;
uintptr_t dieptxf(uint8_t ep) { return kOtg + 0x104 + 4 * (ep - 1); }
uintptr_t diepctl(uint8_t ep) { return kOtg + 0x900 + 0x20 * ep; }
uintptr_t diepint(uint8_t ep) { return kOtg + 0x908 + 0x20 * ep; }
uintptr_t dieptsiz(uint8_t ep) { return kOtg + 0x910 + 0x20 * ep; }
uintptr_t doepctl(uint8_t ep) { return kOtg + 0xB00 + 0x20 * ep; }
uintptr_t doeptsiz(uint8_t ep) { return kOtg + 0xB10 + 0x20 * ep; }
uintptr_t fifo(uint8_t ep) { return kOtg + 0x1000 * (ep + 1); }

constexpr uint32_t EPENA = 1u << 31, CNAK = 1u << 26, SNAK = 1u << 27, STALL = 1u << 21,
                   USBAEP = 1u << 15, SD0PID = 1u << 28;
constexpr uint32_t GINT_RXFLVL = 1 << 4, GINT_USBRST = 1 << 12, GINT_ENUMDNE = 1 << 13,
                   GINT_IEPINT = 1 << 18;

struct RxBuf {
  uint8_t data[64];
  volatile int8_t len;  // -1: empty
};
RxBuf g_setup{{}, -1}, g_ep0_out{{}, -1}, g_bulk_out{{}, -1};

void arm_ep0_out() {
  reg(doeptsiz(0)) = (3u << 29) | (1u << 19) | kEp0Size;  // 3 setups, 1 packet
  reg(doepctl(0)) |= EPENA | CNAK;
}

void arm_bulk_out() {
  reg(doeptsiz(kBulkEp)) = (1u << 19) | kBulkSize;
  reg(doepctl(kBulkEp)) |= EPENA | CNAK;
}

void read_fifo(uint8_t* dst, uint32_t count) {
  for (uint32_t i = 0; i < count; i += 4) {
    uint32_t w = reg(fifo(0));
    for (uint32_t j = 0; j < 4 && i + j < count; j++) dst[i + j] = static_cast<uint8_t>(w >> (8 * j));
  }
}

int take(RxBuf& b, void* data, uint_fast8_t max) {
  irqstatus_t flag = irq_save();
  int n = b.len;
  if (n >= 0) {
    if (n > static_cast<int>(max)) n = static_cast<int>(max);
    memcpy(data, b.data, static_cast<size_t>(n));
    b.len = -1;
  }
  irq_restore(flag);
  return n;
}

int send(uint8_t ep, const void* data, uint_fast8_t len) {
  if (reg(diepctl(ep)) & EPENA) return -1;
  reg(dieptsiz(ep)) = (1u << 19) | len;
  reg(diepctl(ep)) |= EPENA | CNAK;
  const uint8_t* s = static_cast<const uint8_t*>(data);
  for (uint_fast8_t i = 0; i < len; i += 4) {
    uint32_t w = 0;
    for (uint_fast8_t j = 0; j < 4 && i + j < len; j++) w |= static_cast<uint32_t>(s[i + j]) << (8 * j);
    reg(fifo(ep)) = w;
  }
  return len;
}

void bus_reset() {
  reg(DCFG) &= ~(0x7fu << 4);  // address 0
  reg(DAINTMSK) = (1u << 0) | (1u << 16);
  reg(DIEPMSK) = 1;  // transfer completed
  reg(diepctl(0)) = 2;  // 16-byte packets
  arm_ep0_out();
}

}  // namespace

int hw_read_setup(void* data) {
  int n = take(g_setup, data, 8);
  if (n >= 0) arm_ep0_out();
  return n;
}

int hw_read_ep0(void* data, uint_fast8_t max) {
  int n = take(g_ep0_out, data, max);
  if (n >= 0) arm_ep0_out();
  return n;
}

int hw_send_ep0(const void* data, uint_fast8_t len) { return send(0, data, len); }

void hw_stall_ep0() {
  reg(diepctl(0)) |= STALL;
  reg(doepctl(0)) |= STALL;
}

void hw_set_address(uint8_t addr) {
  reg(DCFG) = (reg(DCFG) & ~(0x7fu << 4)) | (static_cast<uint32_t>(addr) << 4);
}

void hw_set_configured() {
  reg(diepctl(kNotifyEp)) = USBAEP | (3u << 18) | (1u << 22) | SD0PID | 8;
  reg(diepctl(kBulkEp)) = USBAEP | (2u << 18) | (2u << 22) | SD0PID | kBulkSize;
  reg(doepctl(kBulkEp)) = USBAEP | (2u << 18) | SD0PID | kBulkSize;
  reg(DAINTMSK) |= (1u << kNotifyEp) | (1u << kBulkEp) | (1u << (16 + kBulkEp));
  arm_bulk_out();
}

int hw_read_bulk_out(void* data, uint_fast8_t max) {
  int n = take(g_bulk_out, data, max);
  if (n >= 0) arm_bulk_out();
  return n;
}

int hw_send_bulk_in(const void* data, uint_fast8_t len) { return send(kBulkEp, data, len); }
bool hw_bulk_in_ready() { return !(reg(diepctl(kBulkEp)) & EPENA); }

void hw_init() {
  stm32::periph_enable(kOtg);
  stm32::gpio_mode_af(11, 10, false);  // PA11 DM
  stm32::gpio_mode_af(12, 10, false);  // PA12 DP
  while (!(reg(GRSTCTL) & (1u << 31))) {
  }
  reg(GRSTCTL) |= 1;  // core soft reset
  while (reg(GRSTCTL) & 1) {
  }
  reg(GUSBCFG) = (1u << 30) | (6u << 10) | (1u << 6);  // device mode, turnaround, FS PHY
  reg(GCCFG) = (1u << 16) | (1u << 21);                // transceiver on, no VBUS sensing
  reg(DCFG) = 3;                                       // full speed
  reg(GRXFSIZ) = 128;
  reg(DIEPTXF0) = (16u << 16) | 128;
  reg(dieptxf(kNotifyEp)) = (16u << 16) | 144;
  reg(dieptxf(kBulkEp)) = (32u << 16) | 160;
  reg(GINTMSK) = GINT_RXFLVL | GINT_USBRST | GINT_ENUMDNE | GINT_IEPINT;
  reg(GAHBCFG) = 1;
  reg(DCTL) &= ~(1u << 1);  // connect
  stm32::nvic_enable(stm32::usb_irq(), 0x80);
}

}  // namespace usb
}  // namespace fw

extern "C" void stm32_usb_handler() {
  using namespace fw::usb;
  uint32_t sts = reg(GINTSTS);
  if (sts & GINT_USBRST) {
    reg(GINTSTS) = GINT_USBRST;
    bus_reset();
  }
  if (sts & GINT_ENUMDNE) reg(GINTSTS) = GINT_ENUMDNE;
  while (reg(GINTSTS) & GINT_RXFLVL) {
    uint32_t st = reg(GRXSTSP);
    uint8_t ep = st & 0xf;
    uint32_t count = (st >> 4) & 0x7ff, kind = (st >> 17) & 0xf;
    RxBuf* b = nullptr;
    if (kind == 6)
      b = &g_setup;
    else if (kind == 2)
      b = ep == 0 ? &g_ep0_out : &g_bulk_out;
    if (!b) continue;
    uint8_t tmp[64];
    read_fifo(b->len < 0 ? b->data : tmp, count > 64 ? 64 : count);
    b->len = static_cast<int8_t>(count > 64 ? 64 : count);
    if (ep == 0)
      notify_ep0();
    else
      notify_bulk_out();
  }
  if (sts & GINT_IEPINT) {
    uint32_t daint = reg(DAINT);
    for (uint8_t ep = 0; ep <= kBulkEp; ep++) {
      if (!(daint & (1u << ep))) continue;
      reg(diepint(ep)) = reg(diepint(ep));
      if (ep == 0)
        notify_ep0();
      else if (ep == kBulkEp)
        notify_bulk_in();
    }
  }
}
