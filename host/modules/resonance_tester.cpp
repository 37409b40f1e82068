// [resonance_tester] module (see resonance_tester.h).
#include "modules/resonance_tester.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <map>

#include <fmt/format.h>

#include "core/configfile.h"
#include "modules/input_shaper.h"
#include "motion/toolhead.h"

namespace kpp {

namespace sc = shaper_calibrate;

// ---- axes ------------------------------------------------------------------------------------

TestAxis::TestAxis(char axis) : name_(1, axis), dir_{0., 0., 0.} {
  dir_[static_cast<size_t>(axis - 'x')] = 1.;
}

TestAxis::TestAxis(std::array<double, 3> vib_dir)
    : name_(fmt::format("axis={:.3f},{:.3f},{:.3f}", vib_dir[0], vib_dir[1], vib_dir[2])) {
  double s = std::sqrt(vib_dir[0] * vib_dir[0] + vib_dir[1] * vib_dir[1] + vib_dir[2] * vib_dir[2]);
  for (size_t i = 0; i < 3; i++) dir_[i] = vib_dir[i] / s;
}

bool TestAxis::matches(const std::string& chip_axis) const {
  for (size_t i = 0; i < 3; i++)
    if (dir_[i] != 0. && chip_axis.find(static_cast<char>('x' + i)) != std::string::npos)
      return true;
  return false;
}

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string strip(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

// Run `fn` on a worker thread while the reactor keeps serving the MCUs (Klipper forks a
// process for its numpy work); a CommandError carries any failure.
template <class Fn>
auto run_in_background(Printer& printer, Fn fn) -> decltype(fn()) {
  auto fut = std::async(std::launch::async, std::move(fn));
  Reactor& reactor = printer.get_reactor();
  auto& gcode = printer.lookup<GCodeDispatch>("gcode");
  double eventtime = reactor.monotonic(), last_report = eventtime;
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (eventtime > last_report + 5.) {
      last_report = eventtime;
      gcode.respond_info("Wait for calculations..", false);
    }
    eventtime = reactor.pause(eventtime + .1);
  }
  try {
    return fut.get();
  } catch (const CommandError&) {
    throw;
  } catch (const std::exception& e) {
    throw CommandError(fmt::format("Error in remote calculation: {}", e.what()));
  }
}

sc::CalibrationData process_accelerometer_data(Printer& printer, const std::string& name,
                                               const AccelQueryClient& client) {
  auto data = run_in_background(printer, [&] {
    return sc::calc_freq_response(name, client.get_samples());
  });
  if (!data) throw CommandError("Internal error processing accelerometer data");
  return sc::CalibrationData(std::move(*data));
}

}  // namespace

TestAxis parse_test_axis(const GCodeCommand& gcmd, const std::string& raw) {
  std::string raw_axis = lower(raw);
  if (raw_axis == "x" || raw_axis == "y" || raw_axis == "z") return TestAxis(raw_axis[0]);
  std::vector<std::string> dirs = split(raw_axis, ',');
  if (dirs.size() != 2 && dirs.size() != 3)
    throw gcmd.error(fmt::format("Invalid format of axis '{}'", raw_axis));
  std::array<double, 3> d{0., 0., 0.};
  for (size_t i = 0; i < dirs.size(); i++) {
    auto v = parse_config_float(strip(dirs[i]));
    if (!v) throw gcmd.error(fmt::format("Unable to parse axis direction '{}'", raw_axis));
    d[i] = *v;
  }
  if (d[0] == 0. && d[1] == 0. && d[2] == 0.)
    throw gcmd.error(fmt::format("Invalid format of axis '{}'", raw_axis));
  return TestAxis(d);
}

// ---- test sequence ---------------------------------------------------------------------------

SweepingVibrationsGenerator::SweepingVibrationsGenerator(const ConfigWrapper& config) {
  min_freq_ = config.getfloat("min_freq", 5., {.minval = 1.});
  max_freq_ = config.getfloat("max_freq", 135., {.minval = min_freq_, .maxval = 300.});
  max_freq_z_ = config.getfloat("max_freq_z", 100., {.minval = min_freq_, .maxval = 300.});
  accel_per_hz_ = config.getfloat("accel_per_hz", 60., {.above = 0.});
  accel_per_hz_z_ = config.getfloat("accel_per_hz_z", 15., {.above = 0.});
  hz_per_sec_ = config.getfloat("hz_per_sec", 1., {.minval = 0.1, .maxval = 2.});
  sweeping_accel_ = config.getfloat("sweeping_accel", 400., {.above = 0.});
  sweeping_accel_z_ = config.getfloat("sweeping_accel_z", 50., {.above = 0.});
  sweeping_period_ = config.getfloat("sweeping_period", 1.2, {.minval = 0.});
}

void SweepingVibrationsGenerator::prepare_test(const GCodeCommand& gcmd, bool is_z) {
  freq_start_ = gcmd.get_float("FREQ_START", min_freq_, {.minval = 1.});
  freq_end_ = gcmd.get_float("FREQ_END", is_z ? max_freq_z_ : max_freq_,
                             {.minval = freq_start_, .maxval = 300.});
  test_accel_per_hz_ =
      gcmd.get_float("ACCEL_PER_HZ", is_z ? accel_per_hz_z_ : accel_per_hz_, {.above = 0.});
  test_hz_per_sec_ = gcmd.get_float("HZ_PER_SEC", hz_per_sec_, {.maxval = 2., .above = 0.});
  test_sweeping_accel_ =
      gcmd.get_float("SWEEPING_ACCEL", is_z ? sweeping_accel_z_ : sweeping_accel_, {.above = 0.});
  test_sweeping_period_ = gcmd.get_float("SWEEPING_PERIOD", sweeping_period_, {.minval = 0.});
}

std::vector<TestStep> SweepingVibrationsGenerator::gen_pulses() const {
  // Quarter periods of +accel / -accel: one full oscillation per two steps, the frequency
  // rising by hz_per_sec every second.
  std::vector<TestStep> res;
  double freq = freq_start_, sign = 1., time = 0.;
  while (freq <= freq_end_ + 0.000001) {
    double t_seg = .25 / freq;
    double accel = test_accel_per_hz_ * freq;
    time += t_seg;
    res.push_back({time, sign * accel, freq});
    time += t_seg;
    res.push_back({time, -sign * accel, freq});
    freq += 2. * t_seg * test_hz_per_sec_;
    sign = -sign;
  }
  return res;
}

std::vector<TestStep> SweepingVibrationsGenerator::gen_test() const {
  std::vector<TestStep> pulses = gen_pulses();
  // The slow sweep: accelerate one way for sqrt(2)/8 + 1/4 of its period, then alternate every
  // half period, which keeps the sweep centred on the start point.
  double accel_fraction = std::sqrt(2.) * 0.125;
  double t_rem, sweeping_accel;
  if (test_sweeping_period_) {
    t_rem = test_sweeping_period_ * accel_fraction;
    sweeping_accel = test_sweeping_accel_;
  } else {
    t_rem = INFINITY;
    sweeping_accel = 0.;
  }
  std::vector<TestStep> res;
  double last_t = 0., sig = 1.;
  accel_fraction += 0.25;
  for (const TestStep& p : pulses) {
    double t_seg = p.time - last_t;
    while (t_rem <= t_seg) {
      last_t += t_rem;
      res.push_back({last_t, p.accel + sweeping_accel * sig, p.freq});
      t_seg -= t_rem;
      t_rem = test_sweeping_period_ * accel_fraction;
      accel_fraction = 0.5;
      sig = -sig;
    }
    t_rem -= t_seg;
    res.push_back({p.time, p.accel + sweeping_accel * sig, p.freq});
    last_t = p.time;
  }
  return res;
}

// ---- ResonanceTester -------------------------------------------------------------------------

ResonanceTester::ResonanceTester(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      move_speed_(config.getfloat("move_speed", 50., {.above = 0.})),
      generator_(config) {
  std::vector<std::pair<std::string, std::string>> names;
  std::string chip_x = strip(config.get("accel_chip_x", ""));
  if (chip_x.empty()) {
    names = {{"xy", strip(config.get("accel_chip"))},
             {"z", strip(config.get("accel_chip_z", ""))}};
  } else {
    names = {{"x", chip_x},
             {"y", strip(config.get("accel_chip_y"))},
             {"z", strip(config.get("accel_chip_z", ""))}};
  }
  // One entry per chip with every axis it serves ("xz" when X and Z share a chip).
  std::map<std::string, std::string> by_chip;
  for (auto& [axes, chip] : names) by_chip[chip] += axes;
  for (auto& [chip, axes] : by_chip) {
    std::string sorted = axes;
    std::sort(sorted.begin(), sorted.end());
    accel_chip_names_.push_back({sorted, chip});
  }
  max_smoothing_ = config.getfloat_opt("max_smoothing", {.minval = 0.05});
  for (const auto& item : config.getlists("probe_points", "\n,")) {
    std::array<double, 3> p{};
    bool ok = item.size() == 3;
    for (size_t i = 0; ok && i < 3; i++) {
      auto v = parse_config_float(item[i]);
      ok = v.has_value();
      if (ok) p[i] = *v;
    }
    if (!ok)
      throw config.error(fmt::format("Unable to parse option 'probe_points' in section '{}'",
                                     config.get_name()));
    probe_points_.push_back(p);
  }
  if (probe_points_.empty())
    throw config.error(fmt::format("Option 'probe_points' in section '{}' must be specified",
                                   config.get_name()));

  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command(
      "MEASURE_AXES_NOISE", [this](GCodeCommand& g) { cmd_measure_axes_noise(g); }, false,
      "Measures noise of all enabled accelerometer chips");
  gcode.register_command(
      "TEST_RESONANCES", [this](GCodeCommand& g) { cmd_test_resonances(g); }, false,
      "Runs the resonance test for a specified axis");
  gcode.register_command(
      "SHAPER_CALIBRATE", [this](GCodeCommand& g) { cmd_shaper_calibrate(g); }, false,
      "Similar to TEST_RESONANCES but suggest input shaper config");
  printer_.register_event_handler<>("klippy:connect", [this] { connect(); });
}

void ResonanceTester::connect() {
  accel_chips_.clear();
  for (auto& [axes, name] : accel_chip_names_) {
    if (name.empty()) continue;
    auto* chip = dynamic_cast<AccelChip*>(&printer_.lookup<PrinterObject>(name));
    if (!chip) throw ConfigError(fmt::format("'{}' is not an accelerometer", name));
    accel_chips_.push_back({axes, chip});
  }
}

void ResonanceTester::run_test_moves(const std::vector<TestStep>& seq, const TestAxis& axis,
                                     GCodeCommand& gcmd) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  Reactor& reactor = printer_.get_reactor();
  Coord tpos = toolhead.get_position();
  double X = tpos[0], Y = tpos[1], Z = tpos[2];
  Json th = toolhead.get_status(reactor.monotonic());
  double old_max_velocity = th["max_velocity"].get<double>();
  double old_max_accel = th["max_accel"].get<double>();
  double old_mcr = th["minimum_cruise_ratio"].get<double>();
  // The limits the test needs: its peak acceleration and velocity.
  double max_accel = 0., max_velocity = 0., last_v = 0., last_t = 0.;
  for (const TestStep& s : seq) {
    max_accel = std::max(max_accel, std::abs(s.accel));
    double v = last_v + s.accel * (s.time - last_t);
    max_velocity = std::max(max_velocity, std::abs(v));
    last_t = s.time;
    last_v = v;
  }
  if (axis.get_dir()[2] != 0.) {
    Json settings = printer_.lookup<PrinterConfig>("configfile")
                        .get_status(reactor.monotonic())["settings"]["printer"];
    auto limit = [&](const char* z_opt, const char* opt) {
      const Json& v = settings.contains(z_opt) ? settings[z_opt] : settings[opt];
      return v.is_number() ? v.get<double>() : std::stod(v.get<std::string>());
    };
    double max_z_velocity = limit("max_z_velocity", "max_velocity");
    double max_z_accel = limit("max_z_accel", "max_accel");
    std::string msg;
    if (max_velocity > max_z_velocity)
      msg = fmt::format(
          "Insufficient maximum Z velocity for these test parameters, increase at least to "
          "{:.0f} mm/s for the resonance test.",
          max_velocity + 0.5);
    if (max_accel > max_z_accel) {
      if (!msg.empty()) msg += "\n";
      msg += fmt::format(
          "Insufficient maximum Z acceleration for these test parameters, increase at least "
          "to {:.0f} mm/s^2 for the resonance test.",
          max_accel + 0.5);
    }
    if (!msg.empty()) throw gcmd.error(msg);
  }
  gcode.run_script_from_command(
      fmt::format("SET_VELOCITY_LIMIT VELOCITY={:.0f} ACCEL={:.0f} MINIMUM_CRUISE_RATIO=0",
                  max_velocity + 0.5, max_accel + 0.5));
  auto* input_shaper = printer_.try_lookup<InputShaper>("input_shaper");
  if (input_shaper && !gcmd.get_int("INPUT_SHAPING", 0)) {
    input_shaper->disable_shaping();
    gcmd.respond_info("Disabled [input_shaper] for resonance testing");
  } else {
    input_shaper = nullptr;
  }
  auto move_to = [&](double x, double y, double z, double speed) {
    Coord p = tpos;
    p[0] = x;
    p[1] = y;
    p[2] = z;
    toolhead.move(p, speed);
  };
  last_v = last_t = 0.;
  double last_freq = 0.;
  for (const TestStep& s : seq) {
    double t_seg = s.time - last_t;
    double abs_last_v = std::abs(last_v), last_v2 = last_v * last_v;
    double v, abs_v, half_inv_accel, d;
    if (std::abs(s.accel) < 0.000001) {
      v = last_v;
      abs_v = abs_last_v;
      if (abs_v < 0.000001) {
        toolhead.dwell(t_seg);
        last_t = s.time;
        last_freq = s.freq;
        continue;
      }
      half_inv_accel = 0.;
      d = v * t_seg;
    } else {
      toolhead.set_max_velocities(std::nullopt, std::abs(s.accel), std::nullopt, std::nullopt);
      v = last_v + s.accel * t_seg;
      abs_v = std::abs(v);
      if (abs_v < 0.000001) v = abs_v = 0.;
      half_inv_accel = .5 / s.accel;
      d = (v * v - last_v2) * half_inv_accel;
    }
    auto dp = axis.get_point(d);
    double nX = X + dp[0], nY = Y + dp[1], nZ = Z + dp[2];
    toolhead.limit_next_junction_speed(abs_last_v);
    if (v * last_v < 0.) {
      // The segment stops and reverses: two moves, to the turning point and back.
      auto dd = axis.get_point(-last_v2 * half_inv_accel);
      move_to(X + dd[0], Y + dd[1], Z + dd[2], abs_last_v);
      move_to(nX, nY, nZ, abs_v);
    } else {
      move_to(nX, nY, nZ, std::max(abs_v, abs_last_v));
    }
    if (std::floor(s.freq) > std::floor(last_freq)) {
      gcmd.respond_info(fmt::format("Testing frequency {:.0f} Hz", s.freq));
      reactor.pause(reactor.monotonic() + 0.01);
    }
    X = nX;
    Y = nY;
    Z = nZ;
    last_t = s.time;
    last_v = v;
    last_freq = s.freq;
  }
  if (last_v != 0.) {
    // Come to a stop, continuing in the direction of motion.
    auto dd = axis.get_point(.5 * last_v * std::abs(last_v) / old_max_accel);
    toolhead.set_max_velocities(std::nullopt, old_max_accel, std::nullopt, std::nullopt);
    move_to(X + dd[0], Y + dd[1], Z + dd[2], std::abs(last_v));
  }
  gcode.run_script_from_command(
      fmt::format("SET_VELOCITY_LIMIT VELOCITY={:.3f} ACCEL={:.3f} MINIMUM_CRUISE_RATIO={:.3f}",
                  old_max_velocity, old_max_accel, old_mcr));
  if (input_shaper) {
    input_shaper->enable_shaping();
    gcmd.respond_info("Re-enabled [input_shaper]");
  }
}

std::string ResonanceTester::get_filename(const std::string& base, const std::string& name_suffix,
                                          const TestAxis* axis,
                                          const std::optional<std::array<double, 3>>& point,
                                          const std::string& chip_name) const {
  std::string name = base;
  if (axis) name += "_" + axis->get_name();
  if (!chip_name.empty()) {
    std::string c = chip_name;
    std::replace(c.begin(), c.end(), ' ', '_');
    name += "_" + c;
  }
  if (point) name += fmt::format("_{:.3f}_{:.3f}_{:.3f}", (*point)[0], (*point)[1], (*point)[2]);
  return "/tmp/" + name + "_" + name_suffix + ".csv";
}

std::vector<std::optional<sc::CalibrationData>> ResonanceTester::run_test(
    GCodeCommand& gcmd, const std::vector<TestAxis>& axes, bool want_response,
    const std::string& name_suffix, const std::optional<std::string>& raw_name_suffix,
    const std::vector<AccelChip*>* chips, const std::optional<std::array<double, 3>>& point) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  std::vector<std::optional<sc::CalibrationData>> data(axes.size());
  size_t n_z = 0;
  for (const TestAxis& a : axes) n_z += a.get_dir()[2] != 0. ? 1 : 0;
  if (n_z && n_z != axes.size()) throw gcmd.error("Cannot test Z axis together with other axes");
  generator_.prepare_test(gcmd, n_z == axes.size());
  std::vector<std::array<double, 3>> points = point ? std::vector{*point} : probe_points_;
  for (const auto& pt : points) {
    toolhead.manual_move({pt[0], pt[1], pt[2]}, move_speed_);
    bool name_point = points.size() > 1 || point;
    if (name_point)
      gcmd.respond_info(fmt::format("Probing point ({:.3f}, {:.3f}, {:.3f})", pt[0], pt[1], pt[2]));
    for (size_t ai = 0; ai < axes.size(); ai++) {
      const TestAxis& axis = axes[ai];
      toolhead.wait_moves();
      toolhead.dwell(0.500);
      if (axes.size() > 1) gcmd.respond_info("Testing axis " + axis.get_name());
      std::vector<ChipRun> runs;
      if (!chips) {
        for (auto& [chip_axis, chip] : accel_chips_)
          if (axis.matches(chip_axis))
            runs.push_back({chip_axis, chip->start_internal_client(), chip->chip_name()});
      } else {
        for (AccelChip* chip : *chips)
          runs.push_back({axis.get_name(), chip->start_internal_client(), chip->chip_name()});
      }
      if (runs.empty())
        throw gcmd.error(fmt::format(
            "No accelerometers specified that can measure resonances over axis '{}'",
            axis.get_name()));
      run_test_moves(generator_.gen_test(), axis, gcmd);
      std::optional<std::array<double, 3>> file_point;
      if (points.size() > 1) file_point = pt;
      bool name_chip = chips || runs.size() > 1;
      for (ChipRun& r : runs) {
        r.client->finish_measurements();
        if (!raw_name_suffix) continue;
        std::string raw_name = get_filename("raw_data", *raw_name_suffix, &axis, file_point,
                                            name_chip ? r.chip_name : "");
        r.client->write_to_file(raw_name);
        gcmd.respond_info(fmt::format("Writing raw accelerometer data to {} file", raw_name));
      }
      if (!want_response) continue;
      for (ChipRun& r : runs) {
        if (!r.client->has_valid_samples())
          throw gcmd.error(fmt::format("accelerometer '{}' measured no data", r.chip_name));
        std::string name = get_filename("resonances", name_suffix, &axis, file_point,
                                        name_chip ? r.chip_name : "");
        sc::CalibrationData d = process_accelerometer_data(printer_, name, *r.client);
        if (!data[ai])
          data[ai] = std::move(d);
        else
          data[ai]->add_data(d);
      }
    }
  }
  return data;
}

std::vector<AccelChip*> ResonanceTester::parse_chips(const std::string& names) const {
  std::vector<AccelChip*> out;
  for (const std::string& n : split(names, ',')) {
    std::string name = strip(n);
    PrinterObject* obj = printer_.lookup_object(name);
    if (!obj) throw CommandError(fmt::format("Name '{}' is not valid for CHIPS parameter", name));
    auto* chip = dynamic_cast<AccelChip*>(obj);
    if (!chip) throw CommandError(fmt::format("'{}' is not an accelerometer", name));
    out.push_back(chip);
  }
  return out;
}

void ResonanceTester::cmd_test_resonances(GCodeCommand& gcmd) {
  TestAxis axis = parse_test_axis(gcmd, gcmd.get("AXIS"));
  std::optional<std::string> chips_str = gcmd.get_opt("CHIPS");
  std::optional<std::array<double, 3>> test_point;
  if (auto p = gcmd.get_opt("POINT"); p && !p->empty()) {
    std::vector<std::string> coords = split(*p, ',');
    if (coords.size() != 3) throw gcmd.error("Invalid POINT parameter, must be 'x,y,z'");
    std::array<double, 3> pt{};
    for (size_t i = 0; i < 3; i++) {
      auto v = parse_config_float(strip(coords[i]));
      if (!v)
        throw gcmd.error(
            "Invalid POINT parameter, must be 'x,y,z' where x, y and z are valid floating point "
            "numbers");
      pt[i] = *v;
    }
    test_point = pt;
  }
  std::vector<AccelChip*> chips;
  if (chips_str && !chips_str->empty()) chips = parse_chips(*chips_str);
  std::vector<std::string> outputs = split(lower(gcmd.get("OUTPUT", "resonances")), ',');
  for (const std::string& o : outputs)
    if (o != "resonances" && o != "raw_data")
      throw gcmd.error(fmt::format(
          "Unsupported output '{}', only 'resonances' and 'raw_data' are supported", o));
  std::string name_suffix = gcmd.get("NAME", default_name_suffix());
  if (!is_valid_name_suffix(name_suffix)) throw gcmd.error("Invalid NAME parameter");
  bool csv_output = std::find(outputs.begin(), outputs.end(), "resonances") != outputs.end();
  bool raw_output = std::find(outputs.begin(), outputs.end(), "raw_data") != outputs.end();
  std::optional<std::string> raw_suffix;
  if (raw_output) raw_suffix = name_suffix;
  auto data = run_test(gcmd, {axis}, csv_output, name_suffix, raw_suffix,
                       chips.empty() ? nullptr : &chips, test_point);
  if (!csv_output) return;
  std::string csv_name = get_filename("resonances", name_suffix, &axis, test_point, "");
  try {
    sc::save_calibration_data(csv_name, *data[0], {}, max_calibration_freq());
  } catch (const std::runtime_error& e) {
    throw gcmd.error(e.what());
  }
  gcmd.respond_info(fmt::format("Resonances data written to {} file", csv_name));
}

void ResonanceTester::cmd_shaper_calibrate(GCodeCommand& gcmd) {
  std::vector<TestAxis> axes;
  std::optional<std::string> axis = gcmd.get_opt("AXIS");
  if (!axis || axis->empty()) {
    axes = {TestAxis('x'), TestAxis('y')};
  } else {
    std::string a = lower(*axis);
    if (a != "x" && a != "y" && a != "z")
      throw gcmd.error(fmt::format("Unsupported axis '{}'", *axis));
    axes = {TestAxis(a[0])};
  }
  std::vector<AccelChip*> chips;
  if (auto c = gcmd.get_opt("CHIPS"); c && !c->empty()) chips = parse_chips(*c);
  std::optional<double> max_smoothing = gcmd.get_float_opt("MAX_SMOOTHING", {.minval = 0.05});
  if (!max_smoothing) max_smoothing = max_smoothing_;
  std::string name_suffix = gcmd.get("NAME", default_name_suffix());
  if (!is_valid_name_suffix(name_suffix)) throw gcmd.error("Invalid NAME parameter");
  auto data = run_test(gcmd, axes, true, name_suffix, std::nullopt,
                       chips.empty() ? nullptr : &chips, std::nullopt);
  auto& configfile = printer_.lookup<PrinterConfig>("configfile");
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  bool has_shaper = printer_.try_lookup<InputShaper>("input_shaper") != nullptr;
  for (size_t i = 0; i < axes.size(); i++) {
    const std::string& axis_name = axes[i].get_name();
    gcmd.respond_info(
        fmt::format("Calculating the best input shaper parameters for {} axis", axis_name));
    sc::CalibrationData& cd = *data[i];
    cd.normalize_to_frequencies();
    sc::FitOptions opt;
    opt.scv = toolhead.get_status(printer_.get_reactor().monotonic())["square_corner_velocity"]
                  .get<double>();
    opt.max_smoothing = max_smoothing;
    opt.max_freq = max_calibration_freq();
    // The fit runs on a worker thread; its progress lines are replied once it is done.
    std::vector<std::string> log;
    auto [best, all] = run_in_background(printer_, [&] {
      return sc::find_best_shaper(cd, opt, [&log](const std::string& m) { log.push_back(m); });
    });
    for (const std::string& m : log) gcmd.respond_info(m);
    gcmd.respond_info(fmt::format("Recommended shaper_type_{0} = {1}, shaper_freq_{0} = {2:.1f} Hz",
                                  axis_name, best.name, best.freq));
    if (has_shaper) {
      std::string up = axis_name;
      for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      printer_.lookup<GCodeDispatch>("gcode").run_script_from_command(fmt::format(
          "SET_INPUT_SHAPER SHAPER_TYPE_{0}={1} SHAPER_FREQ_{0}={2}", up, best.name, best.freq));
    }
    configfile.set("input_shaper", "shaper_type_" + axis_name, best.name);
    configfile.set("input_shaper", "shaper_freq_" + axis_name, fmt::format("{:.1f}", best.freq));
    std::string csv_name =
        get_filename("calibration_data", name_suffix, &axes[i], std::nullopt, "");
    try {
      sc::save_calibration_data(csv_name, cd, all, *opt.max_freq);
    } catch (const std::runtime_error& e) {
      throw gcmd.error(e.what());
    }
    gcmd.respond_info(fmt::format("Shaper calibration data written to {} file", csv_name));
  }
  gcmd.respond_info(
      "The SAVE_CONFIG command will update the printer config file\nwith these parameters and "
      "restart the printer.");
}

void ResonanceTester::cmd_measure_axes_noise(GCodeCommand& gcmd) {
  double meas_time = gcmd.get_float("MEAS_TIME", 2., {.above = 0.});
  std::vector<std::pair<std::string, std::shared_ptr<AccelQueryClient>>> runs;
  for (auto& [chip_axis, chip] : accel_chips_)
    runs.push_back({chip_axis, chip->start_internal_client()});
  printer_.lookup<ToolHead>("toolhead").dwell(meas_time);
  for (auto& r : runs) r.second->finish_measurements();
  for (auto& [chip_axis, client] : runs) {
    if (!client->has_valid_samples())
      throw gcmd.error(fmt::format("{}-axis accelerometer measured no data", chip_axis));
    sc::CalibrationData d = process_accelerometer_data(printer_, "", *client);
    auto mean = [](const std::vector<double>& v) {
      double s = 0.;
      for (double x : v) s += x;
      return v.empty() ? 0. : s / static_cast<double>(v.size());
    };
    const sc::PsdData& p = d.first();
    gcmd.respond_info(
        fmt::format("Axes noise for {}-axis accelerometer: {:.6f} (x), {:.6f} (y), {:.6f} (z)",
                    chip_axis, mean(p.psd_x), mean(p.psd_y), mean(p.psd_z)));
  }
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<ResonanceTester>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(resonance_tester, kpp::load, nullptr)
