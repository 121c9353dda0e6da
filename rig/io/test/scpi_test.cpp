#include <gtest/gtest.h>

#include <memory>

#include "rig/io/fake/fake_scpi_instrument.hpp"
#include "rig/io/scpi.hpp"

namespace rig::io {
namespace {

using namespace std::chrono_literals;
using fake::FakeScpiInstrument;
using fake::FakeScpiSettings;

ScpiConnection connection_to(const FakeScpiInstrument& fake, std::string expected_idn = "FAKE-PSU") {
  ScpiConnection c;
  c.port = fake.port_path();
  c.serial = SerialSettings{115200};
  c.expected_idn = std::move(expected_idn);
  c.timeouts.response = 200ms;
  return c;
}

std::shared_ptr<ScpiInstrument> psu_on(const FakeScpiInstrument& fake, std::string idn = "FAKE-PSU") {
  return std::make_shared<ScpiInstrument>("alternator-psu", *find_scpi_model("scpi-psu"), connection_to(fake, idn));
}

AnalogSpec alternator_voltage() {
  AnalogSpec s;
  s.limits = {0.0, 15.0};
  s.safe_value = 0.0;
  return s;
}

TEST(ScpiInstrument, ConnectChecksIdentityAndClearsErrors) {
  FakeScpiInstrument fake;
  auto psu = psu_on(fake);
  psu->connect();
  EXPECT_EQ(psu->identity(), "BMSRIG,FAKE-PSU,0001,1.0");
  const auto cmds = fake.commands();
  ASSERT_EQ(cmds.size(), 3u);
  EXPECT_EQ(cmds[0], "*IDN?");
  EXPECT_EQ(cmds[1], "*CLS");
  EXPECT_EQ(cmds[2], "SYST:ERR?");
}

TEST(ScpiInstrument, RefusesTheWrongInstrument) {
  FakeScpiInstrument fake(FakeScpiSettings{"ACME,ELOAD-9000,7,2.1"});
  auto psu = psu_on(fake, "FAKE-PSU");
  try {
    psu->connect();
    FAIL();
  } catch (const ScpiError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("ACME,ELOAD-9000"), std::string::npos);
    EXPECT_NE(what.find("refusing"), std::string::npos);
  }
  EXPECT_FALSE(psu->connected());
}

TEST(ScpiInstrument, InstrumentErrorNamesCommandAndError) {
  FakeScpiInstrument fake;  // max 20 V
  auto psu = psu_on(fake);
  psu->connect();
  psu->set_voltage_v(20.0);  // on the edge: accepted
  EXPECT_DOUBLE_EQ(fake.voltage_setpoint_v(), 20.0);
  try {
    psu->set_voltage_v(20.5);
    FAIL();
  } catch (const ScpiError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("VOLT 20.5000"), std::string::npos);
    EXPECT_NE(what.find("-222"), std::string::npos);
  }
  EXPECT_DOUBLE_EQ(fake.voltage_setpoint_v(), 20.0);
  EXPECT_THROW(psu->command("FROB 1"), ScpiError);  // -113 Undefined header
  psu->command("OUTP ON");                          // the queue was drained: later commands are clean
}

TEST(ScpiInstrument, QueryTimesOutWhenInstrumentIsSilent) {
  FakeScpiInstrument fake;
  auto psu = psu_on(fake);
  psu->connect();
  fake.mute(true);
  try {
    psu->measure_current_a();
    FAIL();
  } catch (const ScpiError& e) {
    EXPECT_NE(std::string(e.what()).find("no answer to 'MEAS:CURR?' within 200 ms"), std::string::npos);
  }
}

TEST(ScpiInstrument, NoAnswerToIdnFailsConnect) {
  FakeScpiInstrument fake;
  fake.mute(true);
  auto psu = psu_on(fake);
  EXPECT_THROW(psu->connect(), ScpiError);
}

TEST(ScpiInstrument, DisconnectDuringRunIsAnError) {
  FakeScpiInstrument fake;
  auto psu = psu_on(fake);
  psu->connect();
  fake.disconnect();
  EXPECT_THROW(psu->measure_voltage_v(), ScpiError);
  EXPECT_FALSE(psu->connected());
}

TEST(ScpiPsu, VoltageChannelTurnsOutputOnAfterFirstSetPointAndOffInSafeState) {
  FakeScpiInstrument fake;
  auto psu = psu_on(fake);
  ScpiAnalogOut ch("alternator/port_voltage_v", alternator_voltage(), psu, ScpiQuantity::kVoltage);
  ch.configure();
  ch.activate();
  EXPECT_FALSE(fake.output_on());  // safe state: 0 V, output off
  ch.write(14.2);
  EXPECT_DOUBLE_EQ(fake.voltage_setpoint_v(), 14.2);
  EXPECT_TRUE(fake.output_on());
  ch.write(13.8);
  EXPECT_TRUE(fake.output_on());
  EXPECT_TRUE(ch.deactivate());
  EXPECT_FALSE(fake.output_on());
  EXPECT_DOUBLE_EQ(fake.voltage_setpoint_v(), 0.0);
}

TEST(ScpiPsu, ClampedSetPointNeverReachesTheInstrument) {
  FakeScpiInstrument fake;
  auto psu = psu_on(fake);
  ScpiAnalogOut ch("alternator/port_voltage_v", alternator_voltage(), psu, ScpiQuantity::kVoltage);
  ch.configure();
  ch.activate();
  ch.write(18.0);  // the rig's limit (15 V) applies before the instrument's (20 V)
  EXPECT_DOUBLE_EQ(fake.voltage_setpoint_v(), 15.0);
}

TEST(ScpiPsu, CurrentMeasurementChannelSharesTheInstrument) {
  FakeScpiInstrument fake;
  auto psu = psu_on(fake);
  ScpiAnalogOut v("alternator/port_voltage_v", alternator_voltage(), psu, ScpiQuantity::kVoltage);
  AnalogSpec a;
  a.unit = "A";
  a.limits = {-60.0, 60.0};
  ScpiAnalogIn i("alternator/current_a", a, psu, ScpiQuantity::kCurrent);
  v.configure();
  i.configure();
  v.activate();
  i.activate();
  v.write(14.0);
  fake.set_measured(14.0, 31.25);
  EXPECT_DOUBLE_EQ(i.read(), 31.25);
  EXPECT_EQ(fake.commands().front(), "*IDN?");
  int idn_count = 0;
  for (auto& c : fake.commands()) idn_count += c == "*IDN?";
  EXPECT_EQ(idn_count, 1);  // connected once
}

TEST(ScpiPsu, LostInstrumentFaultsChannelAndSafeStateReportsFailure) {
  FakeScpiInstrument fake;
  auto psu = psu_on(fake);
  ScpiAnalogOut ch("alternator/port_voltage_v", alternator_voltage(), psu, ScpiQuantity::kVoltage);
  ch.configure();
  ch.activate();
  fake.disconnect();
  EXPECT_THROW(ch.write(14.0), ChannelError);
  EXPECT_EQ(ch.state(), ChannelState::kFaulted);
  EXPECT_FALSE(ch.drive_safe());  // cannot reach it: reported, not thrown
}

TEST(ScpiLoad, LoadUsesCcModeAndInputSwitch) {
  FakeScpiInstrument fake(FakeScpiSettings{"BMSRIG,FAKE-ELOAD,0002,1.0"});
  auto load = std::make_shared<ScpiInstrument>("load", *find_scpi_model("scpi-eload"), connection_to(fake, "FAKE-ELOAD"));
  AnalogSpec s;
  s.unit = "A";
  s.limits = {0.0, 50.0};
  ScpiAnalogOut ch("load/current_a", s, load, ScpiQuantity::kCurrent);
  ch.configure();
  ch.activate();
  ch.write(12.5);
  const auto cmds = fake.commands();
  EXPECT_NE(std::find(cmds.begin(), cmds.end(), "FUNC CURR"), cmds.end());
  EXPECT_NE(std::find(cmds.begin(), cmds.end(), "INP ON"), cmds.end());
  EXPECT_DOUBLE_EQ(fake.current_setpoint_a(), 12.5);
  ch.deactivate();
  EXPECT_FALSE(fake.output_on());
}

TEST(ScpiModels, KnownByName) {
  EXPECT_TRUE(find_scpi_model("scpi-psu"));
  EXPECT_TRUE(find_scpi_model("scpi-eload"));
  EXPECT_FALSE(find_scpi_model("korad-ka3005p"));
}

}  // namespace
}  // namespace rig::io
