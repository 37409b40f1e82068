// Transports (socket pair, pty, tty settings, Unix socket, CAN frames over a SOCK_SEQPACKET pair
// standing in for SocketCAN) and the fault injector.
#include "mcu/link_transport.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/can.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "mcu/can_transport.h"
#include "mcu/fault_injector.h"

namespace kpp {
namespace {

std::vector<uint8_t> read_fd(int fd) {
  std::vector<uint8_t> out;
  uint8_t buf[512];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

TEST(LinkTransportTest, SocketPairReadsWritesAndSeesEof) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  auto t = adopt_fd(sv[0], "socketpair");
  const uint8_t msg[] = {1, 2, 3};
  t->write(msg, 3);
  fcntl(sv[1], F_SETFL, O_NONBLOCK);
  EXPECT_EQ(read_fd(sv[1]), (std::vector<uint8_t>{1, 2, 3}));
  std::vector<uint8_t> in;
  EXPECT_TRUE(t->read_available(in));  // nothing yet, but alive
  EXPECT_TRUE(in.empty());
  ASSERT_EQ(::write(sv[1], "\x7e\x10", 2), 2);
  EXPECT_TRUE(t->read_available(in));
  EXPECT_EQ(in, (std::vector<uint8_t>{0x7e, 0x10}));
  ::close(sv[1]);
  EXPECT_FALSE(t->read_available(in));  // end of file: the link is gone
  // Writing to a closed peer neither blocks nor raises SIGPIPE.
  t->write(msg, 3);
}

TEST(LinkTransportTest, PtyAsPipeAndAsSerialPort) {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  std::string slave = ptsname(master);
  termios raw{};
  tcgetattr(master, &raw);
  cfmakeraw(&raw);
  tcsetattr(master, TCSANOW, &raw);
  fcntl(master, F_SETFL, O_NONBLOCK);
  {
    auto t = open_pipe(slave);
    EXPECT_NE(t->describe().find("pty"), std::string::npos);
    const uint8_t msg[] = {0x7e, 0x00, 0x0a, 0x7e};
    t->write(msg, 4);
    usleep(10000);
    EXPECT_EQ(read_fd(master), (std::vector<uint8_t>{0x7e, 0x00, 0x0a, 0x7e}));
  }
  {
    // 250000 baud has no B constant: set through termios2.
    auto t = open_serial_port(slave, 250000);
    EXPECT_TRUE(t->is_tty());
    const uint8_t msg[] = {0x11, 0x22};
    t->write(msg, 2);
    usleep(10000);
    EXPECT_EQ(read_fd(master), (std::vector<uint8_t>{0x11, 0x22}));
    EXPECT_TRUE(tty_set_baud(t->fd(), 115200));
  }
  ::close(master);
  try {
    open_serial_port("/dev/does-not-exist-kpp", 250000);
    FAIL();
  } catch (const LinkOpenError& e) {
    EXPECT_TRUE(e.missing());
  }
}

TEST(LinkTransportTest, UnixSocketPath) {
  std::string dir = std::filesystem::temp_directory_path() / ("kpp_sock_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string path = dir + "/mcu.sock";
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(l, 1), 0);
  auto t = open_pipe(path);
  EXPECT_NE(t->describe().find("socket"), std::string::npos);
  int c = accept(l, nullptr, nullptr);
  ASSERT_GE(c, 0);
  const uint8_t msg[] = {9, 8, 7};
  t->write(msg, 3);
  uint8_t buf[3];
  ASSERT_EQ(::read(c, buf, 3), 3);
  EXPECT_EQ(buf[2], 7);
  ::close(c);
  ::close(l);
  std::filesystem::remove_all(dir);
}

TEST(CanTransportTest, CutsTheStreamIntoFramesAndFiltersIds) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
  uint32_t txid = canbus::tx_id(4);
  EXPECT_EQ(txid, 264u);
  CanTransport t(sv[0], txid, "can test");
  EXPECT_EQ(t.kind(), LinkCore::WireKind::kCan);
  std::vector<uint8_t> data(20);
  for (int i = 0; i < 20; i++) data[i] = static_cast<uint8_t>(i);
  t.write(data.data(), data.size());
  std::vector<int> sizes;
  std::vector<uint8_t> joined;
  for (int i = 0; i < 3; i++) {
    can_frame cf{};
    ASSERT_EQ(recv(sv[1], &cf, sizeof(cf), 0), static_cast<ssize_t>(sizeof(cf)));
    EXPECT_EQ(cf.can_id, txid);
    sizes.push_back(cf.can_dlc);
    joined.insert(joined.end(), cf.data, cf.data + cf.can_dlc);
  }
  EXPECT_EQ(sizes, (std::vector<int>{8, 8, 4}));
  EXPECT_EQ(joined, data);
  // Frames from our node (txid+1) are read; others on the bus are not.
  can_frame ours{}, other{};
  ours.can_id = txid + 1;
  ours.can_dlc = 3;
  ours.data[0] = 0xaa, ours.data[1] = 0xbb, ours.data[2] = 0xcc;
  other.can_id = txid + 3;
  other.can_dlc = 2;
  send(sv[1], &other, sizeof(other), 0);
  send(sv[1], &ours, sizeof(ours), 0);
  std::vector<uint8_t> in;
  EXPECT_TRUE(t.read_available(in));
  EXPECT_EQ(in, (std::vector<uint8_t>{0xaa, 0xbb, 0xcc}));
  ::close(sv[1]);
}

TEST(CanTransportTest, UuidAndAdminMessages) {
  auto u = canbus::parse_uuid("11aa22bb33cc");
  ASSERT_TRUE(u);
  EXPECT_EQ(canbus::format_uuid(*u), "11aa22bb33cc");
  EXPECT_FALSE(canbus::parse_uuid("xyz"));
  EXPECT_FALSE(canbus::parse_uuid("1234567890abc"));  // more than 6 bytes
  EXPECT_EQ(canbus::format_uuid(*canbus::parse_uuid("ff")), "0000000000ff");
  auto p = canbus::set_nodeid_payload(*u, 5);
  EXPECT_EQ(p, (std::vector<uint8_t>{0x01, 0x11, 0xaa, 0x22, 0xbb, 0x33, 0xcc, 0x05}));
  uint8_t resp[8] = {0x20, 0x11, 0xaa, 0x22, 0xbb, 0x33, 0xcc, 0x01};
  auto need = canbus::parse_need_nodeid(resp, 8);
  ASSERT_TRUE(need);
  EXPECT_EQ(*need, *u);
  EXPECT_FALSE(canbus::parse_need_nodeid(resp, 5));
}

TEST(CanTransportTest, MissingInterfaceIsReported) {
  // Without SocketCAN in the kernel (or without the interface) opening fails cleanly.
  try {
    open_canbus("kppnocan0", *canbus::parse_uuid("010203040506"), 4);
    FAIL();
  } catch (const LinkOpenError& e) {
    EXPECT_NE(std::string(e.what()).find("CAN"), std::string::npos);
  }
}

// A transport that records what it is given.
class MemoryTransport : public LinkTransport {
 public:
  int fd() const override { return -1; }
  bool read_available(std::vector<uint8_t>&) override { return true; }
  void write(const uint8_t* d, size_t n) override { out.insert(out.end(), d, d + n); }
  void close() override {}
  std::string describe() const override { return "memory"; }
  std::vector<uint8_t> out;
};

TEST(FaultInjectorTest, ParsesSpecs) {
  auto s = FaultSpec::parse("drop=0.01, corrupt=0.02,delay=0.1,delay_time=0.2,seed=9,dir=tx");
  EXPECT_DOUBLE_EQ(s.drop, 0.01);
  EXPECT_DOUBLE_EQ(s.corrupt, 0.02);
  EXPECT_DOUBLE_EQ(s.delay, 0.1);
  EXPECT_DOUBLE_EQ(s.delay_time, 0.2);
  EXPECT_EQ(s.seed, 9u);
  EXPECT_TRUE(s.tx);
  EXPECT_FALSE(s.rx);
  EXPECT_THROW(FaultSpec::parse("drop=2"), std::invalid_argument);
  EXPECT_THROW(FaultSpec::parse("loss=0.1"), std::invalid_argument);
  EXPECT_THROW(FaultSpec::parse("dir=up"), std::invalid_argument);
  EXPECT_FALSE(fault_spec_for("mcu", "drop=0.1,mcu=toolboard"));
  EXPECT_TRUE(fault_spec_for("toolboard", "drop=0.1,mcu=toolboard"));
}

TEST(FaultInjectorTest, DropsAndCorruptsAtTheRateGivenAndRepeatsWithTheSeed) {
  auto run = [](uint64_t seed) {
    auto mem = std::make_unique<MemoryTransport>();
    MemoryTransport* m = mem.get();
    FaultSpec spec = FaultSpec::parse("drop=0.01,corrupt=0.01");
    spec.seed = seed;
    FaultInjector inj(std::move(mem), spec);
    std::vector<uint8_t> data(100000, 0x55);
    inj.write(data.data(), data.size());
    return std::make_pair(m->out, inj.counters());
  };
  auto [out, c] = run(1);
  EXPECT_NEAR(static_cast<double>(c.dropped), 1000., 150.);
  EXPECT_NEAR(static_cast<double>(c.corrupted), 990., 150.);
  EXPECT_EQ(out.size(), 100000u - c.dropped);
  size_t changed = 0;
  for (uint8_t b : out) changed += b != 0x55;
  EXPECT_EQ(changed, c.corrupted);
  EXPECT_EQ(run(1).first, out);   // same seed, same faults
  EXPECT_NE(run(2).first, out);
}

TEST(FaultInjectorTest, DelaysWholeChunksInOrder) {
  auto mem = std::make_unique<MemoryTransport>();
  MemoryTransport* m = mem.get();
  FaultInjector inj(std::move(mem), FaultSpec::parse("delay=1,delay_time=0.05,dir=both"));
  inj.set_time(1.0);
  const uint8_t a[] = {1, 2}, b[] = {3};
  inj.write(a, 2);
  inj.write(b, 1);
  EXPECT_TRUE(m->out.empty());
  EXPECT_DOUBLE_EQ(inj.next_wake(), 1.05);
  auto rx = inj.filter_rx({9});
  EXPECT_TRUE(rx.empty());
  EXPECT_TRUE(inj.pump(1.04).empty());
  rx = inj.pump(1.05);
  EXPECT_EQ(m->out, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(rx, (std::vector<uint8_t>{9}));
  EXPECT_EQ(inj.next_wake(), LinkCore::kNever);
}

}  // namespace
}  // namespace kpp
