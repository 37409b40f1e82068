// Dual carriages (IDEX) on top of a printer kinematics (Klipper's kinematics/idex_modes.py): the
// carriages that share an axis, their modes (PRIMARY, COPY, MIRROR, INACTIVE) as a scale and
// offset in each stepper's DualCarriageKinematics wrapper, the travel range each mode leaves
// (safe_distance), homing of both carriages, and the SET_DUAL_CARRIAGE,
// SAVE_DUAL_CARRIAGE_STATE and RESTORE_DUAL_CARRIAGE_STATE commands. Printer object
// "dual_carriage".
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/coord.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "motion/kinematics/dual_carriage.h"
#include "motion/rail.h"

namespace kpp {

class Homing;
class ToolHead;

// What the dual carriage code needs of the kinematics it belongs to.
class DualCarriageHost {
 public:
  virtual ~DualCarriageHost() = default;
  // New travel range of `axis`; ignored while the axis is not homed.
  virtual void update_limits(int axis, std::pair<double, double> range) = 0;
  // Home `rail` (the active carriage of `axis`).
  virtual void home_axis(Homing& homing_state, int axis, PrinterRail& rail) = 0;
  virtual std::string homed_axes() const = 0;
};

class DualCarriages : public PrinterObject {
 public:
  static constexpr const char* kInactive = "INACTIVE";
  static constexpr const char* kPrimary = "PRIMARY";
  static constexpr const char* kCopy = "COPY";
  static constexpr const char* kMirror = "MIRROR";

  // primary[i] and dual[i] share axes[i] ('x' = 0, 'y' = 1); dual[i] may be null (a dual
  // carriage without a partner on its gantry). safe_dist[i] unset: inferred from the ranges.
  // Wraps every stepper of these rails in a DualCarriageKinematics.
  DualCarriages(Printer& printer, DualCarriageHost& kin, const std::vector<PrinterRail*>& primary,
                const std::vector<PrinterRail*>& dual, const std::vector<int>& axes,
                std::vector<std::optional<double>> safe_dist);
  ~DualCarriages() override;

  // The carriage in PRIMARY mode on `axis` (null if none).
  PrinterRail* get_primary_rail(int axis) const;
  // (scale, offset) of `rail`'s carriage: carriage coordinate = toolhead * scale + offset.
  std::pair<double, double> get_transform(const PrinterRail* rail) const;
  bool is_active(const PrinterRail* rail) const;
  const std::vector<int>& get_axes() const { return axes_; }
  // Load every carriage's current transform into its steppers' wrappers now (the cartesian
  // kinematics wait for klippy:ready; generic_cartesian does this at start-up as Klipper does).
  void apply_all_transforms() {
    for (Carriage& c : carriages_) apply_transform(c);
  }
  // Home every carriage of `axis` (the one homing towards the other first).
  void home(Homing& homing_state, int axis);
  Json get_status(double eventtime) override;

 private:
  struct Carriage {
    PrinterRail* rail;
    PrinterRail* dual_rail;  // the partner on the same gantry, or null
    int axis;
    double safe_dist;
    std::string mode;
    double offset = 0., scale = 1.;
    std::vector<motion::DualCarriageKinematics*> sks;
    std::string name() const { return rail->get_name(); }
    bool active() const { return mode != kInactive; }
    double axis_position(const Coord& pos) const { return pos[axis] * scale + offset; }
  };

  void apply_transform(Carriage& c);
  void activate(Carriage& c, const std::string& mode, const Coord& position,
                const Coord* old_position = nullptr);
  void inactivate(Carriage& c, const Coord& position);
  void override_axis_scaling(Carriage& c, double new_scale, const Coord& position);
  void toggle_active(Carriage& target);
  void activate_mode(Carriage& c, const std::string& mode);
  std::pair<double, double> kin_range(int axis);
  // -1 if carriage a always stays below carriage b, 1 otherwise (0 for the same carriage).
  int dc_order(const Carriage& a, const Carriage& b) const;
  Carriage* find(const PrinterRail* rail);
  const Carriage* find(const PrinterRail* rail) const;
  Carriage& lookup_carriage(GCodeCommand& gcmd);

  void cmd_set_dual_carriage(GCodeCommand& gcmd);
  void cmd_save_state(GCodeCommand& gcmd);
  void cmd_restore_state(GCodeCommand& gcmd);

  struct SavedState {
    std::map<std::string, std::string> modes;
    std::map<std::string, double> positions;
    Coord toolhead_position;
  };

  Printer& printer_;
  DualCarriageHost& kin_;
  std::vector<std::unique_ptr<motion::DualCarriageKinematics>> owned_sks_;
  // Primary carriages first, then the dual ones (Klipper's order of dc_rails).
  std::vector<Carriage> carriages_;
  size_t num_primary_ = 0;
  std::vector<int> axes_;
  std::map<std::string, SavedState> saved_states_;
};

}  // namespace kpp
