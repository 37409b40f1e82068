// AVR TWI (I2C master), polled with a timeout.
#include <util/twi.h>

#include "core/board.h"
#include "core/sched.h"

namespace fw {

FW_ENUM("i2c_bus", "twi", 0);

namespace {

bool g_i2c_ready;

// Wait for the current TWI step; false on timeout.
bool twi_wait(uint32_t deadline) {
  while (!(TWCR & (1 << TWINT)))
    if (!timer_is_before(timer_read_time(), deadline)) return false;
  return true;
}

int twi_start(uint8_t addr_rw, uint32_t deadline, uint8_t nack_code) {
  TWCR = (1 << TWEN) | (1 << TWINT) | (1 << TWSTA);
  if (!twi_wait(deadline)) return I2C_BUS_TIMEOUT;
  TWDR = addr_rw;
  TWCR = (1 << TWEN) | (1 << TWINT);
  if (!twi_wait(deadline)) return I2C_BUS_TIMEOUT;
  uint8_t st = TW_STATUS;
  if (st != TW_MT_SLA_ACK && st != TW_MR_SLA_ACK) return nack_code;
  return I2C_BUS_SUCCESS;
}

int twi_send(uint8_t data, uint32_t deadline) {
  TWDR = data;
  TWCR = (1 << TWEN) | (1 << TWINT);
  if (!twi_wait(deadline)) return I2C_BUS_TIMEOUT;
  return TW_STATUS == TW_MT_DATA_ACK ? I2C_BUS_SUCCESS : I2C_BUS_NACK;
}

void twi_stop() {
  TWCR = (1 << TWEN) | (1 << TWINT) | (1 << TWSTO);
}

}  // namespace

I2cConfig i2c_setup(uint32_t bus, uint32_t rate, uint8_t addr) {
  if (bus != 0) fw_shutdown("Unsupported i2c bus");
  if (!g_i2c_ready) {
    if (rate < 10000) rate = 10000;
    TWSR = 0;
    uint32_t twbr = (F_CPU / rate > 16) ? (F_CPU / rate - 16) / 2 : 0;
    TWBR = static_cast<uint8_t>(twbr > 255 ? 255 : twbr);
    TWCR = 1 << TWEN;
    g_i2c_ready = true;
  }
  return I2cConfig{static_cast<uint8_t>(addr << 1)};
}

int i2c_write(I2cConfig config, uint8_t write_len, uint8_t* write) {
  uint32_t deadline = timer_read_time() + timer_from_us(5000);
  int ret = twi_start(config.addr, deadline, I2C_BUS_START_NACK);
  while (ret == I2C_BUS_SUCCESS && write_len--) ret = twi_send(*write++, deadline);
  twi_stop();
  return ret;
}

int i2c_read(I2cConfig config, uint8_t reg_len, uint8_t* reg, uint8_t read_len, uint8_t* read) {
  uint32_t deadline = timer_read_time() + timer_from_us(5000);
  int ret = I2C_BUS_SUCCESS;
  if (reg_len) {
    ret = twi_start(config.addr, deadline, I2C_BUS_START_NACK);
    while (ret == I2C_BUS_SUCCESS && reg_len--) ret = twi_send(*reg++, deadline);
  }
  if (ret == I2C_BUS_SUCCESS)
    ret = twi_start(static_cast<uint8_t>(config.addr | 1), deadline, I2C_BUS_START_READ_NACK);
  while (ret == I2C_BUS_SUCCESS && read_len) {
    read_len--;
    TWCR = static_cast<uint8_t>((1 << TWEN) | (1 << TWINT) | (read_len ? (1 << TWEA) : 0));
    if (!twi_wait(deadline)) {
      ret = I2C_BUS_TIMEOUT;
      break;
    }
    *read++ = TWDR;
  }
  twi_stop();
  return ret;
}

}  // namespace fw
