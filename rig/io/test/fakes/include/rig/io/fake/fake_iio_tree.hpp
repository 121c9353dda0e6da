// A fake IIO sysfs tree in a temporary directory. Depth: the kernel's sysfs file interface (the real
// channels read and write these files unchanged). Creates iio:deviceN directories with `name`, raw, scale
// and offset files; removes the tree on destruction. Test-only.
#pragma once

#include <filesystem>
#include <string>

namespace rig::io::fake {

class FakeIioTree {
 public:
  FakeIioTree();  // creates a fresh directory under $TMPDIR (or /tmp)
  ~FakeIioTree();
  FakeIioTree(const FakeIioTree&) = delete;
  FakeIioTree& operator=(const FakeIioTree&) = delete;

  const std::filesystem::path& root() const { return root_; }
  // Adds iio:device<N> (N = number of devices so far) with the given `name`; returns its directory.
  std::filesystem::path add_device(const std::string& name);
  // Writes `<device dir>/<attr>` with `content` + "\n".
  void set(const std::filesystem::path& device, const std::string& attr, const std::string& content);
  // Reads `<device dir>/<attr>` without the trailing newline.
  std::string get(const std::filesystem::path& device, const std::string& attr) const;

 private:
  std::filesystem::path root_;
  int devices_ = 0;
};

}  // namespace rig::io::fake
