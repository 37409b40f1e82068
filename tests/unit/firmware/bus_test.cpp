// SPI and I2C devices (hardware buses of the sim board and bit-banged buses on its pins) and the
// SPI shutdown messages, driven through the protocol.
#include <gtest/gtest.h>

#include "pin_recorder.h"
#include "sim_link.h"

using fwtest::Msg;
using fwtest::PinRecorder;
using fwtest::SimLink;

namespace {

constexpr uint16_t kPA4 = 4, kPA5 = 5, kPA6 = 6, kPA7 = 7, kPB6 = 22, kPB7 = 23;

std::string hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string shutdown_reason(SimLink& link, const std::vector<Msg>& msgs) {
  for (const Msg& m : msgs)
    if (m.name == "shutdown" || m.name == "is_shutdown")
      return link.static_string(static_cast<int>(m["static_string_id"]));
  return "";
}

// An SPI device on the hardware bus that answers each byte with its complement and logs what it
// was sent together with the chip-select level at the time.
struct SpiModel : PinRecorder {
  void spi_transfer(uint32_t bus, uint8_t mode, uint8_t* data, uint8_t len, uint64_t) override {
    std::string sent(reinterpret_cast<char*>(data), len);
    log.push_back({bus, mode, sent, fw::sim::pin_state(kPA4).level});
    for (uint8_t i = 0; i < len; i++) data[i] = static_cast<uint8_t>(~data[i]);
  }
  struct Xfer {
    uint32_t bus;
    uint8_t mode;
    std::string data;
    uint8_t cs_level;
  };
  std::vector<Xfer> log;
};

TEST(FirmwareSpi, HardwareTransferFramedByChipSelect) {
  SimLink link;
  SpiModel dev;
  link.send({"allocate_oids count=1", "config_spi oid=0 pin=PA4 cs_active_high=0",
             "spi_set_bus oid=0 spi_bus=spi1 mode=3 rate=4000000", "finalize_config crc=0"});
  link.run_for(1000);
  EXPECT_EQ(fw::sim::pin_state(kPA4).level, 1);  // deselected
  dev.edges.clear();
  Msg m = link.query("spi_transfer oid=0 data=0f3c", "spi_transfer_response");
  EXPECT_EQ(m["oid"], 0);
  EXPECT_EQ(hex(m.bufs.at("response")), "f0c3");
  ASSERT_EQ(dev.log.size(), 1u);
  EXPECT_EQ(dev.log[0].bus, 1u);
  EXPECT_EQ(dev.log[0].mode, 3);
  EXPECT_EQ(hex(dev.log[0].data), "0f3c");
  EXPECT_EQ(dev.log[0].cs_level, 0);  // selected during the transfer
  EXPECT_EQ(dev.changes(kPA4).size(), 2u);
  EXPECT_EQ(fw::sim::pin_state(kPA4).level, 1);

  // spi_send: the same transfer, no response.
  auto msgs = link.run_for(0);
  link.send("spi_send oid=0 data=01");
  msgs = link.run_for(1000);
  for (const Msg& r : msgs) EXPECT_NE(r.name, "spi_transfer_response");
  ASSERT_EQ(dev.log.size(), 2u);
  EXPECT_EQ(hex(dev.log[1].data), "01");
}

TEST(FirmwareSpi, ActiveHighChipSelectAndNoBusYet) {
  SimLink link;
  SpiModel dev;
  link.send({"allocate_oids count=2", "config_spi oid=0 pin=PA4 cs_active_high=1",
             "config_spi_without_cs oid=1"});
  link.run_for(1000);
  EXPECT_EQ(fw::sim::pin_state(kPA4).level, 0);
  // Without a bus the transfer does nothing and the data comes back unchanged.
  Msg m = link.query("spi_transfer oid=0 data=55", "spi_transfer_response");
  EXPECT_EQ(hex(m.bufs.at("response")), "55");
  EXPECT_TRUE(dev.log.empty());
  link.send({"spi_set_bus oid=0 spi_bus=spi0 mode=0 rate=1000000",
             "spi_set_bus oid=1 spi_bus=spi1 mode=1 rate=1000000"});
  m = link.query("spi_transfer oid=0 data=55", "spi_transfer_response");
  EXPECT_EQ(hex(m.bufs.at("response")), "aa");
  ASSERT_EQ(dev.log.size(), 1u);
  EXPECT_EQ(dev.log[0].cs_level, 1);
  m = link.query("spi_transfer oid=1 data=00", "spi_transfer_response");
  EXPECT_EQ(hex(m.bufs.at("response")), "ff");
  EXPECT_EQ(dev.log.back().bus, 1u);
}

TEST(FirmwareSpi, InvalidModeShutsDown) {
  SimLink link;
  link.send({"allocate_oids count=1", "config_spi oid=0 pin=PA4 cs_active_high=0",
             "spi_set_bus oid=0 spi_bus=spi0 mode=4 rate=1000000"});
  EXPECT_EQ(shutdown_reason(link, link.run_for(1000)), "Invalid spi config");
}

// A bit-banged bus whose MISO reads back MOSI: every mode must return what it sent, with one
// clock pulse per bit and the clock back at its idle level.
struct Loopback : PinRecorder {
  uint8_t read_input(uint16_t pin, uint64_t clock) override {
    if (pin == kPA6) return fw::sim::pin_state(kPA7).level;
    return PinRecorder::read_input(pin, clock);
  }
};

TEST(FirmwareSpi, SoftwareBusAllModes) {
  for (int mode = 0; mode < 4; mode++) {
    SimLink link;
    Loopback dev;
    link.send({"allocate_oids count=1", "config_spi oid=0 pin=PA4 cs_active_high=0",
               "spi_set_sw_bus oid=0 miso_pin=PA6 mosi_pin=PA7 sclk_pin=PA5 mode=" +
                   std::to_string(mode) + " pulse_ticks=10",
               "finalize_config crc=0"});
    link.run_for(1000);
    const uint8_t idle = mode & 2 ? 1 : 0;
    EXPECT_EQ(fw::sim::pin_state(kPA5).level, idle);
    size_t before = dev.changes(kPA5).size();
    Msg m = link.query("spi_transfer oid=0 data=a55a01", "spi_transfer_response");
    EXPECT_EQ(hex(m.bufs.at("response")), "a55a01") << "mode " << mode;
    EXPECT_EQ(dev.changes(kPA5).size() - before, 2u * 24) << "mode " << mode;
    EXPECT_EQ(fw::sim::pin_state(kPA5).level, idle);
  }
}

TEST(FirmwareSpi, ShutdownMessagesAreSent) {
  SimLink link;
  SpiModel dev;
  link.send({"allocate_oids count=2", "config_spi oid=0 pin=PA4 cs_active_high=0",
             "spi_set_bus oid=0 spi_bus=spi0 mode=0 rate=1000000",
             "config_spi_shutdown oid=1 spi_oid=0 shutdown_msg=8000", "finalize_config crc=0"});
  link.run_for(1000);
  EXPECT_TRUE(dev.log.empty());
  link.send("emergency_stop");
  link.run_for(1000);
  ASSERT_EQ(dev.log.size(), 1u);
  EXPECT_EQ(hex(dev.log[0].data), "8000");
  EXPECT_EQ(dev.log[0].cs_level, 0);
}

// ---- I2C ----

struct I2cModel : PinRecorder {
  int i2c_write(uint32_t bus, uint8_t addr, const uint8_t* data, uint8_t len, uint64_t) override {
    if (addr != 0x38) return 3;  // START_NACK
    writes.push_back({bus, std::string(reinterpret_cast<const char*>(data), len)});
    return 0;
  }
  int i2c_read(uint32_t, uint8_t addr, const uint8_t* reg, uint8_t reg_len, uint8_t* data,
               uint8_t len, uint64_t) override {
    if (addr != 0x38) return 3;
    reads.push_back(std::string(reinterpret_cast<const char*>(reg), reg_len));
    for (uint8_t i = 0; i < len; i++) data[i] = static_cast<uint8_t>(0x10 + i);
    return 0;
  }
  std::vector<std::pair<uint32_t, std::string>> writes;
  std::vector<std::string> reads;
};

TEST(FirmwareI2c, HardwareBusTransfersAndStatus) {
  SimLink link;
  I2cModel dev;
  link.send({"allocate_oids count=2", "config_i2c oid=0",
             "i2c_set_bus oid=0 i2c_bus=i2c1 rate=400000 address=56", "config_i2c oid=1",
             "i2c_set_bus oid=1 i2c_bus=i2c0 rate=100000 address=57", "finalize_config crc=0"});
  link.run_for(1000);
  Msg m = link.query("i2c_transfer oid=0 write=e1 read_len=0", "i2c_response");
  EXPECT_EQ(m["i2c_bus_status"], link.enum_value("i2c_bus_status", "SUCCESS"));
  EXPECT_EQ(m.bufs.at("response"), "");
  ASSERT_EQ(dev.writes.size(), 1u);
  EXPECT_EQ(dev.writes[0].first, 1u);
  EXPECT_EQ(hex(dev.writes[0].second), "e1");
  m = link.query("i2c_transfer oid=0 write=71 read_len=3", "i2c_response");
  EXPECT_EQ(m["i2c_bus_status"], 0);
  EXPECT_EQ(hex(m.bufs.at("response")), "101112");
  ASSERT_EQ(dev.reads.size(), 1u);
  EXPECT_EQ(hex(dev.reads[0]), "71");
  // Nobody answers at 0x39: the status says so and the MCU keeps running.
  m = link.query("i2c_transfer oid=1 write=00 read_len=2", "i2c_response");
  EXPECT_EQ(m["i2c_bus_status"], link.enum_value("i2c_bus_status", "START_NACK"));
  EXPECT_EQ(shutdown_reason(link, link.run_for(1000)), "");
}

TEST(FirmwareI2c, BadAddressShutsDown) {
  SimLink link;
  link.send({"allocate_oids count=1", "config_i2c oid=0",
             "i2c_set_bus oid=0 i2c_bus=i2c0 rate=100000 address=200"});
  EXPECT_EQ(shutdown_reason(link, link.run_for(1000)), "Invalid I2C address");
}

// An I2C slave at address 0x48 on the pins PB6 (SCL) and PB7 (SDA), modelled edge by edge: a
// line is low when the MCU drives it (output) or the slave pulls it, else the pull-up holds it
// high. Bytes written to it are logged; reads return `to_read` in order.
struct I2cPinSlave : PinRecorder {
  static constexpr uint16_t kScl = kPB6, kSda = kPB7;
  uint8_t address = 0x48;
  std::vector<uint8_t> written, to_read{0xde, 0xad, 0xbe};
  int starts = 0, stops = 0;

  void on_pin_mode(uint16_t, fw::sim::PinMode, uint64_t) override { update(); }
  void on_output(uint16_t pin, uint8_t level, uint64_t clock) override {
    PinRecorder::on_output(pin, level, clock);
    update();
  }
  uint8_t read_input(uint16_t pin, uint64_t clock) override {
    if (pin == kScl || pin == kSda) return line(pin);
    return PinRecorder::read_input(pin, clock);
  }

 private:
  enum State { kIdle, kAddress, kWrite, kRead } state_ = kIdle;
  bool pull_sda_ = false;
  int prev_scl_ = 1, prev_sda_ = 1, bit_ = 0;
  uint8_t shift_ = 0;
  size_t read_pos_ = 0;

  uint8_t line(uint16_t pin) const {
    const fw::sim::PinState& p = fw::sim::pin_state(pin);
    if (p.mode == fw::sim::PinMode::kOutput) return p.level;
    return pin == kSda && pull_sda_ ? 0 : 1;
  }
  void drive_read_bit() { pull_sda_ = !((to_read[read_pos_ % to_read.size()] << bit_) & 0x80); }
  void update() {
    int scl = line(kScl), sda = line(kSda);
    if (scl && prev_scl_ && sda != prev_sda_) {
      if (!sda) {  // start
        starts++;
        state_ = kAddress;
        bit_ = 0;
        shift_ = 0;
      } else {
        stops++;
        state_ = kIdle;
      }
      pull_sda_ = false;
    } else if (scl && !prev_scl_) {
      rising(sda);
    } else if (!scl && prev_scl_) {
      falling();
    }
    prev_scl_ = line(kScl);
    prev_sda_ = line(kSda);
  }
  void rising(int sda) {
    if (state_ == kAddress || state_ == kWrite) {
      if (bit_ < 8) shift_ = static_cast<uint8_t>(shift_ << 1 | sda);
      if (bit_ < 8) bit_++;
    } else if (state_ == kRead) {
      if (bit_ < 8) {
        bit_++;
      } else if (bit_ == 9) {
        master_acked_ = !sda;
      }
    }
  }
  bool master_acked_ = false;
  void falling() {
    if (state_ == kAddress || state_ == kWrite) {
      if (bit_ == 8) {  // after the 8th bit: acknowledge if it is for us
        bool ours = state_ == kWrite || (shift_ >> 1) == address;
        pull_sda_ = ours;
        if (!ours) state_ = kIdle;
        bit_ = 9;
      } else if (bit_ == 9) {  // after the acknowledge clock
        pull_sda_ = false;
        bit_ = 0;
        if (state_ == kWrite) {
          written.push_back(shift_);
        } else if (shift_ & 1) {
          state_ = kRead;
          drive_read_bit();
        } else {
          state_ = kWrite;
        }
        shift_ = 0;
      }
    } else if (state_ == kRead) {
      if (bit_ < 8) {
        drive_read_bit();
      } else if (bit_ == 8) {
        pull_sda_ = false;  // the master acknowledges
        bit_ = 9;
      } else {
        read_pos_++;
        bit_ = 0;
        if (master_acked_)
          drive_read_bit();
        else
          state_ = kIdle;
      }
    }
  }
};

TEST(FirmwareI2c, SoftwareBusWritesAndReads) {
  SimLink link;
  I2cPinSlave dev;
  link.send({"allocate_oids count=1", "config_i2c oid=0",
             "i2c_set_sw_bus oid=0 scl_pin=PB6 sda_pin=PB7 pulse_ticks=20 address=72",
             "finalize_config crc=0"});
  link.run_for(1000);
  Msg m = link.query("i2c_transfer oid=0 write=0102 read_len=0", "i2c_response");
  EXPECT_EQ(m["i2c_bus_status"], 0);
  EXPECT_EQ(dev.written, (std::vector<uint8_t>{0x01, 0x02}));
  m = link.query("i2c_transfer oid=0 write=05 read_len=3", "i2c_response");
  EXPECT_EQ(m["i2c_bus_status"], 0);
  EXPECT_EQ(hex(m.bufs.at("response")), "deadbe");
  EXPECT_EQ(dev.written, (std::vector<uint8_t>{0x01, 0x02, 0x05}));
  // Both lines idle high (released) afterwards.
  EXPECT_EQ(fw::sim::pin_state(kPB6).mode, fw::sim::PinMode::kInputPullUp);
  EXPECT_EQ(fw::sim::pin_state(kPB7).mode, fw::sim::PinMode::kInputPullUp);
  // Another address: nobody acknowledges.
  link.send("i2c_set_sw_bus oid=0 scl_pin=PB6 sda_pin=PB7 pulse_ticks=20 address=73");
  m = link.query("i2c_transfer oid=0 write=00 read_len=1", "i2c_response");
  EXPECT_EQ(m["i2c_bus_status"], link.enum_value("i2c_bus_status", "START_NACK"));
  m = link.query("i2c_transfer oid=0 write= read_len=1", "i2c_response");
  EXPECT_EQ(m["i2c_bus_status"], link.enum_value("i2c_bus_status", "START_READ_NACK"));
}

}  // namespace
