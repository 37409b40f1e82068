// TemplateEvaluator: see template_evaluator.h.
#include "modules/template_evaluator.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/logging.h"
#include "modules/gcode_macro.h"
#include "template/pyliteral.h"

namespace kpp {

namespace {
constexpr double kRenderTime = 0.500;  // seconds between two renders of the active templates
}

TemplateEvaluator& TemplateEvaluator::lookup(const ConfigWrapper& config) {
  Printer& printer = config.get_printer();
  if (auto* te = printer.try_lookup<TemplateEvaluator>("template_evaluator")) return *te;
  auto te = std::make_shared<TemplateEvaluator>(config);
  printer.add_object("template_evaluator", te);
  return *te;
}

TemplateEvaluator::TemplateEvaluator(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      gcode_macro_(load_gcode_macro(config)),
      templates_(display::load_display_templates(config)) {}

void TemplateEvaluator::set_template(GCodeCommand& gcmd, const void* key, Callback callback,
                                     Flush flush, const void* flush_key) {
  std::string name = gcmd.get("TEMPLATE", "");
  if (name.empty()) {
    active_.erase(key);
    return;
  }
  auto it = templates_.find(name);
  if (it == templates_.end())
    throw gcmd.error(fmt::format("Unknown display_template '{}'", name));
  Active a{&it->second, {}, name, std::move(callback), std::move(flush), flush_key};
  for (const auto& [p, v] : gcmd.get_command_parameters()) {
    if (!p.starts_with("PARAM_")) continue;
    std::string lp = p;
    std::transform(lp.begin(), lp.end(), lp.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!it->second.has_param(lp))
      throw gcmd.error(fmt::format("Invalid display_template parameter: {}", lp));
    try {
      a.params.emplace_back(lp, tmpl::literal_eval(v));
    } catch (const tmpl::LiteralError&) {
      throw gcmd.error(fmt::format("Unable to parse '{}' as a literal", v));
    }
  }
  std::sort(a.params.begin(), a.params.end(),
            [](auto& x, auto& y) { return x.first < y.first; });
  for (const auto& [p, v] : a.params) a.cache_key += "\n" + p + "=" + v.repr();
  active_[key] = std::move(a);
  if (!timer_)
    timer_ = printer_.get_reactor().register_timer([this](double t) { return render(t); },
                                                   Reactor::kNow);
}

double TemplateEvaluator::render(double eventtime) {
  if (active_.empty()) {
    printer_.get_reactor().unregister_timer(timer_);
    timer_ = nullptr;
    return Reactor::kNever;
  }
  tmpl::Context ctx = gcode_macro_.create_template_context(eventtime);
  display::install_render_function(ctx, templates_);
  std::map<std::string, std::string> cache;
  std::map<const void*, Flush> flushes;
  // Copy: a callback may change the active set (e.g. an error clearing a template).
  auto active = active_;
  for (auto& [key, a] : active) {
    auto c = cache.find(a.cache_key);
    if (c == cache.end()) {
      std::string text;
      try {
        text = a.tpl->render(ctx, a.params);
      } catch (const std::exception& e) {
        log::warning("display template render error: {}", e.what());
      }
      c = cache.emplace(a.cache_key, text).first;
    }
    if (a.flush) flushes.emplace(a.flush_key, a.flush);
    a.callback(c->second);
  }
  for (auto& [k, f] : flushes) f();
  return eventtime + kRenderTime;
}

}  // namespace kpp
