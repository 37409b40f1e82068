// A printer without MCUs for the macro modules: the G-code dispatcher, modules loaded from a
// config text, replies captured, a M777 command recording the lines macros run, and the reactor
// (virtual time) for timer tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"

namespace kpp::test {

class MacroFixture : public ::testing::Test {
 protected:
  MacroFixture() : reactor_(make_virtual_time_source()), printer_(reactor_, StartArgs{}) {
    gcode().register_output_handler([this](const std::string& m) { out_.push_back(m); });
    gcode().register_command("M777", [this](GCodeCommand& g) { rec_.push_back(g.get_commandline()); });
  }
  GCodeDispatch& gcode() { return printer_.lookup<GCodeDispatch>("gcode"); }

  // Loads every section of `cfg` as Printer::run() would (without the unused-option check).
  void load(const std::string& cfg) {
    file_ = ConfigFile::parse(cfg, "printer.cfg");
    config_ = std::make_unique<ConfigWrapper>(printer_, file_,
                                              std::make_shared<ConfigAccessTracker>(), "printer");
    for (auto& s : config_->get_prefix_sections("")) printer_.load_object(*config_, s.get_name());
  }
  // The ConfigError text of loading `cfg`, or "" if it loads.
  std::string load_error(const std::string& cfg) {
    try {
      load(cfg);
      printer_.send_event("klippy:connect");
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
  void ready() {
    printer_.send_event("klippy:connect");
    printer_.send_event("klippy:ready");
    out_.clear();
    rec_.clear();
  }
  // Runs G-code lines as a host would send them; returns the replies (without "ok").
  std::vector<std::string> run(const std::vector<std::string>& lines) {
    out_.clear();
    rec_.clear();
    gcode().process_commands(lines);
    std::vector<std::string> replies;
    for (auto& m : out_)
      if (m != "ok") replies.push_back(m);
    return replies;
  }
  std::vector<std::string> run(const std::string& line) { return run(std::vector<std::string>{line}); }
  // Runs the reactor until virtual time `until`.
  void run_reactor_until(double until) {
    reactor_.register_timer([this](double) {
      reactor_.end();
      return Reactor::kNever;
    }, until);
    reactor_.run();
  }

  Reactor reactor_;
  Printer printer_;
  std::shared_ptr<ConfigFile> file_;
  std::unique_ptr<ConfigWrapper> config_;
  std::vector<std::string> out_;
  std::vector<std::string> rec_;
};

}  // namespace kpp::test
