// parsedump DICT FILE: print every message of an MCU byte stream (message blocks, e.g. klippy's
// batch-mode output) one per line, in the text form of Klipper's parsedump.py.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "mcu/dictionary.h"
#include "mcu/msgblock.h"

using kpp::mcu::BlockReader;
using kpp::mcu::Dictionary;
using kpp::mcu::ProtocolError;

int main(int argc, char** argv) {
  if (argc != 3 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) {
    std::fprintf(stderr,
                 "usage: parsedump DICT FILE\n"
                 "  DICT  data dictionary (JSON .dict file, or zlib-compressed)\n"
                 "  FILE  MCU byte stream (message blocks); '-' reads stdin\n");
    return 2;
  }
  Dictionary dict;
  try {
    dict = Dictionary::from_file(argv[1]);
  } catch (const ProtocolError& e) {
    std::fprintf(stderr, "parsedump: %s: %s\n", argv[1], e.what());
    return 2;
  }
  FILE* in = std::strcmp(argv[2], "-") ? std::fopen(argv[2], "rb") : stdin;
  if (!in) {
    std::fprintf(stderr, "parsedump: cannot open %s: %s\n", argv[2], std::strerror(errno));
    return 2;
  }

  BlockReader reader;
  std::string out;
  size_t block_no = 0;
  int status = 0;
  auto on_block = [&](std::span<const uint8_t> block) {
    block_no++;
    try {
      for (const auto& msg : dict.decode_block(block)) {
        out += msg.text();
        out += '\n';
      }
    } catch (const ProtocolError& e) {
      std::fprintf(stderr, "parsedump: block %zu: %s\n", block_no, e.what());
      status = 1;
    }
  };
  std::vector<uint8_t> buf(1 << 16);
  size_t last_discarded = 0;
  for (;;) {
    size_t n = std::fread(buf.data(), 1, buf.size(), in);
    if (n == 0) break;
    reader.feed(std::span<const uint8_t>(buf.data(), n), on_block);
    if (reader.discarded() != last_discarded) {
      std::fprintf(stderr, "parsedump: invalid data: %zu bytes skipped\n",
                   reader.discarded() - last_discarded);
      last_discarded = reader.discarded();
      status = 1;
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
  }
  if (in != stdin) std::fclose(in);
  if (reader.pending()) {
    std::fprintf(stderr, "parsedump: %zu bytes of an incomplete block at the end\n",
                 reader.pending());
    status = 1;
  }
  if (std::fflush(stdout) != 0) return 1;
  return status;
}
