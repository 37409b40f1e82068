// [neopixel name] (Klipper's neopixel.py): WS2812-style LED chains on one MCU pin. The host
// keeps the chain's byte image (in each LED's color_order) and sends only the changed bytes
// (neopixel_update), then asks the MCU to clock the image out (neopixel_send; not in batch mode).
#include <fmt/format.h>

#include <algorithm>

#include "core/logging.h"
#include "mcu/link_core.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"
#include "modules/led.h"

namespace kpp {
namespace {

constexpr double kBitMaxTime = .000004;
constexpr double kResetMinTime = .000050;
constexpr size_t kMaxMcuSize = 500;  // bytes the MCU can hold for one chain

class NeoPixel : public PrinterObject {
 public:
  explicit NeoPixel(const ConfigWrapper& config) : printer_(config.get_printer()) {
    PinParams pin = printer_.lookup<PrinterPins>("pins").lookup_pin(config.get("pin"));
    mcu_ = dynamic_cast<Mcu*>(pin.chip);
    if (!mcu_) throw PinError(fmt::format("{}: pin must be on an MCU", config.get_name()));
    pin_ = pin.pin;
    oid_ = mcu_->create_oid();
    mcu_->register_config_callback([this] { build_config(); });
    // Which LED and channel (R, G, B, W) each byte of the image carries.
    int chain_count = static_cast<int>(config.getint("chain_count", 1, {.minval = 1}));
    auto color_order = config.getlist_opt("color_order").value_or(std::vector<std::string>{"GRB"});
    if (color_order.size() == 1) color_order.assign(chain_count, color_order[0]);
    if (static_cast<int>(color_order.size()) != chain_count)
      throw ConfigError("color_order does not match chain_count");
    for (int led = 0; led < chain_count; led++) {
      std::string co = color_order[led], sorted = co;
      std::sort(sorted.begin(), sorted.end());
      if (sorted != "BGR" && sorted != "BGRW")
        throw ConfigError(fmt::format("Invalid color_order '{}'", co));
      for (char c : co) color_map_.emplace_back(led, std::string("RGBW").find(c));
    }
    if (color_map_.size() > kMaxMcuSize) throw ConfigError("neopixel chain too long");
    helper_.emplace(config, [this](auto& s, auto t) { update_leds(s, t); }, chain_count);
    color_data_.assign(color_map_.size(), 0);
    update_color_data(helper_->state());
    // Different from every byte: the first send transmits the whole image.
    old_color_data_ = color_data_;
    for (auto& b : old_color_data_) b ^= 1;
    printer_.register_event_handler("klippy:connect",
                                    std::function<void()>([this] { send_data(std::nullopt); }));
  }
  Json get_status(double) override { return helper_->get_status(); }

 private:
  void build_config() {
    mcu_->add_config_cmd(fmt::format(
        "config_neopixel oid={} pin={} data_size={} bit_max_ticks={} reset_min_ticks={}", oid_,
        pin_, color_data_.size(), mcu_->seconds_to_clock(kBitMaxTime),
        mcu_->seconds_to_clock(kResetMinTime)));
    int cq = mcu_->alloc_command_queue();
    update_cmd_ = mcu_->lookup_command("neopixel_update oid=%c pos=%hu data=%*s", cq);
    send_cmd_ = mcu_->lookup_query_command("neopixel_send oid=%c",
                                           "neopixel_result oid=%c success=%c", oid_, cq);
  }
  void update_color_data(const std::vector<LedColor>& state) {
    for (size_t i = 0; i < color_map_.size(); i++) {
      auto [led, chan] = color_map_[i];
      color_data_[i] = static_cast<uint8_t>(static_cast<int>(state[led][chan] * 255. + .5));
    }
  }
  void send_data(std::optional<double> print_time) {
    if (color_data_ == old_color_data_) return;
    // Changed bytes, merged into runs when close together (fewer, longer updates).
    std::vector<std::pair<size_t, size_t>> diffs;  // (pos, count)
    for (size_t i = 0; i < color_data_.size(); i++)
      if (color_data_[i] != old_color_data_[i]) diffs.emplace_back(i, 1);
    for (int i = static_cast<int>(diffs.size()) - 2; i >= 0; i--) {
      auto [pos, count] = diffs[i];
      auto [nextpos, nextcount] = diffs[i + 1];
      if (pos + 5 >= nextpos && nextcount < 16) {
        diffs[i].second = nextcount + (nextpos - pos);
        diffs.erase(diffs.begin() + i + 1);
      }
    }
    for (auto [pos, count] : diffs) {
      std::vector<uint8_t> chunk(color_data_.begin() + pos, color_data_.begin() + pos + count);
      std::vector<mcu::ParamValue> values{
          mcu::ParamValue::integer(oid_), mcu::ParamValue::integer(static_cast<int64_t>(pos)),
          mcu::ParamValue::bytes(std::string(chunk.begin(), chunk.end()))};
      update_cmd_.send_values(values, 0, LinkCore::kBackgroundPriorityClock);
    }
    old_color_data_ = color_data_;
    // Batch mode: no MCU answers the query.
    if (printer_.is_batch_mode()) return;
    uint64_t minclock = print_time ? mcu_->print_time_to_clock(*print_time) : 0;
    for (int attempt = 0; attempt < 8; attempt++) {
      auto r = send_cmd_.send({oid_}, minclock, LinkCore::kBackgroundPriorityClock);
      if (r.get_int("success")) return;
    }
    log::info("Neopixel update did not succeed");
  }
  // From a reactor callback, so a SET_LED does not wait for the MCU's answer.
  void update_leds(const std::vector<LedColor>& state, std::optional<double> print_time) {
    printer_.get_reactor().register_callback([this, state, print_time](double) {
      update_color_data(state);
      send_data(print_time);
    });
  }

  Printer& printer_;
  Mcu* mcu_ = nullptr;
  std::string pin_;
  int oid_ = 0;
  std::vector<std::pair<int, size_t>> color_map_;  // (led, channel) of each byte
  std::vector<uint8_t> color_data_, old_color_data_;
  std::optional<LedHelper> helper_;
  McuCommand update_cmd_;
  McuQueryCommand send_cmd_;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<NeoPixel>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(neopixel, nullptr, kpp::load_prefix)
