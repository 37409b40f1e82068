// [multi_pin name]: "multi_pin:name" stands for several output pins that always change
// together (Klipper's multi_pin.py), e.g. two heater cartridges on one heater.
#include <fmt/format.h>

#include "mcu/pins.h"

namespace kpp {
namespace {

// The pins as one digital output or PWM: every call goes to each of them.
class MultiOut : public McuDigitalOut, public McuPwm {
 public:
  std::vector<std::shared_ptr<McuDigitalOut>> douts;
  std::vector<std::shared_ptr<McuPwm>> pwms;

  Mcu& get_mcu() override { return douts.empty() ? pwms[0]->get_mcu() : douts[0]->get_mcu(); }
  void setup_max_duration(double max_duration) override {
    for (auto& p : douts) p->setup_max_duration(max_duration);
    for (auto& p : pwms) p->setup_max_duration(max_duration);
  }
  void setup_start_value(double start_value, double shutdown_value, bool is_static) override {
    for (auto& p : douts) p->setup_start_value(start_value, shutdown_value, is_static);
    for (auto& p : pwms) p->setup_start_value(start_value, shutdown_value, is_static);
  }
  void setup_cycle_time(double cycle_time, bool hardware_pwm) override {
    for (auto& p : pwms) p->setup_cycle_time(cycle_time, hardware_pwm);
  }
  void set_digital(double print_time, int value) override {
    for (auto& p : douts) p->set_digital(print_time, value);
  }
  void set_pwm(double print_time, double value, std::optional<double> cycle_time) override {
    for (auto& p : pwms) p->set_pwm(print_time, value, cycle_time);
  }
};

class PrinterMultiPin : public PrinterObject, public PinChip {
 public:
  explicit PrinterMultiPin(const ConfigWrapper& config) : printer_(config.get_printer()) {
    auto& ppins = printer_.lookup<PrinterPins>("pins");
    // The first section registers the "multi_pin" chip; it hands each pin to its section.
    if (!ppins.lookup_chip("multi_pin")) ppins.register_chip("multi_pin", *this);
    pin_list_ = config.getlist("pins");
  }
  std::shared_ptr<McuDigitalOut> setup_digital_out(const PinParams& p) override {
    auto& self = section_of(p);
    auto out = self.claim(p);
    auto& ppins = printer_.lookup<PrinterPins>("pins");
    for (auto& desc : self.pin_list_)
      out->douts.push_back(ppins.setup_digital_out((p.invert ? "!" : "") + desc));
    return out;
  }
  std::shared_ptr<McuPwm> setup_pwm(const PinParams& p) override {
    auto& self = section_of(p);
    auto out = self.claim(p);
    auto& ppins = printer_.lookup<PrinterPins>("pins");
    for (auto& desc : self.pin_list_)
      out->pwms.push_back(ppins.setup_pwm((p.invert ? "!" : "") + desc));
    return out;
  }

 private:
  PrinterMultiPin& section_of(const PinParams& p) {
    auto* obj = printer_.try_lookup<PrinterMultiPin>("multi_pin " + p.pin);
    if (!obj) throw PinError(fmt::format("multi_pin {} not configured", p.pin));
    return *obj;
  }
  std::shared_ptr<MultiOut> claim(const PinParams& p) {
    if (used_) throw PinError(fmt::format("Can not use multi_pin {} more than once", p.pin));
    used_ = true;
    return std::make_shared<MultiOut>();
  }

  Printer& printer_;
  std::vector<std::string> pin_list_;
  bool used_ = false;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterMultiPin>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(multi_pin, nullptr, kpp::load_prefix)
