#include "rig/qemu_dut.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "fw/bms.hpp"
#include "fw/plant_link_mailbox.hpp"
#include "fw/registers.hpp"
#include "fw/vedirect_hex.hpp"

namespace rig {

namespace pl = fw::plant_link;
namespace mb = fw::plant_link::mailbox;
using Clock = std::chrono::steady_clock;

namespace {

// Finds an executable: a path as given, or a name searched in PATH. Empty when not found.
std::string find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

const char* type_name(pl::Type t) {
  switch (t) {
    case pl::Type::kReady: return "Ready";
    case pl::Type::kHello: return "Hello";
    case pl::Type::kHelloAck: return "HelloAck";
    case pl::Type::kConfig: return "Config";
    case pl::Type::kConfigAck: return "ConfigAck";
    case pl::Type::kReset: return "Reset";
    case pl::Type::kResetAck: return "ResetAck";
    case pl::Type::kStep: return "Step";
    case pl::Type::kStepResult: return "StepResult";
    case pl::Type::kShutdown: return "Shutdown";
    case pl::Type::kError: return "Error";
    case pl::Type::kFault: return "Fault";
  }
  return "unknown";
}

// A new folder from `templ` (…XXXXXX) in $TMPDIR when that leaves room for a Unix socket's path (at most 107
// bytes), else in /tmp.
std::filesystem::path make_temp_dir(const std::string& templ) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  if (base.size() > 60) base = "/tmp";
  std::string path = base + "/" + templ;
  if (::mkdtemp(path.data()) == nullptr) throw DutError("mkdtemp in " + base + " failed: " + std::strerror(errno));
  return path;
}

}  // namespace

std::filesystem::path default_pil_image() {
  if (const char* env = std::getenv("BMSRIG_PIL_IMAGE"); env != nullptr && *env != '\0') return env;
  // the tree's cross build, under the current directory or the nearest folder above it (a build folder inside the
  // tree finds the tree's); no path of the build machine is compiled in
  const std::filesystem::path image = "build/cross-cm3/firmware/boards/mps2-an385/fw_mps2_an385.elf";
  std::error_code ec;
  for (std::filesystem::path dir = std::filesystem::current_path(ec); !ec; dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / image, ec)) return dir / image;
    if (!dir.has_relative_path()) break;
  }
  return image;
}

QemuDut::QemuDut(QemuDutOptions options) : options_(std::move(options)) {
  if (options_.image.empty()) options_.image = default_pil_image();
  if (find_executable(options_.qemu).empty()) {
    throw DutError("PIL needs QEMU: '" + options_.qemu +
                   "' was not found in PATH — install it (Debian: apt-get install qemu-system-arm; ci/setup.sh does)");
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options_.image, ec)) {
    throw DutError("PIL firmware image not found: " + options_.image.string() +
                   " — build it with `cmake --preset cross-cm3 && cmake --build --preset cross-cm3` "
                   "(needs gcc-arm-none-eabi and libnewlib-arm-none-eabi)");
  }
  if (options_.nvm_file.string().find(',') != std::string::npos)
    throw DutError("PIL NVM file path contains a comma (QEMU's option syntax cannot carry it): " +
                   options_.nvm_file.string());
  try {
    if (options_.nvm_file.empty()) {
      nvm_dir_ = make_temp_dir("bmsrig-nvm-XXXXXX");
      nvm_file_ = nvm_dir_ / "nvm.bin";
    } else {
      nvm_file_ = options_.nvm_file;
    }
    boot();
  } catch (...) {
    stop();
    throw;
  }
}

void QemuDut::boot() {
  mailbox_off();
  launch();
  connect_socket();
  // UART1 second: QEMU opens its second serial's socket once the first has a client (both wait=on).
  if (options_.vedirect) fd1_ = connect_unix(uart1_path_, "UART1 (VE.Direct)");
  framing_.reset();
  unit_.clear();
  blocks_due_.clear();
  answers_due_.clear();
  // The image speaks first (kReady): nothing is sent before its first byte.
  Received ready = receive_frame();
  if (ready.type != pl::Type::kReady) fail(std::string("expected the Ready frame, got ") + type_name(ready.type));
  hello();
}

void QemuDut::hello() {
  mailbox_off();  // the board starts every run on the byte link
  const std::uint8_t options = options_.vedirect ? pl::kHelloOptionTickHook : 0;
  const bool want_mailbox = options_.mailbox && map_mailbox();
  std::vector<std::uint8_t> hello = {pl::kVersion};
  if (options != 0 || want_mailbox) hello.push_back(options | (want_mailbox ? mb::kHelloOptionMailbox : 0));
  bool refused = false;
  Received ack = request(pl::Type::kHello, hello, pl::Type::kHelloAck, want_mailbox ? &refused : nullptr);
  if (refused) {
    // An image without the mailbox refuses the option: the byte link it is.
    hello.resize(options != 0 ? 2 : 1);
    if (options != 0) hello[1] = options;
    ack = request(pl::Type::kHello, hello, pl::Type::kHelloAck);
  } else if (want_mailbox) {
    mailbox_on_ = true;  // from the next frame on (the board switched after its kHelloAck)
    mailbox_seq_ = 0;
  }
  pl::Identity id;
  pl::Reader r(ack.payload.data(), ack.payload.size());
  if (!pl::decode_identity(r, id)) fail("malformed HelloAck");
  if (id.protocol_version != pl::kVersion) {
    fail("plant-link protocol version mismatch: image " + std::to_string(id.protocol_version) + ", rig " +
         std::to_string(pl::kVersion));
  }
  info_ = FirmwareInfo{id.firmware_version, id.build_hash, id.target};
  batch_ = std::max<std::size_t>(1, std::min<std::size_t>(options_.batch, id.max_batch));
}

QemuDut::~QemuDut() { stop(); }

void QemuDut::launch() {
  dir_ = make_temp_dir("bmsrig-qemu-XXXXXX");
  socket_path_ = dir_ / "uart.sock";
  log_path_ = dir_ / "qemu.log";
  uart1_path_ = dir_ / "uart1.sock";
  const std::string qemu = find_executable(options_.qemu);
  // The NVM: the board's PSRAM (the machine's RAM backend on mps2-an385, mapped at 0x21000000) in a host file.
  // Board time: -icount shift=6 advances QEMU's clock 64 ns per executed instruction (1.6 cycles at 25 MHz, a
  // pessimistic CPI for a Cortex-M3) while the CPU runs, and with the host clock while it sleeps (sleep=on). So
  // SysTick (the overrun guard) and the watchdog count the image's own work, not the host's load: a host that
  // stalls QEMU in the middle of a step cannot make a healthy board's watchdog bite.
  std::vector<std::string> args = {qemu,
                                   "-object", "memory-backend-file,id=nvm,size=16M,mem-path=" + nvm_file_.string() +
                                                  ",share=on",
                                   "-M", "mps2-an385,memory-backend=nvm",
                                   "-icount", "shift=6,sleep=on",
                                   "-nographic",
                                   "-monitor", "none",
                                   "-serial", "unix:" + socket_path_.string() + ",server=on,wait=on",
                                   "-semihosting-config", "enable=on,target=native",
                                   "-kernel", options_.image.string()};
  // UART1: the board's VE.Direct port (a second serial; without it QEMU connects UART1 to nothing).
  if (options_.vedirect) args.insert(args.end() - 4, {"-serial", "unix:" + uart1_path_.string() + ",server=on,wait=on"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) throw DutError("cannot create " + log_path_.string());
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    ::close(null_fd);
    throw DutError(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec. QEMU dies with the rig (no orphan, even on a crash).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  pid_ = pid;
}

bool QemuDut::qemu_alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void QemuDut::connect_socket() { fd_ = connect_unix(socket_path_, "UART"); }

namespace {
std::uint32_t load_u32(const volatile std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
void store_u32(volatile std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}
}  // namespace

bool QemuDut::map_mailbox() {
  if (mailbox_ != nullptr) return true;
  // QEMU sized the file when it started (memory-backend-file, size=16M); the mailbox lies 1 MiB into it.
  const int fd = ::open(nvm_file_.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  void* p = MAP_FAILED;
  if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) >= mb::kOffset + mb::kSize)
    p = ::mmap(nullptr, mb::kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(mb::kOffset));
  ::close(fd);
  if (p == MAP_FAILED) return false;
  mailbox_ = static_cast<volatile std::uint8_t*>(p);
  return true;
}

void QemuDut::unmap_mailbox() {
  mailbox_off();
  if (mailbox_ != nullptr) ::munmap(const_cast<std::uint8_t*>(mailbox_), mb::kSize);
  mailbox_ = nullptr;
}

void QemuDut::mailbox_off() {
  mailbox_on_ = false;
  mailbox_pending_ = false;
  frames_.clear();
}

// The request into the mailbox's request area, the response area's sequence cleared, then the doorbell. The
// doorbell's send() is a system call: the stores before it are visible to QEMU's guest once it reads the byte.
void QemuDut::mailbox_send(const std::uint8_t* frame, std::size_t n) {
  if (n > mb::kCapacity) fail("frame too large for the mailbox");
  const std::uint32_t seq = ++mailbox_seq_;
  volatile std::uint8_t* req = mailbox_ + mb::kRequest;
  volatile std::uint8_t* resp = mailbox_ + mb::kResponse;
  store_u32(resp + mb::kSeqBegin, 0);
  store_u32(resp + mb::kSeqEnd, 0);
  store_u32(req + mb::kSeqBegin, seq);
  for (std::size_t i = 0; i < n; ++i) req[mb::kData + i] = frame[i];
  store_u32(req + mb::kLength, static_cast<std::uint32_t>(n));
  std::atomic_thread_fence(std::memory_order_seq_cst);
  store_u32(req + mb::kSeqEnd, mailbox_fault_ == MailboxFault::kStaleRequest ? seq + 1 : seq);
  if (mailbox_fault_ == MailboxFault::kStaleRequest) mailbox_fault_ = MailboxFault::kNone;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  mailbox_pending_ = true;
  const std::uint8_t doorbell = mb::kDoorbell;
  for (;;) {
    const ssize_t w = ::send(fd_, &doorbell, 1, MSG_NOSIGNAL);
    if (w == 1) break;
    if (w < 0 && errno == EINTR) continue;
    fail(std::string("write to the UART socket failed: ") + std::strerror(errno));
  }
}

// The board rang: its answer frames from the response area into frames_ (a stale or torn answer is an error).
void QemuDut::mailbox_receive() {
  if (!mailbox_pending_) fail("a mailbox doorbell from the board with no request outstanding");
  mailbox_pending_ = false;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  volatile std::uint8_t* resp = mailbox_ + mb::kResponse;
  if (mailbox_fault_ == MailboxFault::kTornAnswer) {
    mailbox_fault_ = MailboxFault::kNone;
    store_u32(resp + mb::kSeqEnd, load_u32(resp + mb::kSeqEnd) + 1);
  }
  const std::uint32_t seq = load_u32(resp + mb::kSeqBegin);
  const std::uint32_t seq_end = load_u32(resp + mb::kSeqEnd);
  const std::uint32_t status = load_u32(resp + mb::kStatus);
  const std::uint32_t length = load_u32(resp + mb::kLength);
  if (seq != mailbox_seq_ || seq_end != mailbox_seq_) {
    fail("stale or torn mailbox answer: sequence " + std::to_string(seq) + "/" + std::to_string(seq_end) +
         ", expected " + std::to_string(mailbox_seq_));
  }
  if (status != mb::kOk) {
    const char* why = status == mb::kStaleRequest ? "stale request (sequence not the one it expected)"
                      : status == mb::kBadLength  ? "request length out of range"
                      : status == mb::kOverflow   ? "its answer did not fit"
                                                  : "unknown status";
    fail("the board refused the mailbox exchange " + std::to_string(mailbox_seq_) + ": " + why);
  }
  if (length == 0 || length > mb::kCapacity) fail("mailbox answer with length " + std::to_string(length));
  mailbox_rx_.resize(length);
  for (std::uint32_t i = 0; i < length; ++i) mailbox_rx_[i] = resp[mb::kData + i];
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (load_u32(resp + mb::kSeqBegin) != seq) fail("torn mailbox answer: overwritten while the rig read it");
  for (const std::uint8_t b : mailbox_rx_) {
    const auto r = decoder_.feed(b);
    if (r == pl::Decoder::Result::kError)
      fail(std::string("corrupted frame in the mailbox answer: ") + pl::to_string(decoder_.error()));
    if (r == pl::Decoder::Result::kFrame) frames_.push_back(take_frame());
  }
  if (!decoder_.idle() || frames_.empty()) fail("torn mailbox answer: it does not end on a frame boundary");
}

int QemuDut::connect_unix(const std::filesystem::path& path, const char* what) {
  const auto deadline = Clock::now() + options_.timeout;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof addr.sun_path) throw DutError("socket path too long");
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  for (;;) {
    if (!qemu_alive()) fail(std::string("QEMU exited before the ") + what + " socket was ready");
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw DutError(std::string("socket failed: ") + std::strerror(errno));
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return fd;
    ::close(fd);
    if (Clock::now() > deadline) fail(std::string("timed out connecting to QEMU's ") + what + " socket " + path.string());
    ::usleep(5000);
  }
}

std::string QemuDut::log_tail() const {
  std::ifstream f(log_path_);
  if (!f) return {};
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  if (s.size() > 2000) s = "…" + s.substr(s.size() - 2000);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

void QemuDut::fail(const std::string& what) {
  std::string msg = "PIL (QEMU mps2-an385, " + options_.image.string() + "): " + what;
  // Give QEMU a moment to flush a semihosting report before reading its log.
  if (pid_ > 0) ::usleep(20000);
  const std::string tail = log_tail();
  if (!tail.empty()) msg += "\n--- QEMU output ---\n" + tail;
  throw DutError(msg);
}

void QemuDut::send_frame(pl::Type type, const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> buf(pl::kHeaderSize + payload.size() + pl::kCrcSize);
  last_sequence_ = ++sequence_;
  const std::size_t n = pl::encode_frame(type, last_sequence_, payload.data(), payload.size(), buf.data(), buf.size());
  if (n == 0) fail("frame too large");
  if (mailbox_on_) {
    mailbox_send(buf.data(), n);
    stats_.bytes_sent += n;
    ++stats_.mailbox_exchanges;
    last_send_ = Clock::now();
    return;
  }
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::send(fd_, buf.data() + done, n - done, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail(std::string("write to the UART socket failed: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(w);
  }
  stats_.bytes_sent += n;
  last_send_ = Clock::now();
}

QemuDut::Received QemuDut::take_frame() {
  const pl::Frame& f = decoder_.frame();
  if (f.version != pl::kVersion) fail("frame with protocol version " + std::to_string(f.version));
  Received out{static_cast<pl::Type>(f.type), f.sequence, std::vector<std::uint8_t>(f.payload, f.payload + f.length)};
  if (out.type == pl::Type::kFault) {
    pl::Reader rd(out.payload.data(), out.payload.size());
    char text[pl::kMaxText + 1] = {};
    rd.text(text, sizeof text);
    fail(std::string("the firmware reported a fault: ") + text);
  }
  return out;
}

QemuDut::Received QemuDut::receive_frame() {
  const auto deadline = Clock::now() + options_.timeout;
  for (;;) {
    if (!frames_.empty()) {
      Received out = std::move(frames_.front());
      frames_.pop_front();
      return out;
    }
    while (rx_pos_ < rx_.size()) {
      const std::uint8_t b = rx_[rx_pos_++];
      if (mailbox_on_ && b == mb::kDoorbell && decoder_.idle()) {
        mailbox_receive();
        break;  // frames_ now holds the answer
      }
      const auto r = decoder_.feed(b);
      if (r == pl::Decoder::Result::kError) fail(std::string("corrupted frame from the board: ") + pl::to_string(decoder_.error()));
      if (r == pl::Decoder::Result::kFrame) return take_frame();
    }
    if (!frames_.empty()) continue;
    rx_.clear();
    rx_pos_ = 0;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) fail("timed out waiting for the board (" + std::to_string(options_.timeout.count()) + " ms)");
    pollfd p{fd_, POLLIN, 0};
    const int pr = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 200)));
    if (pr < 0 && errno != EINTR) fail(std::string("poll failed: ") + std::strerror(errno));
    if (pr <= 0) {
      if (!qemu_alive()) fail("QEMU exited");
      continue;
    }
    std::uint8_t buf[8192];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) fail("QEMU closed the UART socket");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      fail(std::string("read from the UART socket failed: ") + std::strerror(errno));
    }
    rx_.assign(buf, buf + n);
  }
}

QemuDut::Received QemuDut::request(pl::Type type, const std::vector<std::uint8_t>& payload, pl::Type expected,
                                   bool* refused) {
  if (fd_ < 0) throw DutError("PIL: the QEMU DUT is stopped");
  send_frame(type, payload);
  for (;;) {
    Received r = receive_frame();
    if (r.type == pl::Type::kReady) {
      // The board restarted by itself (its watchdog): the request is lost with the old firmware run.
      if (recovering_) fail("the board restarted again while the rig ran the handshake after its reset");
      stats_.last_watchdog_reset_latency = Clock::now() - last_send_;
      ++stats_.watchdog_resets;
      recover_from_board_reset();
      throw BoardRestarted{};
    }
    if (r.sequence != last_sequence_) continue;  // a stale answer (never expected in lockstep)
    if (r.type == pl::Type::kError) {
      if (refused != nullptr) {
        *refused = true;
        return r;
      }
      const auto code = static_cast<pl::ErrorCode>(r.payload.empty() ? 0 : r.payload[0]);
      fail(std::string("the board refused the ") + type_name(type) + " frame: " + pl::to_string(code));
    }
    if (r.type != expected) fail(std::string("expected ") + type_name(expected) + ", got " + type_name(r.type));
    return r;
  }
}

template <class F>
auto QemuDut::retrying(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const BoardRestarted&) {
  }
  try {
    return f();  // once more, on the restarted board
  } catch (const BoardRestarted&) {
    fail("the board reset itself again while the rig repeated the request its first reset had cut off");
  }
}

void QemuDut::start(const fw::Config& config) {
  std::vector<std::uint8_t> p(pl::kConfigSize);
  pl::Writer w(p.data(), p.size());
  pl::encode_config(w, config);
  retrying([&] { configure(p); });
  config_ = config;
  started();
}

fw::Config QemuDut::start_stored() {
  retrying([&] { configure({}); });
  config_ = board_config_;
  started();
  return board_config_;
}

std::vector<HealthCounter> QemuDut::health() const {
  return {
      {"board_resets", stats_.watchdog_resets, true, "restarts the board did by itself (its watchdog), not asked by the scenario"},
      {"overruns", stats_.overruns, true, "steps longer than one tick of board time (the board's overrun guard, counted since its last start)"},
      {"max_step_cycles", stats_.max_step_cycles, false, "the longest step, in board cycles at 25 MHz"},
      {"ticks", stats_.ticks, false, "ticks the board executed"},
      {"exchanges", stats_.exchanges, false, "step requests sent over the plant link"},
  };
}

void QemuDut::started() {
  observer_.clear();
  before_.clear();
  timed_.clear();
  poll_all_ = options_.vedirect;
}

void QemuDut::configure(const std::vector<std::uint8_t>& payload) {
  const Received ack = request(pl::Type::kConfig, payload, pl::Type::kConfigAck);
  pl::Reader r(ack.payload.data(), ack.payload.size());
  const auto err = static_cast<fw::ConfigError>(r.u8());
  const auto nvm = static_cast<fw::StoreError>(r.u8());
  fw::Config in_force;
  if (!pl::decode_config(r, in_force) || !r.at_end()) fail("malformed ConfigAck");
  board_config_ = in_force;
  nvm_status_ = nvm;
  has_reference_ = false;
  has_last_outputs_ = false;
  if (err != fw::ConfigError::kOk) {
    throw DutError(std::string("firmware refused the configuration: ") + fw::to_string(err) + " (code " +
                   std::to_string(static_cast<int>(err)) + ")");
  }
}

void QemuDut::recover_from_board_reset() {
  mailbox_off();
  decoder_ = pl::Decoder{};
  rx_.clear();
  rx_pos_ = 0;
  has_reference_ = false;
  has_last_outputs_ = false;
  // VE.Direct: what the old run wrote and what it still owed is gone with it.
  if (fd1_ >= 0) {
    char buf[4096];
    while (::recv(fd1_, buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }
  }
  framing_.reset();
  unit_.clear();
  blocks_due_.clear();
  answers_due_.clear();
  poll_all_ = options_.vedirect;
  recovering_ = true;
  try {
    hello();
    configure({});  // the board booted from its NVM: start on that configuration, as after a power-on
  } catch (...) {
    recovering_ = false;
    throw;
  }
  recovering_ = false;
}

void QemuDut::reset(ResetKind kind) {
  if (kind == ResetKind::kWatchdog) {
    try {
      request(pl::Type::kReset, {}, pl::Type::kResetAck);
    } catch (const BoardRestarted&) {
      // the board's own watchdog got there first: it restarted from its power-on state already
    }
    return;
  }
  // Power: QEMU is killed (no clean exit: the supply is gone) and started again on the same image and NVM file.
  if (fd_ < 0) throw DutError("PIL: the QEMU DUT is stopped");
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  ::close(fd_);
  fd_ = -1;
  if (fd1_ >= 0) ::close(fd1_);
  fd1_ = -1;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  dir_.clear();
  decoder_ = pl::Decoder{};
  rx_.clear();
  rx_pos_ = 0;
  has_reference_ = false;
  has_last_outputs_ = false;
  try {
    boot();
    retrying([&] { configure({}); });  // the board booted from its NVM: start on what it holds, send nothing
    if (config_) config_ = board_config_;
  } catch (...) {
    stop();
    throw;
  }
}

std::size_t QemuDut::step_ticks(std::span<const BoardSample> samples, fw::Millis first_now, const fw::Outputs& assumed,
                                std::span<fw::Outputs> out) {
  // The board's watchdog may restart it during the step: then the same samples again, on the fresh firmware.
  return retrying([&] { return step_once(samples, first_now, assumed, out); });
}

std::size_t QemuDut::step_once(std::span<const BoardSample> samples, fw::Millis first_now, const fw::Outputs& assumed,
                               std::span<fw::Outputs> out) {
  // A full register poll is due after this exchange: it runs one tick, so that the poll belongs to that tick.
  const std::size_t n = std::min({samples.size(), out.size(), poll_all_ ? std::size_t{1} : batch_});
  if (n == 0) throw DutError("PIL: step_ticks needs at least one sample");
  timed_.clear();
  // The emulated board's ADC (the same model as the in-process board's), then the plant-link encoding.
  auto& inputs = adc_;
  inputs.resize(n);
  for (std::size_t i = 0; i < n; ++i) inputs[i] = adc_sample(samples[i]);
  pl::StepRequest req;
  req.first_now = first_now;
  req.count = static_cast<std::uint16_t>(n);
  req.assumed = assumed;
  if (has_last_outputs_ && assumed == last_outputs_) req.flags |= pl::kStepAssumedIsLast;
  if (has_reference_) {
    req.flags |= pl::kStepDeltaFromReference;
    req.reference_sequence = reference_sequence_;
  }
  std::vector<std::uint8_t> p(pl::kMaxPayload);
  pl::Writer w(p.data(), p.size());
  pl::encode_step_header(w, req);
  for (std::size_t i = 0; i < n; ++i) {
    if (i == 0) {
      if (has_reference_) {
        pl::encode_delta(w, reference_, inputs[0]);
      } else {
        pl::encode_inputs(w, inputs[0]);
      }
    } else {
      pl::encode_delta(w, inputs[i - 1], inputs[i]);
    }
  }
  if (!w.ok()) fail("step frame does not fit");
  p.resize(w.size());
  const Received r = request(pl::Type::kStep, p, pl::Type::kStepResult);
  pl::StepResult res;
  pl::Reader rd(r.payload.data(), r.payload.size());
  if (!pl::decode_step_result(rd, res) || res.executed > n) fail("malformed StepResult");
  for (std::size_t i = 0; i + 1 < res.executed; ++i) out[i] = assumed;
  out[res.executed - 1] = res.last;
  reference_ = inputs[res.executed - 1];
  reference_sequence_ = r.sequence;
  has_reference_ = true;
  last_outputs_ = res.last;
  has_last_outputs_ = true;
  ++stats_.exchanges;
  stats_.ticks += res.executed;
  stats_.overruns = res.overruns;
  stats_.max_step_cycles = res.max_step_cycles;
  if (fd1_ >= 0) {
    // The text blocks of this exchange: one per executed tick that is a whole second (≥ 1 s; vedirect_port.hpp).
    for (std::size_t i = 0; i < res.executed; ++i) {
      const fw::Millis t = first_now + static_cast<fw::Millis>(i) * fw::kTickMs;
      if (t != 0 && t % 1000u == 0) blocks_due_.push_back(t);
    }
    stamp_ms_ = first_now + static_cast<fw::Millis>(res.executed - 1) * fw::kTickMs;
    read_uart1();
    poll_registers(res.last);
  }
  return res.executed;
}

std::optional<double> QemuDut::observed_at(std::string_view signal, fw::Millis now) const {
  if (timed_.empty()) return observer_.value(signal);
  for (auto it = timed_.rbegin(); it != timed_.rend(); ++it)
    if (it->first <= now) return it->second.value(signal);
  return before_.value(signal);
}

void QemuDut::write_uart1(std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::send(fd1_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail(std::string("write to the UART1 (VE.Direct) socket failed: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(w);
  }
}

namespace {
// Whether the board answers a line: every line that starts with ':' except a valid restart command (no answer due).
bool answer_due(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty() || line.front() != ':') return false;
  fw::vedirect::HexFrame f;
  return !(fw::vedirect::decode_hex(line.data(), line.size(), f) == fw::vedirect::HexError::kOk &&
           f.command == static_cast<std::uint8_t>(fw::vedirect::HexCommand::kRestart));
}
}  // namespace

void QemuDut::vedirect_send(std::string_view lines) {
  if (fd1_ < 0) throw DutError(fd_ < 0 ? "PIL: the QEMU DUT is stopped" : "PIL: this QemuDut runs without VE.Direct (QemuDutOptions::vedirect)");
  std::size_t start = 0;
  while (start < lines.size()) {
    std::size_t end = lines.find('\n', start);
    end = end == std::string_view::npos ? lines.size() : end + 1;
    const std::string_view line = lines.substr(start, end - start);
    if (answer_due(line)) answers_due_.push_back(false);
    ++stats_.vedirect_requests;
    start = end;
  }
  write_uart1(lines);
}

std::string QemuDut::vedirect_request(std::string_view line) {
  if (fd1_ < 0) throw DutError(fd_ < 0 ? "PIL: the QEMU DUT is stopped" : "PIL: this QemuDut runs without VE.Direct (QemuDutOptions::vedirect)");
  std::string l(line);
  if (l.empty() || l.back() != '\n') l += '\n';
  const std::uint64_t answers_before = stats_.vedirect_answers;
  const std::size_t log_before = uart1_log_.size();
  const bool due = answer_due(l);
  vedirect_send(l);
  timed_.clear();  // what is read now is the latest state (the runner records it from the next step on)
  read_uart1();
  poll_all_ = true;  // a set may have changed the configuration: read every register after the next (single) tick
  if (!due) return "";
  // The answer: the last HEX line read (earlier ones answered lines sent before with vedirect_send()).
  if (stats_.vedirect_answers == answers_before) return "";
  const std::string_view got = std::string_view(uart1_log_).substr(log_before);
  const std::size_t colon = got.rfind(':');
  return colon == std::string_view::npos ? std::string() : std::string(got.substr(colon));
}

void QemuDut::read_uart1() {
  constexpr int kBlockGraceMs = 500;  // text blocks are in the socket before the StepResult; this is slack only
  const auto start = Clock::now();
  for (;;) {
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    if (!blocks_due_.empty() && waited > kBlockGraceMs && answers_due_.empty()) blocks_due_.clear();  // lost
    if (blocks_due_.empty() && answers_due_.empty()) {
      // Whatever else is there already (e.g. a late answer) without waiting.
      pollfd p{fd1_, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) return;
    } else if (waited > options_.timeout.count()) {
      fail("no answer on UART1 (VE.Direct) to " + std::to_string(answers_due_.size()) + " HEX request(s) within " +
           std::to_string(options_.timeout.count()) + " ms");
    }
    pollfd p{fd1_, POLLIN, 0};
    const int pr = ::poll(&p, 1, 50);
    if (pr < 0 && errno != EINTR) fail(std::string("poll failed: ") + std::strerror(errno));
    if (pr <= 0) {
      if (!qemu_alive()) fail("QEMU exited");
      continue;
    }
    char buf[4096];
    const ssize_t n = ::recv(fd1_, buf, sizeof buf, 0);
    if (n == 0) fail("QEMU closed the UART1 (VE.Direct) socket");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      fail(std::string("read from the UART1 (VE.Direct) socket failed: ") + std::strerror(errno));
    }
    uart1_log_.append(buf, static_cast<std::size_t>(n));
    for (ssize_t i = 0; i < n; ++i) on_uart1_byte(buf[i]);
  }
}

// One byte of UART1: when it completes a text block or a HEX line, the unit goes to the observer at its tick.
void QemuDut::on_uart1_byte(char c) {
  using Ev = fw::vedirect::TextDecoder::Event;
  unit_.push_back(c);
  const Ev e = framing_.feed(static_cast<std::uint8_t>(c));
  if (e == Ev::kNone) return;
  const bool block = e == Ev::kBlock || e == Ev::kChecksumError || e == Ev::kOverflow;
  fw::Millis t = stamp_ms_;
  bool poll = false;
  if (block) {
    ++stats_.vedirect_blocks;
    if (!blocks_due_.empty()) {
      t = blocks_due_.front();
      blocks_due_.pop_front();
    }
  } else {
    ++stats_.vedirect_answers;
    if (!answers_due_.empty()) {
      poll = answers_due_.front();
      answers_due_.pop_front();
    }
  }
  if (timed_.empty()) before_ = observer_;
  observer_.feed(unit_, t, poll);
  unit_.clear();
  timed_.emplace_back(t, observer_);
}

// The registers whose value may have changed since they were last read (see the header).
void QemuDut::poll_registers(const fw::Outputs& last) {
  namespace r = fw::vedirect::reg;
  static const std::uint16_t kOutputRegisters[] = {r::kAlarmStatus, r::kAlarmReason, r::kBmsFlags, r::kBmsError};
  std::vector<std::uint16_t> regs;
  if (poll_all_) {
    regs = VeDirectObserver::registers();
  } else if (last.alarm_reason != polled_.alarm_reason || last.bms_flags != polled_.bms_flags ||
             last.bms_error != polled_.bms_error) {
    regs.assign(std::begin(kOutputRegisters), std::end(kOutputRegisters));
  }
  poll_all_ = false;
  polled_ = last;
  if (regs.empty()) return;
  std::string lines;
  for (const auto id : regs) {
    char req[fw::vedirect::kMaxHexFrameChars + 1];
    lines.append(req, fw::vedirect::encode_hex(fw::vedirect::make_get(id), req, sizeof req));
    answers_due_.push_back(true);
    ++stats_.vedirect_requests;
  }
  write_uart1(lines);
  read_uart1();
}

void QemuDut::stop() noexcept {
  if (fd_ >= 0) {
    // Ask the image to exit cleanly (semihosting exit 0); best effort, never blocks.
    std::uint8_t buf[pl::kHeaderSize + pl::kCrcSize];
    const std::size_t n = pl::encode_frame(pl::Type::kShutdown, ++sequence_, nullptr, 0, buf, sizeof buf);
    (void)::send(fd_, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  if (pid_ > 0) {
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 20 && !exited; ++i) {  // up to ~100 ms for the clean exit
      exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (!exited) ::usleep(5000);
    }
    if (!exited) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    pid_ = -1;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (fd1_ >= 0) {
    ::close(fd1_);
    fd1_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
  unmap_mailbox();
  if (!nvm_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(nvm_dir_, ec);
    nvm_dir_.clear();
  }
}

}  // namespace rig
