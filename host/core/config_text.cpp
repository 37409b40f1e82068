// Python string rules used by the config reader (see config_text.h).
#include "core/config_text.h"

#include <unistd.h>

#include <climits>

namespace kpp::cfgtext {

size_t char_len(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (i + n > s.size()) return 1;
  for (size_t k = 1; k < n; k++)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  return n;
}

size_t space_len(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
  unsigned c = b(0);
  if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) return 1;
  if (c == 0xC2 && (b(1) == 0x85 || b(1) == 0xA0)) return 2;  // U+0085, U+00A0
  if (c == 0xE1 && b(1) == 0x9A && b(2) == 0x80) return 3;    // U+1680
  if (c == 0xE2 && b(1) == 0x80) {
    unsigned d = b(2);
    // U+2000..U+200A, U+2028, U+2029, U+202F
    if ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) return 3;
  }
  if (c == 0xE2 && b(1) == 0x81 && b(2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && b(1) == 0x80 && b(2) == 0x80) return 3;  // U+3000
  return 0;
}

std::string_view lstrip(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t n = space_len(s, i);
    if (!n) break;
    i += n;
  }
  return s.substr(i);
}

std::string_view rstrip(std::string_view s) {
  // ASCII at the end is a whole character (UTF-8 continuation bytes are >= 0x80): strip it
  // from the back, the common case.
  size_t end = s.size();
  while (end > 0 && static_cast<unsigned char>(s[end - 1]) < 0x80) {
    if (!space_len(s, end - 1)) return s.substr(0, end);
    end--;
  }
  if (end == 0) return {};
  // A non-ASCII byte at the end: walk forward so that multi-byte characters are recognised at
  // their start.
  s = s.substr(0, end);
  end = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = space_len(s, i);
    if (n) {
      i += n;
    } else {
      i += char_len(s, i);
      end = i;
    }
  }
  return s.substr(0, end);
}

std::string_view strip(std::string_view s) {
  return rstrip(lstrip(s));
}

size_t indent_chars(std::string_view s) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); chars++) {
    size_t n = space_len(s, i);
    if (!n) return chars;
    i += n;
  }
  return std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string repr(std::string_view s) {
  char quote = '\'';
  if (s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos) quote = '"';
  std::string out(1, quote);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == quote || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) break;
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
  out.push_back(s.substr(start));
  return out;
}

std::string dirname(const std::string& path) {
  size_t pos = path.rfind('/');
  if (pos == std::string::npos) return {};
  std::string head = path.substr(0, pos + 1);
  // Trailing slashes go, unless the head is all slashes (the root).
  if (head.find_first_not_of('/') != std::string::npos)
    while (!head.empty() && head.back() == '/') head.pop_back();
  return head;
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (!name.empty() && name[0] == '/') return name;
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string abspath(const std::string& path) {
  std::string full = path;
  if (path.empty() || path[0] != '/') {
    char buf[PATH_MAX];
    std::string cwd = getcwd(buf, sizeof(buf)) ? buf : "/";
    full = join_path(cwd, path);
  }
  std::vector<std::string_view> parts;
  for (auto part : split(full, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (auto part : parts) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

}  // namespace kpp::cfgtext
