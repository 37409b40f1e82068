// The display menu (see display_menu.h).
#include "modules/display_menu.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/gcode.h"
#include "core/logging.h"
#include "modules/display.h"
#include "modules/virtual_sdcard.h"

namespace kpp::display {

namespace {

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) i++;
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) i++;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string join(const std::vector<std::string>& w, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < w.size(); i++) out += (i ? " " : "") + w[i];
  return out;
}

std::string strip(std::string s) {
  std::erase(s, '\n');
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool as_bool(const std::string& s) {
  std::string v = strip(s);
  std::transform(v.begin(), v.end(), v.begin(), ::tolower);
  return v == "true" || v == "1" || v == "yes" || v == "on";
}

double as_float(const std::string& s, double def) {
  auto v = parse_config_float(strip(s));
  return v ? *v : def;
}

// A value input: up/down change it while editing, a click starts and ends the edit.
class MenuInput final : public MenuElement {
 public:
  MenuInput(MenuManager& m, const ConfigWrapper& c, std::string ns)
      : MenuElement(m, c, std::move(ns)) {
    auto& macro = manager_.macro();
    input_.emplace(macro.load_template(c, "input"));
    input_min_.emplace(macro.load_template(c, "input_min", "-99999"));
    input_max_.emplace(macro.load_template(c, "input_max", "99999"));
    step_ = c.getfloat("input_step", {.above = 0.});
    realtime_ = c.getboolean("realtime", false);
  }
  bool is_editing() const override { return value_.has_value(); }
  bool handle_key(const std::string& key) override {
    if (key == "click") {
      if (!value_) {
        start();
      } else {
        run_script(gcode_, "click", value_);
        value_.reset();
      }
      return true;
    }
    if (key == "long_click") {
      if (value_) run_script(gcode_, "long_click", value_);
      return value_.has_value();
    }
    if (!value_) return false;
    if (key == "back") {
      value_.reset();
      return true;
    }
    bool fast = key.starts_with("fast_");
    double step = fast && (max_ - min_) / step_ > 100. ? 10. * step_ : step_;
    double last = *value_;
    *value_ += key.ends_with("up") ? step : -step;
    *value_ = std::clamp(*value_, min_, max_);
    if (*value_ != last && realtime_) run_script(gcode_, "change", value_);
    return true;
  }
  // Names show the value being edited, else the current one.
  std::optional<double> current_value() {
    if (value_) return value_;
    return eval(input_, 0.);
  }

 private:
  double eval(const std::optional<MacroTemplate>& t, double def) {
    try {
      return as_float(t->render(context()), def);
    } catch (const std::exception& e) {
      log::warning("menu {}: {}", ns_, e.what());
      return def;
    }
  }
  void start() {
    min_ = eval(input_min_, -99999.);
    max_ = eval(input_max_, 99999.);
    value_ = std::clamp(eval(input_, 0.), min_, max_);
  }

  std::optional<MacroTemplate> input_, input_min_, input_max_;
  double step_ = 1., min_ = -99999., max_ = 99999.;
  bool realtime_ = false;
  std::optional<double> value_;
};

}  // namespace

// ---- MenuElement -------------------------------------------------------------------------------

MenuElement::MenuElement(MenuManager& manager, const ConfigWrapper& config, std::string ns)
    : manager_(manager), ns_(std::move(ns)) {
  auto& macro = manager_.macro();
  std::string cursor = config.get("cursor", ">");
  if (cursor.size() != 1) throw config.error("Cursor with unexpected length, expecting 1.");
  cursor_ = cursor[0];
  name_.emplace(macro.load_template(config, "name"));
  enable_.emplace(macro.load_template(config, "enable", "True"));
  if (config.get_opt("gcode")) gcode_.emplace(macro.load_template(config, "gcode"));
  index_ = config.getint_opt("index");
}

MenuElement::MenuElement(MenuManager& manager, std::string ns, std::string name_literal)
    : manager_(manager), ns_(std::move(ns)), literal_name_(std::move(name_literal)) {}

tmpl::Context MenuElement::context(const std::string& event, std::optional<double> input) {
  tmpl::Context ctx = manager_.macro().create_template_context();
  tmpl::Dict menu;
  menu.set("width", tmpl::Value(manager_.cols() - 1));
  menu.set("ns", tmpl::Value(ns_));
  menu.set("event", tmpl::Value(event));
  if (!input)
    if (auto* in = dynamic_cast<MenuInput*>(this); in && !event.empty()) input = in->current_value();
  if (input) menu.set("input", tmpl::Value(*input));
  MenuManager* m = &manager_;
  menu.set("back", tmpl::Value::function("back", [m](tmpl::CallArgs& a) {
    m->request_back(a.get(0, "force", tmpl::Value(false)).truthy());
    return tmpl::Value("");
  }));
  menu.set("exit", tmpl::Value::function("exit", [m](tmpl::CallArgs& a) {
    m->request_exit(a.get(0, "force", tmpl::Value(false)).truthy());
    return tmpl::Value("");
  }));
  ctx.set("menu", tmpl::Value::dict(std::move(menu)));
  return ctx;
}

bool MenuElement::is_enabled() {
  if (!enable_) return true;
  try {
    return as_bool(enable_->render(context()));
  } catch (const std::exception& e) {
    log::warning("menu {}: {}", ns_, e.what());
    return false;
  }
}

std::string MenuElement::render_name(bool) {
  if (literal_name_) return *literal_name_;
  try {
    std::optional<double> input;
    if (auto* in = dynamic_cast<MenuInput*>(this)) input = in->current_value();
    return strip(name_->render(context({}, input)));
  } catch (const std::exception& e) {
    log::warning("menu {}: {}", ns_, e.what());
    return "?";
  }
}

void MenuElement::run_script(const std::optional<MacroTemplate>& script, const std::string& event,
                             std::optional<double> input) {
  if (!script) return;
  try {
    manager_.queue_gcode(script->render(context(event, input)));
  } catch (const std::exception& e) {
    log::warning("menu {}: {}", ns_, e.what());
  }
}

namespace {

// A plain command: its G-code runs on click (event "click") and long click ("long_click").
class MenuCommand final : public MenuElement {
 public:
  MenuCommand(MenuManager& m, const ConfigWrapper& c, std::string ns)
      : MenuElement(m, c, std::move(ns)) {}
  bool handle_key(const std::string& key) override {
    if (key != "click" && key != "long_click") return false;
    run_script(gcode_, key);
    return true;
  }
};

// The ".." entry of a list, and the files of an SD card list.
class MenuAction final : public MenuElement {
 public:
  MenuAction(MenuManager& m, std::string ns, std::string name, std::string gcode, bool is_back)
      : MenuElement(m, std::move(ns), std::move(name)), gcode_text_(std::move(gcode)),
        is_back_(is_back) {}
  bool handle_key(const std::string& key) override {
    if (key != "click") return false;
    if (is_back_)
      manager_.request_back(false);
    else
      manager_.queue_gcode(gcode_text_);
    return true;
  }

 private:
  std::string gcode_text_;
  bool is_back_;
};

}  // namespace

// ---- MenuList ----------------------------------------------------------------------------------

MenuList::MenuList(MenuManager& manager, const ConfigWrapper& config, std::string ns, bool is_sd)
    : MenuElement(manager, config, std::move(ns)), is_sd_(is_sd) {
  show_title_ = config.getboolean("show_title", true);
}

bool MenuList::is_editing() const {
  return selected_ < items_.size() && items_[selected_]->is_editing();
}

void MenuList::populate() {
  items_.clear();
  std::vector<std::shared_ptr<MenuElement>> indexed;
  for (auto& child : manager_.children(ns_)) {
    if (!child->is_enabled()) continue;
    (child->index() ? indexed : items_).push_back(child);
  }
  for (auto& child : indexed) {
    auto pos = static_cast<size_t>(std::clamp<int64_t>(*child->index(), 0,
                                                       static_cast<int64_t>(items_.size())));
    items_.insert(items_.begin() + static_cast<std::ptrdiff_t>(pos), child);
  }
  if (is_sd_) {
    if (auto* sd = manager_.printer().try_lookup<VirtualSD>("virtual_sdcard")) {
      for (const auto& [fname, size] : sd->get_file_list()) {
        (void)size;
        items_.push_back(std::make_shared<MenuAction>(manager_, ns_ + " " + fname, fname,
                                                      "M23 /" + fname, false));
      }
    }
  }
  std::string back = "..";
  if (show_title_) back += " [" + render_name(false) + "]";
  items_.insert(items_.begin(), std::make_shared<MenuAction>(manager_, ns_, back, "", true));
  selected_ = top_ = 0;
}

MenuElement* MenuList::selected() {
  return selected_ < items_.size() ? items_[selected_].get() : nullptr;
}

void MenuList::select_next(int dir) {
  if (items_.empty()) return;
  int n = static_cast<int>(items_.size());
  selected_ = static_cast<size_t>(std::clamp(static_cast<int>(selected_) + dir, 0, n - 1));
}

std::vector<std::string> MenuList::render(int rows, int cols) {
  // Keep the selection inside the visible rows.
  if (selected_ >= top_ + static_cast<size_t>(rows)) top_ = selected_ - rows + 1;
  if (selected_ < top_) top_ = selected_;
  std::vector<std::string> lines;
  for (size_t row = top_; row < top_ + static_cast<size_t>(rows); row++) {
    if (row >= items_.size()) {
      lines.emplace_back();
      continue;
    }
    auto& item = items_[row];
    bool is_sel = row == selected_;
    char prefix = !is_sel ? ' ' : item->is_editing() ? '*' : item->cursor();
    std::string suffix = item->is_list() ? ">" : "";
    size_t width = static_cast<size_t>(std::max(0, cols - 1 - static_cast<int>(suffix.size())));
    std::string name = item->render_name(is_sel);
    name.resize(width, ' ');
    lines.push_back(prefix + name + suffix);
  }
  return lines;
}

// ---- MenuManager -------------------------------------------------------------------------------

MenuManager::MenuManager(const ConfigWrapper& config, PrinterLcd& display)
    : printer_(config.get_printer()), display_(display), macro_(&load_gcode_macro(config)) {
  std::tie(cols_, rows_) = display.get_dimensions();
  timeout_ = static_cast<int>(config.getint("menu_timeout", 0, {.minval = 0}));
  root_name_ = config.get("menu_root", "__main");
  reverse_ = config.getboolean("menu_reverse_navigation", false);
  load(config);
  auto root = lookup(root_name_);
  if (!root || !root->is_list())
    throw config.error(fmt::format("Invalid menu root '{}' in section '{}'", root_name_,
                                   config.get_name()));
  keys_ = std::make_unique<MenuKeys>(
      config, [this](const std::string& key, double eventtime) { key_event(key, eventtime); });
}

void MenuManager::load(const ConfigWrapper& config) {
  static const std::shared_ptr<ConfigFile> defaults =
      ConfigFile::parse_plain(kDefaultMenuConfig, "menu_defaults");
  ConfigWrapper dconfig(printer_, defaults, std::make_shared<ConfigAccessTracker>(), "menu");
  // Built-in elements first, then the printer's (replacing same-named ones in place).
  for (const ConfigWrapper* source : {static_cast<const ConfigWrapper*>(&dconfig), &config}) {
    for (auto& c : source->get_prefix_sections("menu ")) {
      auto w = words(c.get_name());
      std::string ns = join(std::vector<std::string>(w.begin() + 1, w.end()), w.size());
      std::string type = c.getchoice("type", {"disabled", "command", "input", "list", "vsdlist"});
      std::shared_ptr<MenuElement> el;
      if (type == "command")
        el = std::make_shared<MenuCommand>(*this, c, ns);
      else if (type == "input")
        el = std::make_shared<MenuInput>(*this, c, ns);
      else if (type == "list" || type == "vsdlist")
        el = std::make_shared<MenuList>(*this, c, ns, type == "vsdlist");
      if (!items_.count(ns)) order_.push_back(ns);
      items_[ns] = el;  // a "disabled" element is kept as null: it hides a built-in one
    }
  }
}

std::shared_ptr<MenuElement> MenuManager::lookup(const std::string& ns) const {
  auto it = items_.find(ns);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<MenuElement>> MenuManager::children(const std::string& ns) const {
  std::vector<std::shared_ptr<MenuElement>> out;
  size_t depth = words(ns).size() + 1;
  for (const auto& name : order_) {
    auto w = words(name);
    if (w.size() != depth || join(w, depth - 1) != ns) continue;
    if (auto el = items_.at(name)) out.push_back(el);
  }
  return out;
}

void MenuManager::begin(double eventtime) {
  auto root = std::dynamic_pointer_cast<MenuList>(lookup(root_name_));
  if (!root) return;
  root->populate();
  stack_ = {root.get()};
  last_key_time_ = eventtime;
}

void MenuManager::back() {
  if (stack_.empty()) return;
  stack_.pop_back();
  if (!stack_.empty()) {
    // The parent's enabled items may have changed meanwhile.
    auto* parent = stack_.back();
    auto sel = parent->selected();
    std::string ns = sel ? sel->ns() : "";
    parent->populate();
    while (parent->selected() && parent->selected()->ns() != ns) {
      auto* before = parent->selected();
      parent->select_next(1);
      if (parent->selected() == before) break;
    }
  }
}

void MenuManager::exit() { stack_.clear(); }

void MenuManager::apply_pending() {
  std::string p = std::exchange(pending_, {});
  if (p.starts_with("back")) back();
  if (p.starts_with("exit")) exit();
}

void MenuManager::key_event(const std::string& key, double eventtime) {
  last_key_time_ = eventtime;
  if (stack_.empty()) {
    if (key == "click") begin(eventtime);
    display_.request_redraw();
    return;
  }
  MenuList* list = stack_.back();
  MenuElement* cur = list->selected();
  bool editing = cur && cur->is_editing();
  std::string k = key;
  if (reverse_ && (k.ends_with("up") || k.ends_with("down")))
    k = k.ends_with("up") ? k.substr(0, k.size() - 2) + "down" : k.substr(0, k.size() - 4) + "up";
  if (editing || k == "click" || k == "long_click") {
    if (cur && !cur->handle_key(k) && k == "click" && cur->is_list()) {
      auto* sub = static_cast<MenuList*>(cur);
      sub->populate();
      stack_.push_back(sub);
    }
  } else if (k == "back") {
    back();
  } else if (k.ends_with("up")) {
    list->select_next(-1);
  } else if (k.ends_with("down")) {
    list->select_next(1);
  }
  apply_pending();
  display_.request_redraw();
}

bool MenuManager::screen_update_event(double eventtime) {
  if (stack_.empty()) return false;
  if (timeout_ > 0 && eventtime > last_key_time_ + timeout_) {
    MenuElement* cur = stack_.back()->selected();
    if (!cur || !cur->is_editing()) {
      exit();
      return false;
    }
  }
  auto lines = stack_.back()->render(rows_, cols_);
  for (size_t row = 0; row < lines.size(); row++)
    display_.draw_text(static_cast<int>(row), 0, lines[row]);
  return true;
}

void MenuManager::queue_gcode(const std::string& script) {
  std::string s = strip(script);
  if (s.empty()) return;
  bool idle = gcode_queue_.empty();
  gcode_queue_.push_back(script);
  if (idle) printer_.get_reactor().register_callback([this](double) { dispatch_gcode(); });
}

void MenuManager::dispatch_gcode() {
  // One script at a time, in order, each under the G-code mutex.
  while (!gcode_queue_.empty()) {
    std::string script = gcode_queue_.front();
    try {
      printer_.lookup<GCodeDispatch>("gcode").run_script(script);
    } catch (const std::exception& e) {
      log::warning("menu: script failed: {}", e.what());
    }
    gcode_queue_.erase(gcode_queue_.begin());
  }
}

}  // namespace kpp::display
