// [exclude_object] (see exclude_object.h).
#include "modules/exclude_object.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/logging.h"
#include "modules/tuning_tower.h"
#include "motion/toolhead.h"
#include "template/value.h"

namespace kpp {

namespace {
std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

ExcludeObject::ExcludeObject(const ConfigWrapper& config)
    : printer_(config.get_printer()), gcode_(printer_.lookup<GCodeDispatch>("gcode")) {
  printer_.load_object(config, "gcode_move");
  printer_.register_event_handler<>("virtual_sdcard:reset_file", [this] { reset_file(); });
  gcode_.register_command("EXCLUDE_OBJECT_START", [this](GCodeCommand& g) { cmd_start(g); }, false,
                          "Marks the beginning the current object as labeled");
  gcode_.register_command("EXCLUDE_OBJECT_END", [this](GCodeCommand& g) { cmd_end(g); }, false,
                          "Marks the end the current object");
  gcode_.register_command("EXCLUDE_OBJECT", [this](GCodeCommand& g) { cmd_exclude(g); }, false,
                          "Cancel moves inside a specified objects");
  gcode_.register_command("EXCLUDE_OBJECT_DEFINE", [this](GCodeCommand& g) { cmd_define(g); },
                          false, "Provides a summary of an object");
}

// ---- the move transform ----

void ExcludeObject::register_transform() {
  if (next_transform_) return;
  auto* tower = printer_.try_lookup<TuningTower>("tuning_tower");
  if (tower && tower->is_active()) {
    log::info("The ExcludeObject move transform is not being loaded due to Tuning tower being Active");
    return;
  }
  next_transform_ = printer_.lookup<GCodeMove>("gcode_move").set_move_transform(this, true);
  extrusion_offsets_.clear();
  max_position_extruded_ = max_position_excluded_ = extruder_adj_ = 0.;
  // The transform starts at the first exclusion: it watches a few extrusions to learn the
  // extruder's state before it drops any move.
  initial_extrusion_moves_ = 5;
  last_position_ = Coord{0., 0., 0., 0.};
  (void)get_position();
  last_position_extruded_ = last_position_excluded_ = last_position_;
}

void ExcludeObject::unregister_transform() {
  if (!next_transform_) return;
  auto* tower = printer_.try_lookup<TuningTower>("tuning_tower");
  if (tower && tower->is_active()) {
    log::error("The Exclude Object move transform was not unregistered because it is not at the "
               "head of the transform chain.");
    return;
  }
  auto& gcode_move = printer_.lookup<GCodeMove>("gcode_move");
  gcode_move.set_move_transform(next_transform_, true);
  next_transform_ = nullptr;
  gcode_move.reset_last_position();
}

void ExcludeObject::reset_state() {
  objects_.clear();
  excluded_.clear();
  current_.reset();
  in_excluded_region_ = false;
}

void ExcludeObject::reset_file() {
  reset_state();
  unregister_transform();
}

// The offset between the G-code position and the toolhead, per extruder: what was skipped.
Coord& ExcludeObject::extrusion_offsets() {
  std::string name = printer_.lookup<ToolHead>("toolhead").get_extruder().get_name();
  auto it = extrusion_offsets_.find(name);
  if (it == extrusion_offsets_.end()) it = extrusion_offsets_.emplace(name, Coord{0., 0., 0., 0.}).first;
  return it->second;
}

Coord ExcludeObject::get_position() {
  const Coord& offset = extrusion_offsets();
  Coord pos = next_transform_->get_position();
  last_position_ = pos;
  for (size_t i = 0; i < 4 && i < pos.size(); i++) last_position_[i] = pos[i] + offset[i];
  return last_position_;
}

void ExcludeObject::normal_move(const Coord& newpos, double speed) {
  Coord& offset = extrusion_offsets();
  if (initial_extrusion_moves_ > 0 && last_position_[3] != newpos[3]) initial_extrusion_moves_--;
  last_position_ = newpos;
  last_position_extruded_ = newpos;
  max_position_extruded_ = std::max(max_position_extruded_, newpos[3]);
  // Just after an excluded object the toolhead is where the last printed object ended while the
  // G-code continues from the excluded one: Z and E catch up on their first moves, X/Y (and any
  // retraction difference) on the first XY move.
  if ((offset[0] != 0. || offset[1] != 0.) &&
      (newpos[0] != last_position_excluded_[0] || newpos[1] != last_position_excluded_[1])) {
    offset[0] = offset[1] = offset[2] = 0.;
    offset[3] += extruder_adj_;
    extruder_adj_ = 0.;
  }
  if (offset[2] != 0. && newpos[2] != last_position_excluded_[2]) offset[2] = 0.;
  if (extruder_adj_ != 0. && newpos[3] != last_position_excluded_[3]) {
    offset[3] += extruder_adj_;
    extruder_adj_ = 0.;
  }
  Coord tx = newpos;
  for (size_t i = 0; i < 4; i++) tx[i] = newpos[i] - offset[i];
  next_transform_->move(tx, speed);
}

void ExcludeObject::ignore_move(const Coord& newpos) {
  Coord& offset = extrusion_offsets();
  for (size_t i = 0; i < 3; i++) offset[i] = newpos[i] - last_position_extruded_[i];
  offset[3] += newpos[3] - last_position_[3];
  last_position_ = newpos;
  last_position_excluded_ = newpos;
  max_position_excluded_ = std::max(max_position_excluded_, newpos[3]);
}

bool ExcludeObject::in_excluded_object() const {
  return current_ && std::find(excluded_.begin(), excluded_.end(), *current_) != excluded_.end() &&
         initial_extrusion_moves_ == 0;
}

void ExcludeObject::move(const Coord& newpos, double speed) {
  if (in_excluded_object()) {
    in_excluded_region_ = true;
    ignore_move(newpos);
    return;
  }
  if (in_excluded_region_) {
    in_excluded_region_ = false;
    // Compensates a retraction difference between the excluded object and the last printed one.
    extruder_adj_ = max_position_excluded_ - last_position_excluded_[3] -
                    (max_position_extruded_ - last_position_extruded_[3]);
  }
  normal_move(newpos, speed);
}

// ---- objects and commands ----

Json ExcludeObject::get_status(double) {
  Json objects = Json::array();
  for (const auto& o : objects_) objects.push_back(o);
  return Json{{"objects", objects},
              {"excluded_objects", excluded_},
              {"current_object", current_ ? Json(*current_) : Json(nullptr)}};
}

void ExcludeObject::add_object(Json definition) {
  // Sorted by name; a name defined twice is listed twice (as in Klipper).
  auto pos = std::upper_bound(objects_.begin(), objects_.end(), definition,
                              [](const Json& a, const Json& b) { return a["name"] < b["name"]; });
  objects_.insert(pos, std::move(definition));
}

void ExcludeObject::exclude(const std::string& name) {
  register_transform();
  gcode_.respond_info("Excluding object " + name);
  if (std::find(excluded_.begin(), excluded_.end(), name) == excluded_.end()) {
    excluded_.push_back(name);
    std::sort(excluded_.begin(), excluded_.end());
  }
}

void ExcludeObject::unexclude(const std::string& name) {
  gcode_.respond_info("Unexcluding object " + name);
  std::erase(excluded_, name);
}

void ExcludeObject::cmd_start(GCodeCommand& gcmd) {
  std::string name = upper(gcmd.get("NAME"));
  bool known = std::any_of(objects_.begin(), objects_.end(),
                           [&](const Json& o) { return o["name"] == name; });
  if (!known) add_object(Json{{"name", name}});
  current_ = name;
}

void ExcludeObject::cmd_end(GCodeCommand& gcmd) {
  if (!current_ && next_transform_) {
    gcmd.respond_info("EXCLUDE_OBJECT_END called, but no object is currently active");
    return;
  }
  if (auto name = gcmd.get_opt("NAME"); name && upper(*name) != current_.value_or("None"))
    gcmd.respond_info(fmt::format("EXCLUDE_OBJECT_END NAME={} does not match the current object NAME={}",
                                  upper(*name), current_.value_or("None")));
  current_.reset();
}

void ExcludeObject::cmd_exclude(GCodeCommand& gcmd) {
  // As in Klipper, RESET and CURRENT count when given a non-empty value.
  bool reset = !gcmd.get("RESET", "").empty();
  bool current = !gcmd.get("CURRENT", "").empty();
  std::string name = upper(gcmd.get("NAME", ""));
  if (reset) {
    if (!name.empty())
      unexclude(name);
    else
      excluded_.clear();
  } else if (!name.empty()) {
    if (std::find(excluded_.begin(), excluded_.end(), name) == excluded_.end()) exclude(name);
  } else if (current) {
    if (!current_) throw gcmd.error("There is no current object to cancel");
    exclude(*current_);
  } else {
    std::string list;
    for (const auto& n : excluded_) list += (list.empty() ? "" : " ") + n;
    gcmd.respond_info("Excluded objects: " + list);
  }
}

void ExcludeObject::cmd_define(GCodeCommand& gcmd) {
  bool reset = !gcmd.get("RESET", "").empty();
  std::string name = upper(gcmd.get("NAME", ""));
  if (reset) {
    reset_file();
  } else if (!name.empty()) {
    Json obj = Json{{"name", name}};
    for (const auto& [key, value] : gcmd.get_command_parameters()) {
      if (key == "NAME") continue;
      try {
        if (key == "CENTER")
          obj["center"] = Json::parse("[" + value + "]");
        else if (key == "POLYGON")
          obj["polygon"] = Json::parse(value);
        else
          obj[key] = value;
      } catch (const Json::parse_error&) {
        throw gcmd.error(fmt::format("Invalid {} '{}' for object {}", key, value, name));
      }
    }
    add_object(std::move(obj));
  } else if (gcmd.has("JSON")) {
    Json list = Json::array();
    for (const auto& o : objects_) list.push_back(o);
    gcmd.respond_info("Known objects: " +
                      tmpl::json_dumps(tmpl::Value::from_json_copy(list), false));
  } else {
    std::string list;
    for (const auto& o : objects_)
      list += (list.empty() ? "" : " ") + o["name"].get<std::string>();
    gcmd.respond_info("Known objects: " + list);
  }
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<ExcludeObject>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(exclude_object, kpp::load, nullptr)
