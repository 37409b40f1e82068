// Batching of sensor samples for the host's bulk sensor protocol (sensor_bulk_data reports with
// a sequence number, sensor_bulk_status answers to the status queries), shared by the
// accelerometer drivers.
#pragma once

#include <stdint.h>

namespace fw {

struct SensorBulk {
  uint16_t sequence, possible_overflows;
  uint8_t data_count;
  uint8_t data[52];
};

void sensor_bulk_reset(SensorBulk* sb);
// Send the buffered samples as the next sequence number and empty the buffer.
void sensor_bulk_report(SensorBulk* sb, uint8_t oid);
// Answer a status query: `time1` and `query_ticks` bracket the chip's fifo read, `fifo` is the
// number of bytes still in the chip.
void sensor_bulk_status(SensorBulk* sb, uint8_t oid, uint32_t time1, uint32_t query_ticks,
                        uint32_t fifo);

}  // namespace fw
