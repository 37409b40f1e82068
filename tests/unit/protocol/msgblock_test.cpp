// Block framing shared by host and firmware (protocol/msgblock.h, crc16.h): encode, check,
// bad CRC, short and oversize blocks, resync after garbage.
#include "protocol/msgblock.h"

#include <gtest/gtest.h>

#include <vector>

using namespace kpp::proto;

namespace {

std::vector<uint8_t> block(uint8_t seq, std::vector<uint8_t> payload) {
  std::vector<uint8_t> out(payload.size() + kMessageMin);
  size_t n = block_encode(out.data(), seq, payload.data(), payload.size());
  out.resize(n);
  return out;
}

}  // namespace

TEST(Crc16, KnownValue) {
  // CRC-16/MCRF4XX (reflected 0x1021, init 0xffff, no final xor) of "123456789" is 0x6f91.
  const uint8_t s[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ(crc16_ccitt(s, sizeof(s)), 0x6f91);
}

TEST(MsgBlock, EncodeLayout) {
  auto b = block(3, {0x01, 0x02});
  ASSERT_EQ(b.size(), 7u);
  EXPECT_EQ(b[0], 7);
  EXPECT_EQ(b[1], 0x13);
  uint16_t crc = crc16_ccitt(b.data(), 4);
  EXPECT_EQ(b[4], crc >> 8);
  EXPECT_EQ(b[5], crc & 0xff);
  EXPECT_EQ(b[6], kMessageSync);
  auto chk = block_check(b.data(), b.size());
  EXPECT_EQ(chk.status, BlockStatus::kOk);
  EXPECT_EQ(chk.length, 7u);
  EXPECT_EQ(block_seq(b.data()), 3);
}

TEST(MsgBlock, EmptyAndMaxSize) {
  auto ack = block(5, {});
  EXPECT_EQ(ack.size(), kMessageMin);
  EXPECT_EQ(block_check(ack.data(), ack.size()).status, BlockStatus::kOk);
  std::vector<uint8_t> payload(kMessagePayloadMax, 0x42);
  auto full = block(0, payload);
  EXPECT_EQ(full.size(), kMessageMax);
  EXPECT_EQ(block_check(full.data(), full.size()).status, BlockStatus::kOk);
  // One byte more does not fit.
  std::vector<uint8_t> out(kMessageMax + 1);
  payload.push_back(0);
  EXPECT_EQ(block_encode(out.data(), 0, payload.data(), payload.size()), 0u);
}

TEST(MsgBlock, NeedMore) {
  auto b = block(1, {1, 2, 3});
  for (size_t n = 0; n < b.size(); n++)
    EXPECT_EQ(block_check(b.data(), n).status, BlockStatus::kNeedMore) << n;
}

TEST(MsgBlock, BadCrcIsDiscardedUpToSync) {
  auto b = block(1, {1, 2, 3});
  b[3] ^= 0xff;
  auto chk = block_check(b.data(), b.size());
  EXPECT_EQ(chk.status, BlockStatus::kDiscard);
  EXPECT_EQ(chk.length, b.size());  // the trailing sync is the first 0x7e
}

TEST(MsgBlock, ShortAndLongLengthByte) {
  std::vector<uint8_t> shortblk{4, 0x10, 0x00, 0x7e};
  auto chk = block_check(shortblk.data(), shortblk.size());
  EXPECT_EQ(chk.status, BlockStatus::kDiscard);
  EXPECT_EQ(chk.length, 4u);
  std::vector<uint8_t> longblk{65, 0x10, 1, 2};
  chk = block_check(longblk.data(), longblk.size());
  EXPECT_EQ(chk.status, BlockStatus::kDiscard);
  EXPECT_EQ(chk.length, longblk.size());  // no sync: all of it
}

TEST(MsgBlock, BadSequenceByte) {
  auto b = block(2, {9});
  b[1] = 0x22;
  EXPECT_EQ(block_check(b.data(), b.size()).status, BlockStatus::kDiscard);
}

TEST(MsgBlock, ResyncAfterGarbage) {
  std::vector<uint8_t> stream{0x33, 0x7e, 0x01, 0x02, 0x7e};
  auto good = block(7, {0x10, 0x20});
  stream.insert(stream.end(), good.begin(), good.end());
  size_t pos = 0, found = 0;
  while (pos < stream.size()) {
    auto chk = block_check(stream.data() + pos, stream.size() - pos);
    ASSERT_NE(chk.status, BlockStatus::kNeedMore);
    if (chk.status == BlockStatus::kOk) {
      found++;
      EXPECT_EQ(pos, 5u);
      EXPECT_EQ(block_seq(stream.data() + pos), 7);
    }
    pos += chk.length;
  }
  EXPECT_EQ(found, 1u);
}
