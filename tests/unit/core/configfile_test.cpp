// The "configfile" object: status, SAVE_CONFIG through G-code, the unused-option check.
#include <gtest/gtest.h>

#include "config_test_util.h"
#include "core/configfile.h"
#include "core/gcode.h"

namespace kpp {
namespace {

using test::error_of;
using test::TempDir;

const char* const kCfg =
    "[printer]\n"
    "kinematics: none\n"
    "max_velocity: 300\n"
    "[probe]\n"
    "z_offset: 1.0\n"
    "[extruder]\n"
    "pid_kp: 1\n"
    "\n"
    "#*# <---------------------- SAVE_CONFIG ---------------------->\n"
    "#*# DO NOT EDIT THIS BLOCK OR BELOW. The contents are auto-generated.\n"
    "#*#\n"
    "#*# [bed_mesh default]\n"
    "#*# version = 1\n";

class ConfigFileObject : public ::testing::Test {
 protected:
  ConfigFileObject()
      : path_(dir_.write("printer.cfg", kCfg)),
        reactor_(make_virtual_time_source()),
        printer_(reactor_, args()),
        config_(printer_, ConfigFile::load(path_), std::make_shared<ConfigAccessTracker>(),
                "printer"),
        pconfig_(add_printer_config(printer_, config_)) {
    gcode().register_output_handler([this](const std::string& m) { out_.push_back(m); });
  }
  StartArgs args() {
    StartArgs a;
    a.config_file = path_;
    return a;
  }
  GCodeDispatch& gcode() { return printer_.lookup<GCodeDispatch>("gcode"); }
  std::vector<std::string> run(const std::string& line) {
    out_.clear();
    gcode().process_commands({line});
    return out_;
  }
  void read_all() {
    config_.get("kinematics");
    config_.getint("max_velocity");
    config_.getfloat("square_corner_velocity", 5.0);
    config_.getsection("probe").getfloat("z_offset");
    config_.getsection("extruder").getfloat("pid_kp");
  }

  TempDir dir_;
  std::string path_;
  Reactor reactor_;
  Printer printer_;
  ConfigWrapper config_;
  PrinterConfig& pconfig_;
  std::vector<std::string> out_;
};

TEST_F(ConfigFileObject, Status) {
  read_all();
  config_.deprecate("max_velocity");
  pconfig_.check_unused_options();
  pconfig_.runtime_warning("something odd");
  Json st = printer_.lookup_object("configfile")->get_status(0);
  EXPECT_EQ(st["config"]["printer"]["max_velocity"], "300");
  EXPECT_EQ(st["config"]["bed_mesh default"]["version"], "1");
  EXPECT_EQ(st["settings"]["printer"]["max_velocity"], 300);
  EXPECT_EQ(st["settings"]["printer"]["square_corner_velocity"], 5.0);
  EXPECT_EQ(st["settings"]["probe"]["z_offset"], 1.0);
  EXPECT_FALSE(st["settings"].contains("bed_mesh default"));
  ASSERT_EQ(st["warnings"].size(), 2u);
  EXPECT_EQ(st["warnings"][0]["type"], "deprecated_option");
  EXPECT_EQ(st["warnings"][1],
            (Json{{"type", "runtime_warning"}, {"message", "something odd"}}));
  EXPECT_EQ(st["save_config_pending"], false);
  EXPECT_EQ(st["save_config_pending_items"], Json::object());

  pconfig_.set("probe", "z_offset", 1.25);
  st = pconfig_.get_status(0);
  EXPECT_EQ(st["save_config_pending"], true);
  EXPECT_EQ(st["save_config_pending_items"], (Json{{"probe", {{"z_offset", "1.25"}}}}));
  // "config" and "settings" show the values read at start-up.
  EXPECT_EQ(st["config"]["probe"]["z_offset"], "1.0");
}

TEST_F(ConfigFileObject, UnusedOptionsAreErrors) {
  config_.get("kinematics");
  EXPECT_EQ(error_of([&] { pconfig_.check_unused_options(); }),
            "Option 'max_velocity' is not valid in section 'printer' (printer.cfg:3)");
  read_all();
  EXPECT_EQ(error_of([&] { pconfig_.check_unused_options(); }), "");
}

TEST_F(ConfigFileObject, LoadedObjectsAreValidSections) {
  std::string main = dir_.write("other.cfg", "[printer]\n[gcode]\n[mystery]\n");
  // A printer of its own: the fixture's already has a "configfile" (and SAVE_CONFIG).
  Reactor reactor(make_virtual_time_source());
  Printer printer(reactor, args());
  ConfigWrapper c(printer, ConfigFile::load(main), std::make_shared<ConfigAccessTracker>(),
                  "printer");
  PrinterConfig pc(printer, c);
  // [printer] was never read and is no object here; [gcode] is an object.
  EXPECT_EQ(error_of([&] { pc.check_unused_options(); }),
            "Section 'printer' is not a valid config section (other.cfg:1)");
  c.getint("x", 0);
  EXPECT_EQ(error_of([&] { pc.check_unused_options(); }),
            "Section 'mystery' is not a valid config section (other.cfg:3)");
}

TEST_F(ConfigFileObject, SaveConfigWritesAndRestarts) {
  printer_.send_event("klippy:ready");
  pconfig_.set("probe", "z_offset", 1.25);
  pconfig_.remove_section("bed_mesh default");
  EXPECT_TRUE(reactor_.is_running());
  EXPECT_EQ(run("SAVE_CONFIG"), (std::vector<std::string>{"ok"}));
  EXPECT_FALSE(reactor_.is_running());  // restart requested
  EXPECT_EQ(dir_.read("printer.cfg"),
            "[printer]\n"
            "kinematics: none\n"
            "max_velocity: 300\n"
            "[probe]\n"
            "#z_offset: 1.0\n"
            "[extruder]\n"
            "pid_kp: 1\n"
            "\n"
            "#*# <---------------------- SAVE_CONFIG ---------------------->\n"
            "#*# DO NOT EDIT THIS BLOCK OR BELOW. The contents are auto-generated.\n"
            "#*#\n"
            "#*# [probe]\n"
            "#*# z_offset = 1.25\n");
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    files++;
    if (e.path().filename() != "printer.cfg") {
      EXPECT_TRUE(e.path().filename().string().starts_with("printer-")) << e.path();
      EXPECT_EQ(dir_.read(e.path().filename().string()), kCfg);  // the backup
    }
  }
  EXPECT_EQ(files, 2u);  // printer.cfg and its backup
}

TEST_F(ConfigFileObject, SaveConfigErrorIsAGCodeError) {
  printer_.send_event("klippy:ready");
  dir_.write("inc.cfg", "[extruder]\npid_kd: 1\n");
  dir_.write("printer.cfg", std::string("[include inc.cfg]\n") + kCfg);
  pconfig_.set("extruder", "pid_kd", "2");
  auto r = run("SAVE_CONFIG");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], "!! SAVE_CONFIG section 'extruder' option 'pid_kd' conflicts with included value");
  EXPECT_TRUE(reactor_.is_running());
}

TEST_F(ConfigFileObject, SaveConfigWithoutChangesRewritesTheBlock) {
  printer_.send_event("klippy:ready");
  EXPECT_EQ(run("SAVE_CONFIG"), (std::vector<std::string>{"ok"}));
  EXPECT_FALSE(reactor_.is_running());
  EXPECT_EQ(dir_.read("printer.cfg"), kCfg);
}

}  // namespace
}  // namespace kpp
