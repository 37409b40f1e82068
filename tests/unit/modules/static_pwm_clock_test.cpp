// [static_pwm_clock] in batch mode, on an STM32 dictionary extended with stm32_timer_output
// (none of the stored real builds has it): the config command and the frequency checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../common/batch_util.h"

namespace kpp {
namespace {

namespace fs = std::filesystem;
using test::lines_with;
using test::run_batch;

// stm32f407.dict plus the stm32_timer_output command, written to a temporary file.
std::string dict_with_timer_output() {
  static const std::string path = [] {
    std::ifstream in(std::string(KPP_SHARED_DIR) + "/golden/klipper/dict/stm32f407.dict");
    auto d = nlohmann::json::parse(in);
    int next_id = 0;
    for (auto& [_, id] : d["commands"].items()) next_id = std::max(next_id, id.get<int>() + 1);
    for (auto& [_, id] : d["responses"].items()) next_id = std::max(next_id, id.get<int>() + 1);
    d["commands"]["stm32_timer_output pin=%u cycle_ticks=%u on_ticks=%hu"] = next_id;
    std::string p = (fs::temp_directory_path() /
                     ("kpp_stm32_timer_" + std::to_string(getpid()) + ".dict")).string();
    std::ofstream(p) << d.dump();
    return p;
  }();
  static const struct Remove {
    ~Remove() { fs::remove(path); }
  } remove_at_exit;
  return path;
}

const std::string kBase = test::kNoKinematicsConfig;

TEST(StaticPwmClock, HalfDutySquareWave) {
  // 168 MHz / 1 MHz = 168 ticks per cycle; inverted: on for the other half (same here).
  auto run = run_batch(kBase + "[static_pwm_clock clk]\npin: PA8\nfrequency: 1000000\n"
                               "[static_pwm_clock clk2]\npin: !PA9\nfrequency: 7000000\n",
                       "\n", dict_with_timer_output());
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "stm32_timer_output"),
            (std::vector<std::string>{"stm32_timer_output pin=PA8 cycle_ticks=168 on_ticks=84",
                                      "stm32_timer_output pin=PA9 cycle_ticks=24 on_ticks=12"}));
}

TEST(StaticPwmClock, FrequencyMustDivideTheClock) {
  auto run = run_batch(kBase + "[static_pwm_clock clk]\npin: PA8\nfrequency: 1000001\n", "\n",
                       dict_with_timer_output());
  EXPECT_NE(run.state.find("Frequency output must be without remainder"), std::string::npos)
      << run.state;
}

TEST(StaticPwmClock, MissingFirmwareCommandIsReported) {
  auto run = run_batch(kBase + "[static_pwm_clock clk]\npin: PA8\nfrequency: 1000000\n", "\n",
                       std::string(KPP_SHARED_DIR) + "/golden/klipper/dict/stm32f407.dict");
  EXPECT_NE(run.state.find("stm32_timer_output"), std::string::npos) << run.state;
}

}  // namespace
}  // namespace kpp
