// What the core needs from the toolhead (RESTART waits for moves to finish); the motion code's
// ToolHead implements it.
#pragma once

#include <functional>

#include "core/printer.h"

namespace kpp {

class ToolHeadBase : public PrinterObject {
 public:
  // Print time at the end of the last queued move.
  virtual double get_last_move_time() = 0;
  // Queue a pause of `delay` seconds after the last move.
  virtual void dwell(double delay) = 0;
  // Wait (pausing the calling fiber) until every queued move has been executed.
  virtual void wait_moves() = 0;
  // Call `cb` with the print time at the end of the moves queued so far, once the lookahead
  // has planned them (at once when nothing is queued). Used to time pin changes with moves.
  virtual void register_lookahead_callback(std::function<void(double)> cb) {
    cb(get_last_move_time());
  }
};

}  // namespace kpp
