// A pseudo-terminal pair (posix_openpt). Depth: the kernel's tty layer — the rig side gets a real tty
// descriptor (termios, poll, hang-up when the other side closes). The "device" side is the master. Test-only.
#pragma once

#include <string>

namespace rig::io::fake {

class PtyPair {
 public:
  PtyPair();  // throws std::runtime_error when no PTY can be allocated
  ~PtyPair();
  PtyPair(const PtyPair&) = delete;
  PtyPair& operator=(const PtyPair&) = delete;

  int master() const { return master_; }
  // Gives away the slave descriptor (the rig side); the caller owns it afterwards.
  int take_slave();
  // A path that opens the slave side (/proc/self/fd/N: works even where /dev/pts is not the PTY's namespace).
  std::string slave_path() const;
  // Closes the master: the rig side sees a hang-up.
  void hang_up();

 private:
  int master_ = -1;
  int slave_ = -1;
};

}  // namespace rig::io::fake
