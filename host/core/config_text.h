// Text rules of the config code that must match Python's, since Klipper reads printer.cfg with
// Python string functions: whitespace as str.isspace() sees it (including the non-ASCII spaces,
// in UTF-8), strip(), lower() and repr().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kpp::cfgtext {

// Bytes of the UTF-8 character starting at s[i] (1 for a stray byte).
size_t char_len(std::string_view s, size_t i);
// Bytes of the whitespace character starting at s[i], or 0 when it is not whitespace.
size_t space_len(std::string_view s, size_t i);

std::string_view strip(std::string_view s);
std::string_view lstrip(std::string_view s);
std::string_view rstrip(std::string_view s);
// Index (in characters, as Python counts) of the first non-whitespace character, or npos.
size_t indent_chars(std::string_view s);
// ASCII lower-case (option names).
std::string lower(std::string_view s);
// Python's repr() of a str: 'text' with \n, \t, \\, \xNN escapes.
std::string repr(std::string_view s);
// str.split(sep) (keeps empty pieces).
std::vector<std::string_view> split(std::string_view s, char sep);
// Python's os.path.dirname / os.path.join / os.path.abspath (no symlink resolution).
std::string dirname(const std::string& path);
std::string join_path(const std::string& dir, const std::string& name);
std::string abspath(const std::string& path);

}  // namespace kpp::cfgtext
