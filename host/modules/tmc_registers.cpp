// Register maps of the TMC2130, TMC2208, TMC2209, TMC2660, TMC2240 and TMC5160.
#include "modules/tmc_registers.h"

namespace kpp {

namespace {

constexpr uint32_t bit(int n) {
  return 1u << n;
}
constexpr uint32_t bits(uint32_t width_mask, int shift) {
  return width_mask << shift;
}

using Fields = std::vector<TmcField>;

// Registers shared by the TMC2130 family (TMC2130, TMC5160, TMC2240): the microstep table.
void add_wave_table(std::vector<TmcRegister>& regs, bool with_offset_sin90) {
  for (int i = 0; i < 8; i++)
    regs.push_back(
        {"MSLUT" + std::to_string(i), 0x60 + i, {{"mslut" + std::to_string(i), 0xffffffffu}}});
  regs.push_back({"MSLUTSEL",
                  0x68,
                  {{"x3", bits(0xff, 24)},
                   {"x2", bits(0xff, 16)},
                   {"x1", bits(0xff, 8)},
                   {"w3", bits(3, 6)},
                   {"w2", bits(3, 4)},
                   {"w1", bits(3, 2)},
                   {"w0", bits(3, 0)}}});
  Fields start{{"start_sin", bits(0xff, 0)}, {"start_sin90", bits(0xff, 16)}};
  if (with_offset_sin90) start.push_back({"offset_sin90", bits(0xff, 24)});
  regs.push_back({"MSLUTSTART", 0x69, start});
}

const Fields kCoolconf2130{{"semin", bits(0xf, 0)}, {"seup", bits(3, 5)}, {"semax", bits(0xf, 8)},
                           {"sedn", bits(3, 13)},   {"seimin", bit(15)},  {"sgt", bits(0x7f, 16)},
                           {"sfilt", bit(24)}};

// Chopper configuration of the TMC5160 and TMC2240.
const Fields kChopconf5160{{"toff", bits(0xf, 0)},  {"hstrt", bits(7, 4)},   {"hend", bits(0xf, 7)},
                           {"fd3", bit(11)},        {"disfdcc", bit(12)},    {"chm", bit(14)},
                           {"tbl", bits(3, 15)},    {"vhighfs", bit(18)},    {"vhighchm", bit(19)},
                           {"tpfd", bits(0xf, 20)}, {"mres", bits(0xf, 24)}, {"intpol", bit(28)},
                           {"dedge", bit(29)},      {"diss2g", bit(30)},     {"diss2vs", bit(31)}};

const Fields kDrvStatus5160{{"sg_result", bits(0x3ff, 0)},
                            {"s2vsa", bit(12)},
                            {"s2vsb", bit(13)},
                            {"stealth", bit(14)},
                            {"fsactive", bit(15)},
                            {"cs_actual", bits(0x1f, 16)},
                            {"stallguard", bit(24)},
                            {"ot", bit(25)},
                            {"otpw", bit(26)},
                            {"s2ga", bit(27)},
                            {"s2gb", bit(28)},
                            {"ola", bit(29)},
                            {"olb", bit(30)},
                            {"stst", bit(31)}};

const Fields kPwmconf5160{{"pwm_ofs", bits(0xff, 0)}, {"pwm_grad", bits(0xff, 8)},
                          {"pwm_freq", bits(3, 16)},  {"pwm_autoscale", bit(18)},
                          {"pwm_autograd", bit(19)},  {"freewheel", bits(3, 20)},
                          {"pwm_reg", bits(0xf, 24)}, {"pwm_lim", bits(0xf, 28)}};

TmcChip make_tmc2130() {
  TmcChip c;
  c.name = "tmc2130";
  c.tmc_frequency = 13200000.;
  auto& r = c.registers;
  r.push_back({"GCONF",
               0x00,
               {{"i_scale_analog", bit(0)},
                {"internal_rsense", bit(1)},
                {"en_pwm_mode", bit(2)},
                {"enc_commutation", bit(3)},
                {"shaft", bit(4)},
                {"diag0_error", bit(5)},
                {"diag0_otpw", bit(6)},
                {"diag0_stall", bit(7)},
                {"diag1_stall", bit(8)},
                {"diag1_index", bit(9)},
                {"diag1_onstate", bit(10)},
                {"diag1_steps_skipped", bit(11)},
                {"diag0_int_pushpull", bit(12)},
                {"diag1_pushpull", bit(13)},
                {"small_hysteresis", bit(14)},
                {"stop_enable", bit(15)},
                {"direct_mode", bit(16)},
                {"test_mode", bit(17)}}});
  r.push_back({"GSTAT", 0x01, {{"reset", bit(0)}, {"drv_err", bit(1)}, {"uv_cp", bit(2)}}});
  r.push_back({"IOIN",
               0x04,
               {{"step", bit(0)},
                {"dir", bit(1)},
                {"dcen_cfg4", bit(2)},
                {"dcin_cfg5", bit(3)},
                {"drv_enn_cfg6", bit(4)},
                {"dco", bit(5)},
                {"version", bits(0xff, 24)}}});
  r.push_back({"IHOLD_IRUN",
               0x10,
               {{"ihold", bits(0x1f, 0)}, {"irun", bits(0x1f, 8)}, {"iholddelay", bits(0xf, 16)}}});
  r.push_back({"TPOWERDOWN", 0x11, {{"tpowerdown", 0xff}}});
  r.push_back({"TSTEP", 0x12, {{"tstep", 0xfffff}}});
  r.push_back({"TPWMTHRS", 0x13, {{"tpwmthrs", 0xfffff}}});
  r.push_back({"TCOOLTHRS", 0x14, {{"tcoolthrs", 0xfffff}}});
  r.push_back({"THIGH", 0x15, {{"thigh", 0xfffff}}});
  r.push_back({"XDIRECT", 0x2d, {}});
  add_wave_table(r, false);
  r.push_back({"MSCNT", 0x6a, {{"mscnt", 0x3ff}}});
  r.push_back({"MSCURACT", 0x6b, {{"cur_a", bits(0x1ff, 0)}, {"cur_b", bits(0x1ff, 16)}}});
  r.push_back({"CHOPCONF",
               0x6c,
               {{"toff", bits(0xf, 0)},
                {"hstrt", bits(7, 4)},
                {"hend", bits(0xf, 7)},
                {"fd3", bit(11)},
                {"disfdcc", bit(12)},
                {"rndtf", bit(13)},
                {"chm", bit(14)},
                {"tbl", bits(3, 15)},
                {"vsense", bit(17)},
                {"vhighfs", bit(18)},
                {"vhighchm", bit(19)},
                {"sync", bits(0xf, 20)},
                {"mres", bits(0xf, 24)},
                {"intpol", bit(28)},
                {"dedge", bit(29)},
                {"diss2g", bit(30)}}});
  r.push_back({"COOLCONF", 0x6d, kCoolconf2130});
  r.push_back({"DCCTRL", 0x6e, {}});
  r.push_back({"DRV_STATUS",
               0x6f,
               {{"sg_result", bits(0x3ff, 0)},
                {"fsactive", bit(15)},
                {"cs_actual", bits(0x1f, 16)},
                {"stallguard", bit(24)},
                {"ot", bit(25)},
                {"otpw", bit(26)},
                {"s2ga", bit(27)},
                {"s2gb", bit(28)},
                {"ola", bit(29)},
                {"olb", bit(30)},
                {"stst", bit(31)}}});
  r.push_back({"PWMCONF",
               0x70,
               {{"pwm_ampl", bits(0xff, 0)},
                {"pwm_grad", bits(0xff, 8)},
                {"pwm_freq", bits(3, 16)},
                {"pwm_autoscale", bit(18)},
                {"pwm_symmetric", bit(19)},
                {"freewheel", bits(3, 20)}}});
  r.push_back({"PWM_SCALE", 0x71, {{"pwm_scale", 0xff}}});
  r.push_back({"ENCM_CTRL", 0x72, {}});
  r.push_back({"LOST_STEPS", 0x73, {{"lost_steps", 0xfffff}}});
  c.signed_fields = {"cur_a", "cur_b", "sgt"};
  c.read_registers = {"GCONF",    "GSTAT",    "IOIN",       "TSTEP",     "XDIRECT",   "MSCNT",
                      "MSCURACT", "CHOPCONF", "DRV_STATUS", "PWM_SCALE", "LOST_STEPS"};
  return c;
}

TmcChip make_tmc2208(bool is_2209) {
  TmcChip c;
  c.name = is_2209 ? "tmc2209" : "tmc2208";
  c.tmc_frequency = 12000000.;
  auto& r = c.registers;
  r.push_back({"GCONF",
               0x00,
               {{"i_scale_analog", bit(0)},
                {"internal_rsense", bit(1)},
                {"en_spreadcycle", bit(2)},
                {"shaft", bit(3)},
                {"index_otpw", bit(4)},
                {"index_step", bit(5)},
                {"pdn_disable", bit(6)},
                {"mstep_reg_select", bit(7)},
                {"multistep_filt", bit(8)},
                {"test_mode", bit(9)}}});
  r.push_back({"GSTAT", 0x01, {{"reset", bit(0)}, {"drv_err", bit(1)}, {"uv_cp", bit(2)}}});
  r.push_back({"IFCNT", 0x02, {{"ifcnt", 0xff}}});
  r.push_back({"SLAVECONF", 0x03, {{"senddelay", bits(0xf, 8)}}});
  r.push_back({"OTP_PROG",
               0x04,
               {{"otpbit", bits(7, 0)}, {"otpbyte", bits(3, 4)}, {"otpmagic", bits(0xff, 8)}}});
  r.push_back({"OTP_READ",
               0x05,
               {{"otp_fclktrim", bits(0x1f, 0)},
                {"otp_ottrim", bit(5)},
                {"otp_internalrsense", bit(6)},
                {"otp_tbl", bit(7)},
                {"otp_pwm_grad", bits(0xf, 8)},
                {"otp_pwm_autograd", bit(12)},
                {"otp_tpwmthrs", bits(7, 13)},
                {"otp_pwm_ofs", bit(16)},
                {"otp_pwm_reg", bit(17)},
                {"otp_pwm_freq", bit(18)},
                {"otp_iholddelay", bits(3, 19)},
                {"otp_ihold", bits(3, 21)},
                {"otp_en_spreadcycle", bit(23)}}});
  if (is_2209) {
    r.push_back({"IOIN",
                 0x06,
                 {{"enn", bit(0)},
                  {"ms1", bit(2)},
                  {"ms2", bit(3)},
                  {"diag", bit(4)},
                  {"pdn_uart", bit(6)},
                  {"step", bit(7)},
                  {"spread_en", bit(8)},
                  {"dir", bit(9)},
                  {"version", bits(0xff, 24)}}});
  } else {
    // The TMC2208 IOIN layout depends on the package (field sel_a); DUMP_TMC shows the view
    // that matches what it read.
    r.push_back({"IOIN", 0x06, {}});
    r.push_back({"IOIN@TMC222x",
                 -1,
                 {{"pdn_uart", bit(1)},
                  {"spread", bit(2)},
                  {"dir", bit(3)},
                  {"enn", bit(4)},
                  {"step", bit(5)},
                  {"ms1", bit(6)},
                  {"ms2", bit(7)},
                  {"sel_a", bit(8)},
                  {"version", bits(0xff, 24)}}});
    r.push_back({"IOIN@TMC220x",
                 -1,
                 {{"enn", bit(0)},
                  {"ms1", bit(2)},
                  {"ms2", bit(3)},
                  {"diag", bit(4)},
                  {"pdn_uart", bit(6)},
                  {"step", bit(7)},
                  {"sel_a", bit(8)},
                  {"dir", bit(9)},
                  {"version", bits(0xff, 24)}}});
  }
  r.push_back({"FACTORY_CONF", 0x07, {{"fclktrim", bits(0x1f, 0)}, {"ottrim", bits(3, 8)}}});
  r.push_back({"IHOLD_IRUN",
               0x10,
               {{"ihold", bits(0x1f, 0)}, {"irun", bits(0x1f, 8)}, {"iholddelay", bits(0xf, 16)}}});
  r.push_back({"TPOWERDOWN", 0x11, {{"tpowerdown", 0xff}}});
  r.push_back({"TSTEP", 0x12, {{"tstep", 0xfffff}}});
  r.push_back({"TPWMTHRS", 0x13, {{"tpwmthrs", 0xfffff}}});
  if (is_2209) r.push_back({"TCOOLTHRS", 0x14, {{"tcoolthrs", 0xfffff}}});
  r.push_back({"VACTUAL", 0x22, {{"vactual", 0xffffff}}});
  if (is_2209) {
    r.push_back({"SGTHRS", 0x40, {{"sgthrs", 0xff}}});
    r.push_back({"SG_RESULT", 0x41, {{"sg_result", 0x3ff}}});
    r.push_back({"COOLCONF",
                 0x42,
                 {{"semin", bits(0xf, 0)},
                  {"seup", bits(3, 5)},
                  {"semax", bits(0xf, 8)},
                  {"sedn", bits(3, 13)},
                  {"seimin", bit(15)}}});
  }
  r.push_back({"MSCNT", 0x6a, {{"mscnt", 0x3ff}}});
  r.push_back({"MSCURACT", 0x6b, {{"cur_a", bits(0x1ff, 0)}, {"cur_b", bits(0x1ff, 16)}}});
  r.push_back({"CHOPCONF",
               0x6c,
               {{"toff", bits(0xf, 0)},
                {"hstrt", bits(7, 4)},
                {"hend", bits(0xf, 7)},
                {"tbl", bits(3, 15)},
                {"vsense", bit(17)},
                {"mres", bits(0xf, 24)},
                {"intpol", bit(28)},
                {"dedge", bit(29)},
                {"diss2g", bit(30)},
                {"diss2vs", bit(31)}}});
  r.push_back({"DRV_STATUS",
               0x6f,
               {{"otpw", bit(0)},
                {"ot", bit(1)},
                {"s2ga", bit(2)},
                {"s2gb", bit(3)},
                {"s2vsa", bit(4)},
                {"s2vsb", bit(5)},
                {"ola", bit(6)},
                {"olb", bit(7)},
                {"t120", bit(8)},
                {"t143", bit(9)},
                {"t150", bit(10)},
                {"t157", bit(11)},
                {"cs_actual", bits(0x1f, 16)},
                {"stealth", bit(30)},
                {"stst", bit(31)}}});
  r.push_back({"PWMCONF",
               0x70,
               {{"pwm_ofs", bits(0xff, 0)},
                {"pwm_grad", bits(0xff, 8)},
                {"pwm_freq", bits(3, 16)},
                {"pwm_autoscale", bit(18)},
                {"pwm_autograd", bit(19)},
                {"freewheel", bits(3, 20)},
                {"pwm_reg", bits(0xf, 24)},
                {"pwm_lim", bits(0xf, 28)}}});
  r.push_back(
      {"PWM_SCALE", 0x71, {{"pwm_scale_sum", bits(0xff, 0)}, {"pwm_scale_auto", bits(0x1ff, 16)}}});
  r.push_back(
      {"PWM_AUTO", 0x72, {{"pwm_ofs_auto", bits(0xff, 0)}, {"pwm_grad_auto", bits(0xff, 16)}}});
  c.signed_fields = {"cur_a", "cur_b", "pwm_scale_auto"};
  c.read_registers = {"GCONF",        "GSTAT",   "IFCNT",     "OTP_READ", "IOIN",
                      "FACTORY_CONF", "TSTEP",   "MSCNT",     "MSCURACT", "CHOPCONF",
                      "DRV_STATUS",   "PWMCONF", "PWM_SCALE", "PWM_AUTO"};
  if (is_2209) c.read_registers.push_back("SG_RESULT");
  return c;
}

TmcChip make_tmc2660() {
  TmcChip c;
  c.name = "tmc2660";
  auto& r = c.registers;
  // The TMC2660 has 20-bit datagrams; the address sits in the top bits of the first byte.
  r.push_back({"DRVCTRL", 0x0, {{"mres", bits(0xf, 0)}, {"dedge", bit(8)}, {"intpol", bit(9)}}});
  r.push_back({"CHOPCONF",
               0x8,
               {{"toff", bits(0xf, 0)},
                {"hstrt", bits(7, 4)},
                {"hend", bits(0xf, 7)},
                {"hdec", bits(3, 11)},
                {"rndtf", bit(13)},
                {"chm", bit(14)},
                {"tbl", bits(3, 15)}}});
  r.push_back({"SMARTEN",
               0xA,
               {{"semin", bits(0xf, 0)},
                {"seup", bits(3, 5)},
                {"semax", bits(0xf, 8)},
                {"sedn", bits(3, 13)},
                {"seimin", bit(15)}}});
  r.push_back(
      {"SGCSCONF", 0xC, {{"cs", bits(0x1f, 0)}, {"sgt", bits(0x7f, 8)}, {"sfilt", bit(16)}}});
  r.push_back({"DRVCONF",
               0xE,
               {{"rdsel", bits(3, 4)},
                {"vsense", bit(6)},
                {"sdoff", bit(7)},
                {"ts2g", bits(3, 8)},
                {"diss2g", bit(10)},
                {"slpl", bits(3, 12)},
                {"slph", bits(3, 14)},
                {"tst", bit(16)}}});
  Fields status{{"stallguard", bit(4)}, {"ot", bit(5)},  {"otpw", bit(6)}, {"s2ga", bit(7)},
                {"s2gb", bit(8)},       {"ola", bit(9)}, {"olb", bit(10)}, {"stst", bit(11)}};
  Fields rd0 = status, rd1 = status, rd2 = status;
  rd0.push_back({"mstep", bits(0x3ff, 14)});
  rd1.push_back({"sg_result", bits(0x3ff, 14)});
  rd2.push_back({"se", bits(0x1f, 14)});
  rd2.push_back({"sg_result@rdsel2", bits(0x1f, 19)});
  r.push_back({"READRSP@RDSEL0", -1, rd0});
  r.push_back({"READRSP@RDSEL1", -1, rd1});
  r.push_back({"READRSP@RDSEL2", -1, rd2});
  c.signed_fields = {"sgt"};
  c.read_registers = {"READRSP@RDSEL0", "READRSP@RDSEL1", "READRSP@RDSEL2"};
  return c;
}

TmcChip make_tmc5160() {
  TmcChip c;
  c.name = "tmc5160";
  c.tmc_frequency = 12000000.;
  auto& r = c.registers;
  r.push_back({"GCONF",
               0x00,
               {{"recalibrate", bit(0)},
                {"faststandstill", bit(1)},
                {"en_pwm_mode", bit(2)},
                {"multistep_filt", bit(3)},
                {"shaft", bit(4)},
                {"diag0_error", bit(5)},
                {"diag0_otpw", bit(6)},
                {"diag0_stall", bit(7)},
                {"diag1_stall", bit(8)},
                {"diag1_index", bit(9)},
                {"diag1_onstate", bit(10)},
                {"diag1_steps_skipped", bit(11)},
                {"diag0_int_pushpull", bit(12)},
                {"diag1_poscomp_pushpull", bit(13)},
                {"small_hysteresis", bit(14)},
                {"stop_enable", bit(15)},
                {"direct_mode", bit(16)},
                {"test_mode", bit(17)}}});
  r.push_back({"GSTAT", 0x01, {{"reset", bit(0)}, {"drv_err", bit(1)}, {"uv_cp", bit(2)}}});
  r.push_back({"IFCNT", 0x02, {}});
  r.push_back({"SLAVECONF", 0x03, {}});
  r.push_back({"IOIN",
               0x04,
               {{"refl_step", bit(0)},
                {"refr_dir", bit(1)},
                {"encb_dcen_cfg4", bit(2)},
                {"enca_dcin_cfg5", bit(3)},
                {"drv_enn", bit(4)},
                {"enc_n_dco_cfg6", bit(5)},
                {"sd_mode", bit(6)},
                {"swcomp_in", bit(7)},
                {"version", bits(0xff, 24)}}});
  r.push_back({"X_COMPARE", 0x05, {}});
  r.push_back({"OTP_READ",
               0x07,
               {{"otp_fclktrim", bits(0x1f, 0)},
                {"otp_s2_level", bit(5)},
                {"otp_bbm", bit(6)},
                {"otp_tbl", bit(7)}}});
  r.push_back({"FACTORY_CONF", 0x08, {{"factory_conf", bits(0x1f, 0)}}});
  r.push_back({"SHORT_CONF", 0x09, {}});
  r.push_back({"DRV_CONF",
               0x0A,
               {{"bbmtime", bits(0x1f, 0)},
                {"bbmclks", bits(0xf, 8)},
                {"otselect", bits(3, 16)},
                {"drvstrength", bits(3, 18)},
                {"filt_isense", bits(3, 20)}}});
  r.push_back({"GLOBALSCALER", 0x0B, {{"globalscaler", 0xff}}});
  r.push_back({"OFFSET_READ", 0x0C, {}});
  r.push_back({"IHOLD_IRUN",
               0x10,
               {{"ihold", bits(0x1f, 0)}, {"irun", bits(0x1f, 8)}, {"iholddelay", bits(0xf, 16)}}});
  r.push_back({"TPOWERDOWN", 0x11, {{"tpowerdown", 0xff}}});
  r.push_back({"TSTEP", 0x12, {{"tstep", 0xfffff}}});
  r.push_back({"TPWMTHRS", 0x13, {{"tpwmthrs", 0xfffff}}});
  r.push_back({"TCOOLTHRS", 0x14, {{"tcoolthrs", 0xfffff}}});
  r.push_back({"THIGH", 0x15, {{"thigh", 0xfffff}}});
  // Motion controller registers: present so that DUMP_TMC/SET_TMC_FIELD know the names; the
  // driver runs in step/dir mode.
  const std::pair<const char*, int> ramp[] = {
      {"RAMPMODE", 0x20},   {"XACTUAL", 0x21},   {"VACTUAL", 0x22},      {"VSTART", 0x23},
      {"A1", 0x24},         {"V1", 0x25},        {"AMAX", 0x26},         {"VMAX", 0x27},
      {"DMAX", 0x28},       {"D1", 0x2A},        {"VSTOP", 0x2B},        {"TZEROWAIT", 0x2C},
      {"XTARGET", 0x2D},    {"VDCMIN", 0x33},    {"SW_MODE", 0x34},      {"RAMP_STAT", 0x35},
      {"XLATCH", 0x36},     {"ENCMODE", 0x38},   {"X_ENC", 0x39},        {"ENC_CONST", 0x3A},
      {"ENC_STATUS", 0x3B}, {"ENC_LATCH", 0x3C}, {"ENC_DEVIATION", 0x3D}};
  for (const auto& [name, addr] : ramp) r.push_back({name, addr, {}});
  add_wave_table(r, false);
  r.push_back({"MSCNT", 0x6A, {{"mscnt", 0x3ff}}});
  r.push_back({"MSCURACT", 0x6B, {{"cur_a", bits(0x1ff, 0)}, {"cur_b", bits(0x1ff, 16)}}});
  r.push_back({"CHOPCONF", 0x6C, kChopconf5160});
  r.push_back({"COOLCONF", 0x6D, kCoolconf2130});
  r.push_back({"DCCTRL", 0x6E, {}});
  r.push_back({"DRV_STATUS", 0x6F, kDrvStatus5160});
  r.push_back({"PWMCONF", 0x70, kPwmconf5160});
  r.push_back(
      {"PWM_SCALE", 0x71, {{"pwm_scale_sum", bits(0xff, 0)}, {"pwm_scale_auto", bits(0x1ff, 16)}}});
  r.push_back(
      {"PWM_AUTO", 0x72, {{"pwm_ofs_auto", bits(0xff, 0)}, {"pwm_grad_auto", bits(0xff, 16)}}});
  r.push_back({"LOST_STEPS", 0x73, {{"lost_steps", 0xfffff}}});
  c.signed_fields = {"cur_a", "cur_b", "sgt", "xactual", "vactual", "pwm_scale_auto"};
  c.read_registers = {"GCONF",     "CHOPCONF",   "GSTAT", "DRV_STATUS", "FACTORY_CONF",
                      "IOIN",      "LOST_STEPS", "MSCNT", "MSCURACT",   "OTP_READ",
                      "PWM_SCALE", "PWM_AUTO",   "TSTEP"};
  return c;
}

TmcChip make_tmc2240() {
  TmcChip c;
  c.name = "tmc2240";
  c.tmc_frequency = 12500000.;
  auto& r = c.registers;
  r.push_back({"GCONF",
               0x00,
               {{"faststandstill", bit(1)},
                {"en_pwm_mode", bit(2)},
                {"multistep_filt", bit(3)},
                {"shaft", bit(4)},
                {"diag0_error", bit(5)},
                {"diag0_otpw", bit(6)},
                {"diag0_stall", bit(7)},
                {"diag1_stall", bit(8)},
                {"diag1_index", bit(9)},
                {"diag1_onstate", bit(10)},
                {"diag0_pushpull", bit(12)},
                {"diag1_pushpull", bit(13)},
                {"small_hysteresis", bit(14)},
                {"stop_enable", bit(15)},
                {"direct_mode", bit(16)}}});
  r.push_back({"GSTAT",
               0x01,
               {{"reset", bit(0)},
                {"drv_err", bit(1)},
                {"uv_cp", bit(2)},
                {"register_reset", bit(3)},
                {"vm_uvlo", bit(4)}}});
  r.push_back({"IFCNT", 0x02, {{"ifcnt", 0xff}}});
  r.push_back({"NODECONF", 0x03, {{"nodeaddr", bits(0xff, 0)}, {"senddelay", bits(0xf, 8)}}});
  r.push_back({"IOIN",
               0x04,
               {{"step", bit(0)},
                {"dir", bit(1)},
                {"encb", bit(2)},
                {"enca", bit(3)},
                {"drv_enn", bit(4)},
                {"encn", bit(5)},
                {"uart_en", bit(6)},
                {"comp_a", bit(8)},
                {"comp_b", bit(9)},
                {"comp_a1_a2", bit(10)},
                {"comp_b1_b2", bit(11)},
                {"output", bit(12)},
                {"ext_res_det", bit(13)},
                {"ext_clk", bit(14)},
                {"adc_err", bit(15)},
                {"silicon_rv", bits(7, 16)},
                {"version", bits(0xff, 24)}}});
  r.push_back({"DRV_CONF", 0x0A, {{"current_range", bits(3, 0)}, {"slope_control", bits(3, 4)}}});
  r.push_back({"GLOBALSCALER", 0x0B, {{"globalscaler", 0xff}}});
  r.push_back({"IHOLD_IRUN",
               0x10,
               {{"ihold", bits(0x1f, 0)},
                {"irun", bits(0x1f, 8)},
                {"iholddelay", bits(0xf, 16)},
                {"irundelay", bits(0xf, 24)}}});
  r.push_back({"TPOWERDOWN", 0x11, {{"tpowerdown", 0xff}}});
  r.push_back({"TSTEP", 0x12, {{"tstep", 0xfffff}}});
  r.push_back({"TPWMTHRS", 0x13, {{"tpwmthrs", 0xfffff}}});
  r.push_back({"TCOOLTHRS", 0x14, {{"tcoolthrs", 0xfffff}}});
  r.push_back({"THIGH", 0x15, {{"thigh", 0xfffff}}});
  r.push_back({"DIRECT_MODE", 0x2D, {}});
  r.push_back({"ENCMODE", 0x38, {}});
  r.push_back({"X_ENC", 0x39, {}});
  r.push_back({"ENC_CONST", 0x3A, {}});
  r.push_back({"ENC_STATUS", 0x3B, {}});
  r.push_back({"ENC_LATCH", 0x3C, {}});
  r.push_back(
      {"ADC_VSUPPLY_AIN", 0x50, {{"adc_vsupply", bits(0x1fff, 0)}, {"adc_ain", bits(0x1fff, 16)}}});
  r.push_back({"ADC_TEMP", 0x51, {{"adc_temp", bits(0x1fff, 0)}}});
  r.push_back(
      {"OTW_OV_VTH",
       0x52,
       {{"overvoltage_vth", bits(0x1fff, 0)}, {"overtempprewarning_vth", bits(0x1fff, 16)}}});
  add_wave_table(r, true);
  r.push_back({"MSCNT", 0x6A, {{"mscnt", 0x3ff}}});
  r.push_back({"MSCURACT", 0x6B, {{"cur_a", bits(0x1ff, 0)}, {"cur_b", bits(0x1ff, 16)}}});
  r.push_back({"CHOPCONF", 0x6C, kChopconf5160});
  r.push_back({"COOLCONF", 0x6D, kCoolconf2130});
  r.push_back({"DRV_STATUS", 0x6F, kDrvStatus5160});
  Fields pwm = kPwmconf5160;
  pwm.push_back({"pwm_meas_sd_enable", bit(22)});
  pwm.push_back({"pwm_dis_reg_stst", bit(23)});
  r.push_back({"PWMCONF", 0x70, pwm});
  r.push_back({"PWM_SCALE",
               0x71,
               {{"pwm_scale_sum", bits(0x3ff, 0)}, {"pwm_scale_auto", bits(0x1ff, 16)}}});
  r.push_back(
      {"PWM_AUTO", 0x72, {{"pwm_ofs_auto", bits(0xff, 0)}, {"pwm_grad_auto", bits(0xff, 16)}}});
  r.push_back(
      {"SG4_THRS",
       0x74,
       {{"sg4_thrs", bits(0xff, 0)}, {"sg4_filt_en", bit(8)}, {"sg4_angle_offset", bit(9)}}});
  r.push_back({"SG4_RESULT", 0x75, {{"sg4_result", bits(0x3ff, 0)}}});
  r.push_back({"SG4_IND",
               0x76,
               {{"sg4_ind_0", bits(0xff, 0)},
                {"sg4_ind_1", bits(0xff, 8)},
                {"sg4_ind_2", bits(0xff, 16)},
                {"sg4_ind_3", bits(0xff, 24)}}});
  c.signed_fields = {"cur_a", "cur_b", "sgt", "pwm_scale_auto", "offset_sin90"};
  c.read_registers = {"GCONF",      "GSTAT",           "IOIN",     "DRV_CONF",   "GLOBALSCALER",
                      "IHOLD_IRUN", "TPOWERDOWN",      "TSTEP",    "TPWMTHRS",   "TCOOLTHRS",
                      "THIGH",      "ADC_VSUPPLY_AIN", "ADC_TEMP", "OTW_OV_VTH", "MSCNT",
                      "MSCURACT",   "CHOPCONF",        "COOLCONF", "DRV_STATUS", "PWMCONF",
                      "PWM_SCALE",  "PWM_AUTO",        "SG4_THRS", "SG4_RESULT", "SG4_IND"};
  return c;
}

}  // namespace

const TmcChip& tmc2130_chip() {
  static const TmcChip chip = make_tmc2130();
  return chip;
}
const TmcChip& tmc2208_chip() {
  static const TmcChip chip = make_tmc2208(false);
  return chip;
}
const TmcChip& tmc2209_chip() {
  static const TmcChip chip = make_tmc2208(true);
  return chip;
}
const TmcChip& tmc2660_chip() {
  static const TmcChip chip = make_tmc2660();
  return chip;
}
const TmcChip& tmc2240_chip() {
  static const TmcChip chip = make_tmc2240();
  return chip;
}
const TmcChip& tmc5160_chip() {
  static const TmcChip chip = make_tmc5160();
  return chip;
}

}  // namespace kpp
