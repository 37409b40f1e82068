// TMC drivers in batch mode through the whole host: Klipper's test/klippy/tmc.cfg (TMC2130,
// TMC5160, TMC2209, TMC2208, TMC2660, TMC2240, sensorless homing, virtual enables) run with its
// tmc.test G-code, compared line by line with the stream real Klipper sent.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "../common/batch_util.h"

namespace kpp {
namespace {

const std::string kShared = KPP_SHARED_DIR;

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// tmc.cfg without its [endstop_phase] section (a module of its own, not part of this one).
std::string tmc_cfg() {
  std::string cfg = read_file(KPP_SHARED_DIR "/klipper/test/klippy/tmc.cfg");
  auto pos = cfg.find("[endstop_phase]");
  if (pos != std::string::npos) cfg.erase(pos, std::string("[endstop_phase]").size());
  return cfg;
}

using test::run_batch;

std::vector<std::string> golden_lines(const std::string& rel) {
  std::vector<std::string> out;
  gzFile gz = gzopen((kShared + "/golden/klipper/" + rel).c_str(), "rb");
  if (!gz) return out;
  char buf[4096];
  while (gzgets(gz, buf, sizeof(buf))) {
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    out.push_back(line);
  }
  gzclose(gz);
  return out;
}

TEST(TmcBatch, TmcTestMatchesKlipper) {
  auto run = run_batch(tmc_cfg(), read_file(kShared + "/golden/klipper/tmc/1.gcode"));
  EXPECT_EQ(run.result, "exit");
  auto golden = golden_lines("tmc/tmc.txt.gz");
  ASSERT_GT(golden.size(), 1000u);
  if (const char* dump = std::getenv("KPP_TMC_DUMP")) {
    std::ofstream out(dump);
    for (const auto& l : run.lines) out << l << "\n";
  }
  // Per SPI device (each has its own command queue, so the MCU sees them in this order) every
  // read and write is what Klipper sent: init at connect, sensorless homing, DUMP_TMC reads,
  // INIT_TMC, SET_TMC_CURRENT, SET_TMC_FIELD, the register init, checks and phase read when
  // a stepper is enabled, and the deferred virtual-disable (toff=0) writes queued by the final
  // motor off, which run before the batch exit as in Klipper.
  auto per_oid = [](const std::vector<std::string>& lines) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& l : lines) {
      if (!l.starts_with("spi_send oid=")) continue;
      auto sp = l.find(' ', 13);
      out[l.substr(13, sp - 13)].push_back(l.substr(sp + 1));
    }
    return out;
  };
  auto ours = per_oid(run.lines), theirs = per_oid(golden);
  ASSERT_EQ(ours.size(), theirs.size());
  for (auto& [oid, seq] : theirs) {
    const auto& mine = ours[oid];
    size_t n = 0;
    while (n < mine.size() && n < seq.size() && mine[n] == seq[n]) n++;
    EXPECT_EQ(mine, seq) << "oid " << oid << " differs at " << n << ": "
                         << (n < mine.size() ? mine[n] : "<end>") << " vs "
                         << (n < seq.size() ? seq[n] : "<end>");
  }
  EXPECT_GT(ours["0"].size(), 80u);
  EXPECT_GT(ours["6"].size(), 90u);
}

TEST(TmcBatch, StartupRegistersOfEveryChip) {
  auto run = run_batch(tmc_cfg(), "");
  EXPECT_EQ(run.result, "exit");
  auto golden = golden_lines("tmc/tmc.txt.gz");
  // Up to the first homing command the streams are the config and the register init.
  size_t end = 0;
  while (end < golden.size() && !golden[end].starts_with("trsync_start")) end++;
  // Sensorless homing of stepper_x writes GCONF/TCOOLTHRS/THIGH just before it.
  end -= 3;
  ASSERT_GE(run.lines.size(), end);
  for (size_t i = 0; i < end; i++) ASSERT_EQ(run.lines[i], golden[i]) << "line " << i;
}

TEST(TmcBatch, ConfigErrors) {
  std::string base = tmc_cfg();
  auto with = [&](const std::string& from, const std::string& to) {
    std::string cfg = base;
    cfg.replace(cfg.find(from), from.size(), to);
    return cfg;
  };
  // A TMC section for a stepper that does not exist.
  auto run = run_batch(base + "\n[tmc2209 stepper_q]\nuart_pin: PA1\nrun_current: 0.5\n", "");
  EXPECT_EQ(run.result, "error_exit");
  // Two drivers on one UART need distinct addresses.
  run = run_batch(with("[tmc2208 stepper_z]\nuart_pin: PK5", "[tmc2209 stepper_z]\nuart_pin: PA5"),
                  "");
  EXPECT_EQ(run.result, "error_exit");
  run = run_batch(with("[tmc2208 stepper_z]\nuart_pin: PK5",
                       "[tmc2209 stepper_z]\nuart_pin: PA5\nuart_address: 1"),
                  "");
  EXPECT_EQ(run.result, "exit");
  // The virtual endstop needs a diag pin.
  run = run_batch(with("diag_pin: PH6\n", ""), "");
  EXPECT_EQ(run.result, "error_exit");
  // Out of range register field.
  run = run_batch(with("[tmc2240 stepper_z2]\n", "[tmc2240 stepper_z2]\ndriver_TOFF: 16\n"), "");
  EXPECT_EQ(run.result, "error_exit");
}

TEST(TmcBatch, GcodeErrorsEndTheBatchRun) {
  // In batch mode a G-code error ends the run with error_exit (as in Klipper).
  for (const char* bad : {"SET_TMC_FIELD STEPPER=stepper_x FIELD=nonsense VALUE=1\n",
                          "SET_TMC_FIELD STEPPER=stepper_x FIELD=toff\n",
                          "SET_TMC_FIELD STEPPER=stepper_z1 FIELD=toff VELOCITY=10\n",
                          "DUMP_TMC STEPPER=stepper_x REGISTER=NOPE\n",
                          "SET_TMC_CURRENT STEPPER=stepper_x CURRENT=5\n"}) {
    auto run = run_batch(tmc_cfg(), bad);
    EXPECT_EQ(run.result, "error_exit") << bad;
  }
}

TEST(TmcBatch, SetFieldFromVelocity) {
  // 40mm per rotation at 16 microsteps, TMC2130 clock 13.2MHz: 10mm/s is TSTEP 1031.
  auto run = run_batch(tmc_cfg(), "SET_TMC_FIELD STEPPER=stepper_x FIELD=tpwmthrs VELOCITY=10\n");
  EXPECT_EQ(run.result, "exit");
  bool found = false;
  for (const auto& l : run.lines)
    if (l == "spi_send oid=0 data=b'\\x93\\x00\\x00\\x04\\x07'") found = true;
  EXPECT_TRUE(found);
}

// A config of Klipper's example printers with the sections of modules that are not part of
// this test (fans, LEDs, displays) left out.
std::string printer_cfg(const std::string& name) {
  std::string text = read_file(kShared + "/klipper/config/" + name + ".cfg");
  std::string out;
  bool skip = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.starts_with("[")) {
      std::string sect = line.substr(1, line.find_first_of(" ]") - 1);
      skip = sect == "fan" || sect == "heater_fan" || sect == "controller_fan" ||
             sect == "static_digital_output" || sect == "display" || sect == "output_pin" ||
             sect == "board_pins";
    }
    if (!skip) out += line + "\n";
  }
  return out;
}

// TMC lines with each oid replaced by its rank among the TMC oids (leaving out sections
// shifts the other oids).
std::vector<std::string> tmc_lines(const std::vector<std::string>& lines) {
  std::map<std::string, int> rank;
  std::vector<std::string> out;
  for (const auto& l : lines) {
    if (!l.starts_with("spi_send") && !l.starts_with("config_tmcuart") &&
        !l.starts_with("config_spi") && !l.starts_with("spi_set_bus"))
      continue;
    auto p = l.find("oid=") + 4;
    auto e = l.find(' ', p);
    std::string oid = l.substr(p, e - p);
    if (!rank.count(oid)) rank[oid] = static_cast<int>(rank.size());
    out.push_back(l.substr(0, p) + std::to_string(rank[oid]) + l.substr(e));
  }
  return out;
}

TEST(TmcBatch, ExamplePrintersAgreeWithKlipper) {
  // TMC2130 on an AVR, TMC2660 on a SAM4E (20-bit SPI), TMC2209s sharing one UART by address.
  const std::pair<const char*, const char*> cases[] = {
      {"generic-einsy-rambo", "atmega2560"},
      {"generic-duet2", "sam4e8e"},
      {"generic-bigtreetech-skr-mini-e3-v2.0", "stm32f103"}};
  for (const auto& [name, dict] : cases) {
    auto run = run_batch(printer_cfg(name), read_file(kShared + "/klipper/test/klippy/move.gcode"),
                         kShared + "/golden/klipper/dict/" + dict + ".dict");
    EXPECT_EQ(run.result, "exit") << name;
    auto ours = tmc_lines(run.lines);
    auto theirs = tmc_lines(golden_lines(std::string("printers/") + name + ".txt.gz"));
    EXPECT_GE(ours.size(), 1u) << name;
    // The whole stream, including the deferred enable (extruder) and virtual-disable
    // callbacks queued by the last moves and the final motor off, which run before the exit.
    size_t n = 0;
    while (n < ours.size() && n < theirs.size() && ours[n] == theirs[n]) n++;
    EXPECT_EQ(ours, theirs) << name << " differs at " << n << ": "
                            << (n < ours.size() ? ours[n] : "<end>") << " vs "
                            << (n < theirs.size() ? theirs[n] : "<end>");
  }
}

}  // namespace
}  // namespace kpp
