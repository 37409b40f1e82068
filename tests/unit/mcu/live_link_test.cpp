// The live serial queue in both pumping modes (I/O thread in real time, reactor in virtual time)
// against a small fake MCU over a socket pair, and multi-MCU trigger forwarding (trdispatch).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "core/errors.h"
#include "mcu/live_serial_queue.h"
#include "mcu/msgblock.h"
#include "mcu/trdispatch.h"
#include "protocol/vlq.h"

namespace kpp {
namespace {

// Acks every block in sequence (naks the others) and answers message 0x30 x with 0x31 x. Like the
// firmware after a reset it expects sequence 0 while the host starts at 1 (the host then adopts
// the MCU's sequence and the first block is lost, as in Klipper); `seq` 1 is a session in sync.
class FakeMcu {
 public:
  explicit FakeMcu(int fd, uint8_t seq = 0) : fd_(fd), seq_(seq) {}
  // Handle whatever arrived; returns false at end of file.
  bool poll_once() {
    uint8_t buf[1024];
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n == 0) return false;
    if (n < 0) return true;
    reader_.feed(std::span<const uint8_t>(buf, static_cast<size_t>(n)),
                 [this](std::span<const uint8_t> b) { on_block(b); });
    return true;
  }
  int blocks = 0;

 private:
  void send_block(std::vector<uint8_t> payload) {
    std::vector<uint8_t> b(payload.size() + proto::kMessageMin);
    proto::block_encode(b.data(), seq_, payload.data(), payload.size());
    ssize_t w = ::send(fd_, b.data(), b.size(), MSG_NOSIGNAL);
    (void)w;
  }
  void on_block(std::span<const uint8_t> b) {
    if ((b[1] & 15) != seq_) {
      send_block({});  // nak
      return;
    }
    blocks++;
    seq_ = (seq_ + 1) & 15;
    auto p = mcu::block_payload(b);
    for (size_t i = 0; i + 1 < p.size(); i += 2)
      if (p[i] == 0x30) send_block({0x31, p[i + 1]});
    send_block({});  // ack
  }
  int fd_;
  uint8_t seq_;
  mcu::BlockReader reader_;
};

TEST(LiveSerialQueueTest, ReactorModeInVirtualTime) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  Reactor reactor(make_virtual_time_source(5.0));
  FakeMcu mcu(sv[1]);
  auto* h = reactor.register_fd(sv[1], [&](double) { mcu.poll_once(); });
  LiveSerialQueue q(reactor, adopt_fd(sv[0]), LiveSerialQueue::Mode::kThread, "test");
  EXPECT_EQ(q.mode(), LiveSerialQueue::Mode::kReactor);  // virtual time forces it
  std::vector<LinkReceived> got;
  q.set_receive_handler([&](const LinkReceived& r) { got.push_back(r); });
  q.start();
  bool done = false;
  reactor.register_callback([&](double) {
    for (uint8_t i = 0; i < 20; i++) {
      const uint8_t msg[] = {0x30, i};
      q.send_wait_ack(0, msg, 0, 0);
    }
    done = true;
    reactor.end();
  });
  reactor.run();
  ASSERT_TRUE(done);
  // The first request was naked (the fake MCU expects sequence 0): the nak starts the session,
  // the host takes the MCU's sequence and that block counts as gone. The other 19 are answered.
  ASSERT_EQ(got.size(), 19u);
  EXPECT_EQ(got[0].payload, (std::vector<uint8_t>{0x31, 1}));
  EXPECT_EQ(got[18].payload, (std::vector<uint8_t>{0x31, 19}));
  EXPECT_GT(got[18].sent_time, 0.);
  auto s = q.link_stats();
  EXPECT_GT(s.bytes_write, 0u);
  EXPECT_GT(s.bytes_read, 0u);
  EXPECT_EQ(s.ready_bytes, 0u);
  reactor.unregister_fd(h);
  q.close();
  ::close(sv[1]);
}

TEST(LiveSerialQueueTest, ThreadModeInRealTime) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  std::atomic<bool> stop{false};
  std::thread mcu_thread([&] {
    FakeMcu mcu(sv[1], 1);
    while (!stop) {
      pollfd p{sv[1], POLLIN, 0};
      if (poll(&p, 1, 10) > 0 && !mcu.poll_once()) break;
    }
  });
  Reactor reactor;
  LiveSerialQueue q(reactor, adopt_fd(sv[0]), LiveSerialQueue::Mode::kThread, "test");
  EXPECT_EQ(q.mode(), LiveSerialQueue::Mode::kThread);
  int answers = 0;
  q.set_receive_handler([&](const LinkReceived& r) {
    if (!r.payload.empty() && r.payload[0] == 0x31) answers++;
  });
  q.start();
  bool done = false;
  reactor.register_callback([&](double) {
    for (uint8_t i = 0; i < 50; i++) {
      const uint8_t msg[] = {0x30, i};
      q.send(1, msg, 0, 0);
    }
    const uint8_t last[] = {0x30, 99};
    q.send_wait_ack(1, last, 0, 0);
    done = true;
    reactor.end();
  });
  reactor.register_timer([&](double t) {
    reactor.end();  // safety net
    return t + 10.;
  }, reactor.monotonic() + 10.);
  reactor.run();
  EXPECT_TRUE(done);
  EXPECT_EQ(answers, 51);
  auto s = q.link_stats();
  EXPECT_GT(s.srtt, 0.);
  q.close();
  stop = true;
  mcu_thread.join();
  ::close(sv[1]);
}

TEST(LiveSerialQueueTest, ClosedLinkFailsWaiters) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  Reactor reactor(make_virtual_time_source(1.0));
  LiveSerialQueue q(reactor, adopt_fd(sv[0]), LiveSerialQueue::Mode::kReactor, "test");
  q.start();
  std::string error;
  reactor.register_callback([&](double) {
    try {
      const uint8_t msg[] = {0x30, 1};
      q.send_wait_ack(0, msg, 0, 0);
    } catch (const McuError& e) {
      error = e.what();
    }
    reactor.end();
  });
  reactor.register_callback([&](double) { ::close(sv[1]); }, 2.0);
  reactor.run();
  EXPECT_EQ(error, "Serial connection closed");
  EXPECT_TRUE(q.link_lost());
  // Meanwhile the unanswered block was retransmitted with a growing RTO.
  EXPECT_GT(q.link_stats().bytes_retransmit, 0u);
  EXPECT_GT(q.link_stats().rto, LinkCore::kMinRto);
}

TEST(LiveSerialQueueTest, InjectedFaultsAreRecovered) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  Reactor reactor(make_virtual_time_source(1.0));
  FakeMcu mcu(sv[1], 1);
  reactor.register_fd(sv[1], [&](double) { mcu.poll_once(); });
  LiveSerialQueue q(reactor, adopt_fd(sv[0]), LiveSerialQueue::Mode::kReactor, "test",
                    // Host to MCU only: the MCU does not resend its own messages (as in Klipper, a lost
                    // answer is the host's to ask again), so only that direction loses nothing.
                    FaultSpec::parse("drop=0.02,corrupt=0.02,seed=5,dir=tx"));
  int answers = 0;
  q.set_receive_handler([&](const LinkReceived& r) {
    if (r.payload.size() == 2 && r.payload[0] == 0x31) answers++;
  });
  q.start();
  reactor.register_callback([&](double) {
    for (int i = 0; i < 200; i++) {
      const uint8_t msg[] = {0x30, static_cast<uint8_t>(i)};
      q.send(0, msg, 0, 0);
    }
    const uint8_t last[] = {0x30, 0};
    q.send_wait_ack(0, last, 0, 0);
    reactor.end();
  });
  reactor.run();
  EXPECT_GE(answers, 201);  // every request answered (a resent block may be answered twice)
  EXPECT_GT(q.link_stats().bytes_retransmit, 0u);
  EXPECT_GT(q.fault_counters()->dropped + q.fault_counters()->corrupted, 0u);
}

std::vector<uint8_t> words(std::initializer_list<int32_t> ws) {
  std::vector<uint8_t> out(ws.size() * 5);
  size_t n = 0;
  for (int32_t w : ws) n += proto::vlq_encode(out.data() + n, w);
  out.resize(n);
  return out;
}

// Payloads of the blocks that arrive on `fd`.
std::vector<std::vector<uint8_t>> read_payloads(int fd) {
  std::vector<std::vector<uint8_t>> out;
  mcu::BlockReader r;
  uint8_t buf[2048];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0)
    r.feed(std::span<const uint8_t>(buf, static_cast<size_t>(n)), [&](std::span<const uint8_t> b) {
      auto p = mcu::block_payload(b);
      out.emplace_back(p.begin(), p.end());
    });
  return out;
}

bool contains(const std::vector<std::vector<uint8_t>>& payloads, const std::vector<uint8_t>& msg) {
  for (auto& p : payloads)
    if (std::search(p.begin(), p.end(), msg.begin(), msg.end()) != p.end()) return true;
  return false;
}

TEST(TrDispatchTest, ForwardsATriggerToEveryMcuAndExtendsTimeouts) {
  int a[2], b[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
  Reactor reactor(make_virtual_time_source(10.0));
  LiveSerialQueue qa(reactor, adopt_fd(a[0]), LiveSerialQueue::Mode::kReactor, "a");
  LiveSerialQueue qb(reactor, adopt_fd(b[0]), LiveSerialQueue::Mode::kReactor, "b");
  for (auto* q : {&qa, &qb}) {
    ClockEstimate ce;  // 1 MHz, clock 10,000,000 at host time 10 s
    ce.est_freq = 1e6;
    ce.conv_time = 10.;
    ce.conv_clock = 10000000;
    ce.last_clock = 10000000;
    q->set_clock_estimate(ce);
    q->start();
  }
  TrDispatch td;
  auto ma = td.add_mcu(qa, 1, 3, 40, 41, 42);
  auto mb = td.add_mcu(qb, 1, 5, 50, 51, 52);
  // Homing starts at clock 10.1 s; each trsync expires 25 ms after its last confirmation.
  td.setup_mcu(*ma, 10100000, 10125000, 25000, 6000);
  td.setup_mcu(*mb, 10100000, 10125000, 25000, 6000);
  td.start(2);
  EXPECT_TRUE(td.is_active());
  auto run_briefly = [&](double dt) {
    reactor.register_callback([&](double) { reactor.end(); }, reactor.monotonic() + dt);
    reactor.run();
  };
  // Each trsync may run until the others' oldest confirmation plus 25 ms. MCU a confirms up to
  // 10.110 s: b's expiry moves to 10.135 s (a's stays, b has confirmed nothing new).
  td.handle_trsync_state(*ma, words({42, 3, 1, 0, 10110000}));
  EXPECT_EQ(td.extensions_sent(), 1u);
  // Then b confirms up to 10.110 s as well: a's expiry follows.
  td.handle_trsync_state(*mb, words({52, 5, 1, 0, 10110000}));
  EXPECT_EQ(td.extensions_sent(), 2u);
  run_briefly(0.01);
  auto pa = read_payloads(a[1]);
  auto pb = read_payloads(b[1]);
  EXPECT_TRUE(contains(pa, words({40, 3, 10135000})));
  EXPECT_TRUE(contains(pb, words({50, 5, 10135000})));

  // MCU a reports its trigger over the link: the fast reader forwards it to both at once.
  std::vector<uint8_t> state = words({42, 3, 0, 1, 10120000});
  std::vector<uint8_t> block(state.size() + proto::kMessageMin);
  proto::block_encode(block.data(), 0, state.data(), state.size());
  ASSERT_EQ(::write(a[1], block.data(), block.size()), static_cast<ssize_t>(block.size()));
  run_briefly(0.01);
  EXPECT_EQ(td.triggers_sent(), 2u);
  pa = read_payloads(a[1]);
  pb = read_payloads(b[1]);
  EXPECT_TRUE(contains(pa, words({41, 3, 2})));
  EXPECT_TRUE(contains(pb, words({51, 5, 2})));
  // Once triggered, further reports change nothing.
  td.handle_trsync_state(*mb, words({52, 5, 0, 1, 10121000}));
  EXPECT_EQ(td.triggers_sent(), 2u);
  td.stop();
  EXPECT_FALSE(td.is_active());
  qa.close();
  qb.close();
  ::close(a[1]);
  ::close(b[1]);
}

}  // namespace
}  // namespace kpp
