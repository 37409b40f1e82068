// virtual_sdcard, print_stats, pause_resume and display_status on a Printer in virtual time, with
// recording stand-ins for the motion commands the G-code files use.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/gcode.h"
#include "core/printer.h"
#include "core/webhooks.h"
#include "modules/pause_resume.h"
#include "modules/print_stats.h"
#include "modules/virtual_sdcard.h"

namespace kpp {
namespace {

// Stands in for the toolhead's gcode_move: the extruder position print_stats reads.
struct FakeGCodeMove : PrinterObject {
  double e = 0.;
  Json get_status(double) override {
    return Json{{"position", Json::array({0., 0., 0., e})}, {"extrude_factor", 0.5}};
  }
};

class SdcardTest : public ::testing::Test {
 protected:
  SdcardTest() : reactor_(make_virtual_time_source()), printer_(reactor_, StartArgs{}) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kpp_sd_XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    gcode().register_output_handler([this](const std::string& m) { out_.push_back(m); });
    // The motion commands a file uses: each takes 0.5 s of (virtual) time, as a move would.
    printer_.add_object("gcode_move", gcode_move_);
    gcode().register_command("G1", [this](GCodeCommand& g) {
      lines_.push_back(g.get_commandline());
      gcode_move_->e += 1.;
      reactor_.pause(reactor_.monotonic() + 0.5);
    });
    gcode().register_command("SAVE_GCODE_STATE", [this](GCodeCommand& g) {
      lines_.push_back(g.get_commandline());
    });
    gcode().register_command("RESTORE_GCODE_STATE", [this](GCodeCommand& g) {
      lines_.push_back(g.get_commandline());
    });
  }
  ~SdcardTest() override { std::filesystem::remove_all(dir_); }

  void load(const std::string& sd_options = "") {
    file_ = ConfigFile::parse("[virtual_sdcard]\npath: " + dir_ + "\n" + sd_options +
                                  "[pause_resume]\n[display_status]\n",
                              "printer.cfg");
    auto tracker = std::make_shared<ConfigAccessTracker>();
    for (const char* s : {"virtual_sdcard", "pause_resume", "display_status"})
      printer_.load_object(ConfigWrapper(printer_, file_, tracker, s), s);
    printer_.send_event("klippy:connect");
    printer_.send_event("klippy:ready");
    out_.clear();
  }
  void write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(dir_ + "/" + name).parent_path());
    std::ofstream(dir_ + "/" + name, std::ios::binary) << text;
  }
  GCodeDispatch& gcode() { return printer_.lookup<GCodeDispatch>("gcode"); }
  VirtualSD& sd() { return printer_.lookup<VirtualSD>("virtual_sdcard"); }
  Json status(const char* name) {
    return printer_.lookup_object(name)->get_status(reactor_.monotonic());
  }
  // Run `script` (as from the terminal) at virtual time `at`.
  void at(double t, const std::string& script) {
    reactor_.register_callback(
        [this, script](double) {
          std::vector<std::string> lines;
          size_t s = 0;
          for (size_t nl; (nl = script.find('\n', s)) != std::string::npos; s = nl + 1)
            lines.push_back(script.substr(s, nl - s));
          lines.push_back(script.substr(s));
          ReactorLock lock(gcode().get_mutex());
          gcode().process_commands(lines);
        },
        t);
  }
  void run_until(double t) {
    reactor_.register_callback([this](double) { reactor_.end(); }, t);
    reactor_.run();
  }
  bool said(const std::string& line) const {
    return std::find(out_.begin(), out_.end(), line) != out_.end();
  }

  Reactor reactor_;
  Printer printer_;
  std::string dir_;
  std::shared_ptr<ConfigFile> file_;
  std::vector<std::string> out_, lines_;
  std::shared_ptr<FakeGCodeMove> gcode_move_ = std::make_shared<FakeGCodeMove>();
};

TEST_F(SdcardTest, ListSelectAndReport) {
  write("b.gcode", "G1 X1\n");
  write("A.gcode", "G1 X1\nG1 X2\n");
  write(".hidden.gcode", "G1\n");
  write("sub/deep.gcode", "G1\n");
  load();
  at(1.0, "M21\nM20\nM27\nM23 a.gcode\nM27");
  run_until(2.0);
  std::vector<std::string> want = {"SD card ok", "ok", "Begin file list", "A.gcode 12", "b.gcode 6",
                                   "End file list", "ok", "Not SD printing.", "ok",
                                   "File opened:a.gcode Size:12", "File selected", "ok",
                                   "SD printing byte 0/12", "ok"};
  EXPECT_EQ(out_, want);
  EXPECT_EQ(status("print_stats")["filename"], "a.gcode");
  EXPECT_EQ(status("print_stats")["state"], "standby");
  EXPECT_EQ(status("virtual_sdcard")["file_path"], dir_ + "/A.gcode");
}

TEST_F(SdcardTest, PrintFileToTheEnd) {
  write("sub/part.gcode", "G1 X1\nG1 X2\n; comment\nG1 X3\n");
  load();
  at(1.0, "SDCARD_PRINT_FILE FILENAME=sub/part.gcode");
  run_until(1.6);
  EXPECT_TRUE(sd().is_active());
  EXPECT_EQ(status("print_stats")["state"], "printing");
  EXPECT_EQ(status("virtual_sdcard")["is_active"], true);
  run_until(10.0);
  EXPECT_EQ(lines_, (std::vector<std::string>{"G1 X1", "G1 X2", "G1 X3"}));
  EXPECT_TRUE(said("Done printing file"));
  EXPECT_FALSE(sd().is_active());
  Json ps = status("print_stats");
  EXPECT_EQ(ps["state"], "complete");
  EXPECT_EQ(ps["filename"], "sub/part.gcode");
  EXPECT_NEAR(ps["total_duration"].get<double>(), 1.5, 0.01);
  Json vs = status("virtual_sdcard");
  EXPECT_EQ(vs["file_position"], 28);
  EXPECT_EQ(vs["file_size"], 28);
  EXPECT_EQ(vs["progress"], 1.0);
  EXPECT_EQ(vs["file_path"], nullptr);
}

TEST_F(SdcardTest, ErrorInTheFileStopsThePrint) {
  write("bad.gcode", "G1 X1\nSDCARD_RESET_FILE\nG1 X2\n");
  load();
  at(1.0, "SDCARD_PRINT_FILE FILENAME=bad.gcode");
  run_until(10.0);
  EXPECT_EQ(lines_, (std::vector<std::string>{"G1 X1"}));
  // An error inside the file ends the print; the state says why.
  Json ps = status("print_stats");
  EXPECT_EQ(ps["state"], "error");
  EXPECT_EQ(ps["message"], "SDCARD_RESET_FILE cannot be run from the sdcard");
  EXPECT_TRUE(said("!! SDCARD_RESET_FILE cannot be run from the sdcard"));
  EXPECT_EQ(status("virtual_sdcard")["file_position"], 6);
}

TEST_F(SdcardTest, OnErrorGcodeRunsAfterAnError) {
  write("bad.gcode", "G1 X1\nSDCARD_RESET_FILE\nG1 X2\n");
  load("on_error_gcode:\n  G1 X{ 40 + 2 }\n");
  at(1.0, "SDCARD_PRINT_FILE FILENAME=bad.gcode");
  run_until(10.0);
  EXPECT_EQ(lines_, (std::vector<std::string>{"G1 X1", "G1 X42"}));
  EXPECT_EQ(status("print_stats")["state"], "error");
}

TEST_F(SdcardTest, PauseResumeAndCancel) {
  std::string text;
  for (int i = 0; i < 10; i++) text += "G1 X" + std::to_string(i) + "\n";
  write("long.gcode", text);
  load();
  at(1.0, "SDCARD_PRINT_FILE FILENAME=long.gcode");
  at(2.2, "PAUSE");
  run_until(4.0);
  EXPECT_EQ(status("pause_resume")["is_paused"], true);
  EXPECT_EQ(status("print_stats")["state"], "paused");
  EXPECT_FALSE(sd().is_active());
  // Three moves ran (1.0, 1.5, 2.0), the one at 2.0 finished before the pause took effect.
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_EQ(lines_[3], "SAVE_GCODE_STATE NAME=PAUSE_STATE");
  at(5.0, "PAUSE");
  at(6.0, "RESUME VELOCITY=20");
  run_until(6.6);
  EXPECT_TRUE(said("// Print already paused"));
  EXPECT_EQ(lines_[4], "RESTORE_GCODE_STATE NAME=PAUSE_STATE MOVE=1 MOVE_SPEED=20.0000");
  EXPECT_EQ(status("print_stats")["state"], "printing");
  EXPECT_EQ(status("pause_resume")["is_paused"], false);
  at(7.1, "CANCEL_PRINT");
  run_until(10.0);
  EXPECT_EQ(status("print_stats")["state"], "cancelled");
  EXPECT_FALSE(sd().is_active());
  EXPECT_EQ(status("virtual_sdcard")["file_path"], nullptr);
  // Paused from 2.6 (the file fiber notices the pause at its next 100 ms mutex check) to 6.0:
  // the print duration leaves that out.
  Json ps = status("print_stats");
  EXPECT_NEAR(ps["total_duration"].get<double>() - ps["print_duration"].get<double>(), 3.4, 0.01);
  // Each move extruded 1 mm at an extrude factor of 0.5: 2 mm of filament per move.
  EXPECT_NEAR(ps["filament_used"].get<double>(), 2. * (lines_.size() - 2), 1e-9);
  at(11.0, "RESUME");
  run_until(12.0);
  EXPECT_TRUE(said("// Print is not paused, resume aborted"));
}

TEST_F(SdcardTest, PauseWithoutSdPrintTellsTheFrontEnd) {
  load();
  at(1.0, "PAUSE\nRESUME\nCANCEL_PRINT");
  run_until(2.0);
  EXPECT_TRUE(said("// action:paused"));
  EXPECT_TRUE(said("// action:resumed"));
  EXPECT_TRUE(said("// action:cancel"));
}

TEST_F(SdcardTest, Errors) {
  load();
  write("a.gcode", "G1 X1\n");
  at(1.0, "M23 missing.gcode\nM28 x.gcode\nSDCARD_PRINT_FILE");
  run_until(2.0);
  EXPECT_TRUE(said("!! Unable to open file"));
  EXPECT_TRUE(said("!! SD write not supported"));
  EXPECT_TRUE(said("!! Error on 'SDCARD_PRINT_FILE': missing FILENAME"));
  at(3.0, "SDCARD_PRINT_FILE FILENAME=a.gcode\nM24");
  run_until(3.1);
  EXPECT_TRUE(said("!! SD busy"));
}

TEST_F(SdcardTest, PrintStatsLayerInfo) {
  load();
  at(1.0, "SET_PRINT_STATS_INFO TOTAL_LAYER=50\nSET_PRINT_STATS_INFO CURRENT_LAYER=7");
  run_until(2.0);
  EXPECT_EQ(status("print_stats")["info"]["total_layer"], 50);
  EXPECT_EQ(status("print_stats")["info"]["current_layer"], 7);
  at(3.0, "SET_PRINT_STATS_INFO CURRENT_LAYER=70");
  run_until(4.0);
  EXPECT_EQ(status("print_stats")["info"]["current_layer"], 50);
  at(5.0, "SET_PRINT_STATS_INFO TOTAL_LAYER=0");
  run_until(6.0);
  EXPECT_EQ(status("print_stats")["info"]["total_layer"], nullptr);
  EXPECT_EQ(status("print_stats")["info"]["current_layer"], nullptr);
}

TEST_F(SdcardTest, DisplayStatus) {
  write("a.gcode", "G1 X1\nG1 X2\nG1 X3\nG1 X4\n");
  load();
  at(1.0, "M117 Hello  world\nM73 P42");
  run_until(2.0);
  EXPECT_EQ(status("display_status")["message"], "Hello  world");
  EXPECT_NEAR(status("display_status")["progress"].get<double>(), 0.42, 1e-12);
  // Without a printing idle_timeout state the M73 value expires after 5 s: the SD progress.
  at(3.0, "SDCARD_PRINT_FILE FILENAME=a.gcode\nSET_DISPLAY_TEXT");
  run_until(7.0);
  EXPECT_EQ(status("display_status")["message"], nullptr);
  EXPECT_NEAR(status("display_status")["progress"].get<double>(), 1.0, 1e-12);
  at(8.0, "SET_DISPLAY_TEXT MSG=\"two words\"\nM117");
  run_until(9.0);
  EXPECT_EQ(status("display_status")["message"], nullptr);
}

}  // namespace
}  // namespace kpp

namespace kpp {
namespace {

TEST_F(SdcardTest, ApiEndpoints) {
  load();
  auto eps = printer_.lookup<WebHooks>("webhooks").endpoints();
  for (const char* p : {"pause_resume/pause", "pause_resume/resume", "pause_resume/cancel"})
    EXPECT_NE(std::find(eps.begin(), eps.end(), p), eps.end()) << p;
}

}  // namespace
}  // namespace kpp
