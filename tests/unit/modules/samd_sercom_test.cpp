// [samd_sercom] in batch mode on a SAMD21 dictionary: the set_sercom_pin config commands.
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::lines_with;
using test::run_batch;

const std::string kSamd = std::string(KPP_SHARED_DIR) + "/golden/klipper/dict/samd21g18.dict";
const std::string kBase = test::kNoKinematicsConfig;

TEST(SamdSercom, PinsForTheBus) {
  auto run = run_batch(kBase + "[samd_sercom s1]\nsercom: sercom1\ntx_pin: PA16\nclk_pin: PA17\n"
                               "rx_pin: PA18\n",
                       "\n", kSamd);
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "set_sercom_pin"),
            (std::vector<std::string>{"set_sercom_pin bus=sercom1 sercom_pin_type=tx pin=PA16",
                                      "set_sercom_pin bus=sercom1 sercom_pin_type=clk pin=PA17",
                                      "set_sercom_pin bus=sercom1 sercom_pin_type=rx pin=PA18"}));
}

TEST(SamdSercom, MissingOptionIsAConfigError) {
  auto run = run_batch(kBase + "[samd_sercom s1]\nsercom: sercom1\ntx_pin: PA16\n", "\n", kSamd);
  EXPECT_NE(run.state.find("clk_pin"), std::string::npos) << run.state;
}

}  // namespace
}  // namespace kpp
