// Dictionary download: a simulated MCU answers identify requests with chunks of its compressed
// dictionary; the downloader assembles, inflates and parses it.
#include "mcu/identify.h"

#include <gtest/gtest.h>

#include "golden_util.h"
#include "mcu/msgblock.h"

using namespace kpp::mcu;

namespace {

// What an MCU does with "identify offset=N count=C": answer identify_response with that chunk.
std::vector<uint8_t> mcu_answer(const Dictionary& defaults, const std::vector<uint8_t>& zdata,
                                std::span<const uint8_t> request) {
  auto msgs = defaults.decode_payload(request);
  EXPECT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].name(), "identify");
  size_t offset = static_cast<size_t>(msgs[0].get_int("offset"));
  size_t count = static_cast<size_t>(msgs[0].get_int("count"));
  size_t n = offset < zdata.size() ? std::min(count, zdata.size() - offset) : 0;
  std::string chunk(reinterpret_cast<const char*>(zdata.data()) + std::min(offset, zdata.size()),
                    n);
  std::vector<uint8_t> out;
  defaults.find_response("identify_response")
      ->encode_values(
          out, {ParamValue::integer(static_cast<int64_t>(offset)), ParamValue::bytes(chunk)});
  return out;
}

std::vector<uint8_t> compressed_golden(const char* name) {
  auto path = kpp::test::dict_dir() / name;
  if (!std::filesystem::exists(path)) return {};
  return zlib_compress(kpp::test::read_file(path));
}

}  // namespace

TEST(Identify, DownloadsInChunksThroughBlocks) {
  auto zdata = compressed_golden("atmega2560.dict");
  if (zdata.empty()) GTEST_SKIP();
  Dictionary defaults;
  IdentifyDownloader dl;
  int rounds = 0;
  while (!dl.done()) {
    ASSERT_LT(++rounds, 10000);
    // Host -> MCU and MCU -> host both travel in real blocks.
    auto req = dl.next_request(defaults);
    BlockPacker to_mcu;
    to_mcu.add(req);
    to_mcu.flush();
    std::vector<uint8_t> answer;
    BlockReader mcu_side;
    mcu_side.feed(to_mcu.output(), [&](std::span<const uint8_t> blk) {
      answer = mcu_answer(defaults, zdata, block_payload(blk));
    });
    BlockPacker to_host;
    to_host.add(answer);
    to_host.flush();
    BlockReader host_side;
    host_side.feed(to_host.output(), [&](std::span<const uint8_t> blk) {
      auto msgs = defaults.decode_block(blk);
      ASSERT_EQ(msgs.size(), 1u);
      dl.add_response(msgs[0]);
    });
  }
  EXPECT_EQ(dl.data(), zdata);
  EXPECT_EQ(rounds, static_cast<int>((zdata.size() + 39) / 40) + 1);
  Dictionary d = dl.finish();
  EXPECT_EQ(d.constant("MCU"), "atmega2560");
  EXPECT_NE(d.find_command("queue_step"), nullptr);
}

TEST(Identify, IgnoresStaleChunks) {
  auto zdata = compressed_golden("rp2040.dict");
  if (zdata.empty()) GTEST_SKIP();
  IdentifyDownloader dl(32);
  std::span<const uint8_t> all(zdata);
  size_t off = 0;
  while (off < zdata.size()) {
    size_t n = std::min<size_t>(32, zdata.size() - off);
    // A repeated old answer and an answer from the future are both ignored.
    if (off >= 32) {
      EXPECT_FALSE(dl.add_response(static_cast<uint32_t>(off - 32), all.subspan(off - 32, 32)));
    }
    EXPECT_FALSE(dl.add_response(static_cast<uint32_t>(off + 1000), all.subspan(0, 1)));
    EXPECT_FALSE(dl.add_response(static_cast<uint32_t>(off), all.subspan(off, n)));
    off += n;
  }
  EXPECT_FALSE(dl.done());
  EXPECT_THROW(dl.finish(), ProtocolError);  // not complete yet
  EXPECT_FALSE(dl.add_response(0, {}));      // empty chunk at the wrong offset
  EXPECT_TRUE(dl.add_response(static_cast<uint32_t>(zdata.size()), {}));
  EXPECT_EQ(dl.finish().constant("MCU"), "rp2040");
}

TEST(Identify, TruncatedOrCorruptDownloadFails) {
  auto zdata = compressed_golden("stm32f103.dict");
  if (zdata.empty()) GTEST_SKIP();
  IdentifyDownloader dl;
  // The MCU claims to be done half-way.
  std::span<const uint8_t> half(zdata.data(), zdata.size() / 2);
  dl.add_response(0, half);
  EXPECT_TRUE(dl.add_response(static_cast<uint32_t>(half.size()), {}));
  try {
    dl.finish();
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_TRUE(std::string_view(e.what()).starts_with("Error during identify: ")) << e.what();
  }
  // Valid zlib around invalid JSON.
  IdentifyDownloader dl2;
  auto zbad = zlib_compress("{\"commands\": {\"x a=%c\": 2}, \"responses\": ");
  dl2.add_response(0, zbad);
  dl2.add_response(static_cast<uint32_t>(zbad.size()), {});
  EXPECT_THROW(dl2.finish(), ProtocolError);
}

TEST(Identify, RejectsOversizedDictionary) {
  IdentifyDownloader dl;
  std::vector<uint8_t> chunk(4096, 0);
  EXPECT_THROW(
      {
        for (uint32_t off = 0;; off += 4096) dl.add_response(off, chunk);
      },
      ProtocolError);
}
