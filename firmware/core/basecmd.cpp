// Basic commands: oid allocation, configuration and its crc, the move queue, clock and uptime,
// load statistics, identify, emergency stop.
#include "core/basecmd.h"

#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

// ---- arena ----

namespace {
constexpr uint16_t kAlign = __BIGGEST_ALIGNMENT__ > 8 ? 8 : __BIGGEST_ALIGNMENT__;
uint8_t* g_alloc_next;
uint8_t* g_alloc_end;

uint8_t* align_up(uint8_t* p) {
  uintptr_t v = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<uint8_t*>((v + kAlign - 1) & ~static_cast<uintptr_t>(kAlign - 1));
}
}  // namespace

FW_INIT_PRIO(alloc_init, 10);
void alloc_init() {
  uint8_t* start;
  board_arena(&start, &g_alloc_end);
  g_alloc_next = align_up(start);
}

void* alloc_chunk(uint16_t size) {
  if (size > static_cast<uintptr_t>(g_alloc_end - g_alloc_next)) fw_shutdown("alloc_chunk failed");
  uint8_t* data = g_alloc_next;
  g_alloc_next = align_up(data + size);
  if (g_alloc_next > g_alloc_end) g_alloc_next = g_alloc_end;
  for (uint16_t i = 0; i < size; i++) data[i] = 0;
  return data;
}

// ---- move queue ----

namespace {
MoveNode* g_move_free_list;
uint8_t* g_move_list;
uint16_t g_move_count;
uint16_t g_move_item_size = sizeof(MoveNode);
}  // namespace

bool config_is_finalized() {
  return g_move_count != 0;
}

void move_request_size(uint16_t size) {
  if (size > 255 || config_is_finalized()) fw_shutdown("Invalid move request size");
  if (size > g_move_item_size) g_move_item_size = size;
}

void move_queue_setup(MoveQueueHead* mh, uint16_t item_size) {
  mh->first = mh->last = nullptr;
  move_request_size(item_size);
}

void move_free(void* m) {
  MoveNode* mf = static_cast<MoveNode*>(m);
  mf->next = g_move_free_list;
  g_move_free_list = mf;
}

void* move_alloc() {
  irqstatus_t flag = irq_save();
  MoveNode* mf = g_move_free_list;
  if (!mf) fw_shutdown("Move queue overflow");
  g_move_free_list = mf->next;
  irq_restore(flag);
  return mf;
}

void move_queue_clear(MoveQueueHead* mh) {
  while (mh->first) move_free(move_queue_pop(mh));
  mh->last = nullptr;
}

// After the drivers' shutdown handlers (they empty their queues first): every item is free again.
FW_SHUTDOWN_PRIO(move_reset, 90);
void move_reset() {
  if (!g_move_count) return;
  // Every item back on the free list (the per-object queues are cleared by their owners).
  g_move_free_list = nullptr;
  for (uint16_t i = g_move_count; i--;)
    move_free(g_move_list + static_cast<uint32_t>(i) * g_move_item_size);
}

namespace {
void move_finalize() {
  if (config_is_finalized()) fw_shutdown("Already finalized");
  uint16_t size = static_cast<uint16_t>((g_move_item_size + kAlign - 1) & ~(kAlign - 1));
  uint32_t avail = static_cast<uint32_t>(g_alloc_end - g_alloc_next) / size;
  if (!avail) fw_shutdown("alloc_chunks failed");
  uint16_t count = avail > 1024 ? 1024 : static_cast<uint16_t>(avail);
  g_move_item_size = size;
  g_move_list = static_cast<uint8_t*>(alloc_chunk(static_cast<uint16_t>(count * size)));
  g_move_count = count;
  move_reset();
}
}  // namespace

// ---- oids ----

namespace {
struct OidSlot {
  OidType type;
  void* data;
};
OidSlot* g_oids;
uint8_t g_oid_count;
}  // namespace

void* oid_lookup(uint8_t oid, OidType type) {
  if (oid >= g_oid_count || type != g_oids[oid].type) fw_shutdown("Invalid oid type");
  return g_oids[oid].data;
}

void* oid_alloc(uint8_t oid, OidType type, uint16_t size) {
  if (oid >= g_oid_count || g_oids[oid].type || config_is_finalized())
    fw_shutdown("Can't assign oid");
  g_oids[oid].type = type;
  void* data = alloc_chunk(size);
  g_oids[oid].data = data;
  return data;
}

void* oid_next(uint8_t* i, OidType type) {
  uint8_t oid = *i;
  for (;;) {
    oid++;
    if (oid >= g_oid_count) return nullptr;
    if (g_oids[oid].type == type) {
      *i = oid;
      return g_oids[oid].data;
    }
  }
}

FW_COMMAND(command_allocate_oids, "allocate_oids count=%c");
void command_allocate_oids(uint32_t* args) {
  if (g_oids) fw_shutdown("oids already allocated");
  uint8_t count = static_cast<uint8_t>(args[0]);
  g_oids = static_cast<OidSlot*>(alloc_chunk(static_cast<uint16_t>(sizeof(OidSlot) * count)));
  g_oid_count = count;
}

// ---- configuration ----

namespace {
uint32_t g_config_crc;
}

FW_RESPONSE(resp_config, "config is_config=%c crc=%u is_shutdown=%c move_count=%hu");

FW_COMMAND_IN_SHUTDOWN(command_get_config, "get_config");
void command_get_config(uint32_t*) {
  fw_sendf(resp_config, config_is_finalized(), g_config_crc, sched_is_shutdown(), g_move_count);
}

FW_COMMAND(command_finalize_config, "finalize_config crc=%u");
void command_finalize_config(uint32_t* args) {
  move_finalize();
  g_config_crc = args[0];
  command_get_config(nullptr);
}

// ---- clock, uptime and statistics ----

FW_COMMAND_IN_SHUTDOWN(command_get_clock, "get_clock");
void command_get_clock(uint32_t*) {
  FW_RESPONSE(resp_clock, "clock clock=%u");
  fw_sendf(resp_clock, timer_read_time());
}

namespace {
uint32_t g_stats_send_time, g_stats_send_time_high;
constexpr uint32_t kSumsqBase = 256;
}  // namespace
FW_CONSTANT("STATS_SUMSQ_BASE", 256);

FW_COMMAND_IN_SHUTDOWN(command_get_uptime, "get_uptime");
void command_get_uptime(uint32_t*) {
  uint32_t cur = timer_read_time();
  uint32_t high = g_stats_send_time_high + (cur < g_stats_send_time);
  FW_RESPONSE(resp_uptime, "uptime high=%u clock=%u");
  fw_sendf(resp_uptime, high, cur);
}

void stats_update(uint32_t start, uint32_t cur) {
  static uint32_t count, sum, sumsq;
  uint32_t diff = cur - start;
  count++;
  sum += diff;
  uint32_t nextsumsq;
  if (diff <= 0xffff)
    nextsumsq = sumsq + div_round_up(diff * diff, kSumsqBase);
  else if (diff <= 0xfffff)
    nextsumsq = sumsq + div_round_up(diff, kSumsqBase) * diff;
  else
    nextsumsq = 0xffffffff;
  if (nextsumsq < sumsq) nextsumsq = 0xffffffff;
  sumsq = nextsumsq;
  if (timer_is_before(cur, g_stats_send_time + timer_from_us(5000000))) return;
  FW_RESPONSE(resp_stats, "stats count=%u sum=%u sumsq=%u");
  fw_sendf(resp_stats, count, sum, sumsq);
  if (cur < g_stats_send_time) g_stats_send_time_high++;
  g_stats_send_time = cur;
  count = sum = sumsq = 0;
}

void basecmd_power_on() {
  g_stats_send_time = g_stats_send_time_high = 0;
}

void basecmd_reset() {
  g_oids = nullptr;
  g_oid_count = 0;
  g_move_free_list = nullptr;
  g_move_list = nullptr;
  g_move_count = 0;
  g_move_item_size = sizeof(MoveNode);
  g_config_crc = 0;
  alloc_init();
}

// ---- misc ----

FW_COMMAND_IN_SHUTDOWN(command_emergency_stop, "emergency_stop");
void command_emergency_stop(uint32_t*) {
  fw_shutdown("Command request");
}

FW_COMMAND_IN_SHUTDOWN(command_clear_shutdown, "clear_shutdown");
void command_clear_shutdown(uint32_t*) {
  sched_clear_shutdown();
}

FW_COMMAND_IN_SHUTDOWN(command_identify, "identify offset=%u count=%c");
void command_identify(uint32_t* args) {
  uint32_t offset = args[0];
  uint8_t count = static_cast<uint8_t>(args[1]);
  uint32_t isize = kIdentifySize;
  if (offset >= isize)
    count = 0;
  else if (offset + count > isize)
    count = static_cast<uint8_t>(isize - offset);
  FW_RESPONSE(resp_identify, "identify_response offset=%u data=%.*s");
  fw_sendf(resp_identify, offset, ProgmemBytes{kIdentifyData + (count ? offset : 0), count});
}

}  // namespace fw
