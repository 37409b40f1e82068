// Endpoints added by modules: query_endstops/status and pause_resume/*, on a cartesian printer
// whose MCU output goes to a file (endstops then read "open", as in Klipper's batch mode).
#include <gtest/gtest.h>

#include "api_test_util.h"

namespace kpp {
namespace {

using testing::ApiPrinter;
using testing::ApiTestClient;
using testing::now_seconds;

std::string rail(const std::string& name, const std::string& step, const std::string& dir,
                 const std::string& enable, const std::string& endstop) {
  return "[" + name + "]\nstep_pin: " + step + "\ndir_pin: " + dir + "\nenable_pin: " + enable +
         "\nrotation_distance: 40\nmicrosteps: 16\nendstop_pin: " + endstop +
         "\nposition_endstop: 0\nposition_max: 200\n";
}

const std::string kConfig = rail("stepper_x", "PF0", "PF1", "!PD7", "^PE5") +
                            rail("stepper_y", "PF6", "!PF7", "!PF2", "^PJ1") +
                            rail("stepper_z", "PL3", "PL1", "!PK0", "^PD3") +
                            "[mcu]\nserial: /dev/null\n[printer]\nkinematics: cartesian\n"
                            "max_velocity: 300\nmax_accel: 3000\n[pause_resume]\n";

class ApiModulesTest : public ::testing::Test {
 protected:
  ApiModulesTest() : p_(kConfig) {
    p_.start();
    c_ = std::make_unique<ApiTestClient>(p_.socket_path());
    double deadline = now_seconds() + 5.;
    Json info;
    do {
      info = c_->call("info")["result"];
    } while (info["state"] == "startup" && now_seconds() < deadline);
    EXPECT_EQ(info["state"], "ready") << info;
  }

  ApiPrinter p_;
  std::unique_ptr<ApiTestClient> c_;
};

TEST_F(ApiModulesTest, QueryEndstopsStatus) {
  auto r = c_->call("query_endstops/status");
  EXPECT_EQ(r["result"], (Json{{"x", "open"}, {"y", "open"}, {"z", "open"}})) << r;
  // The answer is also the object's last_query status.
  r = c_->call("objects/query", {{"objects", {{"query_endstops", nullptr}}}});
  EXPECT_EQ(r["result"]["status"]["query_endstops"]["last_query"],
            (Json{{"x", 0}, {"y", 0}, {"z", 0}}));
}

TEST_F(ApiModulesTest, PauseResumeEndpoints) {
  c_->call("gcode/subscribe_output");
  auto paused = [&] {
    return c_->call("objects/query",
                    {{"objects", {{"pause_resume", {"is_paused"}}}}})["result"]["status"]
        ["pause_resume"]["is_paused"];
  };
  EXPECT_EQ(c_->call("pause_resume/pause")["result"], Json::object());
  EXPECT_EQ(paused(), true);
  auto out = c_->next_async(1.);
  ASSERT_TRUE(out);
  EXPECT_EQ((*out)["params"]["response"], "// action:paused");
  EXPECT_EQ(c_->call("pause_resume/resume")["result"], Json::object());
  EXPECT_EQ(paused(), false);
  EXPECT_EQ(c_->call("pause_resume/cancel")["result"], Json::object());
  EXPECT_EQ(paused(), false);
}

}  // namespace
}  // namespace kpp
