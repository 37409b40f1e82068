// [pwm_tool name]: an output pin whose updates travel through the MCU's move queue, in order
// with the steps (Klipper's pwm_tool.py), for lasers and spindles that must switch exactly
// with the moves. SET_PIN PIN=name VALUE=<v>. With maximum_mcu_duration the host re-sends a
// non-default value before that time runs out, so the MCU shuts down if the host goes away.
#include <fmt/format.h>

#include "core/gcode.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"
#include "motion/motion_queuing.h"
#include "motion/steppersync.h"
#include "motion/toolhead.h"

namespace kpp {
namespace {

constexpr double kMaxNominalDuration = 3.0;  // Klipper's limit on scheduled hold times
constexpr int64_t kMaxTicks31 = int64_t{1} << 31;

// The pin: config commands and the queued updates (Klipper's MCU_queued_pwm).
class QueuedPwm {
 public:
  QueuedPwm(Printer& printer, const PinParams& p) : printer_(printer), pin_(p.pin) {
    mcu_ = dynamic_cast<Mcu*>(p.chip);
    if (!mcu_) throw PinError(fmt::format("Pin '{}' is not a valid pwm_tool pin", p.pin));
    invert_ = p.invert;
    start_value_ = shutdown_value_ = invert_;
    oid_ = mcu_->create_oid();
    MotionQueuing* mq = printer.try_lookup<MotionQueuing>("motion_queuing");
    if (!mq) mq = &printer.load<MotionQueuing>(printer.get_config(), "motion_queuing");
    motion_queuing_ = mq;
    emitter_ = &mq->allocate_syncemitter(*mcu_, fmt::format("pwm_tool {}", pin_), false);
    mcu_->register_config_callback([this] { build_config(); });
  }
  Mcu& mcu() { return *mcu_; }
  void setup(double cycle_time, bool hardware_pwm, double max_duration) {
    cycle_time_ = cycle_time;
    hardware_pwm_ = hardware_pwm;
    max_duration_ = max_duration;
  }
  void setup_start_value(double start, double shutdown) {
    if (invert_) {
      start = 1. - start;
      shutdown = 1. - shutdown;
    }
    start_value_ = std::clamp(start, 0., 1.);
    shutdown_value_ = std::clamp(shutdown, 0., 1.);
  }
  void set_pwm(double print_time, double value) {
    if (invert_) value = 1. - value;
    send_update(mcu_->print_time_to_clock(print_time),
                static_cast<int64_t>(std::clamp(value, 0., 1.) * pwm_max_ + 0.5));
  }

 private:
  void build_config() {
    if (max_duration_ != 0. && start_value_ != shutdown_value_)
      throw PinError("Pin with max duration must have start value equal to shutdown value");
    int cq = mcu_->alloc_command_queue();
    double curtime = printer_.get_reactor().monotonic();
    last_clock_ = mcu_->print_time_to_clock(mcu_->estimated_print_time(curtime) + 0.200);
    int64_t cycle_ticks = mcu_->seconds_to_clock(cycle_time_);
    if (cycle_ticks >= kMaxTicks31) throw PinError("PWM pin cycle time too large");
    duration_ticks_ = mcu_->seconds_to_clock(max_duration_);
    if (duration_ticks_ >= kMaxTicks31) throw PinError("PWM pin max duration too large");
    if (duration_ticks_)
      mcu_->register_flush_callback([this](double, uint64_t clock) { flush_notification(clock); });
    if (hardware_pwm_) {
      pwm_max_ = mcu_->get_constant_float("PWM_MAX");
      default_value_ = static_cast<int64_t>(shutdown_value_ * pwm_max_);
      mcu_->add_config_cmd(fmt::format(
          "config_pwm_out oid={} pin={} cycle_ticks={} value={} default_value={} max_duration={}",
          oid_, pin_, cycle_ticks, static_cast<int64_t>(start_value_ * pwm_max_), default_value_,
          duration_ticks_));
      last_value_ = static_cast<int64_t>(start_value_ * pwm_max_ + 0.5);
      mcu_->add_config_cmd(
          fmt::format("queue_pwm_out oid={} clock={} value={}", oid_, last_clock_, last_value_),
          false, true);
      set_cmd_tag_ = mcu_->lookup_command_tag("queue_pwm_out oid=%c clock=%u value=%hu");
      (void)cq;
      return;
    }
    // Software PWM: the MCU can only hold a soft pin fully on or off at shutdown.
    if (shutdown_value_ != 0. && shutdown_value_ != 1.)
      throw PinError("shutdown value must be 0.0 or 1.0 on soft pwm");
    mcu_->add_config_cmd(fmt::format(
        "config_digital_out oid={} pin={} value={} default_value={} max_duration={}", oid_, pin_,
        start_value_ >= 1.0 ? 1 : 0, shutdown_value_ >= 0.5 ? 1 : 0, duration_ticks_));
    default_value_ = (shutdown_value_ >= 0.5 ? 1 : 0) * cycle_ticks;
    mcu_->add_config_cmd(
        fmt::format("set_digital_out_pwm_cycle oid={} cycle_ticks={}", oid_, cycle_ticks));
    pwm_max_ = static_cast<double>(cycle_ticks);
    last_value_ = static_cast<int64_t>(start_value_ * pwm_max_ + 0.5);
    mcu_->add_config_cmd(fmt::format("queue_digital_out oid={} clock={} on_ticks={}", oid_,
                                     last_clock_, last_value_),
                         true);
    set_cmd_tag_ = mcu_->lookup_command_tag("queue_digital_out oid=%c clock=%u on_ticks=%u");
  }
  void send_update(uint64_t clock, int64_t value) {
    clock = std::max(last_clock_, clock);
    last_clock_ = clock;
    last_value_ = value;
    uint32_t data[] = {static_cast<uint32_t>(set_cmd_tag_), static_cast<uint32_t>(oid_),
                       static_cast<uint32_t>(clock & 0xffffffffu), static_cast<uint32_t>(value)};
    emitter_->queue_msg(clock, data);
    // Have the motion flushing send this update; a non-default value needs a refresh before
    // max_duration expires, so keep the flushing going until then.
    uint64_t wakeclock = clock;
    if (last_value_ != default_value_) wakeclock += duration_ticks_;
    motion_queuing_->note_mcu_movequeue_activity(
        mcu_->clock_to_print_time(static_cast<double>(wakeclock)), false);
  }
  void flush_notification(uint64_t clock) {
    if (last_value_ == default_value_) return;
    while (clock >= last_clock_ + static_cast<uint64_t>(duration_ticks_))
      send_update(last_clock_ + duration_ticks_, last_value_);
  }

  Printer& printer_;
  Mcu* mcu_;
  MotionQueuing* motion_queuing_;
  motion::SyncEmitter* emitter_;
  std::string pin_;
  int invert_;
  bool hardware_pwm_ = false;
  double cycle_time_ = 0.100, max_duration_ = 2.;
  double start_value_, shutdown_value_;
  uint64_t last_clock_ = 0;
  int64_t last_value_ = 0, default_value_ = 0, duration_ticks_ = 0;
  double pwm_max_ = 0.;
  int oid_;
  int set_cmd_tag_ = 0;
};

class PrinterPwmTool : public PrinterObject {
 public:
  explicit PrinterPwmTool(const ConfigWrapper& config) : printer_(config.get_printer()) {
    auto& ppins = printer_.lookup<PrinterPins>("pins");
    pin_ = std::make_unique<QueuedPwm>(printer_, ppins.lookup_pin(config.get("pin"), true));
    double cycle_time =
        config.getfloat("cycle_time", 0.100, {.maxval = kMaxNominalDuration, .above = 0.});
    bool hardware_pwm = config.getboolean("hardware_pwm", false);
    double max_mcu_duration = config.getfloat("maximum_mcu_duration", 0.,
                                              {.minval = 0.500, .maxval = kMaxNominalDuration});
    pin_->setup(cycle_time, hardware_pwm, max_mcu_duration);
    scale_ = config.getfloat("scale", 1., {.above = 0.});
    last_value_ = config.getfloat("value", 0., {.minval = 0., .maxval = scale_}) / scale_;
    double shutdown_value =
        config.getfloat("shutdown_value", 0., {.minval = 0., .maxval = scale_}) / scale_;
    pin_->setup_start_value(last_value_, shutdown_value);
    const std::string& section = config.get_name();
    std::string pin_name = section.substr(section.find(' ') + 1);
    printer_.lookup<GCodeDispatch>("gcode").register_mux_command(
        "SET_PIN", "PIN", pin_name, [this](GCodeCommand& g) { cmd_SET_PIN(g); },
        "Set the value of an output pin");
  }
  Json get_status(double) override { return {{"value", last_value_}}; }

 private:
  void set_pin(double print_time, double value) {
    if (value == last_value_) return;
    print_time = std::max(print_time, last_print_time_);
    pin_->set_pwm(print_time, value);
    last_value_ = value;
    last_print_time_ = print_time;
  }
  void cmd_SET_PIN(GCodeCommand& gcmd) {
    double value = gcmd.get_float("VALUE", {.minval = 0., .maxval = scale_}) / scale_;
    auto* toolhead = printer_.try_lookup<ToolHead>("toolhead");
    if (!toolhead) throw gcmd.error("Printer not ready: no toolhead");
    toolhead->register_lookahead_callback([this, value](double pt) { set_pin(pt, value); });
  }

  Printer& printer_;
  std::unique_ptr<QueuedPwm> pin_;
  double scale_;
  double last_value_;
  double last_print_time_ = 0.;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterPwmTool>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(pwm_tool, nullptr, kpp::load_prefix)
