// USB CDC ACM serial link (a "virtual COM port") on top of a chip's device controller
// (usb_hw.h), feeding the same receive window and transmit buffer as a UART (serial_irq.h).
#include <string.h>

#include "boards/common/serial_irq.h"
#include "boards/common/usb_hw.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

namespace usb {

namespace {

// ---- descriptors ----
constexpr uint16_t kVendor = 0x1209, kProduct = 0x0001;  // pid.codes test id

const uint8_t kDeviceDesc[] = {
    18, 1, 0x00, 0x02,  // USB 2.0
    2, 0, 0,            // class CDC
    kEp0Size, kVendor & 0xff, kVendor >> 8, kProduct & 0xff, kProduct >> 8,
    0x00, 0x01,  // device release 1.0
    1, 2, 3,     // manufacturer, product, serial strings
    1};

const uint8_t kConfigDesc[] = {
    9, 2, 67, 0, 2, 1, 0, 0xC0, 50,  // configuration: 2 interfaces, self powered, 100 mA
    // Communication interface with one interrupt endpoint
    9, 4, 0, 0, 1, 2, 2, 1, 0,
    5, 0x24, 0x00, 0x10, 0x01,  // header
    5, 0x24, 0x01, 0x00, 1,     // call management
    4, 0x24, 0x02, 0x02,        // ACM: line coding and serial state
    5, 0x24, 0x06, 0, 1,        // union
    7, 5, 0x80 | kNotifyEp, 3, 8, 0, 255,
    // Data interface with the bulk endpoints
    9, 4, 1, 0, 2, 0x0A, 0, 0, 0,
    7, 5, kBulkEp, 2, kBulkSize, 0, 0,
    7, 5, 0x80 | kBulkEp, 2, kBulkSize, 0, 0};
static_assert(sizeof(kConfigDesc) == 67, "configuration descriptor length");

const uint8_t kLangDesc[] = {4, 3, 0x09, 0x04};

// A string descriptor from ASCII, built into `out`.
uint_fast8_t string_desc(uint8_t index, uint8_t* out) {
  static const char* const kStrings[] = {"", "Klipper++", "Klipper++ " KPP_USB_PRODUCT, "0"};
  const char* s = kStrings[index];
  uint_fast8_t n = 2;
  for (; *s; s++) {
    out[n++] = static_cast<uint8_t>(*s);
    out[n++] = 0;
  }
  out[0] = static_cast<uint8_t>(n);
  out[1] = 3;
  return n;
}

// ---- endpoint 0 ----
struct Setup {
  uint8_t type, request;
  uint16_t value, index, length;
};

TaskWake g_ep0_wake, g_out_wake, g_in_wake;
const uint8_t* g_ep0_data;  // rest of a multi-packet IN reply
uint_fast8_t g_ep0_left;
bool g_ep0_zlp;
uint8_t g_desc_buf[64];
uint8_t g_line_coding[7] = {0x90, 0xd0, 0x03, 0, 0, 0, 8};  // 250000 8N1
bool g_expect_line_coding;

void ep0_send_more() {
  uint_fast8_t n = g_ep0_left > kEp0Size ? kEp0Size : g_ep0_left;
  if (!n && !g_ep0_zlp) return;
  if (hw_send_ep0(g_ep0_data, static_cast<uint8_t>(n)) < 0) return;
  g_ep0_data += n;
  g_ep0_left = static_cast<uint_fast8_t>(g_ep0_left - n);
  if (!n || (!g_ep0_left && n < kEp0Size)) g_ep0_zlp = false;
  if (!g_ep0_left && n == kEp0Size) g_ep0_zlp = true;  // end with a zero-length packet
  if (!g_ep0_left && !g_ep0_zlp) g_ep0_data = nullptr;
}

void ep0_reply(const void* data, uint_fast8_t len, uint16_t max) {
  if (len > max) len = static_cast<uint_fast8_t>(max);
  g_ep0_data = static_cast<const uint8_t*>(data);
  g_ep0_left = len;
  g_ep0_zlp = !len;
  ep0_send_more();
}

void handle_setup(const Setup& s) {
  if (s.type == 0x80 && s.request == 6) {  // GET_DESCRIPTOR
    uint8_t kind = static_cast<uint8_t>(s.value >> 8), index = static_cast<uint8_t>(s.value);
    if (kind == 1) return ep0_reply(kDeviceDesc, sizeof(kDeviceDesc), s.length);
    if (kind == 2) return ep0_reply(kConfigDesc, sizeof(kConfigDesc), s.length);
    if (kind == 3 && index == 0) return ep0_reply(kLangDesc, sizeof(kLangDesc), s.length);
    if (kind == 3 && index <= 3) return ep0_reply(g_desc_buf, string_desc(index, g_desc_buf), s.length);
  } else if (s.type == 0x00 && s.request == 5) {  // SET_ADDRESS (applies after the status)
    ep0_reply(nullptr, 0, 0);
    hw_set_address(static_cast<uint8_t>(s.value));
    return;
  } else if (s.type == 0x00 && s.request == 9) {  // SET_CONFIGURATION
    hw_set_configured();
    return ep0_reply(nullptr, 0, 0);
  } else if (s.type == 0x80 && s.request == 0) {  // GET_STATUS
    static const uint8_t kStatus[2] = {1, 0};
    return ep0_reply(kStatus, 2, s.length);
  } else if (s.type == 0x21 && s.request == 0x20) {  // SET_LINE_CODING: data follows
    g_expect_line_coding = true;
    return;
  } else if (s.type == 0xA1 && s.request == 0x21) {  // GET_LINE_CODING
    return ep0_reply(g_line_coding, sizeof(g_line_coding), s.length);
  } else if (s.type == 0x21 && s.request == 0x22) {  // SET_CONTROL_LINE_STATE
    return ep0_reply(nullptr, 0, 0);
  }
  hw_stall_ep0();
}

}  // namespace

void notify_ep0() { sched_wake_task(&g_ep0_wake); }
void notify_bulk_out() { sched_wake_task(&g_out_wake); }
void notify_bulk_in() { sched_wake_task(&g_in_wake); }

}  // namespace usb

FW_CONSTANT_STR("RESERVE_PINS_USB", "PA11,PA12");

FW_INIT_PRIO(usb_init, 30);
void usb_init() { usb::hw_init(); }

FW_TASK(usb_ep0_task);
void usb_ep0_task() {
  using namespace usb;
  if (!sched_check_wake(&g_ep0_wake)) return;
  uint8_t buf[kEp0Size];
  Setup s;
  if (hw_read_setup(buf) == 8) {
    g_ep0_data = nullptr;
    g_ep0_left = 0;
    g_ep0_zlp = false;
    g_expect_line_coding = false;
    s.type = buf[0];
    s.request = buf[1];
    s.value = static_cast<uint16_t>(buf[2] | buf[3] << 8);
    s.index = static_cast<uint16_t>(buf[4] | buf[5] << 8);
    s.length = static_cast<uint16_t>(buf[6] | buf[7] << 8);
    handle_setup(s);
    return;
  }
  int n = hw_read_ep0(buf, sizeof(buf));
  if (n >= 0 && g_expect_line_coding) {
    memcpy(g_line_coding, buf, n > 7 ? 7 : static_cast<size_t>(n));
    g_expect_line_coding = false;
    ep0_reply(nullptr, 0, 0);
    return;
  }
  if (g_ep0_data) ep0_send_more();
}

// Host to MCU: a packet is taken only when the receive window has room for it.
FW_TASK(usb_bulk_out_task);
void usb_bulk_out_task() {
  using namespace usb;
  if (!sched_check_wake(&g_out_wake)) return;
  if (serial_rx_space() < kBulkSize) {
    sched_wake_task(&g_out_wake);  // try again once the console task has made room
    return;
  }
  uint8_t buf[kBulkSize];
  int n = hw_read_bulk_out(buf, sizeof(buf));
  for (int i = 0; i < n; i++) serial_rx_byte(buf[i]);
}

// MCU to host: whatever the transmit buffer holds, a packet at a time.
FW_TASK(usb_bulk_in_task);
void usb_bulk_in_task() {
  using namespace usb;
  if (!sched_check_wake(&g_in_wake) || !hw_bulk_in_ready()) return;  // woken again when free
  uint8_t buf[kBulkSize];
  uint_fast8_t n = 0;
  irq_disable();
  while (n < kBulkSize && serial_tx_next(&buf[n])) n++;
  irq_enable();
  if (n) hw_send_bulk_in(buf, n);
}

void serial_enable_tx_irq() { sched_wake_task(&usb::g_in_wake); }

}  // namespace fw
