// QemuDut: the PIL device under test — the cross-compiled firmware image (firmware/boards/mps2-an385) running
// in qemu-system-arm (machine mps2-an385), driven in lockstep over the plant link (fw/plant_link.hpp) on the
// board's UART0, which QEMU exposes as a unix socket.
// Depth: the whole image — startup code, C++ runtime, UART driver, compiler and ABI of the target — on an
// emulated Cortex-M3; the plant and the ADC quantisation stay in the rig (as in SIL).
//
// Lifecycle
// - The constructor checks that QEMU and the image exist (DutError naming what to install or build), starts
//   `qemu-system-arm -M mps2-an385 -icount shift=6,sleep=on -nographic -monitor none -serial
//   unix:<tmp>/uart.sock,server=on,wait=on -serial unix:<tmp>/uart1.sock,server=on,wait=on -semihosting-config
//   enable=on,target=native -kernel <image>` with the NVM backend below (UART1 is the board's VE.Direct port),
//   connects to both, waits for the image's kReady frame (nothing is sent before the first byte arrives) and runs
//   the handshake (protocol version, firmware version and build hash; the tick hook on, so that the image writes
//   its text blocks). `-icount` makes QEMU's clock board time: 64 ns per executed instruction while the CPU runs,
//   the host clock while it sleeps — so SysTick (the overrun guard) and the board's watchdog count the image's
//   work, not the host's load.
// - Non-volatile memory: the board's PSRAM (0x21000000, 16 MiB, where the image keeps its two configuration
//   slots) is backed by a host file — QemuDutOptions::nvm_file, or a fresh temporary file per QemuDut (removed by
//   stop()) — passed to every QEMU start (`-object memory-backend-file,id=nvm,size=16M,mem-path=FILE,share=on
//   -M mps2-an385,memory-backend=nvm`), so it survives power resets. A fresh file reads as zeros: no valid slot.
// - The plant-link mailbox (fw/plant_link_mailbox.hpp): the frames after the handshake travel through shared
//   memory, not byte by byte over UART0, whose emulation moves one byte per emulator main-loop turn (about 200 µs
//   for a step exchange of a few dozen bytes). The rig maps the NVM file's mailbox region (1 MiB into the PSRAM,
//   clear of the configuration slots; MAP_SHARED, so rig and board see the same bytes) and asks for the mailbox in
//   kHello (QemuDutOptions::mailbox, on by default); an image that has one acknowledges, an image without one
//   refuses the option and the rig repeats kHello without it, keeping the byte link (stats().mailbox_exchanges
//   stays 0). Then per frame: the rig writes sequence word, bytes, length and closing sequence word into the request
//   area, clears the response's sequence words, and sends one doorbell byte on UART0; the board answers in the
//   response area and rings back with one byte. The rig takes the board's doorbell only between frames, checks
//   that both sequence words are its request's, the board's status, and that the bytes decode to whole frames
//   with good CRCs, and reads the sequence again after the copy: a stale or torn mailbox is a DutError, never
//   used. Whatever the board sends on its own (kReady after a reset, kFault) still arrives on UART0 and is decoded
//   as before; a kReady turns the mailbox off until the next handshake. The send() of each doorbell and the recv()
//   of the board's are system calls, which order the memory accesses around them on the host.
// - start(config) loads the configuration into a fresh fw::Bms on the board, which saves it in its NVM (refused →
//   DutError with the firmware's error code); start_stored() starts on the configuration the board booted with
//   from its NVM instead, without sending one. After either, board_config() and nvm_status() tell what the board
//   has in force and how its NVM fared (fw::StoreError: kNoValidSlot = both slots bad, defaults in force).
//   reset(kWatchdog) is Bms::reset() on the board.
// - A kReady frame while an answer is awaited is a reset the board did by itself (its watchdog, FLT-3): QemuDut
//   runs the handshake again, starts on the board's stored configuration (as after a power-on) and repeats the
//   pending request; the step that was pending runs on the freshly started firmware, so the outputs the rig records
//   are those of the FLT-3 start-up. stats().watchdog_resets counts them.
// - step_ticks() sends up to preferred_batch() samples per exchange; the board stops after the first tick whose
//   Outputs differ from `assumed` (same contract as InProcessDut, so traces are identical to SIL).
// - stop() (also from the destructor, and therefore on every exception path) asks the image to exit, then
//   kills QEMU (SIGKILL) and reaps it; QEMU also dies with the rig process (PR_SET_PDEATHSIG). Idempotent.
// VE.Direct (TEL-1, TEL-2; the vedirect/ signals and the `vedirect:` action with the meaning they have in SIL):
// - Every byte of UART1 goes through the rig's VeDirectObserver (the firmware's own decoders).
// - Text blocks: the image writes one at every tick whose time is a whole second from 1 s on, inside that tick's
//   step; they are all in the socket when the StepResult arrives. Each is recorded at the tick it belongs to
//   (the k-th block of an exchange at its k-th whole-second tick), so observed_at() gives SIL's instants although
//   up to 32 ticks share an exchange.
// - HEX: vedirect_request() writes the line, waits for the answer (DutError after the timeout) and returns it; the
//   image answers between plant-link frames, so a set applies from the next kStep on — the tick the rig steps next,
//   as in SIL. Register values (vedirect/hex/0xNNNN) come from gets the rig sends after an exchange, as SIL's
//   in-process board polls after a step: every register after start() and after each request (that exchange runs
//   a single tick, so the poll belongs to it), and the four that report outputs (0x031D, 0x031E, 0x2100, 0x2101)
//   when those outputs changed — an exchange ends at the first tick whose outputs changed, so the poll after it
//   reads that tick's values. Registers whose source did not change are not read again: their value, and so the
//   trace, is what SIL's poll of every register gives.
// Errors (QEMU died, timeout, a HardFault report, a refused frame) throw DutError with the tail of QEMU's log.
// Not thread-safe: one QemuDut per run; several may run in parallel (each has its own QEMU and socket).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fw/config_store.hpp"
#include "fw/plant_link.hpp"
#include "fw/vedirect_text.hpp"
#include "rig/dut.hpp"
#include "rig/vedirect_observer.hpp"

namespace rig {

struct QemuDutOptions {
  std::filesystem::path image;            // the firmware ELF (default_pil_image() when empty)
  std::string qemu = "qemu-system-arm";   // executable name (searched in PATH) or path
  std::chrono::milliseconds timeout{20000};  // boot + handshake, and each exchange
  std::size_t batch = fw::plant_link::kMaxBatch;  // ticks per exchange (capped by the image's max_batch)
  // VE.Direct on UART1 (the vedirect/ signals, telemetry()). Off: no UART1 socket and no text blocks (the image
  // writes none without the tick hook); a `vedirect:` action is then a DutError.
  bool vedirect = true;
  // The host file behind the board's NVM (PSRAM); empty: a temporary file per QemuDut. The path must not
  // contain a comma (QEMU's option syntax).
  std::filesystem::path nvm_file;
  // The plant-link frames after the handshake through the shared-memory mailbox in the NVM file (see above)
  // instead of byte by byte over UART0; an image without one keeps the byte link (negotiated in kHello).
  bool mailbox = true;
};

// Where the image keeps its configuration slots in the NVM file (firmware/boards/mps2-an385/nvm.cpp).
inline constexpr std::size_t kNvmSlotOffset[2] = {0x0000, 0x0040};
inline constexpr std::size_t kNvmSlotSize = 0x40;

// The environment variable BMSRIG_PIL_IMAGE, else the image the tree's cross build makes:
// build/cross-cm3/firmware/boards/mps2-an385/fw_mps2_an385.elf under the current directory or the nearest folder
// above it that has one (relative to the current directory when none has).
std::filesystem::path default_pil_image();

struct QemuLinkStats {
  std::uint64_t exchanges = 0;     // step requests sent
  std::uint64_t ticks = 0;         // ticks executed
  std::uint64_t bytes_sent = 0;    // all frames to the board
  std::uint32_t overruns = 0;      // the board's overrun guard (steps longer than one tick of target time)
  std::uint32_t max_step_cycles = 0;
  std::uint64_t vedirect_blocks = 0;     // text blocks received on UART1 (valid or not)
  std::uint64_t vedirect_requests = 0;   // HEX lines sent (the scenario's, the rig's polls, vedirect_send())
  std::uint64_t vedirect_answers = 0;    // HEX lines received
  std::uint64_t mailbox_exchanges = 0;  // frames sent through the mailbox (the rest went over UART0)
  std::uint32_t watchdog_resets = 0;  // resets the board did by itself (an unexpected kReady), see above
  // Host time from the last frame sent before such a reset to its kReady (the last one).
  std::chrono::nanoseconds last_watchdog_reset_latency{0};
};

class QemuDut final : public Dut {
  using Clock = std::chrono::steady_clock;

 public:
  explicit QemuDut(QemuDutOptions options = {});
  ~QemuDut() override;
  QemuDut(const QemuDut&) = delete;
  QemuDut& operator=(const QemuDut&) = delete;

  FirmwareInfo firmware_info() const override { return info_; }
  std::string mode() const override { return "pil"; }
  void start(const fw::Config& config) override;
  // Starts afresh on the configuration the board holds (loaded from its NVM at boot); returns it.
  fw::Config start_stored();
  // The configuration in force on the board and its NVM status (fw::StoreError), as of the last start.
  const fw::Config& board_config() const { return board_config_; }
  fw::StoreError nvm_status() const { return nvm_status_; }
  const std::filesystem::path& nvm_file() const { return nvm_file_; }
  std::size_t step_ticks(std::span<const BoardSample> inputs, fw::Millis first_now, const fw::Outputs& assumed,
                         std::span<fw::Outputs> out) override;
  std::size_t preferred_batch() const override { return batch_; }
  // kWatchdog: the image's core restarts (plant-link Reset frame). kPower: QEMU is killed and started again on
  // the same image and NVM file; the image boots from its NVM and QemuDut starts it on that configuration
  // (as start_stored()), sending none.
  void reset(ResetKind kind) override;
  void stop() noexcept override;

  std::optional<double> observed(std::string_view signal) const override { return observer_.value(signal); }
  // The value as of the executed tick at `now` of the last exchange (text blocks at their whole-second ticks, polled
  // registers at the exchange's last tick); the latest value for any other instant.
  std::optional<double> observed_at(std::string_view signal, fw::Millis now) const override;
  std::string vedirect_request(std::string_view line) override;

  pid_t pid() const { return pid_; }  // QEMU's process id (-1 once stopped)
  // Everything the image wrote to UART1 so far (text blocks and HEX answers, across power resets), as received.
  std::string telemetry() const { return uart1_log_; }
  // Writes HEX lines to UART1 without waiting: the board receives them while it steps (its RX interrupt) and
  // answers after the exchange; the rig reads the answers with the next exchange's UART1 bytes (they count in
  // vedirect/hex/answers like the scenario's). For tests of the port under traffic.
  void vedirect_send(std::string_view lines);
  const QemuLinkStats& stats() const { return stats_; }
  // From stats(): the board's own restarts and overruns (faults), its longest step, the ticks and exchanges.
  std::vector<HealthCounter> health() const override;
  bool mailbox_active() const { return mailbox_on_; }  // the board and the rig exchange frames through the mailbox
  // Tests of the mailbox's checks only: the next mailbox exchange goes wrong on purpose — kStaleRequest: the
  // request's closing sequence word is not its opening one (as a request torn by a writer that stopped half-way);
  // kTornAnswer: the answer's closing sequence word is overwritten after the board rang (as a mailbox another
  // writer touched). Either must end in a DutError.
  enum class MailboxFault : std::uint8_t { kNone, kStaleRequest, kTornAnswer };
  void inject_mailbox_fault_for_test(MailboxFault fault) { mailbox_fault_ = fault; }

 private:
  struct Received {
    fw::plant_link::Type type{};
    std::uint16_t sequence = 0;
    std::vector<std::uint8_t> payload;
  };
  void boot();       // launch QEMU, connect, Ready + Hello
  void hello();
  void configure(const std::vector<std::uint8_t>& payload);  // kConfig (empty: the stored configuration)
  void started();    // the rig-side state of a fresh start
  void recover_from_board_reset();
  std::size_t step_once(std::span<const BoardSample> samples, fw::Millis first_now, const fw::Outputs& assumed,
                        std::span<fw::Outputs> out);
  struct BoardRestarted {};  // thrown by request() after recover_from_board_reset()
  // Runs f; when the board restarts by itself during it, once more on the restarted board (twice: DutError).
  template <class F>
  auto retrying(F&& f) -> decltype(f());
  void launch();
  void connect_socket();
  void send_frame(fw::plant_link::Type type, const std::vector<std::uint8_t>& payload);
  Received receive_frame();
  Received take_frame();  // the decoder's frame (a kFault report → DutError)
  // `refused`: a kError answer is returned with *refused = true instead of a DutError.
  Received request(fw::plant_link::Type type, const std::vector<std::uint8_t>& payload,
                   fw::plant_link::Type expected, bool* refused = nullptr);
  bool map_mailbox();  // maps the mailbox of the NVM file (false: cannot; the byte link is used)
  void unmap_mailbox();
  void mailbox_off();
  void mailbox_send(const std::uint8_t* frame, std::size_t n);
  void mailbox_receive();
  [[noreturn]] void fail(const std::string& what);
  int connect_unix(const std::filesystem::path& path, const char* what);
  void write_uart1(std::string_view bytes);
  // Reads UART1 until `blocks_due_` is empty and every sent HEX line is answered (DutError after the timeout; a
  // missing text block is waited for kBlockGraceMs only and then counts as lost).
  void read_uart1();
  void on_uart1_byte(char c);
  void poll_registers(const fw::Outputs& last);
  std::string log_tail() const;
  bool qemu_alive();

  QemuDutOptions options_;
  FirmwareInfo info_;
  std::size_t batch_ = 1;
  pid_t pid_ = -1;
  int fd_ = -1;
  std::filesystem::path dir_;
  std::filesystem::path socket_path_;
  std::filesystem::path log_path_;
  std::filesystem::path uart1_path_;
  int fd1_ = -1;  // UART1 (VE.Direct)
  std::uint16_t sequence_ = 0;
  std::uint16_t last_sequence_ = 0;
  fw::plant_link::Decoder decoder_{};
  std::vector<std::uint8_t> rx_;       // bytes read but not yet decoded
  std::size_t rx_pos_ = 0;
  // The mailbox (fw/plant_link_mailbox.hpp): mapped from the NVM file, on after a kHelloAck that accepted it.
  volatile std::uint8_t* mailbox_ = nullptr;
  bool mailbox_on_ = false;
  bool mailbox_pending_ = false;        // a request rang and its answer is not read yet
  std::uint32_t mailbox_seq_ = 0;       // the last request's mailbox sequence
  std::vector<std::uint8_t> mailbox_rx_;
  std::deque<Received> frames_;         // decoded from the mailbox, not yet returned
  MailboxFault mailbox_fault_ = MailboxFault::kNone;
  // Delta state shared with the board (see fw/plant_link.hpp): valid after a successful Step.
  std::vector<fw::Inputs> adc_;  // the samples of the step in progress, through the board's ADC model
  bool has_reference_ = false;
  std::uint16_t reference_sequence_ = 0;
  fw::Inputs reference_{};
  bool has_last_outputs_ = false;
  fw::Outputs last_outputs_{};
  QemuLinkStats stats_;
  std::optional<fw::Config> config_;  // the run's configuration (start())
  fw::Config board_config_{};
  fw::StoreError nvm_status_ = fw::StoreError::kOk;
  std::filesystem::path nvm_file_;
  std::filesystem::path nvm_dir_;     // the temporary NVM file's folder (empty: the caller's file)
  Clock::time_point last_send_{};
  bool recovering_ = false;
  // VE.Direct
  std::string uart1_log_;
  VeDirectObserver observer_{};
  fw::vedirect::TextDecoder framing_{};  // finds where each block / HEX line ends in the byte stream
  std::string unit_;                     // bytes of the block or line in progress
  std::deque<fw::Millis> blocks_due_;    // whole-second ticks of the last exchange whose block is not read yet
  std::deque<bool> answers_due_;         // per HEX line sent and not answered yet: true = the rig's own poll
  fw::Millis stamp_ms_ = 0;              // the last executed tick (HEX answers read after an exchange belong to it)
  bool poll_all_ = false;                // read every register after the next exchange (which then runs one tick)
  fw::Outputs polled_{};                 // the outputs when the output registers were last read
  // Values during the last exchange: before_ as of its start, then one state per block or poll at its tick.
  VeDirectObserver before_{};
  std::vector<std::pair<fw::Millis, VeDirectObserver>> timed_;
};

}  // namespace rig
