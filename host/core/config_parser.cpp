// Reading printer.cfg as Klipper does: "#" starts a comment anywhere, ";" when it follows
// whitespace or starts the line; indented lines continue the previous value; [include] with glob
// patterns; the "#*#" SAVE_CONFIG block at the end of the main file. The line rules are those of
// Python's configparser, which Klipper relies on.
#include "core/config_parser.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "core/config_text.h"
#include "core/logging.h"

namespace kpp {

namespace cfgparse {

const std::string_view kAutosaveHeader =
    "\n#*# <---------------------- SAVE_CONFIG ---------------------->\n"
    "#*# DO NOT EDIT THIS BLOCK OR BELOW. The contents are auto-generated.\n"
    "#*#\n";

namespace {

std::string normalize_newlines(std::string_view data) {
  std::string out;
  out.reserve(data.size());
  for (size_t i = 0; i < data.size(); i++) {
    if (data[i] == '\r') {
      out += '\n';
      if (i + 1 < data.size() && data[i + 1] == '\n') i++;
    } else {
      out += data[i];
    }
  }
  return out;
}

// Python's "\[(?P<header>.+)\]" matched at the start: up to the last "]".
std::optional<std::string_view> section_header(std::string_view s) {
  if (s.size() < 3 || s[0] != '[') return std::nullopt;
  size_t close = s.rfind(']');
  if (close == std::string_view::npos || close < 2) return std::nullopt;
  return s.substr(1, close - 1);
}

// Where a ";" comment starts: at the start of the (stripped) line, or after whitespace.
size_t comment_start(std::string_view line) {
  if (cfgtext::lstrip(line).starts_with(';')) return 0;
  bool after_space = false;
  for (size_t i = 0; i < line.size();) {
    if (line[i] == ';' && (i == 0 || after_space)) return i;
    size_t n = cfgtext::space_len(line, i);
    after_space = n > 0;
    i += n ? n : cfgtext::char_len(line, i);
  }
  return std::string_view::npos;
}

std::vector<std::string> glob_files(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (glob(pattern.c_str(), GLOB_NOESCAPE | GLOB_NOSORT, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; i++) out.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string read_config_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    if (fd >= 0) close(fd);
    throw ConfigError(fmt::format("Unable to open config file {}", path));
  }
  std::string data;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      close(fd);
      throw ConfigError(fmt::format("Unable to open config file {}", path));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return normalize_newlines(data);
}

std::vector<Line> split_lines(std::string_view text, int first_number) {
  std::vector<Line> out;
  int number = first_number;
  for (auto piece : cfgtext::split(text, '\n')) out.push_back({std::string(piece), number++});
  return out;
}

MainFileParts find_autosave_data(std::string_view data) {
  MainFileParts parts;
  parts.regular_text = std::string(data);
  size_t pos = data.find(kAutosaveHeader);
  std::string_view regular = data, block;
  int block_line = 0;
  if (pos != std::string_view::npos) {
    regular = data.substr(0, pos);
    std::string_view rest = data.substr(pos + kAutosaveHeader.size());
    block = cfgtext::strip(rest);
    size_t lead = static_cast<size_t>(block.data() - rest.data());
    // The header's first line follows the newline at `pos`; its three lines precede `rest`.
    int header_line = static_cast<int>(std::count(data.begin(), data.begin() + pos + 1, '\n')) + 1;
    block_line =
        header_line + 3 + static_cast<int>(std::count(rest.begin(), rest.begin() + lead, '\n'));
  }
  auto whole_file = [&] {
    parts.regular = split_lines(parts.regular_text);
    return parts;
  };
  if (regular.find("\n#*# ") != std::string_view::npos) {
    log::warning("Can't read autosave from config file - autosave state corrupted");
    return whole_file();
  }
  if (!block.empty()) {
    int number = block_line;
    for (auto line : cfgtext::split(block, '\n')) {
      if (!line.starts_with("#*#") || (line.size() >= 4 && !line.starts_with("#*# "))) {
        log::warning("Can't read autosave from config file - modifications after header");
        parts.autosave.clear();
        return whole_file();
      }
      parts.autosave.push_back(
          {std::string(line.substr(std::min<size_t>(4, line.size()))), number++});
    }
  }
  parts.regular_text = std::string(regular);
  parts.regular = split_lines(regular);
  parts.has_block = pos != std::string_view::npos;
  return parts;
}

void strip_duplicates(std::vector<Line>& lines, const ConfigFile& config) {
  std::optional<std::string> section;
  bool is_dup = false;
  for (auto& line : lines) {
    std::string_view text = line.text;
    std::string_view pruned = cfgtext::rstrip(text.substr(0, text.find_first_of("#;")));
    if (pruned.empty()) continue;
    if (cfgtext::space_len(pruned, 0)) {
      if (is_dup) line.text.insert(0, "#");
      continue;
    }
    is_dup = false;
    if (pruned[0] == '[') {
      section = std::string(cfgtext::strip(pruned.substr(1, pruned.size() - 2)));
      continue;
    }
    size_t end = 0;
    while (end < pruned.size() &&
           (std::isalnum(static_cast<unsigned char>(pruned[end])) || pruned[end] == '_'))
      end++;
    if (section && config.has_option(*section, pruned.substr(0, end))) {
      is_dup = true;
      line.text.insert(0, "#");
    }
  }
}

}  // namespace cfgparse

using cfgparse::Line;

// Fills one ConfigFile from a main file and its includes.
class ConfigParser {
 public:
  ConfigParser(ConfigFile& out, const std::string& main_path) : out_(out) {
    out_.main_path_ = main_path;
  }

  void parse_file(const std::vector<Line>& lines, const std::string& filename,
                  const std::string& include_site) {
    std::string path = cfgtext::abspath(filename);
    if (visited_.count(path))
      throw ConfigError(
          fmt::format("Recursive include of config file '{}'{}", filename, include_site));
    visited_.insert(path);
    // Lines between includes are parsed as one unit, so that a later definition in the same
    // file or in an include replaces an earlier one in file order.
    std::vector<Line> chunk;
    for (const auto& l : lines) {
      std::string text = l.text.substr(0, l.text.find('#'));
      auto header = cfgparse::section_header(text);
      if (header && header->starts_with("include ")) {
        parse_chunk(chunk, filename);
        chunk.clear();
        std::string site = " (" + out_.describe_location(filename, l.number) + ")";
        include(filename, std::string(cfgtext::strip(header->substr(8))), site);
      } else {
        chunk.push_back({std::move(text), l.number});
      }
    }
    parse_chunk(chunk, filename);
    visited_.erase(path);
  }

  static std::shared_ptr<ConfigFile> build_main(std::string_view data,
                                                const std::string& filename) {
    auto parts = cfgparse::find_autosave_data(data);
    auto regular = cfgparse::parse_lines(parts.regular, filename);
    cfgparse::strip_duplicates(parts.autosave, *regular);
    auto autosave = cfgparse::parse_lines(parts.autosave, filename);
    std::vector<Line> all = parts.regular;
    all.insert(all.end(), parts.autosave.begin(), parts.autosave.end());
    auto full = cfgparse::parse_lines(all, filename);
    full->main_text_ = std::move(parts.regular_text);
    for (const auto& l : parts.autosave) full->autosave_text_ += l.text + "\n";
    full->autosave_ = std::move(autosave);
    return full;
  }

 private:
  void include(const std::string& source, const std::string& spec, const std::string& site) {
    std::string pattern = cfgtext::join_path(cfgtext::dirname(source), spec);
    auto files = cfgparse::glob_files(pattern);
    bool magic = pattern.find_first_of("*?[") != std::string::npos;
    if (files.empty() && !magic)
      throw ConfigError(fmt::format("Include file '{}' does not exist{}", pattern, site));
    for (const auto& f : files) {
      std::string data = cfgparse::read_config_file(f);
      parse_file(cfgparse::split_lines(data), f, site);
    }
  }

  size_t section_index(std::string_view name, const std::string& file, int line) {
    auto it = index_.find(std::string(name));
    if (it != index_.end()) return it->second;
    ConfigSectionData sec;
    sec.name = std::string(name);
    sec.file = file;
    sec.line = line;
    out_.sections_.push_back(std::move(sec));
    index_.emplace(std::string(name), out_.sections_.size() - 1);
    return out_.sections_.size() - 1;
  }

  // Python configparser's reading of one unit of lines (the state starts afresh each time).
  void parse_chunk(const std::vector<Line>& chunk, const std::string& filename) {
    std::optional<size_t> cursect;
    std::optional<size_t> curopt;  // index of the current option in its section
    std::vector<std::string> value_lines;
    size_t indent_level = 0;
    std::vector<const Line*> errors;
    auto flush = [&] {
      if (!cursect || !curopt) return;
      std::string v;
      for (size_t i = 0; i < value_lines.size(); i++) {
        if (i) v += '\n';
        v += value_lines[i];
      }
      out_.sections_[*cursect].options[*curopt].second.value = std::string(cfgtext::rstrip(v));
    };
    for (const auto& l : chunk) {
      std::string_view line = l.text;
      size_t cstart = cfgparse::comment_start(line);
      std::string_view value = cfgtext::strip(line.substr(0, cstart));
      if (value.empty()) {
        // A blank line inside a value stays part of it; a comment line does not.
        if (cstart == std::string_view::npos && cursect && curopt) value_lines.emplace_back();
        continue;
      }
      size_t cur_indent = cfgtext::indent_chars(line);
      if (cursect && curopt && cur_indent > indent_level) {
        value_lines.emplace_back(value);
        continue;
      }
      indent_level = cur_indent;
      if (auto header = cfgparse::section_header(value)) {
        flush();
        cursect = section_index(*header, filename, l.number);
        curopt.reset();
        value_lines.clear();
        continue;
      }
      if (!cursect)
        throw ConfigError(fmt::format("File contains no section headers.\nfile: {}, line: {}\n{}",
                                      cfgtext::repr(filename), l.number, cfgtext::repr(l.text)));
      size_t delim = value.find_first_of("=:");
      if (delim == std::string_view::npos) {
        errors.push_back(&l);
        continue;
      }
      std::string name = cfgtext::lower(cfgtext::rstrip(value.substr(0, delim)));
      if (name.empty()) errors.push_back(&l);
      flush();
      auto& sec = out_.sections_[*cursect];
      ConfigOption opt{std::string(cfgtext::strip(value.substr(delim + 1))), filename, l.number};
      auto it = std::find_if(sec.options.begin(), sec.options.end(),
                             [&](const auto& o) { return o.first == name; });
      if (it != sec.options.end()) {
        it->second = opt;
      } else {
        sec.options.emplace_back(name, opt);
        it = sec.options.end() - 1;
      }
      curopt = static_cast<size_t>(it - sec.options.begin());
      value_lines.assign(1, opt.value);
    }
    flush();
    if (!errors.empty()) {
      std::string msg = "Source contains parsing errors: " + cfgtext::repr(filename);
      for (const Line* e : errors)
        msg += fmt::format("\n\t[line {:2}]: {}", e->number, cfgtext::repr(e->text));
      throw ConfigError(msg);
    }
  }

  ConfigFile& out_;
  std::unordered_map<std::string, size_t> index_;
  std::set<std::string> visited_;
};

namespace cfgparse {

std::shared_ptr<ConfigFile> parse_lines(const std::vector<Line>& lines,
                                        const std::string& filename) {
  auto out = std::make_shared<ConfigFile>();
  ConfigParser parser(*out, filename);
  parser.parse_file(lines, filename, "");
  return out;
}

}  // namespace cfgparse

std::shared_ptr<ConfigFile> ConfigFile::load(const std::string& path) {
  return ConfigParser::build_main(cfgparse::read_config_file(path), path);
}

std::shared_ptr<ConfigFile> ConfigFile::parse(std::string_view text, const std::string& name) {
  return ConfigParser::build_main(cfgparse::normalize_newlines(text), name);
}

std::shared_ptr<ConfigFile> ConfigFile::parse_plain(std::string_view text,
                                                    const std::string& name) {
  auto out = cfgparse::parse_lines(cfgparse::split_lines(cfgparse::normalize_newlines(text)), name);
  out->main_text_ = std::string(text);
  out->autosave_ = std::make_shared<ConfigFile>();
  out->autosave_->main_path_ = name;
  return out;
}

}  // namespace kpp
