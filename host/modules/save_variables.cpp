// [save_variables] (see save_variables.h).
#include "modules/save_variables.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "core/logging.h"
#include "modules/gcode_macro.h"
#include "template/errors.h"
#include "template/pyliteral.h"

namespace kpp {

namespace {

constexpr const char* kParseError = "Unable to parse existing variable file";

std::string expand_user(const std::string& path) {
  if (path == "~" || path.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    if (home) return std::string(home) + path.substr(1);
  }
  return path;
}

std::string_view strip(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n\v\f");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n\v\f") - b + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Write `text` to `path` so that a crash leaves either the old or the new file: a temporary file
// in the same folder, flushed to disk, renamed over the old one.
bool write_atomically(const std::string& path, const std::string& text, std::string& err) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    err = std::strerror(errno);
    return false;
  }
  size_t done = 0;
  bool ok = true;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (ok && ::fsync(fd) != 0) ok = false;
  if (!ok) err = std::strerror(errno);
  ::close(fd);
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    err = std::strerror(errno);
    ok = false;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return false;
  }
  // Make the rename itself durable.
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace

SaveVariables::SaveVariables(const ConfigWrapper& config)
    : filename_(expand_user(config.get("filename"))) {
  if (::access(filename_.c_str(), F_OK) != 0) {
    std::ofstream create(filename_);
    if (!create) throw config.error(fmt::format("Unable to create variable file '{}'", filename_));
  }
  try {
    load();
  } catch (const CommandError& e) {
    throw config.error(e.what());
  }
  config.get_printer().lookup<GCodeDispatch>("gcode").register_command(
      "SAVE_VARIABLE", [this](GCodeCommand& g) { cmd_save_variable(g); }, false,
      "Save arbitrary variables to disk");
}

std::vector<std::pair<std::string, tmpl::Value>> SaveVariables::read_file(
    const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CommandError(kParseError);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  // configparser's rules: [section] headers, "name = value" or "name: value", comment lines
  // starting with '#' or ';', indented continuation lines.
  std::vector<std::pair<std::string, std::string>> raw;
  std::string section;
  bool in_option = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = std::string_view(text).substr(pos, nl == std::string::npos ? nl : nl - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    std::string_view s = strip(line);
    if (s.empty() || s[0] == '#' || s[0] == ';') continue;
    bool indented = line[0] == ' ' || line[0] == '\t';
    if (indented && in_option) {
      if (section == "Variables") raw.back().second += "\n" + std::string(s);
      continue;
    }
    if (line[0] == '[') {
      size_t close = line.find(']');
      if (close == std::string_view::npos) throw CommandError(kParseError);
      section = std::string(line.substr(1, close - 1));
      in_option = false;
      continue;
    }
    size_t sep = s.find_first_of("=:");
    if (section.empty() || sep == std::string_view::npos || sep == 0)
      throw CommandError(kParseError);
    in_option = true;
    if (section != "Variables") continue;
    std::string name = lower(strip(s.substr(0, sep)));
    for (const auto& [n, v] : raw)
      if (n == name) throw CommandError(kParseError);
    raw.emplace_back(std::move(name), std::string(strip(s.substr(sep + 1))));
  }
  std::vector<std::pair<std::string, tmpl::Value>> out;
  for (auto& [name, value] : raw) {
    try {
      out.emplace_back(name, tmpl::literal_eval(value));
    } catch (const tmpl::LiteralError& e) {
      log::error("{}: option '{}': {}", kParseError, name, e.what());
      throw CommandError(kParseError);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::string SaveVariables::format_file(
    const std::vector<std::pair<std::string, tmpl::Value>>& vars) {
  std::string out = "[Variables]\n";
  for (const auto& [name, value] : vars) out += name + " = " + value.repr() + "\n";
  return out + "\n";
}

void SaveVariables::load() {
  variables_ = read_file(filename_);
  status_ = Json{{"variables", variables_status(variables_)}};
}

Json SaveVariables::get_status(double) { return status_; }

void SaveVariables::cmd_save_variable(GCodeCommand& gcmd) {
  std::string name = gcmd.get("VARIABLE");
  if (lower(name) != name) throw gcmd.error("VARIABLE must not contain upper case");
  std::string text = gcmd.get("VALUE");
  tmpl::Value value;
  try {
    value = tmpl::literal_eval(text);
    (void)value.to_json();
  } catch (const std::exception&) {
    throw gcmd.error(fmt::format("Unable to parse '{}' as a literal", text));
  }
  auto vars = variables_;
  auto it = std::find_if(vars.begin(), vars.end(), [&](const auto& v) { return v.first == name; });
  if (it != vars.end())
    it->second = value;
  else
    vars.emplace_back(name, value);
  std::sort(vars.begin(), vars.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string err;
  if (!write_atomically(filename_, format_file(vars), err)) {
    log::error("Unable to save variable: {}: {}", filename_, err);
    throw gcmd.error("Unable to save variable");
  }
  load();
}

namespace {
std::shared_ptr<PrinterObject> load_module(ConfigWrapper& config) {
  return std::make_shared<SaveVariables>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(save_variables, kpp::load_module, nullptr)
