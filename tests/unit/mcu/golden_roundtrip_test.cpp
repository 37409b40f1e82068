// Proof against real Klipper output: every line of every golden decoded file (produced by
// Klipper's parsedump.py) is encoded with our encoder, packed into blocks, read back and decoded;
// the text must be identical byte for byte. The parsedump tool is run on a few such streams.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

#include "golden_util.h"
#include "mcu/dictionary.h"
#include "mcu/msgblock.h"

using namespace kpp::mcu;
namespace fs = std::filesystem;

namespace {

struct GoldenFile {
  fs::path text;  // .txt.gz
  fs::path dict;
};

// (decoded file, dictionary) pairs from INDEX.tsv, plus the RESTART full stream.
std::vector<GoldenFile> golden_files() {
  std::vector<GoldenFile> out;
  auto lines = kpp::test::split_lines(kpp::test::read_file(kpp::test::golden_dir() / "INDEX.tsv"));
  for (size_t i = 1; i < lines.size(); i++) {
    std::vector<std::string> cols;
    size_t start = 0;
    for (;;) {
      size_t tab = lines[i].find('\t', start);
      cols.push_back(lines[i].substr(start, tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (cols.size() < 6 || cols[5] == "-" || cols[5].empty()) continue;
    std::vector<std::string> dicts, files;
    std::stringstream ds(cols[3]), fs_(cols[5]);
    for (std::string d; ds >> d;) dicts.push_back(d.substr(d.find('=') + 1));
    for (std::string f; std::getline(fs_, f, ',');) files.push_back(f);
    for (size_t k = 0; k < files.size() && k < dicts.size(); k++)
      out.push_back({kpp::test::golden_dir() / files[k], kpp::test::dict_dir() / dicts[k]});
  }
  auto full = kpp::test::golden_dir() / "commands" / "example-cartesian.fullstream.txt.gz";
  if (fs::exists(full)) out.push_back({full, kpp::test::dict_dir() / "atmega2560.dict"});
  return out;
}

// Encodes the lines into a block stream as klippy's batch output holds them.
std::vector<uint8_t> encode_stream(const Dictionary& d, const std::vector<std::string>& lines) {
  BlockPacker packer;
  for (const auto& line : lines) packer.add(d.encode_text(line));
  packer.flush();
  return packer.take();
}

std::string decode_stream(const Dictionary& d, const std::vector<uint8_t>& stream,
                          size_t* discarded) {
  std::string text;
  BlockReader reader;
  reader.feed(stream, [&](std::span<const uint8_t> block) {
    for (const auto& m : d.decode_block(block)) {
      text += m.text();
      text += '\n';
    }
  });
  *discarded = reader.discarded() + reader.pending();
  return text;
}

}  // namespace

TEST(GoldenRoundTrip, EveryLineOfEveryFile) {
  if (!fs::exists(kpp::test::golden_dir() / "INDEX.tsv")) GTEST_SKIP() << "no golden data";
  auto files = golden_files();
  EXPECT_EQ(files.size(), 242u);  // 241 decoded files + the RESTART full stream
  std::map<std::string, Dictionary> dicts;
  std::set<std::string> names;
  size_t total_lines = 0, bytes = 0;
  for (const auto& gf : files) {
    SCOPED_TRACE(gf.text.string());
    auto it = dicts.find(gf.dict.string());
    if (it == dicts.end())
      it = dicts.emplace(gf.dict.string(), Dictionary::from_file(gf.dict.string())).first;
    const Dictionary& d = it->second;
    std::string golden = kpp::test::read_maybe_gz(gf.text);
    auto lines = kpp::test::split_lines(golden);
    ASSERT_FALSE(lines.empty());
    std::vector<uint8_t> stream;
    try {
      stream = encode_stream(d, lines);
    } catch (const ProtocolError& e) {
      FAIL() << e.what();
    }
    size_t discarded = 0;
    std::string text = decode_stream(d, stream, &discarded);
    EXPECT_EQ(discarded, 0u);
    if (text != golden) {
      auto got = kpp::test::split_lines(text);
      for (size_t i = 0; i < std::min(got.size(), lines.size()); i++)
        ASSERT_EQ(got[i], lines[i]) << "line " << i + 1;
      ASSERT_EQ(got.size(), lines.size());
      FAIL() << "texts differ";
    }
    for (const auto& l : lines) names.insert(l.substr(0, l.find(' ')));
    total_lines += lines.size();
    bytes += stream.size();
  }
  // Every message type that occurs in the golden set went through the codec.
  EXPECT_GE(names.size(), 60u);
  EXPECT_GT(total_lines, 800000u);
  std::cout << "[ golden ] " << files.size() << " files, " << total_lines << " lines, "
            << names.size() << " message types, " << bytes << " stream bytes\n";
}

TEST(GoldenRoundTrip, ParsedumpToolMatchesKlipperText) {
  fs::path tool = fs::path(KPP_BINARY_DIR) / "bin" / "parsedump";
  if (!fs::exists(tool)) GTEST_SKIP() << "parsedump not built";
  if (!fs::exists(kpp::test::golden_dir() / "INDEX.tsv")) GTEST_SKIP() << "no golden data";
  const std::pair<const char*, const char*> cases[] = {
      {"load_cell/load_cell.txt.gz", "atmega2560.dict"},
      {"linuxtest/linuxtest.txt.gz", "linuxprocess.dict"},
      {"printers/generic-mightyboard.txt.gz", nullptr},
      {"printers/printer-lulzbot-taz6-2017.txt.gz", nullptr},
      {"eddy/eddy.txt.gz", nullptr},
  };
  auto files = golden_files();
  fs::path tmp = fs::temp_directory_path() / ("kpp_parsedump_" + std::to_string(getpid()));
  fs::create_directories(tmp);
  for (const auto& [rel, dict_name] : cases) {
    SCOPED_TRACE(rel);
    fs::path text_path = kpp::test::golden_dir() / rel;
    fs::path dict_path;
    for (const auto& gf : files)
      if (gf.text == text_path) dict_path = gf.dict;
    if (dict_name) {
      EXPECT_EQ(dict_path.filename(), dict_name);
    }
    ASSERT_FALSE(dict_path.empty());
    Dictionary d = Dictionary::from_file(dict_path.string());
    std::string golden = kpp::test::read_maybe_gz(text_path);
    auto stream = encode_stream(d, kpp::test::split_lines(golden));
    fs::path bin = tmp / "stream.bin", out = tmp / "stream.txt";
    {
      std::ofstream f(bin, std::ios::binary);
      f.write(reinterpret_cast<const char*>(stream.data()),
              static_cast<std::streamsize>(stream.size()));
    }
    std::string cmd =
        tool.string() + " " + dict_path.string() + " " + bin.string() + " > " + out.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    EXPECT_TRUE(kpp::test::read_file(out) == golden) << "parsedump output differs";
  }
  fs::remove_all(tmp);
}
