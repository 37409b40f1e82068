// The USB device controller interface a chip offers to the CDC ACM layer (usb_cdc.cpp):
// endpoint 0 (control), endpoint 1 IN (notifications), endpoint 2 OUT and IN (bulk data).
#pragma once

#include <stdint.h>

namespace fw {
namespace usb {

constexpr uint8_t kEp0Size = 16;
constexpr uint8_t kBulkSize = 64;
constexpr uint8_t kNotifyEp = 1, kBulkEp = 2;

// Each returns the packet length, or -1 when there is no packet / the endpoint is busy.
int hw_read_setup(void* data);  // 8-byte SETUP packet
int hw_read_ep0(void* data, uint_fast8_t max);
int hw_send_ep0(const void* data, uint_fast8_t len);
void hw_stall_ep0();
void hw_set_address(uint8_t addr);
void hw_set_configured();
int hw_read_bulk_out(void* data, uint_fast8_t max);
int hw_send_bulk_in(const void* data, uint_fast8_t len);
bool hw_bulk_in_ready();
void hw_init();

// Called by the controller's interrupt: wake the CDC tasks.
void notify_ep0();
void notify_bulk_out();
void notify_bulk_in();

}  // namespace usb
}  // namespace fw
