#include "fw/pil_server.hpp"

#include "fw/plant_link_mailbox.hpp"

namespace fw::plant_link {

// --- Server ----------------------------------------------------------------------------------------------------

void Server::send(Type type, std::uint16_t sequence, std::size_t payload_size) {
  const std::size_t n = encode_frame(type, sequence, payload_, payload_size, tx_, sizeof tx_);
  if (n > 0 && port_.write != nullptr) port_.write(port_.context, tx_, n);
}

void Server::send_error(ErrorCode code, std::uint16_t sequence) {
  ++bad_frames_;
  Writer w(payload_, sizeof payload_);
  w.u8(static_cast<std::uint8_t>(code));
  w.u32(bad_frames_);
  send(Type::kError, sequence, w.size());
}

namespace {

// Saves `config` unless the store's newest record already holds it (no wear for a rig that sends the same
// configuration at every start); `status` becomes the save's result.
void save_if_changed(ConfigStore& store, const Config& config, StoreError& status) {
  const LoadResult current = store.load();
  if (current.error == StoreError::kOk) {
    std::uint8_t a[ConfigStore::kRecordSize];
    std::uint8_t b[ConfigStore::kRecordSize];
    ConfigStore::encode(current.config, 0, a);
    ConfigStore::encode(config, 0, b);
    bool same = true;
    for (std::size_t i = 0; i < sizeof a; ++i) same = same && a[i] == b[i];
    if (same) {
      status = StoreError::kOk;
      return;
    }
  }
  status = store.save(config);
}

}  // namespace

StoreError Server::boot_from_store() {
  if (store_ == nullptr) return nvm_status_;
  const LoadResult loaded = store_->load();
  nvm_status_ = loaded.error;
  start_core(loaded.error == StoreError::kOk ? loaded.config : Config{});
  return nvm_status_;
}

StoreError Server::save_config(const Config& config) {
  if (store_ != nullptr) save_if_changed(*store_, config, nvm_status_);
  return store_ != nullptr ? nvm_status_ : StoreError::kOk;
}

void Server::start_core(const Config& config) {
  Bms fresh{};
  if (fresh.configure(config) != ConfigError::kOk) (void)fresh.configure(Config{});
  bms_ = fresh;
  bms_.reset();
  has_reference_ = false;
  has_last_outputs_ = false;
}

void Server::send_ready() {
  Writer w(payload_, sizeof payload_);
  encode_identity(w, identity_);
  send(Type::kReady, 0, w.size());
}

void Server::send_fault(const char* text) {
  Writer w(payload_, sizeof payload_);
  w.text(text);
  send(Type::kFault, 0, w.size());
}

Server::Action Server::feed(std::uint8_t byte) {
  const Decoder::Result r = decoder_.feed(byte);
  if (r == Decoder::Result::kError) {
    send_error(decoder_.error(), decoder_.frame().sequence);
    return Action::kNone;
  }
  if (r == Decoder::Result::kFrame) return handle(decoder_.frame());
  return Action::kNone;
}

Server::Action Server::handle(const Frame& f) {
  if (f.version != kVersion) {
    send_error(ErrorCode::kVersion, f.sequence);
    return Action::kNone;
  }
  Reader r(f.payload, f.length);
  Writer w(payload_, sizeof payload_);
  switch (static_cast<Type>(f.type)) {
    case Type::kHello: {
      const std::uint8_t version = r.u8();
      const std::uint8_t options = r.at_end() ? 0 : r.u8();  // optional byte: kHelloOption* bits
      if (!r.ok() || !r.at_end()) break;
      if (version != kVersion) {
        send_error(ErrorCode::kVersion, f.sequence);
        return Action::kNone;
      }
      const std::uint8_t known =
          kHelloOptionTickHook | (port_.mailbox != nullptr ? mailbox::kHelloOptionMailbox : std::uint8_t{0});
      if ((options & ~known) != 0) break;
      tick_hook_enabled_ = (options & kHelloOptionTickHook) != 0;
      encode_identity(w, identity_);
      send(Type::kHelloAck, f.sequence, w.size());
      // The switch applies from the next frame on (the acknowledgement went on the transport the kHello came on).
      if (port_.mailbox != nullptr) port_.mailbox(port_.context, (options & mailbox::kHelloOptionMailbox) != 0);
      return Action::kNone;
    }
    case Type::kConfig: {
      // Empty payload: start afresh on the configuration in force (the one the board booted with from NVM).
      if (r.at_end()) {
        start_core(bms_.config());
        w.u8(static_cast<std::uint8_t>(ConfigError::kOk));
      } else {
        Config c{};
        if (!decode_config(r, c) || !r.at_end()) break;
        Bms fresh{};
        const ConfigError err = fresh.configure(c);
        if (err == ConfigError::kOk) {
          start_core(c);
          (void)save_config(c);
        }
        w.u8(static_cast<std::uint8_t>(err));
      }
      w.u8(static_cast<std::uint8_t>(nvm_status_));
      encode_config(w, bms_.config());
      send(Type::kConfigAck, f.sequence, w.size());
      return Action::kNone;
    }
    case Type::kReset:
      if (!r.at_end()) break;
      bms_.reset();
      send(Type::kResetAck, f.sequence, 0);
      return Action::kNone;
    case Type::kStep:
      if (!handle_step(f, r)) break;
      return Action::kNone;
    case Type::kShutdown:
      if (!r.at_end()) break;
      return Action::kShutdown;
    default:
      send_error(ErrorCode::kType, f.sequence);
      return Action::kNone;
  }
  send_error(ErrorCode::kPayload, f.sequence);
  return Action::kNone;
}

bool Server::handle_step(const Frame& f, Reader& r) {
  StepRequest req;
  if (!decode_step_header(r, req)) return false;
  if ((req.flags & kStepAssumedIsLast) != 0) {
    if (!has_last_outputs_) return false;
    req.assumed = last_outputs_;
  }
  const bool from_reference = (req.flags & kStepDeltaFromReference) != 0;
  if (from_reference && (!has_reference_ || req.reference_sequence != reference_sequence_)) return false;
  // Validate the whole batch before acting on any of it (a bad frame is never acted on).
  const Reader samples = r;
  {
    Reader check = samples;
    Inputs in = reference_;
    for (std::uint16_t i = 0; i < req.count; ++i) {
      const bool ok = (i == 0 && !from_reference) ? decode_inputs(check, in) : decode_delta(check, in);
      if (!ok) return false;
    }
    if (!check.at_end()) return false;
  }
  Reader rd = samples;
  Inputs in = reference_;
  StepResult res;
  for (std::uint16_t i = 0; i < req.count; ++i) {
    if (i == 0 && !from_reference) {
      decode_inputs(rd, in);
    } else {
      decode_delta(rd, in);
    }
    const std::uint32_t t0 = port_.cycles != nullptr ? port_.cycles(port_.context) : 0;
    const Millis now = req.first_now + static_cast<Millis>(i) * kTickMs;
    res.last = bms_.step(in, now);
    if (port_.cycles != nullptr) {
      const std::uint32_t dt = (port_.cycles(port_.context) - t0) & port_.cycle_mask;
      if (dt > max_step_cycles_) max_step_cycles_ = dt;
      if (port_.cycles_per_tick != 0 && dt > port_.cycles_per_tick) ++overruns_;
    }
    if (tick_hook_enabled_ && port_.on_tick != nullptr) port_.on_tick(port_.context, in, res.last, bms_.config(), now);
    if (port_.alive != nullptr) port_.alive(port_.context);
    ++res.executed;
    if (res.last != req.assumed) break;
  }
  reference_ = in;
  reference_sequence_ = f.sequence;
  has_reference_ = true;
  last_outputs_ = res.last;
  has_last_outputs_ = true;
  res.overruns = overruns_;
  res.max_step_cycles = max_step_cycles_;
  Writer w(payload_, sizeof payload_);
  encode_step_result(w, res);
  send(Type::kStepResult, f.sequence, w.size());
  return true;
}

}  // namespace fw::plant_link
