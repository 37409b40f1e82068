// [exclude_object]: EXCLUDE_OBJECT_DEFINE/START/END label the objects of a print and
// EXCLUDE_OBJECT cancels one; moves inside a cancelled object are dropped by a move transform
// that keeps the extruder position consistent when printing resumes elsewhere.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/coord.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "modules/gcode_move.h"

namespace kpp {

class ExcludeObject : public PrinterObject, public MoveTransform {
 public:
  explicit ExcludeObject(const ConfigWrapper& config);
  Json get_status(double eventtime) override;

  void move(const Coord& newpos, double speed) override;
  Coord get_position() override;

 private:
  void register_transform();
  void unregister_transform();
  void reset_state();
  void reset_file();
  Coord& extrusion_offsets();
  void normal_move(const Coord& newpos, double speed);
  void ignore_move(const Coord& newpos);
  bool in_excluded_object() const;
  void add_object(Json definition);
  void exclude(const std::string& name);
  void unexclude(const std::string& name);

  void cmd_start(GCodeCommand& gcmd);
  void cmd_end(GCodeCommand& gcmd);
  void cmd_exclude(GCodeCommand& gcmd);
  void cmd_define(GCodeCommand& gcmd);

  Printer& printer_;
  GCodeDispatch& gcode_;
  MoveTransform* next_transform_ = nullptr;
  // Objects by name (sorted, as their status lists them), the excluded names, the current one.
  std::vector<Json> objects_;
  std::vector<std::string> excluded_;
  std::optional<std::string> current_;
  bool in_excluded_region_ = false;
  // Position bookkeeping while the transform is active (see move()).
  std::map<std::string, Coord> extrusion_offsets_;
  Coord last_position_{0., 0., 0., 0.};
  Coord last_position_extruded_{0., 0., 0., 0.};
  Coord last_position_excluded_{0., 0., 0., 0.};
  double max_position_extruded_ = 0., max_position_excluded_ = 0., extruder_adj_ = 0.;
  int initial_extrusion_moves_ = 5;
};

}  // namespace kpp
