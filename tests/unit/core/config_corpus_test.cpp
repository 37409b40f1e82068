// Every example config of Klipper and every config of its regression suite must parse.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/config.h"

namespace kpp {
namespace {

namespace fs = std::filesystem;

void parse_all(const std::string& folder) {
  fs::path dir = fs::path(KPP_SHARED_DIR) / folder;
  if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " is missing";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".cfg") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  size_t parsed = 0, sections = 0;
  for (const auto& f : files) {
    try {
      auto cfg = ConfigFile::load(f.string());
      sections += cfg->sections().size();
      parsed++;
    } catch (const ConfigError& e) {
      ADD_FAILURE() << f << ": " << e.what();
    }
  }
  std::printf("%zu of %zu configs parsed in %s (%zu sections)\n", parsed, files.size(),
              folder.c_str(), sections);
  EXPECT_GT(files.size(), 0u);
  EXPECT_EQ(parsed, files.size());
}

TEST(ConfigCorpus, KlipperExampleConfigs) {
  parse_all("klipper/config");
}

TEST(ConfigCorpus, KlipperRegressionConfigs) {
  parse_all("klipper/test/klippy");
}

}  // namespace
}  // namespace kpp
