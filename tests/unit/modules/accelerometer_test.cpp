// Accelerometer sample decoding (ADXL345 5-byte packing, MPU-9250 big-endian), axes_map, the
// measurement window of AccelQueryClient, and config / G-code errors of the accelerometer and
// resonance_tester sections in batch mode.
#include <gtest/gtest.h>

#include "../common/batch_util.h"
#include "modules/adxl345.h"
#include "modules/lis2dw.h"
#include "modules/mpu9250.h"

namespace kpp {
namespace {

// Pack x, y, z (13-bit signed) as the firmware does (firmware/drivers/sensor_adxl345.cpp).
std::array<uint8_t, 5> pack_adxl(int x, int y, int z) {
  auto lo = [](int v) { return static_cast<uint8_t>(v & 0xff); };
  auto hi = [](int v) { return static_cast<uint8_t>((v >> 8) & 0xff); };
  return {lo(x), lo(y), lo(z), static_cast<uint8_t>((hi(x) & 0x1f) | (hi(z) << 5)),
          static_cast<uint8_t>((hi(y) & 0x1f) | ((hi(z) << 2) & 0x60))};
}

TEST(Adxl345Decode, RoundTripsThirteenBitValues) {
  const int cases[][3] = {{0, 0, 0},         {1, -1, 256},    {-4096, 4095, -4096},
                          {4095, -4096, 4095}, {-300, 1234, -2}, {255, -256, 1000}};
  for (auto& c : cases) {
    auto d = pack_adxl(c[0], c[1], c[2]);
    auto r = decode_adxl345_sample(d.data());
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ((*r)[0], c[0]);
    EXPECT_EQ((*r)[1], c[1]);
    EXPECT_EQ((*r)[2], c[2]) << c[0] << "," << c[1] << "," << c[2];
  }
}

TEST(Adxl345Decode, GarbledSampleIsRejected) {
  const uint8_t bad[5] = {0xff, 0xff, 0xff, 0xff, 0xff};
  EXPECT_FALSE(decode_adxl345_sample(bad).has_value());
}

TEST(Mpu9250Decode, BigEndianSigned) {
  const uint8_t d[6] = {0x00, 0x01, 0xff, 0xff, 0x80, 0x00};
  auto r = decode_mpu9250_sample(d);
  EXPECT_EQ(r[0], 1);
  EXPECT_EQ(r[1], -1);
  EXPECT_EQ(r[2], -32768);
  const uint8_t g[6] = {0x10, 0x00, 0x7f, 0xff, 0xf0, 0x00};  // 1 g at +-8g is 4096 LSB
  r = decode_mpu9250_sample(g);
  EXPECT_EQ(r[0], 4096);
  EXPECT_EQ(r[1], 32767);
  EXPECT_EQ(r[2], -4096);
}

TEST(Lis2dwDecode, LittleEndianSigned) {
  const uint8_t d[6] = {0x01, 0x00, 0xff, 0xff, 0x00, 0x80};
  auto r = decode_lis2dw_sample(d);
  EXPECT_EQ(r[0], 1);
  EXPECT_EQ(r[1], -1);
  EXPECT_EQ(r[2], -32768);
}

TEST(AxesMap, SwapsAndNegates) {
  AxesMap m;
  m.pos = {1, 0, 2};
  m.scale = {-2., 3., 0.5};
  AccelSample s = m.apply(1.5, {10, 20, 30});
  EXPECT_DOUBLE_EQ(s.time, 1.5);
  EXPECT_DOUBLE_EQ(s.x, -40.);
  EXPECT_DOUBLE_EQ(s.y, 30.);
  EXPECT_DOUBLE_EQ(s.z, 15.);
}

TEST(AccelQueryClient, KeepsOnlyTheRequestedWindow) {
  AccelQueryClient c(nullptr, 1.0);
  AccelBatch b1, b2, b3;
  for (int i = 0; i < 10; i++) b1.data.push_back({0.5 + 0.1 * i, double(i), 0., 0.});
  for (int i = 0; i < 10; i++) b2.data.push_back({1.5 + 0.1 * i, double(10 + i), 0., 0.});
  for (int i = 0; i < 10; i++) b3.data.push_back({5.0 + 0.1 * i, 0., 0., 0.});
  EXPECT_TRUE(c.handle_batch(b1));
  EXPECT_TRUE(c.handle_batch(b2));
  EXPECT_FALSE(c.has_valid_samples() && false);
  c.finish_at(2.0);
  EXPECT_FALSE(c.handle_batch(b3));  // finished: unsubscribes
  EXPECT_TRUE(c.has_valid_samples());
  auto s = c.get_samples();
  // 1.0 .. 1.4 from the first batch (1.0 itself may round either way), 1.5 .. 2.0 from the
  // second.
  ASSERT_GE(s.size(), 9u);
  EXPECT_GE(s.front().time, 1.0);
  EXPECT_LE(s.back().time, 2.0);
  for (size_t i = 1; i < s.size(); i++) EXPECT_GT(s[i].time, s[i - 1].time);
}

TEST(AccelQueryClient, NoOverlapMeansNoValidSamples) {
  AccelQueryClient c(nullptr, 10.0);
  AccelBatch b;
  for (int i = 0; i < 5; i++) b.data.push_back({1.0 + i, 0., 0., 0.});
  c.handle_batch(b);
  c.finish_at(11.0);
  EXPECT_FALSE(c.has_valid_samples());
  EXPECT_TRUE(c.get_samples().empty());
}

TEST(NameSuffix, Validation) {
  EXPECT_TRUE(is_valid_name_suffix("20240101_120000"));
  EXPECT_TRUE(is_valid_name_suffix("my-test_1"));
  EXPECT_FALSE(is_valid_name_suffix("a/b"));
  EXPECT_FALSE(is_valid_name_suffix("a b"));
  EXPECT_FALSE(is_valid_name_suffix("--"));
  EXPECT_FALSE(is_valid_name_suffix(""));
}

const std::string kAccelBase = test::cartesian_config() + "[batch_test_replies]\n";

bool has_reply(const test::BatchRun& run, const std::string& text) {
  for (auto& r : run.replies)
    if (r.find(text) != std::string::npos) return true;
  return false;
}

TEST(AccelConfig, BadOptionsAreConfigErrors) {
  auto bad_map = test::run_batch(kAccelBase + "[adxl345]\ncs_pin: PK7\naxes_map: x,q,z\n");
  EXPECT_NE(bad_map.state.find("Invalid axes_map parameter"), std::string::npos) << bad_map.state;
  auto short_map = test::run_batch(kAccelBase + "[adxl345]\ncs_pin: PK7\naxes_map: x,y\n");
  EXPECT_NE(short_map.state.find("axes_map"), std::string::npos) << short_map.state;
  auto bad_rate = test::run_batch(kAccelBase + "[adxl345]\ncs_pin: PK7\nrate: 1234\n");
  EXPECT_NE(bad_rate.state.find("Invalid rate parameter: 1234"), std::string::npos)
      << bad_rate.state;
  auto mpu_rate = test::run_batch(kAccelBase + "[mpu9250]\nrate: 100\n");
  EXPECT_NE(mpu_rate.state.find("Invalid rate parameter: 100"), std::string::npos)
      << mpu_rate.state;
  auto no_cs = test::run_batch(kAccelBase + "[adxl345]\n");
  EXPECT_NE(no_cs.state.find("cs_pin"), std::string::npos) << no_cs.state;
}

TEST(AccelConfig, ConfigCommandsInKlippersOrder) {
  auto run = test::run_batch(kAccelBase + "[adxl345]\ncs_pin: PK7\n[mpu9250 m]\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto spi = test::lines_with(run, "config_spi ");
  auto adxl = test::lines_with(run, "config_adxl345");
  auto mpu = test::lines_with(run, "config_mpu9250");
  ASSERT_EQ(adxl.size(), 1u);
  ASSERT_EQ(mpu.size(), 1u);
  EXPECT_EQ(spi.at(0), "config_spi oid=0 pin=PK7 cs_active_high=0");
  EXPECT_EQ(adxl[0], "config_adxl345 oid=1 spi_oid=0");
  EXPECT_EQ(mpu[0], "config_mpu9250 oid=3 i2c_oid=2");
  // The chip's config follows its bus setup; nothing polls before a measurement is asked for.
  auto idx = [&](const std::string& prefix) {
    for (size_t i = 0; i < run.lines.size(); i++)
      if (run.lines[i].starts_with(prefix)) return i;
    return run.lines.size();
  };
  EXPECT_LT(idx("i2c_set_bus oid=2"), idx("config_mpu9250"));
  EXPECT_TRUE(test::lines_with(run, "query_adxl345").empty());
  EXPECT_TRUE(test::lines_with(run, "query_mpu9250").empty());
}

TEST(Lis2dwConfig, SpiAndI2cVariants) {
  auto run = test::run_batch(kAccelBase + "[lis2dw]\ncs_pin: PK7\n[lis3dh other]\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto cfg = test::lines_with(run, "config_lis2dw");
  ASSERT_EQ(cfg.size(), 2u);
  EXPECT_EQ(cfg[0], "config_lis2dw oid=1 bus_oid=0 bus_oid_type=spi lis_chip_type=LIS2DW");
  EXPECT_EQ(cfg[1], "config_lis2dw oid=3 bus_oid=2 bus_oid_type=i2c lis_chip_type=LIS3DH");
  EXPECT_EQ(test::lines_with(run, "i2c_set_bus oid=2").at(0),
            "i2c_set_bus oid=2 i2c_bus=twi rate=400000 address=25");
}

TEST(AccelGcode, ParameterErrors) {
  auto run = test::run_batch(kAccelBase + "[adxl345]\ncs_pin: PK7\n",
                             "ACCELEROMETER_DEBUG_READ REG=200\n"
                             "ACCELEROMETER_DEBUG_READ REG=zz\n"
                             "ACCELEROMETER_DEBUG_WRITE REG=0x2d VAL=256\n"
                             "ACCELEROMETER_QUERY CHIP=nosuch\n");
  EXPECT_TRUE(has_reply(run, "!! Error on 'ACCELEROMETER_DEBUG_READ REG=200': REG must have "
                             "maximum of 126"));
  EXPECT_TRUE(has_reply(run, "!! Error on 'ACCELEROMETER_DEBUG_READ REG=zz': unable to parse zz"));
  EXPECT_TRUE(has_reply(run, "VAL must have maximum of 255"));
  EXPECT_TRUE(has_reply(run, "!! The value 'nosuch' is not valid for CHIP"));
}

const std::string kTesterBase =
    kAccelBase +
    "[adxl345]\ncs_pin: PK7\n[mpu9250 my_mpu]\n[input_shaper]\n[resonance_tester]\n"
    "probe_points: 20,20,20\naccel_chip_x: adxl345\naccel_chip_y: mpu9250 my_mpu\n";

TEST(ResonanceTesterConfig, Errors) {
  auto no_points = test::run_batch(kAccelBase +
                                   "[adxl345]\ncs_pin: PK7\n[resonance_tester]\n"
                                   "accel_chip: adxl345\n");
  EXPECT_NE(no_points.state.find("probe_points"), std::string::npos) << no_points.state;
  auto bad_points = test::run_batch(kAccelBase +
                                    "[adxl345]\ncs_pin: PK7\n[resonance_tester]\n"
                                    "accel_chip: adxl345\nprobe_points: 1,2\n");
  EXPECT_NE(bad_points.state.find("Unable to parse option 'probe_points'"), std::string::npos)
      << bad_points.state;
  auto not_accel = test::run_batch(kAccelBase +
                                   "[resonance_tester]\naccel_chip: toolhead\n"
                                   "probe_points: 1,2,3\n");
  EXPECT_NE(not_accel.state.find("'toolhead' is not an accelerometer"), std::string::npos)
      << not_accel.state;
  auto unknown = test::run_batch(kAccelBase +
                                 "[resonance_tester]\naccel_chip: adxl345 nope\n"
                                 "probe_points: 1,2,3\n");
  EXPECT_NE(unknown.state.find("adxl345 nope"), std::string::npos) << unknown.state;
  auto max_freq = test::run_batch(kAccelBase +
                                  "[adxl345]\ncs_pin: PK7\n[resonance_tester]\n"
                                  "accel_chip: adxl345\nprobe_points: 1,2,3\nmax_freq: 400\n");
  EXPECT_NE(max_freq.state.find("max_freq"), std::string::npos) << max_freq.state;
  auto ok = test::run_batch(kTesterBase);
  EXPECT_EQ(ok.result, "exit") << ok.state;
}

TEST(ResonanceTesterGcode, ParameterErrors) {
  auto run = test::run_batch(kTesterBase,
                             "SHAPER_CALIBRATE AXIS=w\n"
                             "TEST_RESONANCES AXIS=1,2,3,4\n"
                             "TEST_RESONANCES AXIS=1,b\n"
                             "TEST_RESONANCES AXIS=x OUTPUT=foo\n"
                             "TEST_RESONANCES AXIS=x NAME=a/b\n"
                             "TEST_RESONANCES AXIS=x POINT=1,2\n"
                             "TEST_RESONANCES AXIS=x CHIPS=nosuch\n"
                             "TEST_RESONANCES AXIS=x CHIPS=toolhead\n"
                             "SHAPER_CALIBRATE MAX_SMOOTHING=0.01\n"
                             "TEST_RESONANCES\n");
  EXPECT_TRUE(has_reply(run, "!! Unsupported axis 'w'"));
  EXPECT_TRUE(has_reply(run, "!! Invalid format of axis '1,2,3,4'"));
  EXPECT_TRUE(has_reply(run, "!! Unable to parse axis direction '1,b'"));
  EXPECT_TRUE(has_reply(run, "!! Unsupported output 'foo', only 'resonances' and 'raw_data' "
                             "are supported"));
  EXPECT_TRUE(has_reply(run, "!! Invalid NAME parameter"));
  EXPECT_TRUE(has_reply(run, "!! Invalid POINT parameter, must be 'x,y,z'"));
  EXPECT_TRUE(has_reply(run, "!! Name 'nosuch' is not valid for CHIPS parameter"));
  EXPECT_TRUE(has_reply(run, "!! 'toolhead' is not an accelerometer"));
  EXPECT_TRUE(has_reply(run, "MAX_SMOOTHING must have minimum of 0.05"));
  EXPECT_TRUE(has_reply(run, "!! Error on 'TEST_RESONANCES': missing AXIS"));
}

TEST(ResonanceTesterGcode, AxisWithoutChip) {
  auto run = test::run_batch(kTesterBase, "G28\nTEST_RESONANCES AXIS=z\nMEASURE_AXES_NOISE MEAS_TIME=0\n");
  EXPECT_TRUE(has_reply(
      run, "!! No accelerometers specified that can measure resonances over axis 'z'"));
  EXPECT_TRUE(has_reply(run, "MEAS_TIME must be above 0"));
}

}  // namespace
}  // namespace kpp

// ---- FixedFreqReader: time stamps from sequence numbers and status answers -------------------

namespace kpp {
namespace {

// Runs the reader against the "mcu" of a batch-mode printer (its clock conversions only).
struct ReaderCheck {
  std::vector<BulkSample> samples;
  std::vector<double> true_times;
};
ReaderCheck g_reader_check;

class ReaderProbe : public PrinterObject {
 public:
  explicit ReaderProbe(const ConfigWrapper& config) : printer_(config.get_printer()) {
    printer_.register_event_handler<>("klippy:ready", [this] { run(); });
  }

 private:
  void run() {
    Mcu& mcu = printer_.lookup<Mcu>("mcu");
    // An ADXL345 at 3200 Hz on a 16 MHz MCU: a sample every 5000 ticks, 10 per message.
    const uint64_t c0 = 20000000, period = 5000;
    const int per_msg = 10, bps = 5;
    FixedFreqReader reader(mcu, 3200 * 0.1 * 2, bps);
    auto status_at = [&](uint64_t clock, bool reset) {
      uint64_t produced = clock > c0 ? (clock - c0) / period : 0;
      reader.update_clock(static_cast<uint32_t>(clock), 160,
                          static_cast<uint16_t>(produced / per_msg),
                          static_cast<uint32_t>(produced % per_msg * bps), 0, reset);
    };
    status_at(c0, true);
    uint64_t sent = 0;
    // 3 s in batches of 0.1 s: each batch queries the status, then converts the messages
    // that arrived (all complete messages up to the query).
    for (int b = 1; b <= 30; b++) {
      uint64_t q = c0 + static_cast<uint64_t>(b) * 1600000;
      status_at(q, false);
      std::vector<std::pair<uint16_t, std::string>> msgs;
      uint64_t produced = (q - c0) / period;
      for (; (sent + 1) * per_msg <= produced; sent++)
        msgs.emplace_back(static_cast<uint16_t>(sent), std::string(per_msg * bps, '\0'));
      for (auto& s : reader.convert(msgs)) g_reader_check.samples.push_back(s);
    }
    for (size_t k = 0; k < g_reader_check.samples.size(); k++)
      g_reader_check.true_times.push_back(mcu.clock_to_print_time(double(c0 + k * period)));
  }
  Printer& printer_;
};

const bool kReaderProbeRegistered = [] {
  register_module("accel_reader_probe",
                  [](ConfigWrapper& c) { return std::make_shared<ReaderProbe>(c); });
  return true;
}();

TEST(FixedFreqReader, TimeStampsFollowTheChipClock) {
  g_reader_check = {};
  auto run = test::run_batch(test::kNoKinematicsConfig + "[accel_reader_probe]\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  const auto& s = g_reader_check.samples;
  ASSERT_EQ(s.size(), 3u * 3200u);
  const double period = 1. / 3200.;
  for (size_t k = 1; k < s.size(); k++)
    ASSERT_NEAR(s[k].time - s[k - 1].time, period, period * 0.05) << "sample " << k;
  // After the estimate settled, each sample is within two sample periods of its true time
  // (the reader assumes a sample of processing delay).
  for (size_t k = 3200; k < s.size(); k++)
    ASSERT_NEAR(s[k].time, g_reader_check.true_times[k], 2. * period) << "sample " << k;
}

}  // namespace
}  // namespace kpp
