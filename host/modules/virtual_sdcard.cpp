// [virtual_sdcard] (see virtual_sdcard.h), after Klipper's virtual_sdcard module: same
// commands, replies, log lines and status fields.
#include "modules/virtual_sdcard.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "core/logging.h"

namespace kpp {

namespace fs = std::filesystem;

namespace {

constexpr size_t kReadChunk = 8192;

// on_error_gcode's default, as Klipper's: turn the heaters off when there are any.
constexpr const char* kDefaultErrorGcode =
    "\n{% if 'heaters' in printer %}\n   TURN_OFF_HEATERS\n{% endif %}\n";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "~/gcodes/" -> "/home/pi/gcodes" (Klipper: normpath(expanduser(path))).
std::string expand_path(const std::string& path) {
  std::string p = path;
  if (!p.empty() && p[0] == '~') {
    const char* home = std::getenv("HOME");
    if (home && (p.size() == 1 || p[1] == '/')) p = home + p.substr(1);
  }
  std::string n = fs::path(p).lexically_normal().string();
  while (n.size() > 1 && n.back() == '/') n.pop_back();
  return n.empty() ? "." : n;
}

// Quoted like Python's repr() of bytes for the shutdown log, enough to read the G-code around.
std::string printable(const std::string& s) {
  std::string out = "'";
  for (unsigned char c : s) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\\' || c == '\'')
      out += std::string("\\") + static_cast<char>(c);
    else if (c < 32 || c >= 127)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out + "'";
}

}  // namespace

VirtualSD::VirtualSD(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      reactor_(printer_.get_reactor()),
      gcode_(printer_.lookup<GCodeDispatch>("gcode")),
      print_stats_(printer_.load<PrintStats>(config, "print_stats")),
      dirname_(expand_path(config.get("path"))),
      on_error_gcode_(
          load_gcode_macro(config).load_template(config, "on_error_gcode", kDefaultErrorGcode)) {
  printer_.register_event_handler<>("klippy:shutdown", [this] { handle_shutdown(); });
  // Batch mode: the end of the input does not cut a running print short (as in Klipper).
  printer_.register_event_handler<>("gcode_io:batch_input_end", [this] {
    while (active_) reactor_.pause(reactor_.monotonic() + 0.100);
  });
  gcode_.register_command("M20", [this](GCodeCommand& g) { cmd_m20(g); });
  gcode_.register_command("M21", [](GCodeCommand& g) { g.respond_raw("SD card ok"); });
  gcode_.register_command("M23", [this](GCodeCommand& g) { cmd_m23(g); });
  gcode_.register_command("M24", [this](GCodeCommand&) { do_resume(); });
  gcode_.register_command("M25", [this](GCodeCommand&) { do_pause(); });
  gcode_.register_command("M26", [this](GCodeCommand& g) { cmd_m26(g); });
  gcode_.register_command("M27", [this](GCodeCommand& g) { cmd_m27(g); });
  for (const char* cmd : {"M28", "M29", "M30"})
    gcode_.register_command(cmd, [](GCodeCommand& g) -> void {
      throw g.error("SD write not supported");
    });
  gcode_.register_command(
      "SDCARD_RESET_FILE", [this](GCodeCommand& g) { cmd_sdcard_reset_file(g); }, false,
      "Clears a loaded SD File. Stops the print if necessary");
  gcode_.register_command(
      "SDCARD_PRINT_FILE", [this](GCodeCommand& g) { cmd_sdcard_print_file(g); }, false,
      "Loads a SD file and starts the print.  May include files in subdirectories.");
}

VirtualSD::~VirtualSD() {
  if (file_) std::fclose(file_);
}

std::vector<std::pair<std::string, int64_t>> VirtualSD::get_file_list(bool check_subdirs) const {
  std::vector<std::pair<std::string, int64_t>> files;
  std::error_code ec;
  if (check_subdirs) {
    // Every G-code file below the folder, by path relative to it.
    auto it = fs::recursive_directory_iterator(
        dirname_, fs::directory_options::follow_directory_symlink, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string ext = it->path().extension().string();
      if (ext != ".gcode" && ext != ".g" && ext != ".gco") continue;
      // Lexically, as os.path.relpath: fs::relative would resolve a symlinked file elsewhere.
      files.emplace_back(it->path().lexically_relative(dirname_).string(),
                         static_cast<int64_t>(it->file_size(ec)));
    }
  } else {
    auto it = fs::directory_iterator(dirname_, ec);
    if (ec) {
      log::warning("virtual_sdcard get_file_list: {}: {}", dirname_, ec.message());
      throw CommandError("Unable to get file list");
    }
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.' || !it->is_regular_file(ec)) continue;
      files.emplace_back(name, static_cast<int64_t>(it->file_size(ec)));
    }
  }
  std::stable_sort(files.begin(), files.end(),
                   [](const auto& a, const auto& b) { return lower(a.first) < lower(b.first); });
  return files;
}

std::string VirtualSD::stats() const {
  return active_ ? fmt::format("sd_pos={}", file_position_) : std::string();
}

Json VirtualSD::get_status(double) {
  return Json{{"file_path", file_ ? Json(file_path_) : Json(nullptr)},
              {"progress", file_size_ ? static_cast<double>(file_position_) / file_size_ : 0.},
              {"is_active", active_},
              {"file_position", file_position_},
              {"file_size", file_size_}};
}

void VirtualSD::do_pause() {
  if (!active_) return;
  must_pause_ = true;
  // From a line of the file the fiber is the caller: it stops once that line returns.
  while (active_ && !cmd_from_sd_) reactor_.pause(reactor_.monotonic() + 0.001);
}

void VirtualSD::do_resume() {
  if (active_) throw CommandError("SD busy");
  must_pause_ = false;
  active_ = true;
  reactor_.register_callback([this](double t) { work(t); }, Reactor::kNow);
}

void VirtualSD::reset_file() {
  if (file_) {
    do_pause();
    std::fclose(file_);
    file_ = nullptr;
  }
  file_path_.clear();
  file_position_ = file_size_ = 0;
  print_stats_.reset();
  printer_.send_event("virtual_sdcard:reset_file");
}

void VirtualSD::do_cancel() {
  if (file_) {
    do_pause();
    std::fclose(file_);
    file_ = nullptr;
    file_path_.clear();
    print_stats_.note_cancel();
  }
  file_position_ = file_size_ = 0;
}

void VirtualSD::load_file(GCodeCommand& gcmd, std::string filename, bool check_subdirs) {
  auto files = get_file_list(check_subdirs);
  std::string found;
  for (auto& [name, size] : files)
    if (name == filename) found = name;
  if (found.empty())
    for (auto& [name, size] : files)
      if (lower(name) == lower(filename)) found = name;
  std::string path = dirname_ + "/" + (found.empty() ? filename : found);
  FILE* f = found.empty() ? nullptr : std::fopen(path.c_str(), "rb");
  if (!f) {
    log::warning("virtual_sdcard file open: {}: not found or unreadable", path);
    throw gcmd.error("Unable to open file");
  }
  std::fseek(f, 0, SEEK_END);
  int64_t size = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  gcmd.respond_raw(fmt::format("File opened:{} Size:{}", filename, size));
  gcmd.respond_raw("File selected");
  file_ = f;
  file_path_ = path;
  file_position_ = 0;
  file_size_ = size;
  print_stats_.set_current_file(filename);
}

void VirtualSD::cmd_m20(GCodeCommand& gcmd) {
  auto files = get_file_list();
  gcmd.respond_raw("Begin file list");
  for (auto& [name, size] : files) gcmd.respond_raw(fmt::format("{} {}", name, size));
  gcmd.respond_raw("End file list");
}

void VirtualSD::cmd_m23(GCodeCommand& gcmd) {
  if (active_) throw gcmd.error("SD busy");
  reset_file();
  // Everything after "M23" is the file name (it may contain spaces).
  std::string filename = gcmd.get_raw_command_parameters();
  size_t b = filename.find_first_not_of(" \t\r");
  size_t e = filename.find_last_not_of(" \t\r");
  filename = b == std::string::npos ? std::string() : filename.substr(b, e - b + 1);
  if (!filename.empty() && filename[0] == '/') filename.erase(0, 1);
  load_file(gcmd, filename, false);
}

void VirtualSD::cmd_m26(GCodeCommand& gcmd) {
  if (active_) throw gcmd.error("SD busy");
  file_position_ = gcmd.get_int("S", IntLimits{.minval = 0});
}

void VirtualSD::cmd_m27(GCodeCommand& gcmd) {
  if (!file_) {
    gcmd.respond_raw("Not SD printing.");
    return;
  }
  gcmd.respond_raw(fmt::format("SD printing byte {}/{}", file_position_, file_size_));
}

void VirtualSD::cmd_sdcard_reset_file(GCodeCommand& gcmd) {
  if (cmd_from_sd_) throw gcmd.error("SDCARD_RESET_FILE cannot be run from the sdcard");
  reset_file();
}

void VirtualSD::cmd_sdcard_print_file(GCodeCommand& gcmd) {
  if (active_) throw gcmd.error("SD busy");
  reset_file();
  std::string filename = gcmd.get("FILENAME");
  if (!filename.empty() && filename[0] == '/') filename.erase(0, 1);
  load_file(gcmd, filename, true);
  do_resume();
}

void VirtualSD::handle_shutdown() {
  if (!active_) return;
  must_pause_ = true;
  // Log the G-code around the position, to see what the printer was doing.
  int64_t readpos = std::max<int64_t>(file_position_ - 1024, 0);
  int64_t readcount = file_position_ - readpos;
  std::string data(static_cast<size_t>(readcount + 128), '\0');
  if (!file_ || std::fseek(file_, readpos, SEEK_SET) != 0) return;
  data.resize(std::fread(data.data(), 1, data.size(), file_));
  size_t split = std::min(static_cast<size_t>(readcount), data.size());
  log::info("Virtual sdcard ({}): {}\nUpcoming ({}): {}", readpos, printable(data.substr(0, split)),
            file_position_, printable(data.substr(split)));
}

void VirtualSD::work(double) {
  log::info("Starting SD card print (position {})", file_position_);
  if (!file_ || std::fseek(file_, file_position_, SEEK_SET) != 0) {
    log::warning("virtual_sdcard seek failed");
    active_ = false;
    return;
  }
  print_stats_.note_start();
  std::string partial;
  std::vector<std::string> lines;  // in reverse order: the next line is at the back
  std::optional<std::string> error;
  std::vector<char> buf(kReadChunk);
  while (!must_pause_) {
    if (lines.empty()) {
      size_t n = std::fread(buf.data(), 1, buf.size(), file_);
      if (n == 0) {
        if (std::ferror(file_)) {
          log::warning("virtual_sdcard read error");
          break;
        }
        std::fclose(file_);
        file_ = nullptr;
        log::info("Finished SD card print");
        gcode_.respond_raw("Done printing file");
        break;
      }
      std::string data = partial + std::string(buf.data(), n);
      size_t start = 0;
      for (size_t nl; (nl = data.find('\n', start)) != std::string::npos; start = nl + 1)
        lines.push_back(data.substr(start, nl - start));
      partial = data.substr(start);
      std::reverse(lines.begin(), lines.end());
      reactor_.pause(Reactor::kNow);
      continue;
    }
    // Let a command from elsewhere (the terminal, the API) run between lines.
    if (gcode_.get_mutex().test()) {
      reactor_.pause(reactor_.monotonic() + 0.100);
      continue;
    }
    cmd_from_sd_ = true;
    const int64_t line_end = file_position_ + static_cast<int64_t>(lines.back().size()) + 1;
    next_file_position_ = line_end;
    try {
      gcode_.run_script(lines.back());
    } catch (const CommandError& e) {
      error = e.what();
      try {
        gcode_.run_script(on_error_gcode_.render());
      } catch (const std::exception& e2) {
        log::warning("virtual_sdcard on_error: {}", e2.what());
      }
      break;
    } catch (const std::exception& e) {
      log::warning("virtual_sdcard dispatch: {}", e.what());
      break;
    }
    cmd_from_sd_ = false;
    file_position_ = next_file_position_;
    lines.pop_back();
    if (next_file_position_ != line_end) {
      // The line moved the read position (set_file_position: sdcard_loop): read on from there.
      if (std::fseek(file_, file_position_, SEEK_SET) != 0) {
        log::warning("virtual_sdcard seek failed");
        break;
      }
      lines.clear();
      partial.clear();
    }
  }
  log::info("Exiting SD card print (position {})", file_position_);
  active_ = false;
  cmd_from_sd_ = false;
  if (error)
    print_stats_.note_error(*error);
  else if (file_)
    print_stats_.note_pause();
  else
    print_stats_.note_complete();
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<VirtualSD>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(virtual_sdcard, kpp::load, nullptr)
