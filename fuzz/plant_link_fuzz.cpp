// libFuzzer harness: the plant-link frame decoder (fw::plant_link::Decoder) fed byte by byte, and every payload it
// hands out through the payload decoders (inputs, outputs, config, identity, step header, deltas, step result).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fw/plant_link.hpp"

namespace pl = fw::plant_link;

namespace {
void decode_payload(const pl::Frame& f) {
  if (f.length > pl::kMaxPayload) std::abort();
  {
    pl::Reader r(f.payload, f.length);
    fw::Inputs in{};
    (void)pl::decode_inputs(r, in);
  }
  {
    pl::Reader r(f.payload, f.length);
    fw::Outputs out{};
    (void)pl::decode_outputs(r, out);
  }
  {
    pl::Reader r(f.payload, f.length);
    fw::Config c{};
    (void)pl::decode_config(r, c);
  }
  {
    pl::Reader r(f.payload, f.length);
    pl::Identity id{};
    (void)pl::decode_identity(r, id);
  }
  {
    pl::Reader r(f.payload, f.length);
    pl::StepResult res{};
    (void)pl::decode_step_result(r, res);
  }
  {
    // A Step: header, then up to `count` samples, each a delta on the previous one.
    pl::Reader r(f.payload, f.length);
    pl::StepRequest req{};
    if (!pl::decode_step_header(r, req)) return;
    fw::Inputs sample{};
    for (std::uint16_t i = 0; i < req.count && i < pl::kMaxBatch; ++i)
      if (!pl::decode_delta(r, sample)) break;
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pl::Decoder decoder;
  for (std::size_t i = 0; i < size; ++i) {
    const auto result = decoder.feed(data[i]);
    if (result == pl::Decoder::Result::kFrame) decode_payload(decoder.frame());
  }
  return 0;
}
