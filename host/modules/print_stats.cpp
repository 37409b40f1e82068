// [print_stats] (see print_stats.h). Durations are reactor time; the filament used is the
// extruder's travel in gcode_move's coordinates divided by the extrude factor (M221), summed
// while printing and not paused.
#include "modules/print_stats.h"

namespace kpp {

PrintStats::PrintStats(const ConfigWrapper& config) : printer_(config.get_printer()) {
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command(
      "SET_PRINT_STATS_INFO", [this](GCodeCommand& g) { cmd_set_print_stats_info(g); }, false,
      "Pass slicer info like layer act and total to klipper");
}

std::optional<std::pair<double, double>> PrintStats::extruder_position(double eventtime) {
  // gcode_move is the toolhead's; a printer without one (kinematics not loaded) tracks no
  // filament.
  PrinterObject* gm = printer_.lookup_object("gcode_move");
  if (!gm) return std::nullopt;
  Json st = gm->get_status(eventtime);
  if (!st.is_object() || !st.contains("position") || st["position"].size() < 4)
    return std::nullopt;
  double factor = st.value("extrude_factor", 1.);
  return std::pair{st["position"][3].get<double>(), factor > 0. ? factor : 1.};
}

void PrintStats::update_filament(double eventtime) {
  auto e = extruder_position(eventtime);
  if (!e) return;
  filament_used_ += (e->first - last_epos_) / e->second;
  last_epos_ = e->first;
}

void PrintStats::set_current_file(const std::string& filename) {
  reset();
  filename_ = filename;
}

void PrintStats::note_start() {
  double now = printer_.get_reactor().monotonic();
  if (!print_start_time_) {
    print_start_time_ = now;
  } else if (last_pause_time_) {
    prev_pause_duration_ += now - *last_pause_time_;
    last_pause_time_.reset();
  }
  if (auto e = extruder_position(now)) last_epos_ = e->first;
  state_ = "printing";
  message_.clear();
  printer_.send_event("print_stats:start_printing");
}

void PrintStats::note_pause() {
  if (!last_pause_time_) {
    double now = printer_.get_reactor().monotonic();
    last_pause_time_ = now;
    update_filament(now);
  }
  if (state_ != "error") {
    state_ = "paused";
    printer_.send_event("print_stats:paused_printing");
  }
}

void PrintStats::note_complete() {
  finish("complete", "");
  printer_.send_event("print_stats:complete_printing");
}

void PrintStats::note_error(const std::string& message) { finish("error", message); }

void PrintStats::note_cancel() {
  finish("cancelled", "");
  printer_.send_event("print_stats:cancelled_printing");
}

void PrintStats::finish(const std::string& state, const std::string& message) {
  if (!print_start_time_) return;
  state_ = state;
  message_ = message;
  double now = printer_.get_reactor().monotonic();
  if (!last_pause_time_) update_filament(now);
  total_duration_ = now - *print_start_time_;
  // No extrusion at all: the whole print counts as preparation.
  if (filament_used_ < 1e-7) init_duration_ = total_duration_ - prev_pause_duration_;
  print_start_time_.reset();
}

void PrintStats::reset() {
  filename_.clear();
  message_.clear();
  state_ = "standby";
  prev_pause_duration_ = last_epos_ = filament_used_ = total_duration_ = init_duration_ = 0.;
  print_start_time_.reset();
  last_pause_time_.reset();
  total_layer_.reset();
  current_layer_.reset();
}

void PrintStats::cmd_set_print_stats_info(GCodeCommand& gcmd) {
  IntLimits nonneg{.minval = 0};
  std::optional<int64_t> total = gcmd.get_int_opt("TOTAL_LAYER", nonneg);
  if (!total) total = total_layer_;
  std::optional<int64_t> current = gcmd.get_int_opt("CURRENT_LAYER", nonneg);
  if (!current) current = current_layer_;
  if (total && *total == 0) {
    total_layer_.reset();
    current_layer_.reset();
  } else if (total != total_layer_) {
    total_layer_ = total;
    current_layer_ = 0;
  }
  if (total_layer_ && current && current != current_layer_)
    current_layer_ = std::min(*current, *total_layer_);
}

Json PrintStats::get_status(double eventtime) {
  double paused = prev_pause_duration_;
  if (print_start_time_) {
    if (last_pause_time_)
      paused += eventtime - *last_pause_time_;
    else
      update_filament(eventtime);
    total_duration_ = eventtime - *print_start_time_;
    // Time before the first extrusion (heating, homing) is not print time.
    if (filament_used_ < 1e-7) init_duration_ = total_duration_ - paused;
  }
  auto opt = [](const std::optional<int64_t>& v) { return v ? Json(*v) : Json(nullptr); };
  return Json{{"filename", filename_},
              {"total_duration", total_duration_},
              {"print_duration", total_duration_ - init_duration_ - paused},
              {"filament_used", filament_used_},
              {"state", state_},
              {"message", message_},
              {"info", Json{{"total_layer", opt(total_layer_)},
                            {"current_layer", opt(current_layer_)}}}};
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<PrintStats>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(print_stats, kpp::load, nullptr)
