// [verify_heater name]: checks once a second that a heater with a target actually heats, and
// shuts the printer down when it does not (Klipper's verify_heater.py).
#pragma once

#include <string>

#include "core/config.h"
#include "core/reactor.h"
#include "modules/heaters_api.h"

namespace kpp {

// The check itself, separate from the printer so that it can be tested on a thermal model.
class HeaterVerifier {
 public:
  struct Params {
    double hysteresis = 5.;
    double max_error = 120.;
    double heating_gain = 2.;
    double check_gain_time = 20.;
  };
  explicit HeaterVerifier(Params p) : p_(p) {}
  // One check at `eventtime` with the heater at (temp, target); false: the heater fails.
  bool check(double eventtime, double temp, double target);
  double error() const { return error_; }
  bool approaching_target() const { return approaching_target_; }

 private:
  Params p_;
  bool approaching_target_ = false, starting_approach_ = false;
  double last_target_ = 0., goal_temp_ = 0., error_ = 0.;
  double goal_systime_ = Reactor::kNever;
};

class VerifyHeater : public PrinterObject {
 public:
  explicit VerifyHeater(const ConfigWrapper& config);
  // The shutdown message (Klipper's text, with its hint).
  static std::string fault_message(const std::string& heater_name);

 private:
  double check_event(double eventtime);
  Printer& printer_;
  std::string heater_name_;
  HeaterVerifier verifier_;
  Heater* heater_ = nullptr;
  Reactor::Timer* timer_ = nullptr;
};

}  // namespace kpp
