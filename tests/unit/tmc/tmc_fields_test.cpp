// TMC register maps, field arithmetic, DUMP_TMC formatting, driver_* options, current math and
// the UART datagram encoding.
#include <gtest/gtest.h>

#include <optional>

#include "../core/config_test_util.h"
#include "modules/tmc.h"
#include "modules/tmc_current.h"
#include "modules/tmc_fields.h"
#include "modules/tmc_registers.h"
#include "modules/tmc_uart.h"

namespace kpp {
namespace {

// Records register writes instead of sending them.
class FakeTmc : public TmcTransport {
 public:
  explicit FakeTmc(const TmcChip& chip) : fields(chip) {}
  TmcFieldHelper& get_fields() override { return fields; }
  uint32_t get_register(const std::string&) override { return 0; }
  void set_register(const std::string& reg, uint32_t val, std::optional<double>) override {
    writes.emplace_back(reg, val);
  }
  std::optional<double> get_tmc_frequency() const override { return fields.chip().tmc_frequency; }
  TmcFieldHelper fields;
  std::vector<std::pair<std::string, uint32_t>> writes;
};

TEST(TmcFields, SetAndGetFieldInsideRegister) {
  TmcFieldHelper f(tmc2130_chip());
  EXPECT_EQ(f.lookup_register("mres"), "CHOPCONF");
  EXPECT_EQ(f.lookup_register("irun"), "IHOLD_IRUN");
  EXPECT_FALSE(f.lookup_register("no_such_field"));
  EXPECT_EQ(f.set_field("toff", 4), 0x4u);
  EXPECT_EQ(f.set_field("mres", 4), 0x04000004u);
  EXPECT_EQ(f.set_field("intpol", 1), 0x14000004u);
  EXPECT_EQ(f.get_field("mres"), 4);
  // Values wider than the field are cut to it.
  EXPECT_EQ(f.set_field("toff", 0x1f), 0x1400000fu);
  EXPECT_EQ(f.get_field("hend", 0x380u, "CHOPCONF"), 7);
}

TEST(TmcFields, RegistersKeepFirstTouchOrder) {
  TmcFieldHelper f(tmc2130_chip());
  f.set_field("vsense", 1);
  f.set_field("irun", 3);
  f.set_field("mres", 4);
  ASSERT_EQ(f.registers().size(), 2u);
  EXPECT_EQ(f.registers()[0].first, "CHOPCONF");
  EXPECT_EQ(f.registers()[1].first, "IHOLD_IRUN");
}

TEST(TmcFields, SignedFields) {
  TmcFieldHelper f(tmc2130_chip());
  uint32_t v = f.set_field("sgt", -1);
  EXPECT_EQ(v, 0x7fu << 16);
  EXPECT_EQ(f.get_field("sgt"), -1);
  f.set_field("sgt", -64);
  EXPECT_EQ(f.get_field("sgt"), -64);
  f.set_field("sgt", 63);
  EXPECT_EQ(f.get_field("sgt"), 63);
}

TEST(TmcFields, PrettyFormat) {
  TmcFieldHelper f(tmc2130_chip());
  EXPECT_EQ(f.pretty_format("CHOPCONF", 0x14028384),
            "CHOPCONF:   14028384 toff=4 hend=7 tbl=1 vsense=1 mres=4(16usteps) intpol=1");
  EXPECT_EQ(f.pretty_format("DRV_STATUS", 0x02000000),
            "DRV_STATUS: 02000000 cs_actual=0(Reset?) ot=1(OvertempError!)");
  EXPECT_EQ(f.pretty_format("GCONF", 0), "GCONF:      00000000");
  TmcFieldHelper f2660(tmc2660_chip());
  EXPECT_EQ(f2660.pretty_format("DRVCONF", 0x340), "DRVCONF:    00000340 vsense=1(165mV) ts2g=3");
  TmcFieldHelper f2208(tmc2208_chip());
  EXPECT_EQ(f2208.pretty_format("IOIN@TMC220x", 0x21000100),
            "IOIN@TMC220x: 21000100 sel_a=1(TMC220x) version=0x21");
}

TEST(TmcFields, ConfigFieldsAndBounds) {
  auto parsed = test::parse(
      "[tmc2130 stepper_x]\ndriver_TOFF: 5\ndriver_SGT: -3\ndriver_PWM_AUTOSCALE: False\n"
      "[tmc2130 stepper_y]\ndriver_TOFF: 16\n");
  TmcFieldHelper f(tmc2130_chip());
  auto x = parsed.section("tmc2130 stepper_x");
  f.set_config_field(x, "toff", 4);
  f.set_config_field(x, "sgt", 0);
  f.set_config_field(x, "pwm_autoscale", 1);
  f.set_config_field(x, "hend", 7);
  EXPECT_EQ(f.get_field("toff"), 5);
  EXPECT_EQ(f.get_field("sgt"), -3);
  EXPECT_EQ(f.get_field("pwm_autoscale"), 0);
  EXPECT_EQ(f.get_field("hend"), 7);
  auto y = parsed.section("tmc2130 stepper_y");
  std::string err = test::error_of([&] { f.set_config_field(y, "toff", 4); });
  EXPECT_NE(err.find("driver_TOFF"), std::string::npos) << err;
  EXPECT_NE(err.find("tmc2130 stepper_y"), std::string::npos) << err;
}

TEST(TmcFields, TstepFromVelocity) {
  TmcFieldHelper f(tmc2130_chip());
  f.set_field("mres", 4);
  // 40mm rotation, 200 full steps, 16 microsteps: 0.0125mm per microstep.
  EXPECT_EQ(tmc_tstep(f, 13200000., 40. / 3200., 10.), 1031u);
  EXPECT_EQ(tmc_tstep(f, 13200000., 40. / 3200., 0.), 0xfffffu);
  EXPECT_EQ(tmc_tstep(f, 13200000., 40. / 3200., 0.000001), 0xfffffu);
}

TEST(TmcCurrent, Tmc2209RunCurrent08) {
  // run_current 0.8, sense_resistor 0.110: IRUN=IHOLD=25 with vsense; with Klipper's default
  // iholddelay of 8 the IHOLD_IRUN register is 0x00081919.
  auto parsed = test::parse("[tmc2209 stepper_x]\nrun_current: 0.8\nsense_resistor: 0.110\n");
  FakeTmc tmc(tmc2209_chip());
  Tmc2130Current cur(parsed.section("tmc2209 stepper_x"), tmc);
  tmc.fields.set_field("iholddelay", 8);
  EXPECT_EQ(tmc.fields.get_register_value("IHOLD_IRUN"), 0x00081919u);
  EXPECT_EQ(tmc.fields.get_field("vsense"), 1);
  auto info = cur.get_current();
  EXPECT_NEAR(info.run_current, 0.7955, 0.0001);
  EXPECT_EQ(info.req_hold_current, 2.0);
}

TEST(TmcCurrent, Tmc2130SwitchesVsenseForHighCurrent) {
  auto parsed = test::parse("[tmc2130 stepper_x]\nrun_current: .5\nsense_resistor: 0.220\n");
  FakeTmc tmc(tmc2130_chip());
  Tmc2130Current cur(parsed.section("tmc2130 stepper_x"), tmc);
  EXPECT_EQ(tmc.fields.get_field("irun"), 29);
  EXPECT_EQ(tmc.fields.get_field("ihold"), 29);
  EXPECT_EQ(tmc.fields.get_field("vsense"), 1);
  cur.set_current(0.7, 2.0, 1.0);
  // The high-sensitivity range tops out at 0.53A: vsense is cleared (CHOPCONF first).
  ASSERT_EQ(tmc.writes.size(), 2u);
  EXPECT_EQ(tmc.writes[0].first, "CHOPCONF");
  EXPECT_EQ(tmc.writes[1], std::make_pair(std::string("IHOLD_IRUN"), 0x1717u));
  EXPECT_NEAR(cur.get_current().run_current, 0.707, 0.001);
}

TEST(TmcCurrent, HoldCurrentNeverAboveRun) {
  auto parsed = test::parse(
      "[tmc2209 stepper_x]\nrun_current: 0.5\nhold_current: 0.3\n"
      "[tmc2209 stepper_y]\nrun_current: 0.5\nhold_current: 1.5\n");
  FakeTmc a(tmc2209_chip()), b(tmc2209_chip());
  Tmc2130Current ca(parsed.section("tmc2209 stepper_x"), a);
  Tmc2130Current cb(parsed.section("tmc2209 stepper_y"), b);
  EXPECT_LT(a.fields.get_field("ihold"), a.fields.get_field("irun"));
  EXPECT_EQ(b.fields.get_field("ihold"), b.fields.get_field("irun"));
}

TEST(TmcCurrent, RunCurrentLimits) {
  auto parsed = test::parse("[tmc2209 stepper_x]\nrun_current: 2.5\n");
  FakeTmc tmc(tmc2209_chip());
  std::string err =
      test::error_of([&] { Tmc2130Current(parsed.section("tmc2209 stepper_x"), tmc); });
  EXPECT_NE(err.find("run_current"), std::string::npos) << err;
}

TEST(TmcCurrent, Tmc5160GlobalScaler) {
  auto parsed = test::parse("[tmc5160 stepper_y]\nrun_current: .5\nsense_resistor: 0.220\n");
  FakeTmc tmc(tmc5160_chip());
  Tmc5160Current cur(parsed.section("tmc5160 stepper_y"), tmc);
  EXPECT_EQ(tmc.fields.get_field("globalscaler"), 123);
  EXPECT_EQ(tmc.fields.get_field("irun"), 31);
  cur.set_current(0.7, 10., 0.);
  ASSERT_EQ(tmc.writes.size(), 2u);
  EXPECT_EQ(tmc.writes[0], std::make_pair(std::string("GLOBALSCALER"), 0xacu));
  EXPECT_EQ(tmc.writes[1].first, "IHOLD_IRUN");
}

TEST(TmcCurrent, Tmc2240RangeAndScaler) {
  auto parsed = test::parse("[tmc2240 stepper_z2]\nrun_current: .5\n");
  FakeTmc tmc(tmc2240_chip());
  Tmc2240Current cur(parsed.section("tmc2240 stepper_z2"), tmc);
  EXPECT_EQ(tmc.fields.get_field("current_range"), 0);
  EXPECT_EQ(tmc.fields.get_field("globalscaler"), 0xb9);
  cur.set_current(0.6, 10., 0.);
  EXPECT_EQ(tmc.writes[0], std::make_pair(std::string("GLOBALSCALER"), 0xdeu));
  EXPECT_NEAR(cur.get_ifs_rms(3), 36000. / 12000. / std::sqrt(2.), 1e-9);
}

TEST(TmcCurrent, Tmc2660CurrentScale) {
  auto parsed = test::parse("[tmc2660 stepper_z1]\nrun_current: .5\nsense_resistor: 0.220\n");
  FakeTmc tmc(tmc2660_chip());
  Tmc2660Current cur(parsed.section("tmc2660 stepper_z1"), tmc);
  EXPECT_EQ(tmc.fields.get_field("cs"), 29);
  EXPECT_EQ(tmc.fields.get_field("vsense"), 1);
  cur.set_current(0.7, 0., 0.);
  ASSERT_EQ(tmc.writes.size(), 2u);
  EXPECT_EQ(tmc.writes[0], std::make_pair(std::string("SGCSCONF"), 0x15u));
  EXPECT_EQ(tmc.writes[1], std::make_pair(std::string("DRVCONF"), 0x0u));
  EXPECT_FALSE(cur.get_current().hold_current);
}

TEST(TmcUart, Crc8AndBitEncoding) {
  std::vector<uint8_t> msg{0xf5, 0x00, 0x90, 0x00, 0x08, 0x19, 0x19};
  EXPECT_EQ(tmcuart::crc8(msg), 0x83);
  auto w = tmcuart::encode_write(0xf5, 0x00, 0x90, 0x00081919);
  EXPECT_EQ(w, (std::vector<uint8_t>{0xea, 0x03, 0x08, 0x32, 0x80, 0x10, 0xca, 0x28, 0xa3, 0xc1}));
  auto r = tmcuart::encode_read(0xf5, 0x00, 0x6f);
  EXPECT_EQ(r, (std::vector<uint8_t>{0xea, 0x03, 0xe8, 0xad, 0xe1}));
}

TEST(TmcUart, DecodeReadReply) {
  std::vector<uint8_t> reply{0x0a, 0xfa, 0x4f, 0x20, 0x80, 0x00, 0x02, 0x48, 0xa5, 0xf3};
  EXPECT_EQ(tmcuart::decode_read(0x02, reply), 0x2au);
  // Wrong register, a flipped bit, or a short reply: rejected.
  EXPECT_FALSE(tmcuart::decode_read(0x03, reply));
  auto bad = reply;
  bad[5] ^= 0x04;
  EXPECT_FALSE(tmcuart::decode_read(0x02, bad));
  EXPECT_FALSE(tmcuart::decode_read(0x02, std::vector<uint8_t>(reply.begin(), reply.end() - 1)));
  // Every value survives encode -> decode.
  for (uint32_t v : {0u, 1u, 0x80000000u, 0xffffffffu, 0x12345678u}) {
    auto enc = tmcuart::encode_write(0x05, 0xff, 0x6c, v);
    EXPECT_EQ(tmcuart::decode_read(0x6c, enc), v);
  }
}

}  // namespace
}  // namespace kpp
