// Internal to rig_report: text written in chunks, so a long trace is never held whole in memory, and the trace's
// samples visited in time order without copying them out.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rig/trace.hpp"

namespace rig::report::detail {

// A temporary file beside `path` that becomes `path` on commit() (fsync, rename); removed if never committed.
// Creates missing parent folders. Throws WriteError.
class AtomicFile {
 public:
  explicit AtomicFile(const std::filesystem::path& path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();
  void write(std::string_view text);
  void commit();

 private:
  std::filesystem::path path_, tmp_;
  int fd_ = -1;
};

// A text buffer the writers append to; with a sink, every ~1 MiB goes to it (a file) and the buffer starts again;
// without one, it keeps everything (the string-returning writers).
class TextOut {
 public:
  TextOut() = default;
  explicit TextOut(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) { text_.reserve(kChunk + 4096); }
  TextOut& operator+=(std::string_view s) {
    text_ += s;
    return *this;
  }
  TextOut& operator+=(char c) {
    text_ += c;
    return *this;
  }
  // Hands the buffer to the sink once it is large enough; call between records.
  void chunk() {
    if (sink_ && text_.size() >= kChunk) flush();
  }
  void flush() {
    if (sink_ && !text_.empty()) sink_(text_);
    if (sink_) text_.clear();
  }
  std::string take() { return std::move(text_); }

 private:
  static constexpr std::size_t kChunk = std::size_t{1} << 20;
  std::string text_;
  std::function<void(std::string_view)> sink_;
};

// Streams a writer's text into `path` (atomically), about 1 MiB at a time: emit(TextOut&) writes it.
template <class Emit>
void write_streamed(const std::filesystem::path& path, Emit&& emit) {
  AtomicFile f(path);
  TextOut o([&f](std::string_view chunk) { f.write(chunk); });
  emit(o);
  o.flush();
  f.commit();
}

// Calls fn(sample, id) for every sample of every signal in time order; at equal times in signal order, then in
// recording order (what a stable sort of all samples by time gives), without materialising the merged list.
template <class Fn>
void for_each_sample_in_time_order(const Trace& trace, Fn&& fn) {
  using Head = std::pair<Time, SignalId>;
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heads;
  std::vector<std::size_t> next(trace.signal_count(), 0);
  for (SignalId id = 0; id < trace.signal_count(); ++id)
    if (!trace.samples(id).empty()) heads.emplace(trace.samples(id).front().t, id);
  while (!heads.empty()) {
    const SignalId id = heads.top().second;
    heads.pop();
    const auto& s = trace.samples(id);
    fn(s[next[id]], id);
    if (++next[id] < s.size()) heads.emplace(s[next[id]].t, id);
  }
}

}  // namespace rig::report::detail
