#include "rig/io/config.hpp"

#include "rig/expr.hpp"
#include "rig/signals.hpp"
#include "rig/utf8.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace rig::io {

ConfigError::ConfigError(SourceLocation w, const std::string& message)
    : std::runtime_error(w.file + ":" + std::to_string(w.line) + ":" + std::to_string(w.column) + ": " + message),
      where(std::move(w)) {}

const ChannelConfig* RigConfig::find(std::string_view signal) const {
  for (const auto& c : channels)
    if (c.signal == signal) return &c;
  return nullptr;
}

const InstrumentConfig* RigConfig::instrument(std::string_view n) const {
  for (const auto& i : instruments)
    if (i.name == n) return &i;
  return nullptr;
}

namespace {

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  SourceLocation at(const YAML::Node& n) const {
    const auto m = n.Mark();
    return {file_, m.line + 1, m.column + 1};
  }

  static std::string found(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return "nothing";
    if (n.IsMap()) return "a mapping";
    if (n.IsSequence()) return "a list";
    return "'" + n.Scalar() + "'";
  }

  [[noreturn]] void fail(const YAML::Node& n, const std::string& path, const std::string& what_found,
                         const std::string& expected) const {
    throw ConfigError(at(n), path + ": found " + what_found + ", expected " + expected);
  }
  [[noreturn]] void fail(const YAML::Node& n, const std::string& path, const std::string& expected) const {
    fail(n, path, found(n), expected);
  }

  // A mapping whose keys are all in `allowed`; `required` keys must be present.
  void map(const YAML::Node& n, const std::string& path, std::initializer_list<const char*> allowed,
           std::initializer_list<const char*> required = {}) const {
    if (!n.IsMap()) fail(n, path, "a mapping");
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    std::set<std::string> seen;
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      // A repeated key would be silently ignored (the first wins): a safety setting must not be lost that way.
      if (!seen.insert(key).second) fail(kv.first, path, "key '" + key + "' twice", "each key once");
      bool ok = false;
      for (const char* a : allowed) ok = ok || key == a;
      if (!ok) fail(kv.first, path, "key '" + key + "'", "one of: " + list);
    }
    for (const char* r : required)
      if (!n[r]) fail(n, path, "no '" + std::string(r) + "'", std::string("a mapping with '") + r + "' (keys: " + list + ")");
  }

  std::string string(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar() || n.Scalar().empty()) fail(n, path, "a non-empty string");
    return n.Scalar();
  }

  double number(const YAML::Node& n, const std::string& path) const {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(v)) return v;
    }
    fail(n, path, "a number");
  }

  std::int64_t integer(const YAML::Node& n, const std::string& path, std::int64_t min, std::int64_t max) const {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      char* end = nullptr;
      const long long v = std::strtoll(s.c_str(), &end, 0);
      if (!s.empty() && end == s.c_str() + s.size() && v >= min && v <= max) return v;
    }
    fail(n, path, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }

  bool boolean(const YAML::Node& n, const std::string& path) const {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      if (s == "true" || s == "yes" || s == "on") return true;
      if (s == "false" || s == "no" || s == "off") return false;
    }
    fail(n, path, "true or false");
  }

  // One of `choices` (a scalar).
  std::string choice(const YAML::Node& n, const std::string& path, std::initializer_list<const char*> choices) const {
    std::string list;
    for (const char* c : choices) {
      if (n.IsScalar() && n.Scalar() == c) return c;
      list += (list.empty() ? "" : ", ") + std::string(c);
    }
    fail(n, path, "one of: " + list);
  }

 private:
  std::string file_;
};

// A bench may carry up to five batteries (the product's maximum) and this many loads.
constexpr int kBenchBatteries = 5;
constexpr int kBenchLoads = 16;

// The channel's signal, checked against the signal registry (rig/signals.hpp): it must exist and the bench must be
// able to carry it in this direction (out: the plant's value drives the board; in: an instrument measures it).
void check_signal(const Reader& r, const std::string& signal, const YAML::Node& key, bool out) {
  namespace sc = rig::scenario;
  const auto res = sc::resolve(signal, kBenchBatteries, kBenchLoads);
  const auto dir_ok = [&](sc::Bench b) { return b == sc::Bench::kEither || b == (out ? sc::Bench::kDrive : sc::Bench::kMeasure); };
  if (res && res->name == signal && dir_ok(res->def->bench)) return;
  const auto names = sc::bench_names(out, kBenchBatteries, kBenchLoads);
  const auto close = rig::expr::close_matches(signal, names, 1);
  const std::string hint = close.empty() ? "" : " (did you mean '" + close.front() + "'?)";
  const std::string dir = out ? "out" : "in";
  if (!res)
    r.fail(key, "channels", "unknown signal '" + signal + "'" + hint,
           "a signal a bench can carry as '" + dir + ":' (`bmsrig signals` lists them)");
  if (res->name != signal)
    r.fail(key, "channels", "'" + signal + "', an alias", "the signal's own name '" + res->name + "'");
  const char* can = res->def->bench == sc::Bench::kNone    ? "a bench can neither drive nor measure it"
                    : res->def->bench == sc::Bench::kDrive ? "a bench can only drive it (out:)"
                                                           : "a bench can only measure it (in:)";
  r.fail(key, "channels", "'" + signal + "' as '" + dir + ":', but " + can + hint,
         "a signal a bench can carry as '" + dir + ":' (`bmsrig signals` lists them)");
}

// The signal's unit from the registry ("V", "A", "degC"; "" for a digital or dimensionless signal).
std::string unit_from_name(const std::string& signal) {
  const auto res = rig::scenario::resolve(signal, kBenchBatteries, kBenchLoads);
  return res ? res->def->unit : "";
}

Limits read_limits(const Reader& r, const YAML::Node& n, const std::string& path) {
  if (!n.IsSequence() || n.size() != 2) r.fail(n, path, "[min, max]");
  Limits l{r.number(n[0], path + "[0]"), r.number(n[1], path + "[1]")};
  if (l.min > l.max) r.fail(n, path, "[" + n[0].Scalar() + ", " + n[1].Scalar() + "]", "min <= max");
  return l;
}

void read_analog(const Reader& r, const YAML::Node& n, const std::string& path, ChannelConfig& c) {
  c.analog.unit = n["unit"] ? r.string(n["unit"], path + ".unit") : unit_from_name(c.signal);
  if (c.analog.unit.empty())
    r.fail(n, path, "no 'unit' and no unit suffix in the signal name", "'unit' (the signal has no physical unit of its own)");
  if (!n["limits"]) r.fail(n, path, "no 'limits'", "'limits: [min, max]' (an analog channel is always bounded)");
  c.analog.limits = read_limits(r, n["limits"], path + ".limits");
  if (const auto cal = n["calibration"]) {
    r.map(cal, path + ".calibration", {"gain", "offset"});
    if (cal["gain"]) {
      c.analog.calibration.gain = r.number(cal["gain"], path + ".calibration.gain");
      if (c.analog.calibration.gain == 0.0) r.fail(cal["gain"], path + ".calibration.gain", "a non-zero number");
    }
    if (cal["offset"]) c.analog.calibration.offset = r.number(cal["offset"], path + ".calibration.offset");
  }
  if (c.direction == Direction::kIn) {
    // What the checks judge on a bench is this measurement: its uncertainty must be declared.
    if (!n["accuracy"])
      r.fail(n, path, "no 'accuracy'", "'accuracy: <value in " + c.analog.unit + ">' (the instrument's declared accuracy)");
    c.accuracy = r.number(n["accuracy"], path + ".accuracy");
    if (!(c.accuracy >= 0.0)) r.fail(n["accuracy"], path + ".accuracy", "a non-negative number");
  } else if (n["accuracy"]) {
    c.accuracy = r.number(n["accuracy"], path + ".accuracy");
    if (!(c.accuracy >= 0.0)) r.fail(n["accuracy"], path + ".accuracy", "a non-negative number");
  }
  if (c.direction == Direction::kOut) {
    if (!n["safe"]) r.fail(n, path, "no 'safe'", "'safe: <value>' (every output declares its safe state)");
    c.analog.safe_value = r.number(n["safe"], path + ".safe");
    if (!c.analog.limits.contains(c.analog.safe_value))
      r.fail(n["safe"], path + ".safe", "'" + n["safe"].Scalar() + "'", "a value within the limits");
  } else if (n["safe"]) {
    r.fail(n["safe"], path + ".safe", "a safe state on an input", "no 'safe' (inputs drive nothing)");
  }
}

ChannelConfig read_channel(const Reader& r, const std::string& signal, const YAML::Node& key, const YAML::Node& n,
                           const RigConfig& rig) {
  const std::string path = "channels." + signal;
  r.map(n, path, {"in", "out", "unit", "limits", "calibration", "accuracy", "safe", "description"});
  check_signal(r, signal, key, !n["in"]);
  ChannelConfig c;
  c.signal = signal;
  c.where = r.at(key);
  if (n["in"] && n["out"]) r.fail(n, path, "both 'in' and 'out'", "one direction per channel");
  if (!n["in"] && !n["out"]) r.fail(n, path, "no 'in' or 'out'", "'in: {<backend>: ...}' or 'out: {<backend>: ...}'");
  c.direction = n["in"] ? Direction::kIn : Direction::kOut;
  const std::string dir = n["in"] ? "in" : "out";
  const YAML::Node b = n[dir];
  const std::string bpath = path + "." + dir;
  r.map(b, bpath, {"iio", "gpiod", "scpi"});
  if (b.size() != 1) r.fail(b, bpath, std::to_string(b.size()) + " backends", "exactly one of iio, gpiod, scpi");
  if (const auto iio = b["iio"]) {
    const std::string p = bpath + ".iio";
    r.map(iio, p, {"device", "channel", "raw_min", "raw_max"}, {"device", "channel"});
    IioBinding x;
    x.device = r.string(iio["device"], p + ".device");
    x.channel = static_cast<int>(r.integer(iio["channel"], p + ".channel", 0, 1023));
    if (iio["raw_min"]) x.raw_min = r.integer(iio["raw_min"], p + ".raw_min", INT32_MIN, INT32_MAX);
    if (iio["raw_max"]) x.raw_max = r.integer(iio["raw_max"], p + ".raw_max", INT32_MIN, INT32_MAX);
    if (x.raw_min && x.raw_max && *x.raw_min > *x.raw_max) r.fail(iio, p, "raw_min > raw_max", "raw_min <= raw_max");
    c.binding = x;
    read_analog(r, n, path, c);
  } else if (const auto g = b["gpiod"]) {
    const std::string p = bpath + ".gpiod";
    r.map(g, p, {"chip", "line", "active_low", "bias", "debounce_ms", "threshold"}, {"chip", "line"});
    GpiodBinding x;
    x.line.chip = r.string(g["chip"], p + ".chip");
    x.line.line = static_cast<unsigned>(r.integer(g["line"], p + ".line", 0, 1023));
    if (g["active_low"]) x.line.active_low = r.boolean(g["active_low"], p + ".active_low");
    if (g["bias"]) {
      const auto bias = r.choice(g["bias"], p + ".bias", {"as-is", "disabled", "pull-up", "pull-down"});
      x.line.bias = bias == "disabled" ? Bias::kDisabled : bias == "pull-up" ? Bias::kPullUp
                  : bias == "pull-down" ? Bias::kPullDown : Bias::kAsIs;
      if (c.direction == Direction::kOut && x.line.bias != Bias::kAsIs)
        r.fail(g["bias"], p + ".bias", "a bias on an output", "bias only on inputs");
    }
    if (g["debounce_ms"]) {
      if (c.direction == Direction::kOut) r.fail(g["debounce_ms"], p + ".debounce_ms", "debounce on an output", "debounce only on inputs");
      const double ms = r.number(g["debounce_ms"], p + ".debounce_ms");
      if (ms < 0.0 || ms > 1000.0) r.fail(g["debounce_ms"], p + ".debounce_ms", "a duration in [0, 1000] ms");
      x.line.debounce = Nanos(static_cast<std::int64_t>(std::llround(ms * 1e6)));
    }
    if (g["threshold"]) x.threshold = r.number(g["threshold"], p + ".threshold");
    for (const char* k : {"limits", "calibration", "unit", "accuracy"})
      if (n[k]) r.fail(n[k], path + "." + k, "'" + std::string(k) + "' on a digital channel", "no analog settings on gpiod");
    if (c.direction == Direction::kOut) {
      if (!n["safe"]) r.fail(n, path, "no 'safe'", "'safe: low' or 'safe: high' (every output declares its safe state)");
      c.digital.safe_level = r.choice(n["safe"], path + ".safe", {"low", "high"}) == "high";
    } else if (n["safe"]) {
      r.fail(n["safe"], path + ".safe", "a safe state on an input", "no 'safe' (inputs drive nothing)");
    }
    c.binding = x;
  } else {
    const auto s = b["scpi"];
    const std::string p = bpath + ".scpi";
    r.map(s, p, {"instrument", "quantity", "update_ms"}, {"instrument", "quantity"});
    ScpiBinding x;
    x.instrument = r.string(s["instrument"], p + ".instrument");
    if (!rig.instrument(x.instrument)) {
      std::string names;
      for (const auto& i : rig.instruments) names += (names.empty() ? "" : ", ") + i.name;
      r.fail(s["instrument"], p + ".instrument", "an instrument declared under 'instruments' (" + (names.empty() ? "none declared" : names) + ")");
    }
    x.quantity = r.choice(s["quantity"], p + ".quantity", {"voltage", "current"}) == "voltage" ? ScpiQuantity::kVoltage
                                                                                                : ScpiQuantity::kCurrent;
    if (s["update_ms"]) {
      x.update_period = std::chrono::milliseconds(r.integer(s["update_ms"], p + ".update_ms", 1, 10000));
    }
    c.binding = x;
    read_analog(r, n, path, c);
  }
  return c;
}

// board.reset / board.power: a GPIO line or (power only) an instrument's output, and how long to hold it.
BoardControl read_board_control(const Reader& r, const YAML::Node& n, const std::string& path, const char* hold_key,
                                bool allow_instrument, const RigConfig& rig) {
  r.map(n, path, {"gpiod", "scpi", hold_key});
  BoardControl b;
  b.where = r.at(n);
  if (n["gpiod"] && n["scpi"]) r.fail(n, path, "both 'gpiod' and 'scpi'", "one of them");
  if (const auto g = n["gpiod"]) {
    r.map(g, path + ".gpiod", {"chip", "line", "active_low"}, {"chip", "line"});
    GpioLineSpec line;
    line.chip = r.string(g["chip"], path + ".gpiod.chip");
    line.line = static_cast<unsigned>(r.integer(g["line"], path + ".gpiod.line", 0, 1023));
    if (g["active_low"]) line.active_low = r.boolean(g["active_low"], path + ".gpiod.active_low");
    b.line = line;
  } else if (const auto s = n["scpi"]) {
    if (!allow_instrument) r.fail(s, path + ".scpi", "an instrument", "a GPIO line ('gpiod') here");
    r.map(s, path + ".scpi", {"instrument"}, {"instrument"});
    b.instrument = r.string(s["instrument"], path + ".scpi.instrument");
    if (!rig.instrument(b.instrument)) r.fail(s["instrument"], path + ".scpi.instrument", "an instrument declared under 'instruments'");
  } else {
    r.fail(n, path, "no 'gpiod'" + std::string(allow_instrument ? " or 'scpi'" : ""), "how the rig reaches the board");
  }
  if (n[hold_key]) b.hold = std::chrono::milliseconds(r.integer(n[hold_key], path + "." + hold_key, 1, 60000));
  return b;
}

}  // namespace

RigConfig parse_rig_config(std::string_view text, const std::string& file) {
  Reader r(file);
  if (const auto bad = first_invalid_utf8(text)) {
    const auto [line, col] = line_column_of(text, *bad);
    throw ConfigError({file, line, col}, "found a byte that is not UTF-8, expected UTF-8 text");
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw ConfigError({file, e.mark.line + 1, e.mark.column + 1}, "not valid YAML: " + e.msg);
  }
  RigConfig rig;
  r.map(root, "rig.yaml", {"rig", "kind", "description", "iio_root", "loop", "instruments", "telemetry", "board", "channels"},
        {"rig", "channels"});
  rig.name = r.string(root["rig"], "rig");
  if (root["kind"]) {
    rig.kind = r.string(root["kind"], "kind");
    // A CTest resource type: a lowercase letter or '_' first, then lowercase letters, digits and '_'.
    const bool ok = (std::islower(static_cast<unsigned char>(rig.kind[0])) || rig.kind[0] == '_') &&
                    rig.kind.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
    if (!ok) r.fail(root["kind"], "kind", "a bench kind of lowercase letters, digits and '_' (a CTest resource type)");
  }
  if (root["description"]) rig.description = r.string(root["description"], "description");
  if (root["iio_root"]) rig.iio_root = r.string(root["iio_root"], "iio_root");
  if (const auto loop = root["loop"]) {
    r.map(loop, "loop", {"rate_hz", "realtime", "priority"});
    if (loop["rate_hz"]) {
      rig.loop.rate_hz = r.number(loop["rate_hz"], "loop.rate_hz");
      if (rig.loop.rate_hz < 1.0 || rig.loop.rate_hz > 20000.0) r.fail(loop["rate_hz"], "loop.rate_hz", "a rate in [1, 20000] Hz");
    }
    if (loop["realtime"]) rig.loop.realtime = r.boolean(loop["realtime"], "loop.realtime");
    if (loop["priority"]) rig.loop.priority = static_cast<int>(r.integer(loop["priority"], "loop.priority", 1, 99));
  }
  if (const auto ins = root["instruments"]) {
    if (!ins.IsMap()) r.fail(ins, "instruments", "a mapping of instrument names");
    for (const auto& kv : ins) {
      InstrumentConfig ic;
      ic.name = kv.first.Scalar();
      ic.where = r.at(kv.first);
      const std::string p = "instruments." + ic.name;
      const auto& n = kv.second;
      r.map(n, p, {"model", "port", "baud", "idn", "timeout_ms"}, {"model", "port", "idn"});
      const auto model_name = r.string(n["model"], p + ".model");
      const auto model = find_scpi_model(model_name);
      if (!model) {
        std::string names;
        for (const auto& m : scpi_model_names()) names += (names.empty() ? "" : ", ") + m;
        r.fail(n["model"], p + ".model", "one of: " + names);
      }
      ic.model = *model;
      ic.connection.port = r.string(n["port"], p + ".port");
      ic.connection.expected_idn = r.string(n["idn"], p + ".idn");
      if (n["baud"]) ic.connection.serial.baud = static_cast<int>(r.integer(n["baud"], p + ".baud", 1200, 921600));
      if (n["timeout_ms"])
        ic.connection.timeouts.response = std::chrono::milliseconds(r.integer(n["timeout_ms"], p + ".timeout_ms", 1, 60000));
      if (rig.instrument(ic.name)) r.fail(kv.first, "instruments", "'" + ic.name + "' twice", "unique instrument names");
      rig.instruments.push_back(std::move(ic));
    }
  }
  if (const auto t = root["telemetry"]) {
    r.map(t, "telemetry", {"port", "baud", "silence_timeout_ms"}, {"port"});
    TelemetryConfig tc;
    tc.port = r.string(t["port"], "telemetry.port");
    if (t["baud"]) tc.serial.baud = static_cast<int>(r.integer(t["baud"], "telemetry.baud", 1200, 921600));
    if (t["silence_timeout_ms"])
      tc.silence_timeout = std::chrono::milliseconds(r.integer(t["silence_timeout_ms"], "telemetry.silence_timeout_ms", 100, 600000));
    rig.telemetry = tc;
  }
  if (const auto b = root["board"]) {
    r.map(b, "board", {"reset", "power", "deadman", "program"});
    if (const auto p = b["program"]) {
      r.map(p, "board.program", {"openocd", "boot_ms"}, {"openocd"});
      BoardConfig::Program prog;
      prog.where = r.at(p);
      const auto o = p["openocd"];
      r.map(o, "board.program.openocd", {"config", "commands", "executable", "timeout_s"}, {"config"});
      const auto strings = [&](const YAML::Node& n, const std::string& path) {
        if (!n.IsSequence() || n.size() == 0) r.fail(n, path, "a non-empty list of strings");
        std::vector<std::string> v;
        for (std::size_t i = 0; i < n.size(); ++i) v.push_back(r.string(n[i], path + "[" + std::to_string(i) + "]"));
        return v;
      };
      prog.openocd.config = strings(o["config"], "board.program.openocd.config");
      if (o["commands"]) prog.openocd.commands = strings(o["commands"], "board.program.openocd.commands");
      if (o["executable"]) prog.openocd.executable = r.string(o["executable"], "board.program.openocd.executable");
      if (o["timeout_s"])
        prog.openocd.timeout = std::chrono::seconds(r.integer(o["timeout_s"], "board.program.openocd.timeout_s", 1, 3600));
      if (p["boot_ms"]) prog.boot = std::chrono::milliseconds(r.integer(p["boot_ms"], "board.program.boot_ms", 0, 600000));
      rig.board.program = std::move(prog);
    }
    if (b["reset"]) rig.board.reset = read_board_control(r, b["reset"], "board.reset", "pulse_ms", false, rig);
    if (b["power"]) rig.board.power = read_board_control(r, b["power"], "board.power", "off_ms", true, rig);
    if (b["deadman"]) {
      rig.board.deadman = read_board_control(r, b["deadman"], "board.deadman", "toggle_ms", false, rig);
      if (!b["deadman"]["toggle_ms"]) rig.board.deadman->hold = std::chrono::milliseconds(50);
    }
  }
  const auto ch = root["channels"];
  if (!ch.IsMap() || ch.size() == 0) r.fail(ch, "channels", "a mapping of plant signals to channels");
  std::set<std::string> seen;
  for (const auto& kv : ch) {
    const std::string signal = kv.first.Scalar();
    if (!seen.insert(signal).second) r.fail(kv.first, "channels", "'" + signal + "' twice", "one channel per signal");
    rig.channels.push_back(read_channel(r, signal, kv.first, kv.second, rig));
  }
  return rig;
}

RigConfig load_rig_config(const std::filesystem::path& path) {
  // A regular file of bounded size only: a FIFO would block the open, a device (/dev/zero) would be read forever.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::exists(status)) {
    if (!std::filesystem::is_regular_file(status))
      throw ConfigError({path.string(), 0, 0}, "found a folder, pipe, socket or device, expected a rig file");
    if (std::filesystem::file_size(path, ec) > kMaxRigFileBytes)
      throw ConfigError({path.string(), 0, 0}, "found a file larger than 1 MiB, expected a rig file");
  }
  std::ifstream in(path);
  if (!in) throw ConfigError({path.string(), 0, 0}, "cannot read the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_rig_config(ss.str(), path.string());
}

}  // namespace rig::io
