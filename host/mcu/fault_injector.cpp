// Seeded byte-level faults on an MCU link.
#include "mcu/fault_injector.h"

#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

namespace kpp {

namespace {

double parse_rate(const std::string& key, const std::string& v, bool probability) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || !end || *end || d < 0. || (probability && d > 1.))
    throw std::invalid_argument(fmt::format("link faults: bad value '{}' for '{}'", v, key));
  return d;
}

}  // namespace

FaultSpec FaultSpec::parse(const std::string& text) {
  FaultSpec s;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos
                                                                     : comma - start);
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos)
      throw std::invalid_argument(fmt::format("link faults: expected key=value, got '{}'", item));
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "drop") {
      s.drop = parse_rate(key, value, true);
    } else if (key == "corrupt") {
      s.corrupt = parse_rate(key, value, true);
    } else if (key == "delay") {
      s.delay = parse_rate(key, value, true);
    } else if (key == "delay_time") {
      s.delay_time = parse_rate(key, value, false);
    } else if (key == "seed") {
      char* end = nullptr;
      s.seed = std::strtoull(value.c_str(), &end, 0);
      if (value.empty() || *end)
        throw std::invalid_argument(fmt::format("link faults: bad seed '{}'", value));
    } else if (key == "dir") {
      if (value == "both") {
        s.tx = s.rx = true;
      } else if (value == "tx") {
        s.tx = true, s.rx = false;
      } else if (value == "rx") {
        s.tx = false, s.rx = true;
      } else {
        throw std::invalid_argument(
            fmt::format("link faults: dir must be tx, rx or both, not '{}'", value));
      }
    } else if (key == "mcu") {
      s.mcu = value;
    } else {
      throw std::invalid_argument(fmt::format("link faults: unknown key '{}'", key));
    }
  }
  return s;
}

std::string FaultSpec::describe() const {
  return fmt::format("drop={} corrupt={} delay={} delay_time={} seed={} dir={}{}", drop, corrupt,
                     delay, delay_time, seed, tx && rx ? "both" : tx ? "tx" : "rx",
                     mcu.empty() ? std::string() : " mcu=" + mcu);
}

std::optional<FaultSpec> fault_spec_for(const std::string& mcu_name, const std::string& option) {
  std::string text = option;
  if (text.empty()) {
    const char* env = std::getenv("KPP_LINK_FAULTS");
    if (env) text = env;
  }
  if (text.empty()) return std::nullopt;
  FaultSpec spec = FaultSpec::parse(text);
  if (!spec.any() || !spec.applies_to(mcu_name)) return std::nullopt;
  // Each MCU gets its own stream of faults from the one seed.
  spec.seed ^= std::hash<std::string>{}(mcu_name);
  return spec;
}

FaultInjector::FaultInjector(std::unique_ptr<LinkTransport> inner, FaultSpec spec)
    : inner_(std::move(inner)), spec_(std::move(spec)), rng_(spec_.seed) {}

std::string FaultInjector::describe() const {
  return fmt::format("{} (faults: {})", inner_->describe(), spec_.describe());
}

bool FaultInjector::chance(double p) {
  if (p <= 0.) return false;
  return std::uniform_real_distribution<double>(0., 1.)(rng_) < p;
}

std::vector<uint8_t> FaultInjector::mangle(const uint8_t* data, size_t len) {
  std::vector<uint8_t> out;
  out.reserve(len);
  for (size_t i = 0; i < len; i++) {
    if (chance(spec_.drop)) {
      counters_.dropped++;
      continue;
    }
    uint8_t b = data[i];
    if (chance(spec_.corrupt)) {
      // Flip one to eight bits, never none.
      b ^= static_cast<uint8_t>(std::uniform_int_distribution<int>(1, 255)(rng_));
      counters_.corrupted++;
    }
    out.push_back(b);
  }
  return out;
}

void FaultInjector::write(const uint8_t* data, size_t len) {
  if (!spec_.tx) {
    inner_->write(data, len);
    return;
  }
  auto out = mangle(data, len);
  if (out.empty()) return;
  if (!held_tx_.empty() || chance(spec_.delay)) {
    if (held_tx_.empty()) counters_.delayed_chunks++;
    double release = held_tx_.empty() ? now_ + spec_.delay_time : held_tx_.back().release;
    held_tx_.push_back(Held{release, std::move(out)});
    return;
  }
  inner_->write(out.data(), out.size());
}

std::vector<uint8_t> FaultInjector::filter_rx(std::vector<uint8_t> data) {
  if (!spec_.rx || data.empty()) return data;
  auto out = mangle(data.data(), data.size());
  if (out.empty()) return out;
  if (!held_rx_.empty() || chance(spec_.delay)) {
    if (held_rx_.empty()) counters_.delayed_chunks++;
    double release = held_rx_.empty() ? now_ + spec_.delay_time : held_rx_.back().release;
    held_rx_.push_back(Held{release, std::move(out)});
    return {};
  }
  return out;
}

std::vector<uint8_t> FaultInjector::pump(double now) {
  now_ = now;
  while (!held_tx_.empty() && held_tx_.front().release <= now) {
    auto& h = held_tx_.front();
    inner_->write(h.data.data(), h.data.size());
    held_tx_.pop_front();
  }
  std::vector<uint8_t> rx;
  while (!held_rx_.empty() && held_rx_.front().release <= now) {
    auto& h = held_rx_.front();
    rx.insert(rx.end(), h.data.begin(), h.data.end());
    held_rx_.pop_front();
  }
  return rx;
}

double FaultInjector::next_wake() const {
  double w = LinkCore::kNever;
  if (!held_tx_.empty()) w = std::min(w, held_tx_.front().release);
  if (!held_rx_.empty()) w = std::min(w, held_rx_.front().release);
  return w;
}

}  // namespace kpp
