// [homing_override]: G28 runs a G-code template instead of the normal homing, when it homes
// one of `axes` (or names no axis). Inside the template G28 is the normal homing. Before the
// template runs, set_position_x/y/z (if given) force the toolhead position and mark those axes
// homed, so the template may move them.
#include <memory>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "modules/gcode_macro.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

class HomingOverride : public PrinterObject {
 public:
  explicit HomingOverride(const ConfigWrapper& config)
      : printer_(config.get_printer()),
        axes_(config.get("axes", "XYZ")),
        template_(load_gcode_macro(config).load_template(config, "gcode")) {
    for (auto& c : axes_) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const char* names[3] = {"set_position_x", "set_position_y", "set_position_z"};
    for (int i = 0; i < 3; i++) start_pos_[i] = config.getfloat_opt(names[i]);
    // The normal G28 comes from the homing module: load it now and take its command over.
    printer_.load_object(config, "homing");
    auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
    auto prev = gcode.unregister_command("G28");
    if (!prev) throw config.error("homing_override: no G28 command to override");
    prev_g28_ = prev->handler;
    gcode.register_command("G28", [this](GCodeCommand& g) { cmd_G28(g); });
  }

 private:
  void cmd_G28(GCodeCommand& gcmd) {
    if (in_script_) {  // G28 from the template itself: the normal homing
      prev_g28_(gcmd);
      return;
    }
    bool no_axis = true, override = false;
    for (char axis : std::string("XYZ"))
      if (gcmd.get_opt(std::string(1, axis))) no_axis = false;
    for (char axis : axes_)
      if (gcmd.get_opt(std::string(1, axis))) override = true;
    if (!no_axis && !override) {
      prev_g28_(gcmd);
      return;
    }
    auto& toolhead = printer_.lookup<ToolHead>("toolhead");
    Coord pos = toolhead.get_position();
    std::string homing_axes;
    for (int i = 0; i < 3; i++) {
      if (!start_pos_[i]) continue;
      pos[i] = *start_pos_[i];
      homing_axes += "xyz"[i];
    }
    toolhead.set_position(pos, homing_axes);
    tmpl::Context ctx = template_.create_context();
    tmpl::Dict params;
    for (const auto& [key, value] : gcmd.get_command_parameters())
      params.set(key, tmpl::Value(value));
    ctx.set("params", tmpl::Value::dict(std::move(params)));
    ctx.set("rawparams", tmpl::Value(gcmd.get_raw_command_parameters()));
    in_script_ = true;
    struct Reset {
      bool& flag;
      ~Reset() { flag = false; }
    } reset{in_script_};
    template_.run_gcode_from_command(ctx);
  }

  Printer& printer_;
  std::string axes_;
  MacroTemplate template_;
  std::optional<double> start_pos_[3];
  GCodeDispatch::Handler prev_g28_;
  bool in_script_ = false;
};

std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<HomingOverride>(config);
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(homing_override, kpp::load, nullptr)
