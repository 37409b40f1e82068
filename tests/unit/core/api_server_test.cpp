// The API server through its socket: info, endpoints, gcode/*, framing, bad input, disconnects.
#include <gtest/gtest.h>

#include "api_test_util.h"
#include "core/gcode.h"
#include "core/webhooks.h"

namespace kpp {
namespace {

using testing::ApiPrinter;
using testing::ApiTestClient;
using testing::now_seconds;

const char* const kConfig =
    "[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\nmax_velocity: 300\nmax_accel: 3000\n";

// A printer object whose status tests change through G-code.
class Counter : public PrinterObject {
 public:
  Json get_status(double) override { return Json{{"count", count}, {"name", "fixed"}}; }
  int count = 0;
};

class ApiServerTest : public ::testing::Test {
 protected:
  ApiServerTest() : p_(kConfig) {
    auto& printer = p_.printer();
    auto counter = std::make_shared<Counter>();
    counter_ = counter.get();
    printer.add_object("counter", counter);
    auto& gcode = printer.lookup<GCodeDispatch>("gcode");
    gcode.register_command("BUMP", [this](GCodeCommand&) { counter_->count++; });
    gcode.register_command("FAIL", [](GCodeCommand& g) { throw g.error("it failed"); });
    gcode.register_command("SLOW", [&printer, this](GCodeCommand&) {
      auto& r = printer.get_reactor();
      r.pause(r.monotonic() + 0.3);
      counter_->count += 10;
    });
    gcode.register_command("FLOOD", [](GCodeCommand& g) {
      std::string line(1000, 'x');
      for (int i = 0; i < 3000; i++) g.respond_raw(std::to_string(i) + " " + line);
    });
    gcode.register_command("BEEP", [&printer](GCodeCommand& g) {
      printer.lookup<WebHooks>("webhooks")
          .call_remote_method(g.get("METHOD", "paneldue_beep"), Json{{"frequency", 300}});
    });
    auto& wh = printer.lookup<WebHooks>("webhooks");
    wh.register_mux_endpoint("test/mux", "name", "a", [](WebRequest& r) {
      r.send({{"got", "a"}});
    });
    wh.register_mux_endpoint("test/mux", "name", "b", [](WebRequest& r) {
      r.send({{"got", "b"}});
    });
    wh.register_endpoint("test/crash",
                         [](WebRequest&) -> void { throw std::runtime_error("bug"); });
    wh.register_endpoint("test/args", [](WebRequest& r) {
      r.send({{"i", r.get_int("i", 7)}, {"f", r.get_float("f", 1.5)}, {"s", r.get_str("s", "d")}});
    });
    p_.start();
  }

  // A connected client, once the printer reports "ready".
  std::unique_ptr<ApiTestClient> client() {
    auto c = std::make_unique<ApiTestClient>(p_.socket_path());
    EXPECT_TRUE(c->connected());
    double deadline = now_seconds() + 5.;
    while (now_seconds() < deadline) {
      auto r = c->call("info");
      if (r["result"]["state"] == "ready") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return c;
  }
  Json error_of(const std::string& message) {
    return Json{{"error", "WebRequestError"}, {"message", message}};
  }

  ApiPrinter p_;
  Counter* counter_ = nullptr;  // touched only by the reactor thread
};

TEST_F(ApiServerTest, Info) {
  auto c = client();
  auto r = c->call("info", {{"client_info", {{"program", "test"}, {"version", "1"}}}});
  ASSERT_TRUE(r.contains("result")) << r;
  Json info = r["result"];
  EXPECT_EQ(info["state"], "ready");
  EXPECT_EQ(info["state_message"], "Printer is ready");
  EXPECT_EQ(info["process_id"], getpid());
  EXPECT_EQ(info["user_id"], getuid());
  EXPECT_EQ(info["group_id"], getgid());
  EXPECT_EQ(info["software_version"], KPP_VERSION);
  EXPECT_EQ(info["app"], "Klipper");
  EXPECT_TRUE(info["config_file"].get<std::string>().ends_with("printer.cfg"));
  EXPECT_TRUE(info["log_file"].is_null());
  EXPECT_FALSE(info["hostname"].get<std::string>().empty());
  EXPECT_TRUE(info["klipper_path"].is_string());
  EXPECT_TRUE(info["python_path"].is_string());
  // client_info must be an object.
  r = c->call("info", {{"client_info", "v1"}});
  EXPECT_EQ(r["error"], error_of("Invalid Argument Type [client_info]"));
}

TEST_F(ApiServerTest, ListEndpoints) {
  auto c = client();
  auto r = c->call("list_endpoints");
  Json eps = r["result"]["endpoints"];
  for (const char* e :
       {"list_endpoints", "info", "emergency_stop", "register_remote_method", "objects/list",
        "objects/query", "objects/subscribe", "gcode/help", "gcode/script", "gcode/restart",
        "gcode/firmware_restart", "gcode/subscribe_output", "test/mux"})
    EXPECT_NE(std::find(eps.begin(), eps.end(), e), eps.end()) << e;
}

TEST_F(ApiServerTest, UnknownMethod) {
  auto c = client();
  auto r = c->call("foo/bar");
  EXPECT_EQ(r["error"], error_of("webhooks: No registered callback for path 'foo/bar'"));
  // Any JSON value is a valid id and comes back unchanged.
  Json id = {{"any", {1, "thing"}}};
  c->send(Json{{"id", id}, {"method", "foo/bar"}});
  r = c->wait_answer(id);
  EXPECT_EQ(r["id"], id);
  EXPECT_EQ(r["error"], error_of("webhooks: No registered callback for path 'foo/bar'"));
}

TEST_F(ApiServerTest, GCodeScriptSuccessAndOutput) {
  auto c = client();
  EXPECT_EQ(c->call("gcode/subscribe_output", {{"response_template", {{"key", 345}}}})["result"],
            Json::object());
  auto r = c->call("gcode/script", {{"script", "STATUS\nBUMP"}});
  EXPECT_EQ(r["result"], Json::object()) << r;
  // The terminal output arrived before the answer (it was written while the script ran).
  auto out = c->next_async(0.5);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, (Json{{"key", 345}, {"params", {{"response", "// Klipper state: Ready"}}}}));
  r = c->call("objects/query", {{"objects", {{"counter", {"count"}}}}});
  EXPECT_EQ(r["result"]["status"]["counter"]["count"], 1);
}

TEST_F(ApiServerTest, GCodeScriptErrors) {
  auto c = client();
  EXPECT_EQ(c->call("gcode/script", {{"script", "FAIL"}})["error"], error_of("it failed"));
  // Lines after the failing one do not run.
  c->call("gcode/script", {{"script", "FAIL\nBUMP"}});
  auto r = c->call("objects/query", {{"objects", {{"counter", {"count"}}}}});
  EXPECT_EQ(r["result"]["status"]["counter"]["count"], 0);
  EXPECT_EQ(c->call("gcode/script")["error"], error_of("Missing Argument [script]"));
  EXPECT_EQ(c->call("gcode/script", {{"script", 5}})["error"],
            error_of("Invalid Argument Type [script]"));
}

TEST_F(ApiServerTest, ScriptWaitsButOtherRequestsDoNot) {
  auto c = client();
  int64_t slow = c->next_id();
  c->send(Json{{"id", slow}, {"method", "gcode/script"}, {"params", {{"script", "SLOW"}}}});
  int64_t bump = c->next_id();
  c->send(Json{{"id", bump}, {"method", "gcode/script"}, {"params", {{"script", "BUMP"}}}});
  // info is answered while SLOW still holds the G-code mutex; BUMP queues behind SLOW.
  auto info = c->call("info");
  EXPECT_EQ(info["result"]["state"], "ready");
  auto first = c->next_async(2.);
  auto second = c->next_async(2.);
  ASSERT_TRUE(first && second);
  EXPECT_EQ((*first)["id"], slow);
  EXPECT_EQ((*second)["id"], bump);
  auto r = c->call("objects/query", {{"objects", {{"counter", {"count"}}}}});
  EXPECT_EQ(r["result"]["status"]["counter"]["count"], 11);
}

TEST_F(ApiServerTest, GCodeHelp) {
  auto c = client();
  auto r = c->call("gcode/help")["result"];
  EXPECT_EQ(r["RESTART"], "Reload config file and restart host software");
  EXPECT_EQ(r["FIRMWARE_RESTART"], "Restart firmware, host, and reload config");
  EXPECT_FALSE(r.contains("BUMP"));  // no help text
}

TEST_F(ApiServerTest, MalformedRequestsAreDropped) {
  auto c = client();
  // Not JSON, not an object, a non-string method, non-object params: no answer at all.
  c->send_raw("{not json\x03[1,2]\x03{\"id\":7,\"method\":5}\x03");
  c->send_raw("{\"id\":8,\"method\":\"info\",\"params\":[]}\x03\xff\xfe\x03");
  auto r = c->call("info");
  ASSERT_TRUE(r.contains("result")) << r;
  EXPECT_FALSE(c->next_async(0.3));
}

TEST_F(ApiServerTest, RequestWithoutIdGetsNoAnswer) {
  auto c = client();
  c->send(Json{{"method", "gcode/script"}, {"params", {{"script", "BUMP"}}}});
  c->send(Json{{"id", nullptr}, {"method", "gcode/script"}, {"params", {{"script", "BUMP"}}}});
  auto r = c->call("objects/query", {{"objects", {{"counter", {"count"}}}}});
  EXPECT_EQ(r["result"]["status"]["counter"]["count"], 2);
  EXPECT_FALSE(c->next_async(0.3));
}

TEST_F(ApiServerTest, PartialAndCombinedFrames) {
  auto c = client();
  std::string req = Json{{"id", 100}, {"method", "info"}}.dump();
  c->send_raw(req.substr(0, 7));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c->send_raw(req.substr(7) + "\x03" + Json{{"id", 101}, {"method", "gcode/help"}}.dump() + "\x03" +
              Json{{"id", 102}, {"method", "list_endpoints"}}.dump().substr(0, 3));
  EXPECT_EQ(c->wait_answer(100)["result"]["state"], "ready");
  EXPECT_TRUE(c->wait_answer(101)["result"].contains("RESTART"));
  c->send_raw(Json{{"id", 102}, {"method", "list_endpoints"}}.dump().substr(3) + "\x03");
  EXPECT_TRUE(c->wait_answer(102)["result"].contains("endpoints"));
}

TEST_F(ApiServerTest, LargeOutputToASlowReader) {
  auto c = client();
  c->call("gcode/subscribe_output");
  int64_t id = c->next_id();
  c->send(Json{{"id", id}, {"method", "gcode/script"}, {"params", {{"script", "FLOOD"}}}});
  // Do not read for a while: 3 MB of output cannot fit the socket buffers.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto answer = c->wait_answer(id, 10.);
  ASSERT_TRUE(answer.contains("result")) << answer;
  int n = 0;
  while (auto m = c->next_async(0.)) {
    std::string resp = (*m)["params"]["response"];
    ASSERT_TRUE(resp.starts_with(std::to_string(n) + " ")) << n;
    n++;
  }
  EXPECT_EQ(n, 3000);
  EXPECT_EQ(c->call("info")["result"]["state"], "ready");
}

TEST_F(ApiServerTest, ClientDisconnectMidRequest) {
  {
    auto c = client();
    c->send(Json{{"id", 50}, {"method", "gcode/script"}, {"params", {{"script", "SLOW"}}}});
    c->send_raw("{\"id\": 51, \"meth");  // and a partial request
  }                                      // hang up while SLOW runs
  auto d = client();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  // The script finished although nobody waits for its answer; the server is fine.
  auto r = d->call("objects/query", {{"objects", {{"counter", {"count"}}}}});
  EXPECT_EQ(r["result"]["status"]["counter"]["count"], 10);
}

TEST_F(ApiServerTest, ManyClients) {
  std::vector<std::unique_ptr<ApiTestClient>> clients;
  for (int i = 0; i < 8; i++) clients.push_back(client());
  for (auto& c : clients)
    c->send(Json{{"id", 9}, {"method", "gcode/script"}, {"params", {{"script", "BUMP"}}}});
  for (auto& c : clients) EXPECT_EQ(c->wait_answer(9)["result"], Json::object());
  auto r = clients[3]->call("objects/query", {{"objects", {{"counter", {"count"}}}}});
  EXPECT_EQ(r["result"]["status"]["counter"]["count"], 8);
}

TEST_F(ApiServerTest, RemoteMethods) {
  auto c = client();
  auto r = c->call("register_remote_method", {{"response_template", {{"action", "run_beep"}}},
                                              {"remote_method", "paneldue_beep"}});
  EXPECT_EQ(r["result"], Json::object());
  EXPECT_EQ(c->call("gcode/script", {{"script", "BEEP"}})["result"], Json::object());
  auto m = c->next_async(1.);
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, (Json{{"action", "run_beep"}, {"params", {{"frequency", 300}}}}));
  EXPECT_EQ(c->call("gcode/script", {{"script", "BEEP METHOD=nope"}})["error"],
            error_of("Remote method 'nope' not registered"));
  EXPECT_EQ(c->call("register_remote_method", {{"remote_method", "x"}})["error"],
            error_of("Missing Argument [response_template]"));
  c->close();
  auto d = client();
  EXPECT_EQ(d->call("gcode/script", {{"script", "BEEP"}})["error"],
            error_of("No active connections for method 'paneldue_beep'"));
  EXPECT_EQ(d->call("gcode/script", {{"script", "BEEP"}})["error"],
            error_of("Remote method 'paneldue_beep' not registered"));
}

TEST_F(ApiServerTest, MuxEndpointsAndTypedArguments) {
  auto c = client();
  EXPECT_EQ(c->call("test/mux", {{"name", "b"}})["result"], (Json{{"got", "b"}}));
  EXPECT_EQ(c->call("test/mux", {{"name", "zz"}})["error"],
            error_of("The value 'zz' is not valid for name"));
  EXPECT_EQ(c->call("test/mux")["error"], error_of("Missing Argument [name]"));
  EXPECT_EQ(c->call("test/args")["result"], (Json{{"i", 7}, {"f", 1.5}, {"s", "d"}}));
  EXPECT_EQ(c->call("test/args", {{"i", 3}, {"f", 2}, {"s", "x"}})["result"],
            (Json{{"i", 3}, {"f", 2.0}, {"s", "x"}}));
  EXPECT_EQ(c->call("test/args", {{"i", 1.5}})["error"], error_of("Invalid Argument Type [i]"));
  EXPECT_EQ(c->call("test/args", {{"i", true}})["error"], error_of("Invalid Argument Type [i]"));
  EXPECT_EQ(c->call("test/args", {{"f", "1"}})["error"], error_of("Invalid Argument Type [f]"));
}

TEST_F(ApiServerTest, EmergencyStop) {
  auto c = client();
  EXPECT_EQ(c->call("emergency_stop")["result"], Json::object());
  auto info = c->call("info")["result"];
  EXPECT_EQ(info["state"], "shutdown");
  // Klipper's text: the reason, then the advice on its own lines.
  EXPECT_TRUE(info["state_message"].get<std::string>().starts_with(
      "Shutdown due to webhooks request\nOnce the underlying issue is corrected"))
      << info;
  // G-code now answers with the shutdown message.
  auto r = c->call("gcode/script", {{"script", "BUMP"}});
  EXPECT_TRUE(
      r["error"]["message"].get<std::string>().starts_with("Shutdown due to webhooks request"))
      << r;
}

TEST_F(ApiServerTest, InternalErrorShutsDown) {
  auto c = client();
  EXPECT_EQ(c->call("test/crash")["error"], error_of("bug"));
  auto info = c->call("info")["result"];
  EXPECT_EQ(info["state"], "shutdown");
  EXPECT_TRUE(info["state_message"].get<std::string>().starts_with(
      "Internal Error on WebRequest: test/crash"));
}

TEST_F(ApiServerTest, RestartEndpointEndsRun) {
  auto c = client();
  EXPECT_EQ(c->call("gcode/restart")["result"], Json::object());
  EXPECT_TRUE(p_.wait_exit(5.));
  EXPECT_EQ(p_.stop(), "restart");
  // klippy:disconnect closed the connection.
  EXPECT_FALSE(c->recv(0.5));
}

TEST(ApiServer, ConfigErrorStillAnswersInfo) {
  ApiPrinter p("[mcu]\n");  // no serial: a config error
  p.start();
  ApiTestClient c(p.socket_path());
  ASSERT_TRUE(c.connected());
  Json info;
  double deadline = now_seconds() + 5.;
  do {
    info = c.call("info")["result"];
  } while (info["state"] == "startup" && now_seconds() < deadline);
  EXPECT_EQ(info["state"], "error");
  EXPECT_NE(info["state_message"].get<std::string>().find("serial"), std::string::npos) << info;
  auto st = c.call("objects/query", {{"objects", {{"webhooks", nullptr}}}})["result"]["status"];
  EXPECT_EQ(st["webhooks"]["state"], "error");
}

TEST(ApiServer, BatchInputHasNoSocket) {
  ApiPrinter p(kConfig, /*batch_input=*/true);
  EXPECT_FALSE(std::filesystem::exists(p.socket_path()));
}

TEST(ApiServer, StaleSocketFileIsReplacedAndBadPathFails) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("kpp_api_stale_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "uds") << "left over";
  StartArgs args;
  args.api_socket = (dir / "uds").string();
  {
    Reactor reactor;
    Printer printer(reactor, args);
    EXPECT_TRUE(fs::is_socket(dir / "uds"));
  }
  args.api_socket = (dir / "missing" / "uds").string();
  try {
    Reactor reactor;
    Printer printer(reactor, args);
    ADD_FAILURE() << "no error for an unusable socket path";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("webhooks: Unable to open API socket"))
        << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kpp
