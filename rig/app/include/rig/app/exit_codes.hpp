// bmsrig's exit statuses (rig/app/README.md).
#pragma once

namespace rig::app {

inline constexpr int kExitPass = 0;          // every expectation of every case held
inline constexpr int kExitFail = 1;          // at least one check failed
inline constexpr int kExitError = 2;         // a case could not be judged
inline constexpr int kExitBadInput = 3;      // a scenario (or other input file) was refused, nothing ran
inline constexpr int kExitUsage = 4;         // command line
inline constexpr int kExitBoardRefused = 5;  // hil: the board does not run the image given, or flashing failed
inline constexpr int kExitInterrupted = 130; // Ctrl-C; finished cases are still written

}  // namespace rig::app
