// Test helpers: where the shared reference data lives and how to read its (gzipped) files.
#pragma once

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace kpp::test {

inline std::filesystem::path shared_dir() {
  return KPP_SHARED_DIR;
}
inline std::filesystem::path golden_dir() {
  return shared_dir() / "golden" / "klipper";
}
inline std::filesystem::path dict_dir() {
  return golden_dir() / "dict";
}

// Every *.dict file of the golden set, sorted.
inline std::vector<std::filesystem::path> golden_dicts() {
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::is_directory(dict_dir())) return out;
  for (const auto& e : std::filesystem::directory_iterator(dict_dir()))
    if (e.path().extension() == ".dict") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Reads a file, gunzipping it if needed (gzread passes plain files through).
inline std::string read_maybe_gz(const std::filesystem::path& p) {
  std::string out;
  gzFile f = gzopen(p.c_str(), "rb");
  if (!f) return out;
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace kpp::test
