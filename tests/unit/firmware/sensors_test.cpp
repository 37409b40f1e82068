// Drivers built on pins and SPI: buttons, thermocouple chips, the ADXL345 accelerometer, neopixel
// LEDs and the TMC UART, driven through the protocol with models of the devices.
#include <gtest/gtest.h>

#include <functional>

#include "pin_recorder.h"
#include "sim_link.h"

using fwtest::Msg;
using fwtest::PinRecorder;
using fwtest::SimLink;

namespace {

constexpr uint16_t kPA1 = 1, kPA4 = 4, kPC0 = 32, kPC1 = 33, kPD2 = 50;

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
    if (m.name == "shutdown") return link.static_string(static_cast<int>(m["static_string_id"]));
  return "";
}

std::vector<Msg> named(const std::vector<Msg>& msgs, const std::string& name) {
  std::vector<Msg> out;
  for (const Msg& m : msgs)
    if (m.name == name) out.push_back(m);
  return out;
}

// ---- buttons ----

TEST(FirmwareButtons, DebouncedReportsRetransmittedUntilAcked) {
  SimLink link;
  PinRecorder pins;
  link.send({"allocate_oids count=1", "config_buttons oid=0 button_count=2",
             "buttons_add oid=0 pos=0 pin=PC0 pull_up=1", "buttons_add oid=0 pos=1 pin=PC1 pull_up=1",
             "finalize_config crc=0",
             "buttons_query oid=0 clock=10000 rest_ticks=1000 retransmit_count=3 invert=2"});
  // invert=2 is the idle level the MCU starts from: PC1 reading 0 is a change, reported (raw)
  // once it has been seen twice.
  auto msgs = named(link.run_until(10500), "buttons_state");
  EXPECT_TRUE(msgs.empty());
  EXPECT_EQ(fw::sim::pin_state(kPC0).mode, fw::sim::PinMode::kInputPullUp);
  msgs = named(link.run_until(11500), "buttons_state");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0]["ack_count"], 0);
  EXPECT_EQ(hex(msgs[0].bufs.at("state")), "00");
  // Not acknowledged: sent again after retransmit_count + 1 more samples.
  msgs = named(link.run_until(14500), "buttons_state");
  EXPECT_TRUE(msgs.empty());
  msgs = named(link.run_until(15500), "buttons_state");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(hex(msgs[0].bufs.at("state")), "00");
  link.send("buttons_ack oid=0 count=1");
  EXPECT_TRUE(named(link.run_until(30000), "buttons_state").empty());
  // PC0 goes high at 30200: a one-sample blip would be ignored, this one holds.
  pins.input_change[kPC0] = 30200;
  pins.inputs[kPC0] = 0;
  msgs = named(link.run_until(33000), "buttons_state");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0]["ack_count"], 1);
  EXPECT_EQ(hex(msgs[0].bufs.at("state")), "01");
}

TEST(FirmwareButtons, TooManyButtons) {
  SimLink link;
  link.send({"allocate_oids count=1", "config_buttons oid=0 button_count=9"});
  EXPECT_EQ(shutdown_reason(link, link.run_for(1000)), "Max of 8 buttons");
}

// ---- SPI devices ----

// A chip on spi0 whose answer is computed by `reply` from what the MCU sent.
struct SpiChip : PinRecorder {
  std::function<void(uint8_t*, uint8_t)> reply;
  int transfers = 0;
  void spi_transfer(uint32_t, uint8_t, uint8_t* data, uint8_t len, uint64_t) override {
    transfers++;
    reply(data, len);
  }
};

TEST(FirmwareThermocouple, Max6675ReadingsAndRangeCheck) {
  SimLink link;
  SpiChip chip;
  uint16_t raw = 0x0c80;  // 100 C in quarter degrees, shifted left 3
  chip.reply = [&](uint8_t* d, uint8_t len) {
    ASSERT_EQ(len, 2);
    d[0] = static_cast<uint8_t>(raw >> 8);
    d[1] = static_cast<uint8_t>(raw);
  };
  link.send({"allocate_oids count=2", "config_spi oid=0 pin=PA4 cs_active_high=0",
             "spi_set_bus oid=0 spi_bus=spi0 mode=0 rate=1000000",
             "config_thermocouple oid=1 spi_oid=0 thermocouple_type=MAX6675",
             "finalize_config crc=0",
             "query_thermocouple oid=1 clock=20000 rest_ticks=5000 min_value=0 max_value=8000 "
             "max_invalid_count=2"});
  auto msgs = named(link.run_until(26000), "thermocouple_result");
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0]["value"], 0x0c80);
  EXPECT_EQ(msgs[0]["next_clock"], 25000);
  EXPECT_EQ(msgs[1]["next_clock"], 30000);
  EXPECT_EQ(msgs[0]["fault"], 0);
  // One reading out of range is tolerated, the second in a row is not.
  raw = 0x2000;
  auto all = link.run_until(31000);
  EXPECT_EQ(shutdown_reason(link, all), "");
  all = link.run_until(36000);
  EXPECT_EQ(shutdown_reason(link, all), "Thermocouple ADC out of range");
}

TEST(FirmwareThermocouple, Max31855FaultBit) {
  SimLink link;
  SpiChip chip;
  chip.reply = [&](uint8_t* d, uint8_t len) {
    ASSERT_EQ(len, 4);
    d[0] = 0x06, d[1] = 0x41, d[2] = 0x19, d[3] = 0x01;  // fault flag (bit 16) and open circuit
  };
  link.send({"allocate_oids count=2", "config_spi oid=0 pin=PA4 cs_active_high=0",
             "spi_set_bus oid=0 spi_bus=spi0 mode=0 rate=1000000",
             "config_thermocouple oid=1 spi_oid=0 thermocouple_type=MAX31855",
             "finalize_config crc=0",
             "query_thermocouple oid=1 clock=20000 rest_ticks=5000 min_value=0 "
             "max_value=4294967295 max_invalid_count=1"});
  auto all = link.run_until(21000);
  auto msgs = named(all, "thermocouple_result");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0]["value"], 0x06411901);
  EXPECT_EQ(shutdown_reason(link, all), "Thermocouple reader fault");
}

TEST(FirmwareThermocouple, Max31865RegisterReads) {
  SimLink link;
  SpiChip chip;
  std::vector<std::string> sent;
  chip.reply = [&](uint8_t* d, uint8_t len) {
    sent.push_back(hex(std::string(reinterpret_cast<char*>(d), len)));
    if (d[0] == 0x01) d[1] = 0x40, d[2] = 0x02;  // RTD value 0x4002 (bit 0: no fault)
    if (d[0] == 0x07) d[1] = 0x00;
  };
  link.send({"allocate_oids count=2", "config_spi oid=0 pin=PA4 cs_active_high=0",
             "spi_set_bus oid=0 spi_bus=spi0 mode=1 rate=1000000",
             "config_thermocouple oid=1 spi_oid=0 thermocouple_type=MAX31865",
             "finalize_config crc=0",
             "query_thermocouple oid=1 clock=20000 rest_ticks=5000 min_value=0 max_value=65535 "
             "max_invalid_count=1"});
  auto msgs = named(link.run_until(21000), "thermocouple_result");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0]["value"], 0x4002);
  EXPECT_EQ(sent, (std::vector<std::string>{"010000", "0700"}));
}

// An ADXL345 with `fifo` samples queued: each read of the data registers returns the next one
// (x = n, y = -n, z = 2n) followed by FIFO_CTL and the fifo count left before the read.
struct Adxl345Model : PinRecorder {
  int fifo = 0, n = 0;
  void spi_transfer(uint32_t, uint8_t, uint8_t* d, uint8_t len, uint64_t) override {
    if (d[0] == (0x32 | 0xC0) && len == 9) {
      int16_t v[3] = {static_cast<int16_t>(n), static_cast<int16_t>(-n), static_cast<int16_t>(2 * n)};
      for (int i = 0; i < 3; i++) {
        d[1 + 2 * i] = static_cast<uint8_t>(v[i]);
        d[2 + 2 * i] = static_cast<uint8_t>(v[i] >> 8);
      }
      d[7] = 0x90;
      d[8] = static_cast<uint8_t>(fifo);
      if (fifo) fifo--, n++;
    } else if (d[0] == (0x39 | 0x80) && len == 2) {
      d[1] = static_cast<uint8_t>(fifo);
    }
  }
};

TEST(FirmwareAdxl345, DrainsFifoIntoBulkReports) {
  SimLink link;
  Adxl345Model chip;
  link.send({"allocate_oids count=2", "config_spi oid=0 pin=PA4 cs_active_high=0",
             "spi_set_bus oid=0 spi_bus=spi0 mode=3 rate=5000000",
             "config_adxl345 oid=1 spi_oid=0", "finalize_config crc=0"});
  link.run_for(1000);
  chip.fifo = 25;
  link.send("query_adxl345 oid=1 rest_ticks=2000");
  auto all = link.run_for(3000);
  auto msgs = named(all, "sensor_bulk_data");
  // The first poll (2000 ticks on) drains all 25 queued samples: 10 per report of 50 bytes, the
  // last 5 stay buffered.
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0]["sequence"], 0);
  EXPECT_EQ(msgs[1]["sequence"], 1);
  const std::string& d = msgs[0].bufs.at("data");
  ASSERT_EQ(d.size(), 50u);
  // Sample 3: x=3, y=-3, z=6 packed as low bytes then the high bits.
  const uint8_t* s = reinterpret_cast<const uint8_t*>(d.data()) + 15;
  EXPECT_EQ(s[0], 3);
  EXPECT_EQ(s[1], 0xfd);
  EXPECT_EQ(s[2], 6);
  EXPECT_EQ(s[3], 0x00);         // x high bits 0, z high bits 0
  EXPECT_EQ(s[4], 0x1f);         // y high bits (negative)
  Msg st = link.query("query_adxl345_status oid=1", "sensor_bulk_status");
  EXPECT_EQ(st["next_sequence"], 2);
  EXPECT_EQ(st["buffered"], 25);
  EXPECT_EQ(st["possible_overflows"], 0);
  link.send("query_adxl345 oid=1 rest_ticks=0");
  link.run_for(1000);
  int before = chip.n;
  chip.fifo = 5;
  link.run_for(20000);
  EXPECT_EQ(chip.n, before);  // polling stopped
}

// An MPU-9250 at 0x68 on i2c0 with `fifo` bytes queued; fifo reads return consecutive bytes.
struct Mpu9250Model : PinRecorder {
  int fifo = 0, next = 0, overflow_int = 0;
  int i2c_read(uint32_t, uint8_t addr, const uint8_t* reg, uint8_t reg_len, uint8_t* d,
               uint8_t len, uint64_t) override {
    if (addr != 0x68 || reg_len != 1) return 3;
    if (reg[0] == 0x72 && len == 2) {
      d[0] = static_cast<uint8_t>(fifo >> 8);
      d[1] = static_cast<uint8_t>(fifo);
    } else if (reg[0] == 0x74) {
      for (uint8_t i = 0; i < len; i++) d[i] = static_cast<uint8_t>(next++);
      fifo -= len;
    } else if (reg[0] == 0x3A && len == 1) {
      d[0] = overflow_int ? 0x10 : 0;
    }
    return 0;
  }
};

TEST(FirmwareMpu9250, ReadsFifoBlocksIntoBulkReports) {
  SimLink link;
  Mpu9250Model chip;
  link.send({"allocate_oids count=2", "config_i2c oid=0",
             "i2c_set_bus oid=0 i2c_bus=i2c0 rate=400000 address=104",
             "config_mpu9250 oid=1 i2c_oid=0", "finalize_config crc=0"});
  link.run_for(1000);
  chip.fifo = 100;  // two full blocks and 4 bytes
  link.send("query_mpu9250 oid=1 rest_ticks=2000");
  auto msgs = named(link.run_for(3000), "sensor_bulk_data");
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0]["sequence"], 0);
  EXPECT_EQ(msgs[1]["sequence"], 1);
  ASSERT_EQ(msgs[1].bufs.at("data").size(), 48u);
  EXPECT_EQ(static_cast<uint8_t>(msgs[1].bufs.at("data")[0]), 48);
  EXPECT_EQ(chip.fifo, 4);
  chip.overflow_int = 1;
  Msg st = link.query("query_mpu9250_status oid=1", "sensor_bulk_status");
  EXPECT_EQ(st["next_sequence"], 2);
  EXPECT_EQ(st["buffered"], 4);
  EXPECT_EQ(st["possible_overflows"], 1);
  link.send("query_mpu9250 oid=1 rest_ticks=0");
  link.run_for(1000);
  chip.fifo = 96;
  EXPECT_TRUE(named(link.run_for(20000), "sensor_bulk_data").empty());
}

TEST(FirmwareMpu9250, BusErrorShutsDown) {
  SimLink link;
  Mpu9250Model chip;
  link.send({"allocate_oids count=2", "config_i2c oid=0",
             "i2c_set_bus oid=0 i2c_bus=i2c0 rate=400000 address=105",  // nobody at 0x69
             "config_mpu9250 oid=1 i2c_oid=0", "finalize_config crc=0",
             "query_mpu9250 oid=1 rest_ticks=2000"});
  EXPECT_EQ(shutdown_reason(link, link.run_for(5000)), "I2C START NACK");
}

// A LIS2DW on SPI with `fifo` samples queued: x = n, y = 2n, z = -n, little endian.
struct Lis2dwSpiModel : PinRecorder {
  int fifo = 0, n = 0;
  void spi_transfer(uint32_t, uint8_t, uint8_t* d, uint8_t len, uint64_t) override {
    if (d[0] == (0x28 | 0x80) && len == 7) {
      int16_t v[3] = {static_cast<int16_t>(n), static_cast<int16_t>(2 * n),
                      static_cast<int16_t>(-n)};
      for (int i = 0; i < 3; i++) {
        d[1 + 2 * i] = static_cast<uint8_t>(v[i]);
        d[2 + 2 * i] = static_cast<uint8_t>(v[i] >> 8);
      }
      if (fifo) fifo--, n++;
    } else if (d[0] == (0x2f | 0x80) && len == 2) {
      d[1] = static_cast<uint8_t>(fifo);
    }
  }
};

TEST(FirmwareLis2dw, SpiSamplesUntilFifoEmpty) {
  SimLink link;
  Lis2dwSpiModel chip;
  link.send({"allocate_oids count=2", "config_spi oid=0 pin=PA4 cs_active_high=0",
             "spi_set_bus oid=0 spi_bus=spi0 mode=3 rate=5000000",
             "config_lis2dw oid=1 bus_oid=0 bus_oid_type=spi lis_chip_type=LIS2DW",
             "finalize_config crc=0"});
  link.run_for(1000);
  chip.fifo = 12;
  link.send("query_lis2dw oid=1 rest_ticks=2000");
  auto msgs = named(link.run_for(3000), "sensor_bulk_data");
  // 12 samples read (the last leaves the fifo empty): 8 per 48-byte report, 4 buffered.
  ASSERT_EQ(msgs.size(), 1u);
  const std::string& d = msgs[0].bufs.at("data");
  ASSERT_EQ(d.size(), 48u);
  EXPECT_EQ(static_cast<uint8_t>(d[6]), 1);     // sample 1: x = 1
  EXPECT_EQ(static_cast<uint8_t>(d[8]), 2);     // y = 2
  EXPECT_EQ(static_cast<uint8_t>(d[10]), 0xff);  // z = -1
  EXPECT_EQ(static_cast<uint8_t>(d[11]), 0xff);
  EXPECT_EQ(chip.n, 12);
  chip.fifo = 3;
  Msg st = link.query("query_lis2dw_status oid=1", "sensor_bulk_status");
  EXPECT_EQ(st["buffered"], 4 * 6 + 3 * 6);
}

// A LIS3DH on I2C (0x19): register reads need the auto-increment bit for multi-byte reads.
struct Lis3dhI2cModel : PinRecorder {
  int fifo = 0, reads = 0;
  int i2c_read(uint32_t, uint8_t addr, const uint8_t* reg, uint8_t, uint8_t* d, uint8_t len,
               uint64_t) override {
    if (addr != 0x19) return 3;
    if (reg[0] == (0x28 | 0x80) && len == 6) {
      for (int i = 0; i < 6; i++) d[i] = static_cast<uint8_t>(reads);
      reads++;
      if (fifo) fifo--;
    } else if (reg[0] == 0x2f && len == 1) {
      d[0] = static_cast<uint8_t>(fifo ? fifo : 0x20);  // bit 5: empty
    } else {
      return 1;
    }
    return 0;
  }
};

TEST(FirmwareLis2dw, Lis3dhOnI2c) {
  SimLink link;
  Lis3dhI2cModel chip;
  link.send({"allocate_oids count=2", "config_i2c oid=0",
             "i2c_set_bus oid=0 i2c_bus=i2c1 rate=400000 address=25",
             "config_lis2dw oid=1 bus_oid=0 bus_oid_type=i2c lis_chip_type=LIS3DH",
             "finalize_config crc=0"});
  link.run_for(1000);
  chip.fifo = 5;
  link.send("query_lis2dw oid=1 rest_ticks=2000");
  auto all = link.run_for(3000);
  EXPECT_EQ(shutdown_reason(link, all), "");
  EXPECT_EQ(chip.reads, 5);
  Msg st = link.query("query_lis2dw_status oid=1", "sensor_bulk_status");
  EXPECT_EQ(st["buffered"], 5 * 6);
  link.send("query_lis2dw oid=1 rest_ticks=0");
  link.run_for(1000);
  chip.fifo = 5;
  link.run_for(10000);
  EXPECT_EQ(chip.reads, 5);
}

TEST(FirmwareLis2dw, BadBusType) {
  SimLink link;
  link.send({"allocate_oids count=2", "config_lis2dw oid=1 bus_oid=0 bus_oid_type=2 lis_chip_type=0"});
  EXPECT_EQ(shutdown_reason(link, link.run_for(1000)), "bus_type invalid");
}

// ---- neopixel ----

TEST(FirmwareNeopixel, UpdateAndSend) {
  SimLink link;
  PinRecorder pins;
  link.send({"allocate_oids count=1",
             "config_neopixel oid=0 pin=PD2 data_size=6 bit_max_ticks=100 reset_min_ticks=1000",
             "finalize_config crc=0", "neopixel_update oid=0 pos=0 data=ff0000",
             "neopixel_update oid=0 pos=3 data=00ff01"});
  link.run_for(1000);
  Msg m = link.query("neopixel_send oid=0", "neopixel_result");
  EXPECT_EQ(m["success"], 1);
  EXPECT_EQ(pins.changes(kPD2).size(), 6u * 8 * 2);  // one pulse per bit
  EXPECT_EQ(fw::sim::pin_state(kPD2).level, 0);
  link.send("neopixel_update oid=0 pos=5 data=0000");
  std::vector<Msg> all = link.run_for(1000);
  EXPECT_EQ(shutdown_reason(link, all), "Invalid neopixel update command");
}

// ---- TMC UART ----

// A TMC driver on one wire (PA1): it answers `reply_bits` (line levels, one per bit time) starting
// three bit times after the MCU stops driving the line.
struct TmcModel : PinRecorder {
  uint32_t bit_time = 100;
  uint64_t listen_from = 0;
  std::vector<uint8_t> reply_bits;
  void on_pin_mode(uint16_t pin, fw::sim::PinMode mode, uint64_t clock) override {
    if (pin == kPA1 && mode != fw::sim::PinMode::kOutput) listen_from = clock;
  }
  uint8_t read_input(uint16_t pin, uint64_t clock) override {
    if (pin != kPA1 || !listen_from) return 1;
    uint64_t t0 = listen_from + 3 * bit_time;
    if (clock < t0) return 1;
    uint64_t i = (clock - t0) / bit_time;
    return i < reply_bits.size() ? reply_bits[i] : 1;
  }
};

std::vector<uint8_t> uart_bits(const std::vector<uint8_t>& bytes) {
  std::vector<uint8_t> bits;
  for (uint8_t b : bytes) {
    bits.push_back(0);
    for (int i = 0; i < 8; i++) bits.push_back((b >> i) & 1);
    bits.push_back(1);
  }
  return bits;
}

std::string pack_bits(const std::vector<uint8_t>& bits, size_t nbytes) {
  std::string out(nbytes, '\0');
  for (size_t i = 0; i < bits.size() && i < nbytes * 8; i++)
    if (bits[i]) out[i / 8] = static_cast<char>(out[i / 8] | (1 << (i % 8)));
  return out;
}

TEST(FirmwareTmcUart, WriteOnlySendsTheBitsAtBitTime) {
  SimLink link;
  TmcModel tmc;
  link.send({"allocate_oids count=1",
             "config_tmcuart oid=0 rx_pin=PA1 pull_up=1 tx_pin=PA1 bit_time=100",
             "finalize_config crc=0"});
  link.run_for(1000);
  EXPECT_EQ(fw::sim::pin_state(kPA1).level, 1);
  tmc.edges.clear();
  auto all = link.run_for(0);
  link.send("tmcuart_send oid=0 write=a5 read=0");
  all = link.run_for(10000);
  auto msgs = named(all, "tmcuart_response");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].bufs.at("read"), "");
  // 0xa5 least significant bit first: 1 0 1 0 0 1 0 1, each bit_time long.
  std::vector<uint64_t> ch = tmc.changes(kPA1);
  ASSERT_EQ(ch.size(), 6u);  // the line idles high, so the first 1 bit makes no edge
  EXPECT_EQ(ch[1] - ch[0], 100u);
  EXPECT_EQ(ch[2] - ch[1], 100u);
  EXPECT_EQ(ch[3] - ch[2], 200u);
  EXPECT_EQ(ch[4] - ch[3], 100u);
  EXPECT_EQ(ch[5] - ch[4], 100u);
  EXPECT_EQ(fw::sim::pin_state(kPA1).level, 1);
}

TEST(FirmwareTmcUart, ReadsTheReplyBits) {
  SimLink link;
  TmcModel tmc;
  std::vector<uint8_t> reply = {0x05, 0xff, 0x6c, 0x00, 0x12, 0x34, 0x56, 0x78};
  tmc.reply_bits = uart_bits(reply);
  link.send({"allocate_oids count=1",
             "config_tmcuart oid=0 rx_pin=PA1 pull_up=1 tx_pin=PA1 bit_time=100",
             "finalize_config crc=0"});
  link.run_for(1000);
  link.send(std::vector<std::string>{
      "tmcuart_send oid=0 write=" + hex(pack_bits(uart_bits({0x05, 0x00, 0x6c, 0x00}), 5)) +
      " read=10"});
  auto msgs = named(link.run_for(30000), "tmcuart_response");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(hex(msgs[0].bufs.at("read")), hex(pack_bits(tmc.reply_bits, 10)));
  // Listening ended: the wire is an output at idle again.
  EXPECT_EQ(fw::sim::pin_state(kPA1).mode, fw::sim::PinMode::kOutput);
  EXPECT_EQ(fw::sim::pin_state(kPA1).level, 1);
}

TEST(FirmwareTmcUart, NoReplyReportsNothing) {
  SimLink link;
  TmcModel tmc;  // never answers
  link.send({"allocate_oids count=1",
             "config_tmcuart oid=0 rx_pin=PA1 pull_up=1 tx_pin=PA1 bit_time=100",
             "finalize_config crc=0", "tmcuart_send oid=0 write=ff read=10"});
  auto msgs = named(link.run_for(40000), "tmcuart_response");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].bufs.at("read"), "");
}

}  // namespace
