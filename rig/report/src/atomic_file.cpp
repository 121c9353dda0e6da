// Atomic file writes: temp file in the same folder, fsync, rename.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "rig/writers.hpp"
#include "text_out.hpp"

namespace rig::report {

namespace detail {

AtomicFile::AtomicFile(const std::filesystem::path& path) : path_(path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  tmp_ = path.string() + ".tmp-" + std::to_string(::getpid());
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw WriteError("cannot create " + tmp_.string() + ": " + std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(tmp_.c_str());
}

void AtomicFile::write(std::string_view content) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd_, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw WriteError("cannot write " + tmp_.string() + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0 && errno != EINVAL) throw WriteError("cannot flush " + tmp_.string() + ": " + std::strerror(errno));
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp_.c_str());
    throw WriteError("cannot rename " + tmp_.string() + " to " + path_.string() + ": " + std::strerror(err));
  }
}

}  // namespace detail

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  detail::AtomicFile f(path);
  f.write(content);
  f.commit();
}

}  // namespace rig::report
