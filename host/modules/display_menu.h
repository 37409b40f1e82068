// The display menu ([menu ...] sections, built-in tree in display_menu_defaults.cpp): lists,
// commands and value inputs, navigated with the display's encoder and buttons (see
// display_menu_keys.cpp). Names, enable conditions, inputs and G-code are templates that see
// `printer` and `menu` (width, ns, event, input, back(), exit()).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/reactor.h"
#include "modules/display_menu_keys.h"
#include "modules/gcode_macro.h"

namespace kpp {
class PrinterLcd;
}

namespace kpp::display {

class MenuManager;

class MenuElement {
 public:
  MenuElement(MenuManager& manager, const ConfigWrapper& config, std::string ns);
  // An element made by the menu itself (".." entries, SD card files): a fixed name.
  MenuElement(MenuManager& manager, std::string ns, std::string name_literal);
  virtual ~MenuElement() = default;
  const std::string& ns() const { return ns_; }
  std::optional<int64_t> index() const { return index_; }
  bool is_enabled();
  std::string render_name(bool selected);
  virtual bool is_list() const { return false; }
  virtual bool is_editing() const { return false; }
  // A key on the selected element: "click", "long_click", "up", "down", "fast_up", "fast_down".
  // Returns false when the element does not use the key.
  virtual bool handle_key(const std::string& /*key*/) { return false; }
  char cursor() const { return cursor_; }

 protected:
  // The context of this element's templates.
  tmpl::Context context(const std::string& event = {}, std::optional<double> input = {});
  // Render and queue a G-code template; applies menu.back()/menu.exit() afterwards.
  void run_script(const std::optional<MacroTemplate>& script, const std::string& event,
                  std::optional<double> input = {});

  MenuManager& manager_;
  std::string ns_;
  char cursor_ = '>';
  std::optional<MacroTemplate> name_, enable_, gcode_;
  std::optional<std::string> literal_name_;
  std::optional<int64_t> index_;
};

class MenuList : public MenuElement {
 public:
  MenuList(MenuManager& manager, const ConfigWrapper& config, std::string ns, bool is_sd);
  bool is_list() const override { return true; }
  // Rebuild the children (enabled ones, by index, with ".." first).
  void populate();
  std::vector<std::string> render(int rows, int cols);
  MenuElement* selected();
  void select_next(int dir);
  bool is_editing() const override;

 private:
  bool is_sd_;
  bool show_title_ = true;
  std::vector<std::shared_ptr<MenuElement>> items_;
  size_t selected_ = 0, top_ = 0;
};

class MenuManager {
 public:
  MenuManager(const ConfigWrapper& config, PrinterLcd& display);
  // Draw the menu when it is open; false when closed (the display shows its screen).
  bool screen_update_event(double eventtime);
  // A key from the encoder or buttons ("click", "long_click", "back", "up", "down",
  // "fast_up", "fast_down").
  void key_event(const std::string& key, double eventtime);
  bool is_running() const { return !stack_.empty(); }

  // For the elements.
  PrinterGCodeMacro& macro() { return *macro_; }
  Printer& printer() { return printer_; }
  int cols() const { return cols_; }
  void queue_gcode(const std::string& script);
  void request_back(bool force) { pending_ = force ? "back_force" : "back"; }
  void request_exit(bool force) { pending_ = force ? "exit_force" : "exit"; }
  std::shared_ptr<MenuElement> lookup(const std::string& ns) const;
  // The elements directly below `ns`, in definition order.
  std::vector<std::shared_ptr<MenuElement>> children(const std::string& ns) const;

 private:
  void load(const ConfigWrapper& config);
  void begin(double eventtime);
  void back();
  void exit();
  void apply_pending();
  void dispatch_gcode();

  Printer& printer_;
  PrinterLcd& display_;
  PrinterGCodeMacro* macro_;
  int rows_, cols_;
  int timeout_;
  std::string root_name_;
  bool reverse_;
  std::vector<std::string> order_;  // element names in definition order
  std::map<std::string, std::shared_ptr<MenuElement>> items_;
  std::vector<MenuList*> stack_;
  std::string pending_;
  std::vector<std::string> gcode_queue_;
  double last_key_time_ = 0.;
  std::unique_ptr<MenuKeys> keys_;
};

// The built-in menu tree, as config text (display_menu_defaults.cpp).
extern const char* const kDefaultMenuConfig;

}  // namespace kpp::display
