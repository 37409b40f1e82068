// Bulk sensor reports (see sensor_bulk.h).
#include "drivers/sensor_bulk.h"

#include "core/command.h"

namespace fw {

void sensor_bulk_reset(SensorBulk* sb) {
  sb->sequence = 0;
  sb->possible_overflows = 0;
  sb->data_count = 0;
}

void sensor_bulk_report(SensorBulk* sb, uint8_t oid) {
  FW_RESPONSE(resp_sensor_bulk_data, "sensor_bulk_data oid=%c sequence=%hu data=%*s");
  fw_sendf(resp_sensor_bulk_data, oid, sb->sequence, Bytes{sb->data, sb->data_count});
  sb->data_count = 0;
  sb->sequence++;
}

void sensor_bulk_status(SensorBulk* sb, uint8_t oid, uint32_t time1, uint32_t query_ticks,
                        uint32_t fifo) {
  FW_RESPONSE(resp_sensor_bulk_status,
              "sensor_bulk_status oid=%c clock=%u query_ticks=%u next_sequence=%hu buffered=%u "
              "possible_overflows=%hu");
  fw_sendf(resp_sensor_bulk_status, oid, time1, query_ticks, sb->sequence,
           static_cast<uint32_t>(sb->data_count + fifo), sb->possible_overflows);
}

}  // namespace fw
