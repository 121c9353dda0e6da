// SCPI instruments over a serial line: a programmable power supply (e.g. a bidirectional PSU standing in for
// the alternator) and an electronic load. Line protocol: one command per line ("\n"), one answer line per query.
//
// ScpiInstrument owns the connection: connect() opens the port, asks *IDN? and REFUSES an instrument whose
// answer does not contain the expected identity, clears its error queue (*CLS) and checks SYST:ERR?.
// Every command is followed by SYST:ERR? (when the model supports it) so a refused command fails at once with
// the instrument's own error text; every query has a response timeout. Errors throw ScpiError (a ChannelError):
// timeouts, a wrong identity, an instrument error, a hang-up.
//
// Several channels share one instrument (shared_ptr): a PSU's voltage set point is one AnalogOut, its
// current measurement one AnalogIn. Not thread-safe; calls block for at most the configured timeouts.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rig/io/channel.hpp"
#include "rig/io/serial.hpp"

namespace rig::io {

struct ScpiError : ChannelError {
  using ChannelError::ChannelError;
};

struct ScpiTimeouts {
  std::chrono::milliseconds write{100};     // to hand a command to the port
  std::chrono::milliseconds response{500};  // from the end of a query to the end of its answer line
};

// The command set of one instrument family. The built-in models are generic SCPI-1999 ones; a bench whose
// instrument differs adds a model here.
struct ScpiModel {
  std::string name;                   // as written in rig.yaml: "scpi-psu", "scpi-eload"
  bool has_error_queue = true;        // answers SYST:ERR?
  std::string set_voltage = "VOLT";   // "<cmd> <value>"
  std::string set_current = "CURR";   // PSU: current limit; load: CC set point
  std::string output_on = "OUTP ON";
  std::string output_off = "OUTP OFF";
  std::string measure_voltage = "MEAS:VOLT?";
  std::string measure_current = "MEAS:CURR?";
  std::string setup;                  // sent once after connect (e.g. "FUNC CURR" for a load in CC mode)
};
// The models known by name; nullopt for an unknown name.
std::optional<ScpiModel> find_scpi_model(std::string_view name);
std::vector<std::string> scpi_model_names();

struct ScpiConnection {
  std::string port;          // "/dev/ttyUSB0"
  SerialSettings serial{9600};
  std::string expected_idn;  // a substring the *IDN? answer must contain, e.g. "ITECH,IT6012C"
  ScpiTimeouts timeouts;
};

class ScpiInstrument {
 public:
  ScpiInstrument(std::string name, ScpiModel model, ScpiConnection connection);
  const std::string& name() const { return name_; }
  const ScpiModel& model() const { return model_; }
  bool connected() const { return port_.has_value(); }
  // The *IDN? answer after connect().
  const std::string& identity() const { return identity_; }

  // Opens, checks *IDN?, clears errors and sends the model's setup. Idempotent. Throws ScpiError.
  void connect();
  void disconnect() noexcept;

  // Sends a command, then checks the error queue. Throws ScpiError naming the command and the error.
  void command(std::string_view cmd);
  // Sends a query and returns its answer line. Throws ScpiError on timeout.
  std::string query(std::string_view q);
  double query_number(std::string_view q);
  // Reads SYST:ERR? until "0,..."; returns the errors found (at most 16).
  std::vector<std::string> read_errors();

  // Physical operations in the model's command set.
  void set_voltage_v(double v);
  void set_current_a(double a);
  void set_output(bool on);
  double measure_voltage_v();
  double measure_current_a();

 private:
  std::string exchange(std::string_view q);  // query without connect check
  std::string name_;
  ScpiModel model_;
  ScpiConnection connection_;
  std::optional<SerialPort> port_;
  std::string identity_;
};

// Which quantity of an instrument a channel carries.
enum class ScpiQuantity : std::uint8_t {
  kVoltage,         // out: voltage set point; in: measured voltage
  kCurrent,         // out: current limit (PSU) or CC set point (load); in: measured current
};

// An instrument set point. The safe state writes the safe value and switches the output (or the load's
// input) off; the first write after it switches the output back on.
class ScpiAnalogOut final : public AnalogOut {
 public:
  ScpiAnalogOut(std::string name, AnalogSpec spec, std::shared_ptr<ScpiInstrument> instrument, ScpiQuantity quantity);

 private:
  void do_configure() override;
  void do_write_device(double value) override;
  void do_enter_safe_state() override;
  void do_leave_safe_state() override;

  std::shared_ptr<ScpiInstrument> instrument_;
  ScpiQuantity quantity_;
};

// An instrument measurement.
class ScpiAnalogIn final : public AnalogIn {
 public:
  ScpiAnalogIn(std::string name, AnalogSpec spec, std::shared_ptr<ScpiInstrument> instrument, ScpiQuantity quantity);

 private:
  void do_configure() override;
  double do_read_device() override;

  std::shared_ptr<ScpiInstrument> instrument_;
  ScpiQuantity quantity_;
};

}  // namespace rig::io
