// objects/list, objects/query and objects/subscribe through the API socket.
#include <gtest/gtest.h>

#include "api_test_util.h"
#include "core/gcode.h"
#include "core/webhooks.h"

namespace kpp {
namespace {

using testing::ApiPrinter;
using testing::ApiTestClient;
using testing::now_seconds;

class Counter : public PrinterObject {
 public:
  Json get_status(double) override { return Json{{"count", count}, {"name", "fixed"}}; }
  int count = 0;
};

// An object without a status (get_status() answers null).
class Silent : public PrinterObject {};

class ApiStatusTest : public ::testing::Test {
 protected:
  ApiStatusTest()
      : p_("[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\nmax_velocity: 300\n"
           "max_accel: 3000\n") {
    auto& printer = p_.printer();
    auto counter = std::make_shared<Counter>();
    Counter* raw = counter.get();
    printer.add_object("counter", counter);
    printer.add_object("silent", std::make_shared<Silent>());
    printer.lookup<GCodeDispatch>("gcode").register_command("BUMP",
                                                            [raw](GCodeCommand&) { raw->count++; });
    p_.start();
    c_ = std::make_unique<ApiTestClient>(p_.socket_path());
    double deadline = now_seconds() + 5.;
    while (c_->call("info")["result"]["state"] != "ready" && now_seconds() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Json query(Json objects) { return c_->call("objects/query", {{"objects", objects}}); }

  ApiPrinter p_;
  std::unique_ptr<ApiTestClient> c_;
};

TEST_F(ApiStatusTest, List) {
  Json objects = c_->call("objects/list")["result"]["objects"];
  auto has = [&](const char* n) {
    return std::find(objects.begin(), objects.end(), n) != objects.end();
  };
  EXPECT_TRUE(has("webhooks"));
  EXPECT_TRUE(has("gcode"));
  EXPECT_TRUE(has("counter"));
  EXPECT_FALSE(has("silent"));
  EXPECT_FALSE(has("gcode_io"));
}

TEST_F(ApiStatusTest, QueryAllFieldsSomeFieldsAndUnknownObjects) {
  auto r = query({{"webhooks", nullptr},
                  {"counter", {"count", "nofield"}},
                  {"nothing", nullptr},
                  {"silent", {"x"}}});
  ASSERT_TRUE(r.contains("result")) << r;
  Json st = r["result"]["status"];
  EXPECT_EQ(st["webhooks"], (Json{{"state", "ready"}, {"state_message", "Printer is ready"}}));
  EXPECT_EQ(st["counter"], (Json{{"count", 0}, {"nofield", nullptr}}));
  EXPECT_EQ(st["nothing"], Json::object());
  EXPECT_EQ(st["silent"], (Json{{"x", nullptr}}));
  EXPECT_TRUE(r["result"]["eventtime"].is_number_float());
  // A second query later carries a later eventtime.
  double t1 = r["result"]["eventtime"];
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  double t2 = query({{"webhooks", {"state"}}})["result"]["eventtime"];
  EXPECT_GT(t2, t1);
}

TEST_F(ApiStatusTest, QueryArgumentErrors) {
  auto err = [](const char* m) { return Json{{"error", "WebRequestError"}, {"message", m}}; };
  EXPECT_EQ(c_->call("objects/query")["error"], err("Missing Argument [objects]"));
  EXPECT_EQ(query(Json::array())["error"], err("Invalid Argument Type [objects]"));
  EXPECT_EQ(query({{"webhooks", "state"}})["error"], err("Invalid argument"));
  EXPECT_EQ(query({{"webhooks", {1, 2}}})["error"], err("Invalid argument"));
}

TEST_F(ApiStatusTest, SubscribeSendsOnlyChangedFields) {
  auto r =
      c_->call("objects/subscribe", {{"objects", {{"counter", nullptr}, {"webhooks", {"state"}}}},
                                     {"response_template", {{"method", "process_status_update"}}}});
  ASSERT_TRUE(r.contains("result")) << r;
  EXPECT_EQ(r["result"]["status"]["counter"], (Json{{"count", 0}, {"name", "fixed"}}));
  EXPECT_EQ(r["result"]["status"]["webhooks"], (Json{{"state", "ready"}}));
  double t0 = r["result"]["eventtime"];
  // Nothing changes: no update.
  EXPECT_FALSE(c_->next_async(0.6));
  EXPECT_EQ(c_->call("gcode/script", {{"script", "BUMP"}})["result"], Json::object());
  auto m = c_->next_async(1.);
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)["method"], "process_status_update");
  EXPECT_EQ((*m)["params"]["status"], (Json{{"counter", {{"count", 1}}}}));
  EXPECT_GT((*m)["params"]["eventtime"].get<double>(), t0);
  // A state change reaches subscribers of webhooks.
  c_->call("emergency_stop");
  m = c_->next_async(1.);
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)["params"]["status"], (Json{{"webhooks", {{"state", "shutdown"}}}}));
}

TEST_F(ApiStatusTest, ResubscribeReplacesAndOthersAreIndependent) {
  auto other = std::make_unique<ApiTestClient>(p_.socket_path());
  other->call("objects/subscribe", {{"objects", {{"counter", {"count"}}}}});
  c_->call("objects/subscribe", {{"objects", {{"counter", {"count"}}}}});
  c_->call("objects/subscribe", {{"objects", {{"webhooks", {"state"}}}}});
  c_->call("gcode/script", {{"script", "BUMP"}});
  auto m = other->next_async(1.);
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)["params"]["status"], (Json{{"counter", {{"count", 1}}}}));
  // c_ no longer follows counter.
  EXPECT_FALSE(c_->next_async(0.6));
  // A subscriber that hangs up is dropped without disturbing the rest.
  other->close();
  c_->call("gcode/script", {{"script", "BUMP"}});
  EXPECT_EQ(query({{"counter", {"count"}}})["result"]["status"]["counter"]["count"], 2);
}

}  // namespace
}  // namespace kpp
