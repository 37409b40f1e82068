// What every accelerometer section ([adxl345], [mpu9250], [lis2dw], ...) shares: the sample and
// batch types, the axes_map option, the measurement client that collects samples over a time
// window (Klipper's AccelQueryHelper), the chip base class that streams bulk samples, and the
// ACCELEROMETER_* G-code commands (Klipper's AccelCommandHelper).
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "mcu/mcu.h"
#include "modules/bulk_sensor.h"

namespace kpp {

inline constexpr double kFreefallAccel = 9.80665 * 1000.;  // mm/s^2

struct AccelSample {
  double time, x, y, z;  // print time (s), accelerations (mm/s^2)
};

// What a chip hands to its clients every batch interval.
struct AccelBatch {
  std::vector<AccelSample> data;
  uint32_t errors = 0;     // samples the chip reported as garbled
  uint32_t overflows = 0;  // possible losses in the chip's fifo
};

// axes_map: for each printer axis, which raw chip axis (0..2) and with which scale (negative:
// reversed). ConfigError "Invalid axes_map parameter" on anything but x, y, z, -x, -y, -z.
struct AxesMap {
  std::array<int, 3> pos{0, 1, 2};
  std::array<double, 3> scale{1., 1., 1.};
  AccelSample apply(double time, const std::array<int32_t, 3>& raw) const {
    return {time, raw[static_cast<size_t>(pos[0])] * scale[0],
            raw[static_cast<size_t>(pos[1])] * scale[1],
            raw[static_cast<size_t>(pos[2])] * scale[2]};
  }
};
// `scales`: mm/s^2 per LSB of the raw x, y and z axes.
AxesMap read_axes_map(const ConfigWrapper& config, const std::array<double, 3>& scales);

// Collects the samples of one measurement: from the toolhead's last move time when created to
// its last move time at finish_measurements().
class AccelQueryClient {
 public:
  explicit AccelQueryClient(Printer& printer);
  // For tests: a fixed window start.
  AccelQueryClient(Printer* printer, double request_start_time);
  // The batch subscription: false once finished (unsubscribes).
  bool handle_batch(const AccelBatch& batch);
  // Close the window at the last queued move and wait for the moves to finish.
  void finish_measurements();
  void finish_at(double request_end_time);  // tests: close the window without a toolhead
  // Some batch overlaps the requested window.
  bool has_valid_samples() const;
  // The samples inside the window.
  std::vector<AccelSample> get_samples() const;
  // "#time,accel_x,accel_y,accel_z" then one line per sample. CommandError on I/O failure.
  void write_to_file(const std::string& filename) const;
  double request_start_time() const { return request_start_time_; }
  double request_end_time() const { return request_end_time_; }

 private:
  Printer* printer_;
  bool is_finished_ = false;
  double request_start_time_, request_end_time_;
  std::vector<std::vector<AccelSample>> msgs_;
};

// An accelerometer as resonance_tester uses it.
class AccelChip {
 public:
  virtual ~AccelChip() = default;
  // Start collecting (starts the chip when no other client is active).
  virtual std::shared_ptr<AccelQueryClient> start_internal_client() = 0;
  virtual int read_reg(int reg) = 0;
  virtual void set_reg(int reg, int val) = 0;
  // The last word of the section name ("adxl345", "my_mpu").
  virtual const std::string& chip_name() const = 0;
};

// ACCELEROMETER_MEASURE / _QUERY / _DEBUG_READ / _DEBUG_WRITE, routed by CHIP=<name>; the
// unnamed section of a chip type is also the default route (an [adxl345] takes precedence).
class AccelCommandHelper {
 public:
  AccelCommandHelper(const ConfigWrapper& config, AccelChip& chip);

 private:
  void register_commands(const std::string& route);
  void measure(GCodeCommand& gcmd);
  void query(GCodeCommand& gcmd);
  void debug_read(GCodeCommand& gcmd);
  void debug_write(GCodeCommand& gcmd);

  Printer& printer;
  AccelChip& chip;
  std::string base_name, name;
  std::shared_ptr<AccelQueryClient> bg_client;  // ACCELEROMETER_MEASURE in progress
};

// A chip that streams fixed-rate samples through sensor_bulk_data. Derived classes set up the
// bus and the MCU object, then call init_reader() in their constructor.
class BulkAccelChip : public PrinterObject, public AccelChip {
 public:
  std::shared_ptr<AccelQueryClient> start_internal_client() override;
  const std::string& chip_name() const override { return name_; }

 protected:
  // `dump_path`: the API endpoint ("adxl345/dump_adxl345"); `batch_interval` in seconds.
  BulkAccelChip(const ConfigWrapper& config, const std::string& dump_path, double batch_interval);
  // `chip_clock_smooth` as FixedFreqReader takes it.
  void init_reader(Mcu& mcu, double chip_clock_smooth, int bytes_per_sample);
  FixedFreqReader& reader() { return *reader_; }
  // Program the chip and start the MCU's polling / stop both again.
  virtual void start_measurements() = 0;
  virtual void finish_measurements() = 0;
  // Raw samples to accelerations (skipping and counting garbled ones in `errors`).
  virtual void convert_samples(const std::vector<BulkSample>& raw, std::vector<AccelSample>& out,
                               uint32_t& errors) = 0;

  Printer& printer_;
  std::string name_;
  uint32_t last_error_count_ = 0;

 private:
  std::optional<AccelBatch> process_batch(double eventtime);
  std::unique_ptr<FixedFreqReader> reader_;
  AccelCommandHelper commands_;
  BatchBulkHelper<AccelBatch> batch_bulk_;
  std::string dump_path_;
};


// NAME parameters and file name parts: letters, digits, '-' and '_' only.
bool is_valid_name_suffix(const std::string& name);
// "YYYYMMDD_HHMMSS" of the local time (the default NAME).
std::string default_name_suffix();

}  // namespace kpp
