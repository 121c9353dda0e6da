// The plant link (PIL): codec round trips, the board-side Server in memory, and random/fuzz inputs (≥ 10^6).
#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "fw/bms.hpp"
#include "fw/pil_server.hpp"
#include "fw/plant_link.hpp"
#include "fw/version.hpp"

using namespace fw::plant_link;

namespace {

fw::Inputs random_inputs(std::mt19937& rng) {
  fw::Inputs in;
  std::uniform_int_distribution<std::int32_t> i32;
  std::uniform_int_distribution<int> i16(-32768, 32767);
  std::uniform_int_distribution<int> bit(0, 1);
  for (auto& v : in.cell_mv) v = i32(rng);
  for (auto& v : in.cell_temp_dc) v = static_cast<std::int16_t>(i16(rng));
  for (auto& b : in.battery) {
    b.connected = bit(rng);
    b.allowed_to_charge = bit(rng);
    b.allowed_to_discharge = bit(rng);
    b.prealarm = bit(rng);
  }
  in.alt_port_mv = i32(rng);
  in.li_port_mv = i32(rng);
  in.alt_current_ma = i32(rng);
  in.heatsink_temp_dc = static_cast<std::int16_t>(i16(rng));
  in.remote_h_mv = i32(rng);
  in.remote_l_mv = i32(rng);
  return in;
}

fw::Outputs random_outputs(std::mt19937& rng) {
  fw::Outputs o;
  std::uniform_int_distribution<std::uint32_t> u32;
  std::uniform_int_distribution<int> bit(0, 1);
  o.load = static_cast<fw::Pin>(bit(rng));
  o.charge = static_cast<fw::Pin>(bit(rng));
  o.prealarm = static_cast<fw::Pin>(bit(rng));
  o.alt_path_on = bit(rng);
  o.alt_limit_ma = static_cast<std::int32_t>(u32(rng));
  o.leds = static_cast<std::uint8_t>(u32(rng));
  o.alarm_reason = static_cast<std::uint16_t>(u32(rng));
  o.bms_error = static_cast<std::uint8_t>(u32(rng));
  o.bms_flags = u32(rng);
  o.atc = bit(rng);
  o.atd = bit(rng);
  o.prealarm_active = bit(rng);
  o.remote_on = bit(rng);
  o.lead_violation = bit(rng);
  return o;
}

bool same_inputs(const fw::Inputs& a, const fw::Inputs& b) {
  for (int i = 0; i < fw::kMaxCells; ++i) {
    if (a.cell_mv[i] != b.cell_mv[i] || a.cell_temp_dc[i] != b.cell_temp_dc[i]) return false;
  }
  for (int i = 0; i < fw::kMaxBatteries; ++i) {
    const auto& x = a.battery[i];
    const auto& y = b.battery[i];
    if (x.connected != y.connected || x.allowed_to_charge != y.allowed_to_charge ||
        x.allowed_to_discharge != y.allowed_to_discharge || x.prealarm != y.prealarm) {
      return false;
    }
  }
  return a.alt_port_mv == b.alt_port_mv && a.li_port_mv == b.li_port_mv && a.alt_current_ma == b.alt_current_ma &&
         a.heatsink_temp_dc == b.heatsink_temp_dc && a.remote_h_mv == b.remote_h_mv && a.remote_l_mv == b.remote_l_mv;
}

std::vector<std::uint8_t> frame(Type type, std::uint16_t seq, const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out(kMaxFrame);
  const std::size_t n = encode_frame(type, seq, payload.data(), payload.size(), out.data(), out.size());
  out.resize(n);
  return out;
}

struct Captured {
  Type type;
  std::uint16_t seq;
  std::vector<std::uint8_t> payload;
};

// A Server whose port writes into a host-side Decoder.
class Board {
 public:
  Board() : server_(make_port(), make_identity("test")) {}
  std::vector<Captured> exchange(const std::vector<std::uint8_t>& bytes, Server::Action* action = nullptr) {
    rx_.clear();
    for (std::uint8_t b : bytes) {
      const auto a = server_.feed(b);
      if (action != nullptr && a != Server::Action::kNone) *action = a;
    }
    return std::move(rx_);
  }
  Server& server() { return server_; }
  std::uint32_t fake_cycles = 0;
  std::uint32_t cycles_step = 0;
  std::vector<fw::Millis> tick_times;  // Port::on_tick calls

 private:
  Port make_port() {
    Port p;
    p.context = this;
    p.write = [](void* ctx, const std::uint8_t* data, std::size_t n) {
      auto* self = static_cast<Board*>(ctx);
      for (std::size_t i = 0; i < n; ++i) {
        if (self->decoder_.feed(data[i]) == Decoder::Result::kFrame) {
          const Frame& f = self->decoder_.frame();
          self->rx_.push_back({static_cast<Type>(f.type), f.sequence,
                               std::vector<std::uint8_t>(f.payload, f.payload + f.length)});
        }
      }
    };
    p.cycles = [](void* ctx) {
      auto* self = static_cast<Board*>(ctx);
      self->fake_cycles += self->cycles_step;
      return self->fake_cycles;
    };
    p.on_tick = [](void* ctx, const fw::Inputs&, const fw::Outputs&, const fw::Config&, fw::Millis now) {
      static_cast<Board*>(ctx)->tick_times.push_back(now);
    };
    p.cycle_mask = 0xFFFFFF;
    p.cycles_per_tick = 1000;
    return p;
  }
  Server server_;
  Decoder decoder_;
  std::vector<Captured> rx_;
};

std::vector<std::uint8_t> config_payload(const fw::Config& c) {
  std::vector<std::uint8_t> p(kConfigSize);
  Writer w(p.data(), p.size());
  encode_config(w, c);
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.size(), kConfigSize);
  return p;
}

// A Step payload: explicit `assumed`, sample 0 full, the others delta-coded.
std::vector<std::uint8_t> step_payload(fw::Millis first_now, const fw::Outputs& assumed,
                                       const std::vector<fw::Inputs>& inputs) {
  std::vector<std::uint8_t> p(kMaxPayload);
  Writer w(p.data(), p.size());
  StepRequest req;
  req.first_now = first_now;
  req.count = static_cast<std::uint16_t>(inputs.size());
  req.assumed = assumed;
  encode_step_header(w, req);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (i == 0) {
      encode_inputs(w, inputs[0]);
    } else {
      encode_delta(w, inputs[i - 1], inputs[i]);
    }
  }
  EXPECT_TRUE(w.ok());
  p.resize(w.size());
  return p;
}

StepResult parse_result(const Captured& c) {
  EXPECT_EQ(c.type, Type::kStepResult);
  Reader r(c.payload.data(), c.payload.size());
  StepResult res;
  EXPECT_TRUE(decode_step_result(r, res));
  return res;
}

fw::Inputs healthy_inputs() {
  fw::Inputs in;
  for (auto& v : in.cell_mv) v = 3300;
  for (auto& t : in.cell_temp_dc) t = 250;
  in.li_port_mv = 13200;
  in.alt_port_mv = 13800;
  in.remote_h_mv = 5000;
  in.remote_l_mv = 0;
  return in;
}

}  // namespace

TEST(PlantLink, SizesMatchConstants) {
  std::uint8_t buf[256];
  Writer w(buf, sizeof buf);
  encode_inputs(w, fw::Inputs{});
  EXPECT_EQ(w.size(), kInputsSize);
  Writer o(buf, sizeof buf);
  encode_outputs(o, fw::Outputs{});
  EXPECT_EQ(o.size(), kOutputsSize);
  Writer c(buf, sizeof buf);
  encode_config(c, fw::Config{});
  EXPECT_EQ(c.size(), kConfigSize);
}

TEST(PlantLink, RoundTripRandomInputsOutputs) {
  std::mt19937 rng(1);
  std::uint8_t buf[256];
  for (int i = 0; i < 10000; ++i) {
    const fw::Inputs in = random_inputs(rng);
    Writer w(buf, sizeof buf);
    encode_inputs(w, in);
    Reader r(buf, w.size());
    fw::Inputs back;
    ASSERT_TRUE(decode_inputs(r, back));
    ASSERT_TRUE(r.at_end());
    ASSERT_TRUE(same_inputs(in, back));
    const fw::Outputs out = random_outputs(rng);
    Writer wo(buf, sizeof buf);
    encode_outputs(wo, out);
    Reader ro(buf, wo.size());
    fw::Outputs oback;
    ASSERT_TRUE(decode_outputs(ro, oback));
    ASSERT_TRUE(out == oback);
  }
}

TEST(PlantLink, RoundTripConfigAndIdentity) {
  fw::Config c;
  c.input_mode = fw::InputMode::kBatterySignals;
  c.battery_count = 3;
  c.load_disconnect_mv = 2650;
  c.prealarm_mv = 2900;
  c.cell_overvoltage_mv = 4100;
  c.low_temp_charge_dc = -150;
  c.prealarm_enabled = false;
  c.prealarm_mode = fw::PreAlarmMode::kIntermittent;
  c.fuse_rating_a = 60;
  c.system_switch = true;
  c.lvd_emergency_floor_mv = 2500;
  const auto p = config_payload(c);
  Reader r(p.data(), p.size());
  fw::Config back;
  ASSERT_TRUE(decode_config(r, back));
  EXPECT_EQ(back.input_mode, c.input_mode);
  EXPECT_EQ(back.battery_count, c.battery_count);
  EXPECT_EQ(back.load_disconnect_mv, c.load_disconnect_mv);
  EXPECT_EQ(back.prealarm_mv, c.prealarm_mv);
  EXPECT_EQ(back.cell_overvoltage_mv, c.cell_overvoltage_mv);
  EXPECT_EQ(back.low_temp_charge_dc, c.low_temp_charge_dc);
  EXPECT_EQ(back.prealarm_enabled, c.prealarm_enabled);
  EXPECT_EQ(back.prealarm_mode, c.prealarm_mode);
  EXPECT_EQ(back.fuse_rating_a, c.fuse_rating_a);
  EXPECT_EQ(back.system_switch, c.system_switch);
  EXPECT_EQ(back.lvd_emergency_floor_mv, c.lvd_emergency_floor_mv);

  const Identity id = make_identity("mps2-an385");
  std::uint8_t buf[200];
  Writer w(buf, sizeof buf);
  encode_identity(w, id);
  Reader ri(buf, w.size());
  Identity idb;
  ASSERT_TRUE(decode_identity(ri, idb));
  EXPECT_STREQ(idb.firmware_version, fw::kFirmwareVersion);
  EXPECT_STREQ(idb.build_hash, fw::build_hash());
  EXPECT_STREQ(idb.target, "mps2-an385");
  EXPECT_EQ(idb.max_batch, kMaxBatch);
}

TEST(PlantLink, DecodersRejectInvalidFieldValues) {
  std::uint8_t buf[64];
  Writer w(buf, sizeof buf);
  encode_outputs(w, fw::Outputs{});
  buf[0] = 2;  // load pin 2
  Reader r(buf, w.size());
  fw::Outputs o;
  EXPECT_FALSE(decode_outputs(r, o));
  buf[0] = 1;
  buf[3] = 0x40;  // unknown flag bit
  Reader r2(buf, w.size());
  EXPECT_FALSE(decode_outputs(r2, o));
  // Truncated.
  buf[3] = 0;
  Reader r3(buf, kOutputsSize - 1);
  EXPECT_FALSE(decode_outputs(r3, o));
  Reader r4(buf, kOutputsSize);
  EXPECT_TRUE(decode_outputs(r4, o));
}

TEST(PlantLink, FrameRoundTripAndMaxPayloadEdge) {
  std::vector<std::uint8_t> payload(kMaxPayload, 0x5A);
  auto f = frame(Type::kStep, 0xBEEF, payload);
  ASSERT_EQ(f.size(), kMaxFrame);
  Decoder d;
  Decoder::Result last = Decoder::Result::kNone;
  for (auto b : f) last = d.feed(b);
  ASSERT_EQ(last, Decoder::Result::kFrame);
  EXPECT_EQ(d.frame().sequence, 0xBEEF);
  EXPECT_EQ(d.frame().length, kMaxPayload);
  EXPECT_EQ(d.frame().type, static_cast<std::uint8_t>(Type::kStep));
  // One byte more is refused by the encoder; a header claiming it is refused by the decoder.
  std::vector<std::uint8_t> big(kMaxPayload + 1);
  std::vector<std::uint8_t> out(kMaxFrame + 8);
  EXPECT_EQ(encode_frame(Type::kStep, 1, big.data(), big.size(), out.data(), out.size()), 0u);
  std::uint8_t hdr[] = {kSync0, kSync1, kVersion, 8, 1, 0,
                        static_cast<std::uint8_t>((kMaxPayload + 1) & 0xFF),
                        static_cast<std::uint8_t>((kMaxPayload + 1) >> 8)};
  Decoder d2;
  for (auto b : hdr) last = d2.feed(b);
  EXPECT_EQ(last, Decoder::Result::kError);
  EXPECT_EQ(d2.error(), ErrorCode::kLength);
}

TEST(PlantLink, HandshakeConfigAndStepInMemory) {
  Board board;
  board.server().send_ready();  // goes nowhere visible (rx_ cleared by exchange); smoke
  auto replies = board.exchange(frame(Type::kHello, 1, {kVersion}));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].type, Type::kHelloAck);
  EXPECT_EQ(replies[0].seq, 1);
  Reader r(replies[0].payload.data(), replies[0].payload.size());
  Identity id;
  ASSERT_TRUE(decode_identity(r, id));
  EXPECT_STREQ(id.target, "test");

  // Wrong protocol version in the hello.
  replies = board.exchange(frame(Type::kHello, 2, {kVersion + 1}));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].type, Type::kError);
  EXPECT_EQ(replies[0].payload[0], static_cast<std::uint8_t>(ErrorCode::kVersion));

  // Refused configuration (fuse 39 A) → ConfigAck with the error code; accepted one → 0.
  fw::Config c;
  c.fuse_rating_a = 39;
  replies = board.exchange(frame(Type::kConfig, 3, config_payload(c)));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].type, Type::kConfigAck);
  EXPECT_EQ(replies[0].payload[0], static_cast<std::uint8_t>(fw::ConfigError::kFuseRating));
  EXPECT_EQ(board.server().bms().config().fuse_rating_a, 100);
  c.fuse_rating_a = 40;
  replies = board.exchange(frame(Type::kConfig, 4, config_payload(c)));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].payload[0], 0);
  EXPECT_EQ(board.server().bms().config().fuse_rating_a, 40);
}

// The board's batch stepping gives exactly what a local Bms gives, tick by tick, including the early stop.
TEST(PlantLink, StepBatchMatchesLocalBmsAndStopsEarly) {
  Board board;
  ASSERT_EQ(board.exchange(frame(Type::kHello, 1, {kVersion, kHelloOptionTickHook})).at(0).type, Type::kHelloAck);
  fw::Config cfg;
  ASSERT_EQ(board.exchange(frame(Type::kConfig, 1, config_payload(cfg)))[0].payload[0], 0);
  fw::Bms local;
  ASSERT_EQ(local.configure(cfg), fw::ConfigError::kOk);
  local.reset();

  const fw::Inputs in = healthy_inputs();
  fw::Outputs assumed{};  // all floating: the very first tick already matches (start-up)
  fw::Millis now = 0;
  std::uint16_t seq = 10;
  int early_stops = 0;
  for (int round = 0; round < 20; ++round) {
    std::vector<fw::Inputs> batch(kMaxBatch, in);
    auto replies = board.exchange(frame(Type::kStep, seq, step_payload(now, assumed, batch)));
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].seq, seq);
    const StepResult res = parse_result(replies[0]);
    const std::uint16_t executed = res.executed;
    ASSERT_GE(executed, 1);
    ASSERT_LE(executed, kMaxBatch);
    for (std::uint16_t i = 0; i < executed; ++i) {
      const fw::Outputs got = i + 1 < executed ? assumed : res.last;  // earlier ticks equal `assumed`
      const fw::Outputs want = local.step(in, now + i * fw::kTickMs);
      ASSERT_TRUE(got == want) << "round " << round << " tick " << i;
      if (i + 1 == executed && executed < kMaxBatch) {
        ASSERT_FALSE(got == assumed);  // stopped right after the first difference
        ++early_stops;
      }
    }
    assumed = res.last;
    now += executed * fw::kTickMs;
    ++seq;
  }
  EXPECT_GE(early_stops, 1);  // start-up (1 s) changes the outputs
  // on_tick saw every executed tick, in order, at its time.
  ASSERT_EQ(board.tick_times.size(), now / fw::kTickMs);
  for (std::size_t i = 0; i < board.tick_times.size(); ++i) ASSERT_EQ(board.tick_times[i], i * fw::kTickMs);
}

TEST(PlantLink, TickHookOffUnlessEnabledByHello) {
  Board board;
  ASSERT_EQ(board.exchange(frame(Type::kConfig, 1, config_payload(fw::Config{})))[0].payload[0], 0);
  std::vector<fw::Inputs> batch(4, healthy_inputs());
  board.exchange(frame(Type::kStep, 2, step_payload(0, fw::Outputs{}, batch)));
  EXPECT_TRUE(board.tick_times.empty());
  // An unknown option bit is refused (and does not enable anything).
  auto replies = board.exchange(frame(Type::kHello, 3, {kVersion, 0x02}));
  EXPECT_EQ(replies.at(0).type, Type::kError);
  board.exchange(frame(Type::kStep, 4, step_payload(40, fw::Outputs{}, batch)));
  EXPECT_TRUE(board.tick_times.empty());
  replies = board.exchange(frame(Type::kHello, 5, {kVersion, kHelloOptionTickHook}));
  EXPECT_EQ(replies.at(0).type, Type::kHelloAck);
  board.exchange(frame(Type::kStep, 6, step_payload(80, fw::Outputs{}, batch)));
  EXPECT_FALSE(board.tick_times.empty());
}

TEST(PlantLink, OverrunGuardCountsSlowSteps) {
  Board board;
  ASSERT_EQ(board.exchange(frame(Type::kConfig, 1, config_payload(fw::Config{})))[0].payload[0], 0);
  auto run = [&](std::uint32_t step_cycles) {
    board.cycles_step = step_cycles;  // each cycles() call advances the fake counter by this much
    std::vector<fw::Inputs> batch(1, healthy_inputs());
    auto replies = board.exchange(frame(Type::kStep, 2, step_payload(0, fw::Outputs{}, batch)));
    return parse_result(replies.at(0)).overruns;
  };
  EXPECT_EQ(run(1000), 0u);  // exactly one tick of cycles: not an overrun
  EXPECT_EQ(run(1001), 1u);  // one more: overrun
}

TEST(PlantLink, BadFramesAnswerErrorAndAreNeverActedOn) {
  Board board;
  fw::Config c;
  c.fuse_rating_a = 60;
  auto good = frame(Type::kConfig, 7, config_payload(c));
  // Corrupt one payload byte: CRC error, config unchanged.
  auto bad = good;
  bad[kHeaderSize + 3] ^= 0x01;
  auto replies = board.exchange(bad);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].type, Type::kError);
  EXPECT_EQ(replies[0].payload[0], static_cast<std::uint8_t>(ErrorCode::kCrc));
  EXPECT_EQ(board.server().bms().config().fuse_rating_a, 100);
  // Unknown type; wrong payload size; a Step with count 0 and with count kMaxBatch + 1.
  replies = board.exchange(frame(static_cast<Type>(99), 8, {}));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].payload[0], static_cast<std::uint8_t>(ErrorCode::kType));
  auto short_cfg = config_payload(c);
  short_cfg.pop_back();
  replies = board.exchange(frame(Type::kConfig, 9, short_cfg));
  EXPECT_EQ(replies.at(0).payload[0], static_cast<std::uint8_t>(ErrorCode::kPayload));
  auto zero = step_payload(0, fw::Outputs{}, {});
  replies = board.exchange(frame(Type::kStep, 10, zero));
  EXPECT_EQ(replies.at(0).payload[0], static_cast<std::uint8_t>(ErrorCode::kPayload));
  // A batch whose last sample sets an invalid battery byte: refused as a whole, no tick executed.
  std::vector<std::uint8_t> p(kMaxPayload);
  {
    Writer w(p.data(), p.size());
    StepRequest req;
    req.count = 3;
    encode_step_header(w, req);
    encode_inputs(w, healthy_inputs());
    encode_delta(w, healthy_inputs(), healthy_inputs());
    w.u8(1u << 5);  // group 5 (fields 40..47) ...
    w.u8(0x01);     // ... field 40: battery[0]
    w.u8(0x1F);     // bits above 0x0F
    p.resize(w.size());
  }
  replies = board.exchange(frame(Type::kStep, 11, p));
  EXPECT_EQ(replies.at(0).payload[0], static_cast<std::uint8_t>(ErrorCode::kPayload));
  EXPECT_EQ(board.server().bms().config().fuse_rating_a, 100);
  // "Assumed = your last outputs" and "delta from reference" before any Step: refused.
  {
    std::vector<std::uint8_t> q(kMaxPayload);
    Writer w(q.data(), q.size());
    StepRequest req;
    req.count = 1;
    req.flags = kStepAssumedIsLast;
    encode_step_header(w, req);
    encode_inputs(w, healthy_inputs());
    q.resize(w.size());
    replies = board.exchange(frame(Type::kStep, 12, q));
    EXPECT_EQ(replies.at(0).type, Type::kError);
  }
  EXPECT_EQ(board.server().bad_frames(), 6u);
  // The good frame still works after all that.
  replies = board.exchange(good);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].type, Type::kConfigAck);
  EXPECT_EQ(board.server().bms().config().fuse_rating_a, 60);
}

TEST(PlantLink, ShutdownRequestsExit) {
  Board board;
  Server::Action action = Server::Action::kNone;
  board.exchange(frame(Type::kShutdown, 1, {}), &action);
  EXPECT_EQ(action, Server::Action::kShutdown);
}

TEST(PlantLink, DecoderResynchronisesAfterGarbage) {
  const auto good = frame(Type::kReset, 5, {});
  std::vector<std::uint8_t> stream = {0x00, kSync0, 0x13, kSync0, kSync0};
  stream.insert(stream.end(), good.begin(), good.end());
  Decoder d;
  int frames = 0;
  for (auto b : stream) frames += d.feed(b) == Decoder::Result::kFrame;
  EXPECT_EQ(frames, 1);
  EXPECT_EQ(d.frame().sequence, 5);
}

TEST(PlantLink, DeltaRoundTripRandomAndExtremes) {
  std::mt19937 rng(3);
  std::uint8_t buf[kMaxDeltaSize + 8];
  fw::Inputs prev = random_inputs(rng);
  for (int i = 0; i < 20000; ++i) {
    fw::Inputs next = prev;
    if (i % 3 == 0) {
      next = random_inputs(rng);  // everything changes: the worst case
    } else {
      next.cell_mv[i % 20] += (i % 7) - 3;
      next.alt_current_ma -= 1234;
      next.battery[i % 5].prealarm = !next.battery[i % 5].prealarm;
    }
    if (i == 5) {
      next.cell_mv[0] = INT32_MIN;
      next.cell_temp_dc[0] = INT16_MAX;
      prev.cell_mv[0] = INT32_MAX;
      prev.cell_temp_dc[0] = INT16_MIN;
    }
    Writer w(buf, sizeof buf);
    encode_delta(w, prev, next);
    ASSERT_TRUE(w.ok());
    ASSERT_LE(w.size(), kMaxDeltaSize);
    Reader r(buf, w.size());
    fw::Inputs back = prev;
    ASSERT_TRUE(decode_delta(r, back));
    ASSERT_TRUE(r.at_end());
    ASSERT_TRUE(same_inputs(back, next)) << i;
    prev = next;
  }
  // Unchanged sample: one byte. One cell changed by a few mV: group, mask, value.
  Writer w(buf, sizeof buf);
  encode_delta(w, prev, prev);
  EXPECT_EQ(w.size(), 1u);
  fw::Inputs one = prev;
  one.cell_mv[3] += 2;
  Writer w1(buf, sizeof buf);
  encode_delta(w1, prev, one);
  EXPECT_EQ(w1.size(), 3u);
}

TEST(PlantLink, DeltaRejectsNonCanonicalMasks) {
  const std::uint8_t listed_but_empty[] = {0x01, 0x00};
  const std::uint8_t group_beyond[] = {0x80};
  const std::uint8_t field_beyond[] = {0x40, 0x08, 0x00};  // field 51
  const std::uint8_t field_50[] = {0x40, 0x04, 0x00};      // field 50 (remote_l_mv) += 0: valid
  fw::Inputs in;
  Reader a(listed_but_empty, sizeof listed_but_empty);
  EXPECT_FALSE(decode_delta(a, in));
  Reader b(group_beyond, sizeof group_beyond);
  EXPECT_FALSE(decode_delta(b, in));
  Reader c(field_beyond, sizeof field_beyond);
  EXPECT_FALSE(decode_delta(c, in));
  Reader d(field_50, sizeof field_50);
  EXPECT_TRUE(decode_delta(d, in));
}

TEST(PlantLink, DeltaRejectsOutOfRangeValues) {
  std::uint8_t buf[32] = {};
  // field 20 (cell_temp_dc[0]) += 40000 → out of int16
  Writer w(buf, sizeof buf);
  w.u8(1u << 2);  // group 2 (fields 16..23) ...
  w.u8(0x10);     // ... field 20
  w.u8(0xC0);  // zigzag(40000) = 80000 = 0x13880 → varint C0 B8 04
  w.u8(0xB8);
  w.u8(0x04);
  fw::Inputs in;
  Reader r(buf, w.size());
  EXPECT_FALSE(decode_delta(r, in));
  // +32767 from 0 fits; +32768 does not.
  for (std::int32_t d : {32767, 32768}) {
    Writer w2(buf, sizeof buf);
    fw::Inputs a{};
    fw::Inputs b{};
    b.heatsink_temp_dc = static_cast<std::int16_t>(d == 32767 ? 32767 : 0);
    encode_delta(w2, a, b);
    if (d == 32768) {
      // hand-made: field 48 += 32768
      Writer w3(buf, sizeof buf);
      w3.u8(1u << 6);  // group 6 (fields 48..50) ...
      w3.u8(0x01);     // ... field 48: heatsink
      w3.u8(0x80);  // zigzag(32768) = 65536 → varint 80 80 04
      w3.u8(0x80);
      w3.u8(0x04);
      Reader r3(buf, w3.size());
      fw::Inputs x{};
      x.heatsink_temp_dc = 0;
      EXPECT_FALSE(decode_delta(r3, x));
    } else {
      Reader r2(buf, w2.size());
      fw::Inputs x = a;
      EXPECT_TRUE(decode_delta(r2, x));
      EXPECT_EQ(x.heatsink_temp_dc, 32767);
    }
  }
}

// The compact form the rig uses: assumed = last outputs, sample 0 as delta from the reference. Same results as
// a local Bms; a stale reference sequence is refused and changes nothing.
TEST(PlantLink, CompactStepsFromReference) {
  Board board;
  ASSERT_EQ(board.exchange(frame(Type::kConfig, 1, config_payload(fw::Config{})))[0].payload[0], 0);
  fw::Bms local;
  ASSERT_EQ(local.configure(fw::Config{}), fw::ConfigError::kOk);
  local.reset();
  std::mt19937 rng(5);
  fw::Inputs prev = healthy_inputs();
  // First step: full.
  auto replies = board.exchange(frame(Type::kStep, 100, step_payload(0, fw::Outputs{}, {prev})));
  StepResult res = parse_result(replies.at(0));
  ASSERT_TRUE(res.last == local.step(prev, 0));
  fw::Outputs assumed = res.last;
  std::uint16_t ref_seq = 100;
  fw::Millis now = fw::kTickMs;
  for (std::uint16_t seq = 101; seq < 160; ++seq) {
    std::vector<fw::Inputs> batch;
    fw::Inputs in = prev;
    for (std::size_t i = 0; i < 8; ++i) {
      in.cell_mv[rng() % 4] -= static_cast<std::int32_t>(rng() % 3);
      batch.push_back(in);
    }
    std::vector<std::uint8_t> p(kMaxPayload);
    Writer w(p.data(), p.size());
    StepRequest req;
    req.first_now = now;
    req.count = static_cast<std::uint16_t>(batch.size());
    req.flags = kStepAssumedIsLast | kStepDeltaFromReference;
    req.reference_sequence = ref_seq;
    encode_step_header(w, req);
    for (std::size_t i = 0; i < batch.size(); ++i) encode_delta(w, i == 0 ? prev : batch[i - 1], batch[i]);
    p.resize(w.size());
    replies = board.exchange(frame(Type::kStep, seq, p));
    res = parse_result(replies.at(0));
    for (std::uint16_t i = 0; i < res.executed; ++i) {
      const fw::Outputs got = i + 1 < res.executed ? assumed : res.last;
      ASSERT_TRUE(got == local.step(batch[i], now + i * fw::kTickMs)) << seq << " " << i;
    }
    prev = batch[res.executed - 1];
    assumed = res.last;
    now += res.executed * fw::kTickMs;
    ref_seq = seq;
  }
  // A stale reference is refused.
  std::vector<std::uint8_t> p(kMaxPayload);
  Writer w(p.data(), p.size());
  StepRequest req;
  req.first_now = now;
  req.count = 1;
  req.flags = kStepAssumedIsLast | kStepDeltaFromReference;
  req.reference_sequence = static_cast<std::uint16_t>(ref_seq - 1);
  encode_step_header(w, req);
  encode_delta(w, prev, prev);
  p.resize(w.size());
  replies = board.exchange(frame(Type::kStep, 500, p));
  EXPECT_EQ(replies.at(0).type, Type::kError);
  EXPECT_EQ(replies.at(0).payload[0], static_cast<std::uint8_t>(ErrorCode::kPayload));
}

// Fuzz 1: 10^6 corrupted copies of valid frames (1–4 random byte changes, truncations, insertions). The decoder
// must never deliver a frame that differs from the original, and never crash; the Server fed the same bytes must
// never change its configuration from a corrupted Config frame.
TEST(PlantLinkFuzz, OneMillionCorruptedFramesNeverAccepted) {
  std::mt19937 rng(20261129);
  fw::Config c;
  c.fuse_rating_a = 50;
  std::vector<std::vector<std::uint8_t>> originals = {
      frame(Type::kConfig, 3, config_payload(c)), frame(Type::kHello, 1, {kVersion}), frame(Type::kReset, 2, {}),
      frame(Type::kStep, 4, step_payload(100, fw::Outputs{}, std::vector<fw::Inputs>(2, healthy_inputs())))};
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> kinds(0, 2);
  std::uniform_int_distribution<int> changes(1, 4);
  Board board;
  Decoder d;
  long accepted_original = 0;
  long errors = 0;
  constexpr long kCases = 1000000;
  for (long n = 0; n < kCases; ++n) {
    const auto& orig = originals[static_cast<std::size_t>(n) % originals.size()];
    std::vector<std::uint8_t> f = orig;
    const int kind = kinds(rng);
    if (kind == 0) {  // byte changes (guaranteed different)
      for (int k = changes(rng); k > 0; --k) {
        const std::size_t at = std::uniform_int_distribution<std::size_t>(0, f.size() - 1)(rng);
        f[at] = static_cast<std::uint8_t>(f[at] ^ std::uniform_int_distribution<int>(1, 255)(rng));
      }
    } else if (kind == 1) {  // insert a byte
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, f.size() - 1)(rng);
      f.insert(f.begin() + static_cast<long>(at), static_cast<std::uint8_t>(byte(rng)));
    } else {  // drop a byte
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, f.size() - 1)(rng);
      f.erase(f.begin() + static_cast<long>(at));
    }
    if (f == orig) continue;
    for (auto b : f) {
      const auto r = d.feed(b);
      if (r == Decoder::Result::kError) ++errors;
      if (r == Decoder::Result::kFrame) {
        // A delivered frame must be byte-identical to an original (e.g. a change only in a byte before sync).
        const Frame& fr = d.frame();
        std::vector<std::uint8_t> again(kMaxFrame);
        const std::size_t len = encode_frame(static_cast<Type>(fr.type), fr.sequence, fr.payload, fr.length,
                                             again.data(), again.size());
        again.resize(len);
        ASSERT_EQ(again, orig) << "corrupted frame accepted at case " << n;
        ++accepted_original;
      }
    }
    d.reset();  // the rig resets its decoder after a timeout; start each case clean
    if (n % 50 == 0) {
      for (auto b : f) board.server().feed(b);
      ASSERT_TRUE(board.server().bms().config().fuse_rating_a == 100 || board.server().bms().config().fuse_rating_a == 50);
    }
  }
  EXPECT_GT(errors, kCases / 2);
  // Only changes outside the frame proper (a byte inserted before the sync pair) leave the original intact.
  EXPECT_LT(accepted_original, kCases / 20);
}

// Fuzz 2: 10^6 random byte strings into the decoder and the server, and random payloads into every decoder.
TEST(PlantLinkFuzz, OneMillionRandomInputsNoCrash) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  Board board;
  Decoder d;
  long frames = 0;
  for (long n = 0; n < 1000000; ++n) {
    std::uint8_t buf[200];
    const std::size_t len = std::uniform_int_distribution<std::size_t>(0, sizeof buf)(rng);
    for (std::size_t i = 0; i < len; ++i) buf[i] = static_cast<std::uint8_t>(byte(rng));
    if (n % 4 == 0 && len >= 2) {  // make a sync pair likely
      buf[0] = kSync0;
      buf[1] = kSync1;
    }
    Reader r1(buf, len);
    fw::Inputs in;
    decode_inputs(r1, in);
    Reader r2(buf, len);
    fw::Outputs out;
    decode_outputs(r2, out);
    Reader r3(buf, len);
    fw::Config cfg;
    decode_config(r3, cfg);
    Reader r5(buf, len);
    fw::Inputs delta_in;
    decode_delta(r5, delta_in);
    Reader r6(buf, len);
    StepRequest req;
    decode_step_header(r6, req);
    Reader r7(buf, len);
    StepResult res;
    decode_step_result(r7, res);
    Reader r4(buf, len);
    Identity id;
    if (decode_identity(r4, id)) {
      ASSERT_LE(std::strlen(id.firmware_version), kMaxText);
    }
    for (std::size_t i = 0; i < len; ++i) frames += d.feed(buf[i]) == Decoder::Result::kFrame;
    if (n % 100 == 0) {
      for (std::size_t i = 0; i < len; ++i) board.server().feed(buf[i]);
    }
  }
  EXPECT_EQ(frames, 0);  // random bytes never carry a valid CRC (2^-32 per candidate)
}

namespace {

// Two slots in memory (erased = 0xFF) that count the bytes written.
class CountingStorage final : public fw::Storage {
 public:
  CountingStorage() { erase(0), erase(1); }
  std::size_t slot_size() const override { return 64; }
  bool read(int slot, std::size_t offset, std::uint8_t* dst, std::size_t n) override {
    std::memcpy(dst, bytes_[slot] + offset, n);
    return true;
  }
  bool write(int slot, std::size_t offset, const std::uint8_t* src, std::size_t n) override {
    std::memcpy(bytes_[slot] + offset, src, n);
    written += n;
    return true;
  }
  bool erase(int slot) override {
    std::memset(bytes_[slot], 0xFF, sizeof bytes_[slot]);
    return true;
  }
  std::size_t written = 0;

 private:
  std::uint8_t bytes_[2][64];
};

struct ConfigAck {
  std::uint8_t err = 0xEE;
  std::uint8_t nvm = 0xEE;
  fw::Config config{};
};

ConfigAck config_ack(const std::vector<Captured>& replies) {
  ConfigAck a;
  EXPECT_EQ(replies.size(), 1u);
  if (replies.size() != 1) return a;
  EXPECT_EQ(replies[0].type, Type::kConfigAck);
  EXPECT_EQ(replies[0].payload.size(), kConfigAckSize);
  Reader r(replies[0].payload.data(), replies[0].payload.size());
  a.err = r.u8();
  a.nvm = r.u8();
  EXPECT_TRUE(decode_config(r, a.config));
  return a;
}

}  // namespace

// FLT-4 on the board side of the plant link: a board with NVM boots from it (defaults + kNoValidSlot when it
// holds nothing valid), saves every configuration the rig sets (once: an unchanged one is not written again),
// never saves a refused one, and an empty kConfig starts afresh on the configuration in force.
TEST(PlantLink, FLT_4_ConfigurationLivesInTheBoardsNvm) {
  CountingStorage nvm;
  fw::ConfigStore store(nvm);
  {
    Board board;
    board.server().set_config_store(&store);
    EXPECT_EQ(board.server().boot_from_store(), fw::StoreError::kNoValidSlot);
    EXPECT_EQ(board.server().bms().config().fuse_rating_a, fw::Config{}.fuse_rating_a);
    ConfigAck a = config_ack(board.exchange(frame(Type::kConfig, 1, {})));
    EXPECT_EQ(a.err, 0);
    EXPECT_EQ(a.nvm, static_cast<std::uint8_t>(fw::StoreError::kNoValidSlot));
    EXPECT_EQ(nvm.written, 0u);

    fw::Config c;
    c.fuse_rating_a = 60;
    c.prealarm_mv = 3000;
    a = config_ack(board.exchange(frame(Type::kConfig, 2, config_payload(c))));
    EXPECT_EQ(a.err, 0);
    EXPECT_EQ(a.nvm, 0);
    EXPECT_EQ(a.config.fuse_rating_a, 60);
    EXPECT_EQ(a.config.prealarm_mv, 3000);
    EXPECT_EQ(nvm.written, fw::ConfigStore::kRecordSize);
    a = config_ack(board.exchange(frame(Type::kConfig, 3, config_payload(c))));  // unchanged: not written again
    EXPECT_EQ(nvm.written, fw::ConfigStore::kRecordSize);

    fw::Config bad = c;
    bad.fuse_rating_a = 39;
    a = config_ack(board.exchange(frame(Type::kConfig, 4, config_payload(bad))));
    EXPECT_EQ(a.err, static_cast<std::uint8_t>(fw::ConfigError::kFuseRating));
    EXPECT_EQ(a.config.fuse_rating_a, 60);  // the previous one stays in force
    EXPECT_EQ(nvm.written, fw::ConfigStore::kRecordSize);
  }
  // Power cycle: a new board on the same NVM boots with the saved configuration.
  Board board;
  board.server().set_config_store(&store);
  EXPECT_EQ(board.server().boot_from_store(), fw::StoreError::kOk);
  const ConfigAck a = config_ack(board.exchange(frame(Type::kConfig, 1, {})));
  EXPECT_EQ(a.err, 0);
  EXPECT_EQ(a.nvm, 0);
  EXPECT_EQ(a.config.fuse_rating_a, 60);
  EXPECT_EQ(a.config.prealarm_mv, 3000);
  EXPECT_EQ(board.server().bms().config().fuse_rating_a, 60);
  // A save from elsewhere (a HEX set's hook) goes to the same store.
  fw::Config d = a.config;
  d.fuse_rating_a = 125;
  EXPECT_EQ(board.server().save_config(d), fw::StoreError::kOk);
  EXPECT_EQ(store.load().config.fuse_rating_a, 125);
  EXPECT_EQ(nvm.written, 2 * fw::ConfigStore::kRecordSize);
}

// Without a store the board keeps its configuration in RAM and reports kOk.
TEST(PlantLink, ConfigAckWithoutNvm) {
  Board board;
  fw::Config c;
  c.fuse_rating_a = 70;
  const ConfigAck a = config_ack(board.exchange(frame(Type::kConfig, 1, config_payload(c))));
  EXPECT_EQ(a.err, 0);
  EXPECT_EQ(a.nvm, 0);
  EXPECT_EQ(a.config.fuse_rating_a, 70);
}
