// Helpers for the config tests: a scratch folder with files, and a Printer reference for
// ConfigWrapper (which only stores it; these tests never use the printer).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/printer.h"

namespace kpp::test {

inline Printer& unused_printer() {
  alignas(Printer) static unsigned char storage[sizeof(Printer)];
  return *reinterpret_cast<Printer*>(storage);
}

// A fresh temporary folder, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kpp_cfg_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = file(name);
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::string read(const std::string& name) const {
    std::ifstream f(file(name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

 private:
  std::string path_;
};

// A wrapper on `section` of a config parsed from text, with its own tracker.
struct Parsed {
  std::shared_ptr<ConfigFile> file;
  std::shared_ptr<ConfigAccessTracker> tracker = std::make_shared<ConfigAccessTracker>();
  ConfigWrapper section(const std::string& name) const {
    return ConfigWrapper(unused_printer(), file, tracker, name);
  }
};

inline Parsed parse(const std::string& text, const std::string& name = "printer.cfg") {
  return Parsed{ConfigFile::parse(text, name)};
}

// The message of the ConfigError that `fn` throws ("" if none).
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace kpp::test
