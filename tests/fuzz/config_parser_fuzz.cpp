// libFuzzer target: arbitrary bytes as printer.cfg (with a SAVE_CONFIG block and includes of a
// few small files in a scratch folder), then every option through every typed getter, the
// unused-option check and the SAVE_CONFIG block text. Only ConfigError may come out, and the
// parsed data must keep its invariants.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/config_save.h"
#include "core/logging.h"
#include "core/printer.h"

using namespace kpp;

namespace {

// A folder with files the input may include (relative paths only, see below).
const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kpp_cfgfuzz_XXXXXX").string();
    std::string d = mkdtemp(tmpl.data());
    std::filesystem::create_directories(d + "/sub");
    std::ofstream(d + "/a.cfg") << "[a]\nx: 1\n[include sub/*.cfg]\n";
    std::ofstream(d + "/sub/b.cfg") << "[b]\ny:\n  1, 2\n  3, 4\n";
    std::ofstream(d + "/loop.cfg") << "[l]\n[include loop.cfg]\n";
    std::ofstream(d + "/printer.cfg") << "[printer]\n";
    log::set_level(log::Level::kError);  // damaged SAVE_CONFIG blocks warn on every input
    static const std::string* const to_remove = new std::string(d);  // outlives static dtors
    std::atexit([] { std::filesystem::remove_all(*to_remove); });
    return d;
  }();
  return dir;
}

// Inputs whose includes could leave the scratch folder (absolute paths, "..", "~") are skipped:
// a pattern like /*/*/* would make the fuzzer read the whole machine.
bool includes_stay_inside(std::string_view text) {
  size_t pos = 0;
  while ((pos = text.find("[include", pos)) != std::string_view::npos) {
    size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? end : end - pos);
    size_t start = line.find_first_not_of(" \t\v\f\r", 8);
    if (start != std::string_view::npos && line[start] == '/') return false;
    if (line.find("..") != std::string_view::npos || line.find('~') != std::string_view::npos)
      return false;
    if (line.find_first_of("\x1c\x1d\x1e\x1f") != std::string_view::npos) return false;
    if (line.find("\xc2") != std::string_view::npos ||
        line.find("\xe2") != std::string_view::npos ||
        line.find("\xe1") != std::string_view::npos || line.find("\xe3") != std::string_view::npos)
      return false;
    pos += 8;
  }
  return true;
}

Printer& unused_printer() {
  alignas(Printer) static unsigned char storage[sizeof(Printer)];
  return *reinterpret_cast<Printer*>(storage);
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!includes_stay_inside(text)) return 0;
  std::shared_ptr<ConfigFile> file;
  try {
    file = ConfigFile::parse(text, scratch_dir() + "/printer.cfg");
  } catch (const ConfigError&) {
    return 0;
  }
  auto tracker = std::make_shared<ConfigAccessTracker>();
  for (const auto& sec : file->sections()) {
    check(!sec.name.empty());
    ConfigWrapper c(unused_printer(), file, tracker, sec.name);
    for (const auto& entry : sec.options) {
      const std::string& name = entry.first;  // clang 14 cannot capture structured bindings
      check(!name.empty() && name.find_first_of(":=") == std::string::npos);
      check(c.has_option(name) && c.peek(name) == entry.second.value);
      auto attempt = [&](auto&& fn) {
        try {
          fn();
        } catch (const ConfigError&) {
        }
      };
      // One getter per option, chosen by its value, keeps the run fast (a failed getter throws,
      // and exceptions are slow under ASan) while every getter still sees every kind of input.
      switch (std::hash<std::string>{}(entry.second.value) % 7) {
        case 0:
          attempt([&] { c.getint(name, IntLimits{.minval = 0, .maxval = 10}); });
          break;
        case 1:
          attempt([&] { c.getfloat(name, FloatLimits{.above = 0., .below = 1e6}); });
          break;
        case 2:
          attempt([&] { c.getboolean(name); });
          break;
        case 3:
          attempt([&] { c.getchoice(name, {"a", "b"}); });
          break;
        case 4:
          attempt([&] { c.getlists(name, "\n,", 2); });
          break;
        case 5:
          attempt([&] { c.getfloatlist(name, ',', 3); });
          break;
        default:
          attempt([&] { c.getintlist(name); });
          break;
      }
      c.deprecate(name);
      (void)c.location(name);
    }
    (void)c.get_prefix_options("");
  }
  try {
    check_unused_options(*file, *tracker, {});
  } catch (const ConfigError&) {
  }
  (void)config_raw_status(*file);
  (void)autosave_block_text(*file->autosave());
  ConfigAutosave autosave(*file->autosave());
  autosave.set("fuzz", "value", 1.5);
  (void)autosave_block_text(autosave.block());
  return 0;
}
