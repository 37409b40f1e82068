// VLQ encoding shared by host and firmware (protocol/vlq.h): sizes at every byte-length
// boundary, round trips of extreme values, rejection of truncated and over-long data.
#include "protocol/vlq.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <vector>

using namespace kpp::proto;

namespace {

std::vector<uint8_t> enc(int32_t v) {
  std::vector<uint8_t> out(kVlqMaxBytes);
  out.resize(vlq_encode(out.data(), v));
  return out;
}

uint32_t dec(const std::vector<uint8_t>& b, size_t* used = nullptr) {
  const uint8_t* p = b.data();
  uint32_t v = 0;
  EXPECT_TRUE(vlq_decode(&p, b.data() + b.size(), &v));
  if (used) *used = static_cast<size_t>(p - b.data());
  return v;
}

}  // namespace

TEST(Vlq, SizesAtBoundaries) {
  // Protocol.md's table: -32..95 one byte, -4096..12287 two, -524288..1572863 three,
  // -67108864..201326591 four, the rest five.
  struct Case {
    int32_t v;
    size_t size;
  } cases[] = {{0, 1},         {1, 1},         {-1, 1},        {95, 1},        {-32, 1},
               {96, 2},        {-33, 2},       {12287, 2},     {-4096, 2},     {12288, 3},
               {-4097, 3},     {1572863, 3},   {-524288, 3},   {1572864, 4},   {-524289, 4},
               {201326591, 4}, {-67108864, 4}, {201326592, 5}, {-67108865, 5}, {INT32_MAX, 5},
               {INT32_MIN, 5}};
  for (const auto& c : cases) {
    EXPECT_EQ(vlq_size(c.v), c.size) << c.v;
    auto b = enc(c.v);
    EXPECT_EQ(b.size(), c.size) << c.v;
    size_t used = 0;
    EXPECT_EQ(static_cast<int32_t>(dec(b, &used)), c.v);
    EXPECT_EQ(used, c.size);
  }
}

TEST(Vlq, KnownBytes) {
  EXPECT_EQ(enc(0), (std::vector<uint8_t>{0x00}));
  EXPECT_EQ(enc(-1), (std::vector<uint8_t>{0x7f}));
  EXPECT_EQ(enc(95), (std::vector<uint8_t>{0x5f}));
  EXPECT_EQ(enc(-32), (std::vector<uint8_t>{0x60}));
  EXPECT_EQ(enc(96), (std::vector<uint8_t>{0x80, 0x60}));
  EXPECT_EQ(enc(1000), (std::vector<uint8_t>{0x87, 0x68}));
  EXPECT_EQ(enc(INT32_MAX), (std::vector<uint8_t>{0x87, 0xff, 0xff, 0xff, 0x7f}));
}

TEST(Vlq, Uint32MaxIsMinusOne) {
  // The uint32 path (serial queue, firmware) sends the bit pattern: UINT32_MAX is one byte.
  auto b = enc(static_cast<int32_t>(UINT32_MAX));
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(dec(b), UINT32_MAX);
  // The five-byte form of the same bits decodes identically.
  std::vector<uint8_t> five{0x8f, 0xff, 0xff, 0xff, 0x7f};
  EXPECT_EQ(dec(five), UINT32_MAX);
}

TEST(Vlq, SweepRoundTrip) {
  for (int64_t v = INT32_MIN; v <= INT32_MAX; v += 9973 * 7919LL) {
    auto b = enc(static_cast<int32_t>(v));
    EXPECT_EQ(static_cast<int32_t>(dec(b)), v);
  }
  for (int32_t v = -5000; v < 20000; v++) ASSERT_EQ(static_cast<int32_t>(dec(enc(v))), v);
}

TEST(Vlq, RejectsTruncatedAndOverlong) {
  std::vector<uint8_t> truncated{0x87, 0xff};
  const uint8_t* p = truncated.data();
  uint32_t v = 0;
  EXPECT_FALSE(vlq_decode(&p, truncated.data() + truncated.size(), &v));
  EXPECT_EQ(p, truncated.data());  // not advanced on failure
  std::vector<uint8_t> overlong{0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  p = overlong.data();
  EXPECT_FALSE(vlq_decode(&p, overlong.data() + overlong.size(), &v));
  p = overlong.data();
  EXPECT_FALSE(vlq_decode(&p, overlong.data(), &v));  // empty input
}
