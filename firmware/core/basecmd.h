// Object ids, the allocator and the move queue: the memory model of the firmware.
//
// There is no heap. The board hands over one arena; config commands carve their objects out of
// it (alloc_chunk), and finalize_config turns the rest into the move queue: equal-sized items
// that steppers, digital outs and pwm outs chain into per-object queues.
#pragma once

#include <stdint.h>

#include "core/compiler.h"

namespace fw {

// An oid's type is the address of its config command handler.
using OidType = void (*)(uint32_t* args);

void* alloc_chunk(uint16_t size);
void* oid_alloc(uint8_t oid, OidType type, uint16_t size);
void* oid_lookup(uint8_t oid, OidType type);
// Iterate the objects of one type: `uint8_t i = 0xff; while ((p = oid_next(&i, type)))`.
void* oid_next(uint8_t* i, OidType type);

template <class T>
inline T* oid_alloc_t(uint8_t oid, OidType type) {
  return static_cast<T*>(oid_alloc(oid, type, sizeof(T)));
}
template <class T>
inline T* oid_lookup_t(uint8_t oid, OidType type) {
  return static_cast<T*>(oid_lookup(oid, type));
}

#define FW_FOREACH_OID(i, ptr, Type, type_tag) \
  for (i = 0xff; (ptr = static_cast<Type*>(::fw::oid_next(&i, type_tag))) != nullptr;)

bool config_is_finalized();
// Forget every oid, the configuration and the move queue (see firmware_reset()).
void basecmd_reset();
// At power-on (the clock starts again from 0): forget the uptime's high word as well.
void basecmd_power_on();

// ---- move queue ----
struct MoveNode {
  MoveNode* next;
};
struct MoveQueueHead {
  MoveNode* first;
  MoveNode* last;
};

// Declare that items of `size` bytes will be queued (before finalize_config).
void move_request_size(uint16_t size);
// Take a free item (shuts down with "Move queue overflow" when none is left).
void* move_alloc();
// Give an item back (interrupts disabled).
void move_free(void* m);
void move_queue_setup(MoveQueueHead* mh, uint16_t item_size);
// Append; returns true when the queue was empty.
FW_ALWAYS_INLINE bool move_queue_push(MoveNode* m, MoveQueueHead* mh) {
  m->next = nullptr;
  if (mh->first) {
    mh->last->next = m;
    mh->last = m;
    return false;
  }
  mh->first = mh->last = m;
  return true;
}
FW_ALWAYS_INLINE bool move_queue_empty(const MoveQueueHead* mh) {
  return mh->first == nullptr;
}
FW_ALWAYS_INLINE MoveNode* move_queue_first(MoveQueueHead* mh) {
  return mh->first;
}
FW_ALWAYS_INLINE MoveNode* move_queue_pop(MoveQueueHead* mh) {
  MoveNode* m = mh->first;
  mh->first = m->next;
  return m;
}
// Free every queued item (interrupts disabled).
void move_queue_clear(MoveQueueHead* mh);

}  // namespace fw
