// [sdcard_loop]: repeat a section of a virtual_sdcard file (Klipper's sdcard_loop.py), usually
// through an M808 macro. SDCARD_LOOP_BEGIN COUNT=n (0 = forever) remembers where the file
// continues, SDCARD_LOOP_END jumps back there until the count is used up, SDCARD_LOOP_DESIST
// (outside the file) forgets every open loop.
#include <utility>
#include <vector>

#include "core/gcode.h"
#include "core/logging.h"
#include "modules/virtual_sdcard.h"

namespace kpp {
namespace {

class SdcardLoop : public PrinterObject {
 public:
  explicit SdcardLoop(const ConfigWrapper& config)
      : sdcard_(config.get_printer().load<VirtualSD>(config, "virtual_sdcard")) {
    auto& gcode = config.get_printer().lookup<GCodeDispatch>("gcode");
    gcode.register_command("SDCARD_LOOP_BEGIN", [this](GCodeCommand& g) { cmd_begin(g); },
                           false, "Begins a looped section in the SD file.");
    gcode.register_command("SDCARD_LOOP_END", [this](GCodeCommand& g) { cmd_end(g); }, false,
                           "Ends a looped section in the SD file.");
    gcode.register_command("SDCARD_LOOP_DESIST", [this](GCodeCommand& g) { cmd_desist(g); },
                           false, "Stops iterating the current loop stack.");
  }

 private:
  struct Loop {
    int64_t remaining;  // passes still to run including this one; 0 = forever
    int64_t position;   // file position just after the SDCARD_LOOP_BEGIN line
  };

  void cmd_begin(GCodeCommand& gcmd) {
    int64_t count = gcmd.get_int("COUNT", IntLimits{.minval = 0});
    if (!sdcard_.is_cmd_from_sd()) throw CommandError("Only permitted in SD file.");
    loops_.push_back({count, sdcard_.get_file_position()});
  }
  void cmd_end(GCodeCommand&) {
    if (!sdcard_.is_cmd_from_sd()) throw CommandError("Only permitted in SD file.");
    if (loops_.empty()) return;
    Loop loop = loops_.back();
    loops_.pop_back();
    if (loop.remaining == 1) return;  // that was the last pass
    sdcard_.set_file_position(loop.position);
    if (loop.remaining > 1) loop.remaining--;
    loops_.push_back(loop);
  }
  void cmd_desist(GCodeCommand&) {
    if (sdcard_.is_cmd_from_sd()) throw CommandError("Only permitted outside of a SD file.");
    log::info("Desisting existing SD loops");
    loops_.clear();
  }

  VirtualSD& sdcard_;
  std::vector<Loop> loops_;
};

std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<SdcardLoop>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(sdcard_loop, kpp::load, nullptr)
