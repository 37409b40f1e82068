// A printer model stand-in for tests: records every pin change and serves inputs/ADC values.
#pragma once

#include <map>
#include <vector>

#include "boards/sim/sim_pins.h"

namespace fwtest {

struct Edge {
  uint16_t pin;
  uint8_t level;
  uint64_t clock;
};

class PinRecorder : public fw::sim::PinListener {
 public:
  PinRecorder() { fw::sim::set_pin_listener(this); }
  ~PinRecorder() override { fw::sim::set_pin_listener(nullptr); }
  void on_output(uint16_t pin, uint8_t level, uint64_t clock) override {
    edges.push_back({pin, level, clock});
  }
  void on_pwm(uint16_t pin, uint16_t value, uint32_t, uint64_t clock) override {
    pwm.push_back({pin, static_cast<uint8_t>(value), clock});
  }
  uint8_t read_input(uint16_t pin, uint64_t clock) override {
    auto it = input_change.find(pin);
    if (it != input_change.end() && clock >= it->second) return !inputs[pin];
    return inputs[pin];
  }
  uint16_t read_adc(uint16_t pin, uint64_t) override {
    adc_reads++;
    return adc[pin];
  }
  // Rising edges of `pin` (clocks).
  std::vector<uint64_t> rises(uint16_t pin) const {
    std::vector<uint64_t> out;
    for (const Edge& e : edges)
      if (e.pin == pin && e.level) out.push_back(e.clock);
    return out;
  }
  std::vector<uint64_t> changes(uint16_t pin) const {
    std::vector<uint64_t> out;
    for (const Edge& e : edges)
      if (e.pin == pin) out.push_back(e.clock);
    return out;
  }
  std::vector<Edge> edges, pwm;
  std::map<uint16_t, uint8_t> inputs;
  std::map<uint16_t, uint64_t> input_change;  // the input flips at this clock
  std::map<uint16_t, uint16_t> adc;
  int adc_reads = 0;
};

}  // namespace fwtest
