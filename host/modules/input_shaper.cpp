// [input_shaper] module (see input_shaper.h).
#include "modules/input_shaper.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "motion/stepper.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The pulses of a shaper, or none when the frequency is 0 (shaping off). Throws what
// `make_error` builds on an invalid definition.
template <class MakeError>
motion::ShaperDef shaper_pulses(const std::string& type, double freq, double damping_ratio,
                                MakeError make_error) {
  if (freq == 0.) return {};
  motion::ShaperResult r = motion::init_shaper(type, freq, damping_ratio);
  if (!r.error.empty()) throw make_error(r.error);
  return r.def;
}

}  // namespace

AxisInputShaper::AxisInputShaper(char axis, const ConfigWrapper& config) : axis_(axis) {
  std::string type = config.get("shaper_type", "mzv");
  shaper_type_ = lower(config.get(std::string("shaper_type_") + axis, type));
  const motion::ShaperInfo* info = motion::find_shaper(shaper_type_);
  if (!info) throw config.error(fmt::format("Unsupported shaper type: {}", shaper_type_));
  damping_ratio_ =
      config.getfloat(std::string("damping_ratio_") + axis, motion::kDefaultDampingRatio,
                      FloatLimits{.minval = 0., .maxval = info->max_damping_ratio});
  shaper_freq_ = config.getfloat(std::string("shaper_freq_") + axis, 0., FloatLimits{.minval = 0.});
  def_ = shaper_pulses(shaper_type_, shaper_freq_, damping_ratio_,
                       [&](const std::string& m) { return config.error(m); });
}

void AxisInputShaper::update(const GCodeCommand& gcmd) {
  char up = static_cast<char>(std::toupper(static_cast<unsigned char>(axis_)));
  std::string type = gcmd.get("SHAPER_TYPE", "");
  if (!gcmd.get_opt("SHAPER_TYPE")) type = gcmd.get(std::string("SHAPER_TYPE_") + up, shaper_type_);
  const motion::ShaperInfo* info = motion::find_shaper(lower(type));
  if (!info) throw gcmd.error(fmt::format("Unsupported shaper type: {}", type));
  double damping_ratio = gcmd.get_float(std::string("DAMPING_RATIO_") + up, damping_ratio_,
                                        FloatLimits{.minval = 0.});
  if (damping_ratio > info->max_damping_ratio)
    throw gcmd.error(fmt::format("Too high value of damping_ratio={:.3f} for shaper {} on axis {}",
                                 damping_ratio, type, up));
  double freq =
      gcmd.get_float(std::string("SHAPER_FREQ_") + up, shaper_freq_, FloatLimits{.minval = 0.});
  motion::ShaperDef def = shaper_pulses(lower(type), freq, damping_ratio,
                                        [&](const std::string& m) { return gcmd.error(m); });
  shaper_type_ = lower(type);
  shaper_freq_ = freq;
  damping_ratio_ = damping_ratio;
  def_ = std::move(def);
  saved_.reset();
}

void AxisInputShaper::disable_shaping() {
  if (!saved_ && is_enabled()) saved_ = def_;
  def_ = {};
}

void AxisInputShaper::enable_shaping() {
  if (!saved_) return;  // was not disabled
  def_ = *saved_;
  saved_.reset();
}

std::string AxisInputShaper::report() const {
  return fmt::format("shaper_type_{0}:{1} shaper_freq_{0}:{2:.3f} damping_ratio_{0}:{3:.6f}", axis_,
                     shaper_type_, shaper_freq_, damping_ratio_);
}

InputShaper::InputShaper(const ConfigWrapper& config) : printer_(config.get_printer()) {
  for (int i = 0; i < 3; i++) shapers_[i] = std::make_unique<AxisInputShaper>("xyz"[i], config);
  printer_.register_event_handler<>("klippy:connect", [this] {
    toolhead_ = &printer_.lookup<ToolHead>("toolhead");
    update_input_shaping(true);
  });
  printer_.register_event_handler<>("dual_carriage:update_kinematics",
                                    [this] { update_kinematics(); });
  printer_.lookup<GCodeDispatch>("gcode").register_command(
      "SET_INPUT_SHAPER", [this](GCodeCommand& g) { cmd_set_input_shaper(g); }, false,
      "Set cartesian parameters for input shaper");
}

InputShaper::~InputShaper() = default;

std::vector<AxisInputShaper*> InputShaper::get_shapers() {
  return {shapers_[0].get(), shapers_[1].get(), shapers_[2].get()};
}

motion::InputShaperKinematics* InputShaper::shaper_kinematics(MotionStepper& s) {
  motion::StepperKinematics* sk = s.get_stepper_kinematics();
  for (Wrapped& w : wrapped_) {
    if (w.is && w.is.get() == sk) return w.is.get();
    if (w.orig == sk) return nullptr;  // tried before: this stepper cannot be shaped
  }
  auto is = std::make_unique<motion::InputShaperKinematics>();
  if (!is->set_inner(sk)) {
    wrapped_.push_back({sk, nullptr});
    return nullptr;
  }
  s.set_stepper_kinematics(is.get());
  wrapped_.push_back({sk, std::move(is)});
  return wrapped_.back().is.get();
}

void InputShaper::update_input_shaping(bool config_error) {
  toolhead_->flush_step_generation();
  std::vector<AxisInputShaper*> failed;
  bool window_changed = false;
  for (MotionStepper* s : toolhead_->get_kinematics().get_steppers()) {
    if (!s->get_trapq()) continue;
    motion::InputShaperKinematics* is = shaper_kinematics(*s);
    if (!is) continue;
    double old_window = is->step_generation_window();
    for (auto& shaper : shapers_) {
      if (std::find(failed.begin(), failed.end(), shaper.get()) != failed.end()) continue;
      const motion::ShaperDef& d = shaper->pulses();
      if (is->set_shaper_params(shaper->axis(), d.a, d.t)) continue;
      // Too many pulses for the solver: run this axis unshaped.
      shaper->disable_shaping();
      is->set_shaper_params(shaper->axis(), {}, {});
      failed.push_back(shaper.get());
    }
    window_changed = window_changed || is->step_generation_window() != old_window;
  }
  if (window_changed) toolhead_->get_motion_queuing().check_step_generation_scan_windows();
  if (failed.empty()) return;
  std::string names;
  for (AxisInputShaper* s : failed) names += (names.empty() ? "" : ", ") + s->get_name();
  std::string msg = fmt::format("Failed to configure shaper(s) {} with given parameters", names);
  if (config_error) throw ConfigError(msg);
  throw CommandError(msg);
}

void InputShaper::update_kinematics() {
  if (!toolhead_) return;  // not connected yet: the wrappers are made at connect
  toolhead_->flush_step_generation();
  bool window_changed = false;
  for (Wrapped& w : wrapped_) {
    if (!w.is) continue;
    double old_window = w.is->step_generation_window();
    w.is->update_from_inner();
    window_changed = window_changed || w.is->step_generation_window() != old_window;
  }
  if (window_changed) toolhead_->get_motion_queuing().check_step_generation_scan_windows();
}

void InputShaper::disable_shaping() {
  for (auto& s : shapers_) s->disable_shaping();
  update_input_shaping();
}

void InputShaper::enable_shaping() {
  for (auto& s : shapers_) s->enable_shaping();
  update_input_shaping();
}

void InputShaper::cmd_set_input_shaper(GCodeCommand& gcmd) {
  if (!gcmd.get_command_parameters().empty()) {
    // Check every axis before changing any, so that a bad parameter changes nothing.
    std::array<AxisInputShaper, 3> next = {*shapers_[0], *shapers_[1], *shapers_[2]};
    for (auto& s : next) s.update(gcmd);
    for (int i = 0; i < 3; i++) *shapers_[i] = next[i];
    // Always reload: the pulses only reach steppers that follow the axis right now (a parked
    // dual carriage keeps its old ones), so repeating a command after SET_DUAL_CARRIAGE matters.
    update_input_shaping();
  }
  for (auto& s : shapers_) gcmd.respond_info(s->report());
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<InputShaper>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(input_shaper, kpp::load, nullptr)
