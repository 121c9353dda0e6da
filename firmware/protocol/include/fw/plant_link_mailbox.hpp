// The plant link's shared-memory mailbox: a second transport for the same frames (fw/plant_link.hpp), for a board
// whose memory the rig can map (QEMU: the PSRAM behind a host file shared with the rig). Layout only: the
// board (boards/mps2-an385) and the rig (rig::QemuDut) each implement their side. Header-only, no code.
//
// Why: an emulated byte UART moves one byte per emulator main-loop turn (one host syscall and one guest interrupt
// per byte), so a frame of a few dozen bytes costs ~200 µs; through the mailbox a frame costs one byte each way.
//
// Negotiation: the rig asks for it with kHelloOptionMailbox in kHello. A board that has a mailbox answers kHelloAck
// (on the transport the kHello came on) and from then on expects the rig's frames in the mailbox; a board without
// one refuses the option (kError kPayload, the rule for unknown option bits) and the rig says kHello again without
// it (the byte link stays in use). A board restart (kReady) turns it off on both sides.
//
// Exchange (lockstep: one request area, one response area, each written by one side only):
//   rig:   request.seq_begin = n, data, length, request.seq_end = n (n = previous + 1, from 1 after the switch);
//          response.seq_begin = response.seq_end = 0 (so a doorbell without a fresh answer is seen as stale);
//          then the doorbell byte kMailboxDoorbell on the byte link.
//   board: (woken by the byte) checks request.seq_begin == request.seq_end == its last n + 1 and length ≤
//          kMailboxCapacity, feeds the data to its frame decoder, appends every frame it sends meanwhile to the
//          response data, then writes response.status, length, seq_begin = seq_end = n (dmb before the seq words
//          and before the doorbell) and answers with the doorbell byte.
//   rig:   checks response.seq_begin == response.seq_end == n, status == kMailboxOk and length, decodes the data
//          as frames (they must end on a frame boundary), re-reads seq_begin after the copy; anything else is a
//          stale or torn mailbox and an error, never used.
// The doorbell is recognised only between frames (the receiver's decoder waiting for a sync byte; kMailboxDoorbell
// is not kSync0): every other byte on the byte link is still a frame byte, so a board's kReady after a restart
// and its kFault report travel on the byte link as before.
// All words little-endian u32 at 4-byte aligned offsets from the mailbox base.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fw/plant_link.hpp"

namespace fw::plant_link::mailbox {

inline constexpr std::uint8_t kHelloOptionMailbox = 1u << 1;
inline constexpr std::uint8_t kDoorbell = 0x07;
static_assert(kDoorbell != kSync0);

// Offset of the mailbox from the start of the board's PSRAM (0x21000000 on mps2-an385): 1 MiB, far from the NVM
// configuration slots at its start.
inline constexpr std::size_t kOffset = 0x100000;
inline constexpr std::size_t kCapacity = 8192;  // data bytes per area (≥ one largest frame)
static_assert(kCapacity >= kMaxFrame);

// One area: seq_begin, length, status (response only), reserved, data[kCapacity], seq_end.
inline constexpr std::size_t kSeqBegin = 0;
inline constexpr std::size_t kLength = 4;
inline constexpr std::size_t kStatus = 8;
inline constexpr std::size_t kData = 16;
inline constexpr std::size_t kSeqEnd = kData + kCapacity;
inline constexpr std::size_t kAreaSize = kSeqEnd + 16;
inline constexpr std::size_t kRequest = 0;           // area offsets from the mailbox base
inline constexpr std::size_t kResponse = 0x4000;
inline constexpr std::size_t kSize = kResponse + kAreaSize;
static_assert(kRequest + kAreaSize <= kResponse);

// response.status
inline constexpr std::uint32_t kOk = 0;
inline constexpr std::uint32_t kStaleRequest = 1;  // request seq words not the expected n (or not equal)
inline constexpr std::uint32_t kBadLength = 2;     // request length above kCapacity
inline constexpr std::uint32_t kOverflow = 3;      // the board's answer did not fit (cut)

}  // namespace fw::plant_link::mailbox
