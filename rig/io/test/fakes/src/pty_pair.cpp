#include "rig/io/fake/pty_pair.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <stdexcept>

namespace rig::io::fake {

PtyPair::PtyPair() {
  master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) throw std::runtime_error("posix_openpt failed");
#ifdef TIOCGPTPEER
  slave_ = ::ioctl(master_, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
#endif
  if (slave_ < 0) slave_ = ::open(::ptsname(master_), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave_ < 0) throw std::runtime_error("cannot open the PTY slave");
  termios t{};  // the master side carries bytes unchanged too
  ::tcgetattr(master_, &t);
  ::cfmakeraw(&t);
  ::tcsetattr(master_, TCSANOW, &t);
}

PtyPair::~PtyPair() {
  if (master_ >= 0) ::close(master_);
  if (slave_ >= 0) ::close(slave_);
}

int PtyPair::take_slave() {
  const int fd = slave_;
  slave_ = -1;
  return fd;
}

std::string PtyPair::slave_path() const { return "/proc/self/fd/" + std::to_string(slave_); }

void PtyPair::hang_up() {
  if (master_ >= 0) ::close(master_);
  master_ = -1;
}

}  // namespace rig::io::fake
