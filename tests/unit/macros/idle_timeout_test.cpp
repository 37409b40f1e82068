// [idle_timeout]: options, SET_IDLE_TIMEOUT, the "Printing" transition and its event. (The
// Ready/Idle transitions need a toolhead; the regression cases cover them.)
#include "modules/idle_timeout.h"

#include "macro_fixture.h"

namespace kpp::test {
namespace {

using Lines = std::vector<std::string>;

class IdleTimeoutTest : public MacroFixture {};

TEST_F(IdleTimeoutTest, DefaultsAndStatus) {
  load("[idle_timeout]\n");
  ready();
  auto& idle = printer_.lookup<IdleTimeout>("idle_timeout");
  EXPECT_EQ(idle.timeout(), 600.);
  Json st = idle.get_status(reactor_.monotonic());
  EXPECT_EQ(st["state"], "Idle");
  EXPECT_EQ(st["printing_time"], 0.);
}

TEST_F(IdleTimeoutTest, TimeoutMustBePositive) {
  std::string err = load_error("[idle_timeout]\ntimeout: 0\n");
  EXPECT_NE(err.find("Option 'timeout' in section 'idle_timeout' must be above 0"),
            std::string::npos)
      << err;
}

TEST_F(IdleTimeoutTest, BadTemplateIsConfigError) {
  EXPECT_NE(load_error("[idle_timeout]\ngcode:\n  {% if %}\n"), "");
}

TEST_F(IdleTimeoutTest, SetIdleTimeout) {
  load("[idle_timeout]\ntimeout: 30\n");
  ready();
  EXPECT_EQ(run("SET_IDLE_TIMEOUT TIMEOUT=12.5"), (Lines{"// idle_timeout: Timeout set to 12.50 s"}));
  EXPECT_EQ(printer_.lookup<IdleTimeout>("idle_timeout").timeout(), 12.5);
  EXPECT_EQ(run("SET_IDLE_TIMEOUT"), (Lines{"// idle_timeout: Timeout set to 12.50 s"}));
  auto err = run("SET_IDLE_TIMEOUT TIMEOUT=0");
  ASSERT_EQ(err.size(), 1u);
  EXPECT_EQ(err[0].rfind("!! ", 0), 0u) << err[0];
  EXPECT_NE(err[0].find("TIMEOUT must be above 0"), std::string::npos) << err[0];
}

TEST_F(IdleTimeoutTest, SyncPrintTimeStartsPrinting) {
  load("[idle_timeout]\n");
  ready();
  std::vector<double> events;
  printer_.register_event_handler<double>("idle_timeout:printing",
                                          [&](double t) { events.push_back(t); });
  double now = reactor_.monotonic();
  // toolhead:sync_print_time(curtime, est_print_time, print_time)
  printer_.send_event<double, double, double>("toolhead:sync_print_time", now, 5., 5.25);
  printer_.send_event<double, double, double>("toolhead:sync_print_time", now, 6., 6.25);
  ASSERT_EQ(events.size(), 1u);  // only the first sync starts "Printing"
  EXPECT_NEAR(events[0], 5.25 + IdleTimeout::kPinMinTime, 1e-9);
  auto& idle = printer_.lookup<IdleTimeout>("idle_timeout");
  Json st = idle.get_status(now + 3.);
  EXPECT_EQ(st["state"], "Printing");
  EXPECT_NEAR(st["printing_time"].get<double>(), 3., 1e-9);
}

}  // namespace
}  // namespace kpp::test
