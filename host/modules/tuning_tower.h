// [tuning_tower] (always loaded): TUNING_TOWER runs a command with a parameter that follows the
// Z height of a print, as a move transform in front of the G-code move chain.
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "core/coord.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "modules/gcode_move.h"

namespace kpp {

class TuningTower : public PrinterObject, public MoveTransform {
 public:
  explicit TuningTower(const ConfigWrapper& config);
  bool is_active() const { return normal_transform_ != nullptr; }
  // The parameter value at G-code height `z`.
  double calc_value(double z) const;

  void move(const Coord& newpos, double speed) override;
  Coord get_position() override;

 private:
  void cmd_tuning_tower(GCodeCommand& gcmd);
  void end_test();

  Printer& printer_;
  GCodeDispatch& gcode_;
  MoveTransform* normal_transform_ = nullptr;
  Coord last_position_{0., 0., 0., 0.};
  double last_z_ = 0., start_ = 0., factor_ = 0., band_ = 0.;
  double step_delta_ = 0., step_height_ = 0., skip_ = 0.;
  std::optional<double> last_command_value_;
  std::string command_, parameter_;
  bool traditional_ = false;
};

}  // namespace kpp
