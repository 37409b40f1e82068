// Timed pin requests in step with the moves (Klipper's output_pin.py GCodeRequestQueue): a
// G-code's request takes effect when the moves queued before it end; requests reach the MCU
// at least PIN_MIN_TIME apart, the last one of a burst wins. Used by fans and output pins.
#pragma once

#include <deque>
#include <functional>
#include <utility>

#include "core/config.h"

namespace kpp {

class Mcu;
class ToolHead;

class GCodeRequestQueue {
 public:
  static constexpr double kPinMinTime = 0.100;

  // What the callback did with a request at `print_time`.
  struct Result {
    enum Action { kNormal, kDiscard, kDelay, kReschedule } action = kNormal;
    // kDelay: the request is applied again after this many seconds (a fan's kick start);
    // any action but kReschedule: the next request waits at least this long (and at least
    // kPinMinTime).
    double min_wait = 0.;
    // kReschedule: nothing was applied; the request is offered again at this print time
    // (no earlier), when the moves have been flushed that far (a servo waits for the end of
    // its current pulse period).
    double next_min_time = 0.;
  };
  using Callback = std::function<Result(double print_time, double value)>;

  GCodeRequestQueue(const ConfigWrapper& config, Mcu& mcu, Callback callback);
  // From a G-code: applied when the moves queued so far have ended.
  void queue_gcode_request(double value);
  // From a timer or event: applied at `print_time` (or as soon as allowed after it), now.
  void send_async_request(double print_time, double value);

 private:
  void flush_notification(double print_time);
  void queue_request(double print_time, double value);

  Printer& printer_;
  Callback callback_;
  std::deque<std::pair<double, double>> rqueue_;
  double next_min_flush_time_ = 0.;
  ToolHead* toolhead_ = nullptr;
};

}  // namespace kpp
