// Shared accelerometer support (see accelerometer.h).
#include "modules/accelerometer.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/gcode.h"
#include "motion/toolhead.h"

namespace kpp {

AxesMap read_axes_map(const ConfigWrapper& config, const std::array<double, 3>& scales) {
  std::vector<std::string> items =
      config.getlist_opt("axes_map", ',').value_or(std::vector<std::string>{"x", "y", "z"});
  if (items.size() != 3) throw config.error("Invalid axes_map parameter");
  AxesMap m;
  for (size_t i = 0; i < 3; i++) {
    std::string a = items[i];
    bool neg = a.size() == 2 && a[0] == '-';
    if (neg) a = a.substr(1);
    if (a.size() != 1 || a[0] < 'x' || a[0] > 'z') throw config.error("Invalid axes_map parameter");
    int pos = a[0] - 'x';
    m.pos[i] = pos;
    m.scale[i] = neg ? -scales[static_cast<size_t>(pos)] : scales[static_cast<size_t>(pos)];
  }
  return m;
}

bool is_valid_name_suffix(const std::string& name) {
  // Python's isalnum() on the name without '-' and '_': at least one character must remain.
  bool any = false;
  for (char c : name) {
    if (c == '-' || c == '_') continue;
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
    any = true;
  }
  return any;
}

std::string default_name_suffix() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d_%H%M%S", &tm);
  return buf;
}

// ---- AccelQueryClient ------------------------------------------------------------------------

AccelQueryClient::AccelQueryClient(Printer& printer)
    : AccelQueryClient(&printer, printer.lookup<ToolHead>("toolhead").get_last_move_time()) {}

AccelQueryClient::AccelQueryClient(Printer* printer, double request_start_time)
    : printer_(printer),
      request_start_time_(request_start_time),
      request_end_time_(request_start_time) {}

bool AccelQueryClient::handle_batch(const AccelBatch& batch) {
  if (is_finished_) return false;
  // Bound the memory a forgotten measurement can take.
  if (msgs_.size() >= 10000) return false;
  msgs_.push_back(batch.data);
  return true;
}

void AccelQueryClient::finish_measurements() {
  auto& toolhead = printer_->lookup<ToolHead>("toolhead");
  request_end_time_ = toolhead.get_last_move_time();
  toolhead.wait_moves();
  is_finished_ = true;
}

void AccelQueryClient::finish_at(double request_end_time) {
  request_end_time_ = request_end_time;
  is_finished_ = true;
}

bool AccelQueryClient::has_valid_samples() const {
  for (const auto& m : msgs_) {
    if (m.empty()) continue;
    // Any overlap of the batch with the window counts; the window is at least about a second
    // long in practice, so overlap means samples in it.
    if (m.front().time > request_end_time_ || m.back().time < request_start_time_) continue;
    return true;
  }
  return false;
}

std::vector<AccelSample> AccelQueryClient::get_samples() const {
  std::vector<AccelSample> out;
  for (const auto& m : msgs_)
    for (const AccelSample& s : m) {
      if (s.time < request_start_time_) continue;
      if (s.time > request_end_time_) break;
      out.push_back(s);
    }
  return out;
}

void AccelQueryClient::write_to_file(const std::string& filename) const {
  std::FILE* f = std::fopen(filename.c_str(), "w");
  if (!f)
    throw CommandError(
        fmt::format("Error writing to file '{}': {}", filename, std::strerror(errno)));
  std::fputs("#time,accel_x,accel_y,accel_z\n", f);
  for (const AccelSample& s : get_samples())
    std::fprintf(f, "%.6f,%.6f,%.6f,%.6f\n", s.time, s.x, s.y, s.z);
  std::fclose(f);
}

// ---- BulkAccelChip ---------------------------------------------------------------------------

BulkAccelChip::BulkAccelChip(const ConfigWrapper& config, const std::string& dump_path,
                             double batch_interval)
    : printer_(config.get_printer()),
      commands_(config, *this),
      batch_bulk_(
          printer_, [this](double t) { return process_batch(t); },
          [this] { start_measurements(); }, [this] { finish_measurements(); }, batch_interval),
      dump_path_(dump_path) {
  std::string section = config.get_name();
  name_ = section.substr(section.rfind(' ') + 1);
}

void BulkAccelChip::init_reader(Mcu& mcu, double chip_clock_smooth, int bytes_per_sample) {
  reader_ = std::make_unique<FixedFreqReader>(mcu, chip_clock_smooth, bytes_per_sample);
  Json header = Json::array({"time", "x_acceleration", "y_acceleration", "z_acceleration"});
  add_bulk_mux_endpoint<AccelBatch>(
      printer_, batch_bulk_, dump_path_, name_, Json{{"header", header}},
      [](const AccelBatch& b) {
        Json data = Json::array();
        for (const AccelSample& s : b.data) data.push_back(Json::array({s.time, s.x, s.y, s.z}));
        return Json{{"data", data}, {"errors", b.errors}, {"overflows", b.overflows}};
      });
}

std::shared_ptr<AccelQueryClient> BulkAccelChip::start_internal_client() {
  auto client = std::make_shared<AccelQueryClient>(printer_);
  batch_bulk_.add_client([client](const AccelBatch& b) { return client->handle_batch(b); });
  return client;
}

std::optional<AccelBatch> BulkAccelChip::process_batch(double /*eventtime*/) {
  std::vector<BulkSample> raw = reader_->pull_samples();
  AccelBatch batch;
  convert_samples(raw, batch.data, last_error_count_);
  if (batch.data.empty()) return std::nullopt;
  batch.errors = last_error_count_;
  batch.overflows = reader_->get_last_overflows();
  return batch;
}

// ---- G-code commands -------------------------------------------------------------------------

namespace {

int parse_reg_value(const GCodeCommand& gcmd, const char* name, int maxval) {
  std::string text = gcmd.get(name);
  // Python's int(x, 0): decimal, or 0x / 0o / 0b prefixed.
  std::string t = text;
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int base = 10;
  size_t start = 0;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'o' || t[1] == 'b')) {
    base = t[1] == 'x' ? 16 : t[1] == 'o' ? 8 : 2;
    start = 2;
  }
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(t.c_str() + start, &end, base);
  if (start == t.size() || *end || errno || (base == 10 && t.size() > 1 && t[0] == '0'))
    throw gcmd.error(
        fmt::format("Error on '{}': unable to parse {}", gcmd.get_commandline(), text));
  if (v < 0)
    throw gcmd.error(fmt::format("Error on '{}': {} must have minimum of 0",
                                 gcmd.get_commandline(), name));
  if (v > maxval)
    throw gcmd.error(fmt::format("Error on '{}': {} must have maximum of {}",
                                 gcmd.get_commandline(), name, maxval));
  return static_cast<int>(v);
}

}  // namespace

AccelCommandHelper::AccelCommandHelper(const ConfigWrapper& config, AccelChip& chip)
    : printer(config.get_printer()), chip(chip) {
  const std::string& section = config.get_name();
  size_t sp = section.find(' ');
  base_name = section.substr(0, sp);
  name = section.substr(section.rfind(' ') + 1);
  register_commands(name);
  if (sp == std::string::npos && (name == "adxl345" || !config.has_section("adxl345")))
    register_commands("");
}

void AccelCommandHelper::measure(GCodeCommand& gcmd) {
    if (!bg_client) {
      bg_client = chip.start_internal_client();
      gcmd.respond_info("accelerometer measurements started");
      return;
    }
    std::string suffix = gcmd.get("NAME", default_name_suffix());
    if (!is_valid_name_suffix(suffix)) throw gcmd.error("Invalid NAME parameter");
    auto client = std::move(bg_client);
    bg_client.reset();
    client->finish_measurements();
    std::string filename = base_name == name
                               ? fmt::format("/tmp/{}-{}.csv", base_name, suffix)
                               : fmt::format("/tmp/{}-{}-{}.csv", base_name, name, suffix);
    client->write_to_file(filename);
    gcmd.respond_info(fmt::format("Writing raw accelerometer data to {} file", filename));
  }
void AccelCommandHelper::query(GCodeCommand& gcmd) {
    auto client = chip.start_internal_client();
    printer.lookup<ToolHead>("toolhead").dwell(1.);
    client->finish_measurements();
    auto samples = client->get_samples();
    if (samples.empty()) throw gcmd.error("No accelerometer measurements found");
    const AccelSample& s = samples.back();
    gcmd.respond_info(
        fmt::format("accelerometer values (x, y, z): {:.6f}, {:.6f}, {:.6f}", s.x, s.y, s.z));
  }
void AccelCommandHelper::debug_read(GCodeCommand& gcmd) {
    int reg = parse_reg_value(gcmd, "REG", 126);
    int val = chip.read_reg(reg);
    gcmd.respond_info(fmt::format("Accelerometer REG[0x{:x}] = 0x{:x}", reg, val));
  }
void AccelCommandHelper::debug_write(GCodeCommand& gcmd) {
    int reg = parse_reg_value(gcmd, "REG", 126);
    int val = parse_reg_value(gcmd, "VAL", 255);
    chip.set_reg(reg, val);
  }
void AccelCommandHelper::register_commands(const std::string& route) {
    auto& gcode = printer.lookup<GCodeDispatch>("gcode");
    gcode.register_mux_command(
        "ACCELEROMETER_MEASURE", "CHIP", route, [this](GCodeCommand& g) { measure(g); },
        "Start/stop accelerometer");
    gcode.register_mux_command(
        "ACCELEROMETER_QUERY", "CHIP", route, [this](GCodeCommand& g) { query(g); },
        "Query accelerometer for the current values");
    gcode.register_mux_command(
        "ACCELEROMETER_DEBUG_READ", "CHIP", route, [this](GCodeCommand& g) { debug_read(g); },
        "Query register (for debugging)");
    gcode.register_mux_command(
        "ACCELEROMETER_DEBUG_WRITE", "CHIP", route, [this](GCodeCommand& g) { debug_write(g); },
        "Set register (for debugging)");
  }

}  // namespace kpp
