// Reading bulk sensor data from an MCU (Klipper's bulk_sensor.py): the MCU batches the samples of
// a fixed-rate chip into sensor_bulk_data messages and answers status queries with
// sensor_bulk_status; FixedFreqReader turns those into time-stamped samples, and
// BatchBulkHelper hands them out to clients (G-code commands, API dumps) every batch interval
// while at least one client listens.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/api_server.h"
#include "core/json.h"
#include "core/printer.h"
#include "core/reactor.h"
#include "core/webhooks.h"
#include "core/errors.h"
#include "mcu/mcu.h"

namespace kpp {

// Chip clock to MCU clock by an exponentially weighted linear regression. The "chip clock" is
// the count of samples the chip produced; the result maps a sample index to a print time.
class ClockSyncRegression {
 public:
  ClockSyncRegression(Mcu& mcu, double chip_clock_smooth, double decay = 1. / 20.)
      : mcu_(mcu), chip_clock_smooth_(chip_clock_smooth), decay_(decay) {}
  void reset(double mcu_clock, double chip_clock);
  void update(double mcu_clock, double chip_clock);
  // Remember the last chip clock handed out, so that the next translation continues smoothly
  // from it instead of jumping to the new regression line.
  void set_last_chip_clock(double chip_clock);
  struct Translation {
    double base_time, base_chip, inv_freq;  // time = base_time + (chip - base_chip) * inv_freq
  };
  Translation get_time_translation() const;

 private:
  // (base mcu clock, base chip clock, mcu clocks per chip clock)
  std::array<double, 3> get_clock_translation() const;
  Mcu& mcu_;
  double chip_clock_smooth_, decay_;
  double last_chip_clock_ = 0., last_exp_mcu_clock_ = 0.;
  double mcu_clock_avg_ = 0., mcu_clock_variance_ = 0.;
  double chip_clock_avg_ = 0., chip_clock_covariance_ = 0.;
};

// One raw sample of a bulk sensor: its print time and its bytes (bytes_per_sample of them).
struct BulkSample {
  double time;
  std::array<uint8_t, 8> data;
};

// Largest payload of a sensor_bulk_data message; the MCU fills it with whole samples.
inline constexpr int kMaxBulkMsgSize = 51;

// Reads sensor_bulk_data / sensor_bulk_status of one chip sampling at a fixed frequency.
class FixedFreqReader {
 public:
  // `chip_clock_smooth`: over how many samples a change of the clock estimate is spread.
  FixedFreqReader(Mcu& mcu, double chip_clock_smooth, int bytes_per_sample);
  // At config time: the chip's status query command ("query_adxl345_status oid=%c").
  void setup_query_command(const std::string& msgformat, int oid, int cmd_queue);
  uint32_t get_last_overflows() const { return last_overflows_; }
  int bytes_per_sample() const { return bytes_per_sample_; }
  // Right after the MCU started polling the chip: drop stale data, set the clock origin.
  void note_start();
  void note_end() { raw_.clear(); }
  // Query the MCU for the chip's timing, then convert the queued messages to samples.
  std::vector<BulkSample> pull_samples();
  // The conversion alone (exposed for tests): messages as (sequence, payload).
  std::vector<BulkSample> convert(const std::vector<std::pair<uint16_t, std::string>>& raw);
  // Feed one status answer (exposed for tests).
  void update_clock(uint32_t clock, uint32_t query_ticks, uint16_t next_sequence,
                    uint32_t buffered, uint16_t possible_overflows, bool is_reset = false);

 private:
  void query_status(bool is_reset);
  Mcu& mcu_;
  ClockSyncRegression clock_sync_;
  int bytes_per_sample_, samples_per_block_;
  uint64_t last_sequence_ = 0;
  uint32_t last_overflows_ = 0;
  uint64_t max_query_duration_ = 0;
  int oid_ = -1;
  McuQueryCommand query_status_cmd_;
  std::vector<std::pair<uint16_t, std::string>> raw_;
};

// Periodic hand-out of sensor batches to clients. `Batch` is what the chip's batch callback
// produces (nullopt: nothing new). A client returns false to unsubscribe; the chip is started
// with the first client and stopped after the last one left.
template <class Batch>
class BatchBulkHelper {
 public:
  using BatchCb = std::function<std::optional<Batch>(double eventtime)>;
  using ClientCb = std::function<bool(const Batch&)>;
  static constexpr double kDefaultInterval = 0.5;

  BatchBulkHelper(Printer& printer, BatchCb batch_cb, std::function<void()> start_cb,
                  std::function<void()> stop_cb, double batch_interval = kDefaultInterval)
      : printer_(printer),
        batch_cb_(std::move(batch_cb)),
        start_cb_(std::move(start_cb)),
        stop_cb_(std::move(stop_cb)),
        interval_(batch_interval) {}

  // Subscribe; starts the chip if this is the first client (a CommandError from the start
  // callback propagates and drops every client).
  void add_client(ClientCb cb) {
    clients_.push_back(std::make_shared<ClientCb>(std::move(cb)));
    start();
  }
  bool is_started() const { return started_; }

 private:
  void start() {
    if (started_) return;
    started_ = true;
    try {
      start_cb_();
    } catch (const CommandError&) {
      started_ = false;
      clients_.clear();
      throw;
    } catch (const McuError& e) {
      // A bus transfer that got no answer: the command fails, the printer keeps running.
      started_ = false;
      clients_.clear();
      throw CommandError(e.what());
    }
    Reactor& reactor = printer_.get_reactor();
    timer_ = reactor.register_timer([this](double t) { return proc_batch(t); },
                                    reactor.monotonic() + interval_);
  }
  void stop() {
    clients_.clear();
    if (timer_) printer_.get_reactor().unregister_timer(timer_);
    timer_ = nullptr;
    if (!started_) return;
    try {
      stop_cb_();
    } catch (const std::runtime_error&) {  // CommandError or McuError: the chip is left as is
      clients_.clear();
    }
    started_ = false;
    if (!clients_.empty()) start();  // a client subscribed while stopping
  }
  double proc_batch(double eventtime) {
    std::optional<Batch> batch;
    try {
      batch = batch_cb_(eventtime);
    } catch (const std::runtime_error&) {  // CommandError or McuError: stop measuring
      stop_later();
      return Reactor::kNever;
    }
    if (!batch) return eventtime + interval_;
    auto clients = clients_;
    for (auto& c : clients) {
      if ((*c)(*batch)) continue;
      std::erase(clients_, c);
      if (clients_.empty()) {
        stop_later();
        return Reactor::kNever;
      }
    }
    return eventtime + interval_;
  }
  // Stopping sends MCU commands and waits: do it outside the timer callback.
  void stop_later() {
    printer_.get_reactor().register_callback([this](double) { stop(); });
  }

  Printer& printer_;
  BatchCb batch_cb_;
  std::function<void()> start_cb_, stop_cb_;
  double interval_;
  bool started_ = false;
  Reactor::Timer* timer_ = nullptr;
  std::vector<std::shared_ptr<ClientCb>> clients_;
};

// Register `path` (e.g. "adxl345/dump_adxl345") routed by key "sensor" = `name`: every request
// subscribes its connection to the batches (sent as {"params": to_json(batch), ...its
// response_template}) until the connection closes; the request is answered with `start_resp`.
template <class Batch>
void add_bulk_mux_endpoint(Printer& printer, BatchBulkHelper<Batch>& helper,
                           const std::string& path, const std::string& name, Json start_resp,
                           std::function<Json(const Batch&)> to_json) {
  auto& wh = printer.lookup<WebHooks>("webhooks");
  wh.register_mux_endpoint(path, "sensor", name, [&helper, start_resp, to_json](WebRequest& req) {
    std::weak_ptr<ApiClient> client = req.get_client_connection();
    Json tmpl = req.get_dict("response_template", Json::object());
    helper.add_client([client, tmpl, to_json](const Batch& batch) {
      auto c = client.lock();
      if (!c || c->is_closed()) return false;
      Json msg = tmpl;
      msg["params"] = to_json(batch);
      c->send(msg);
      return true;
    });
    req.send(start_resp);
  });
}

}  // namespace kpp
