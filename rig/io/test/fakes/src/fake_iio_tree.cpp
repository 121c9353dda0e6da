#include "rig/io/fake/fake_iio_tree.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace rig::io::fake {
namespace fs = std::filesystem;

FakeIioTree::FakeIioTree() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/bmsrig-iio-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  root_ = buf.data();
}

FakeIioTree::~FakeIioTree() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

fs::path FakeIioTree::add_device(const std::string& name) {
  const fs::path dir = root_ / ("iio:device" + std::to_string(devices_++));
  fs::create_directory(dir);
  set(dir, "name", name);
  return dir;
}

void FakeIioTree::set(const fs::path& device, const std::string& attr, const std::string& content) {
  std::ofstream out(device / attr, std::ios::trunc);
  out << content << "\n";
  if (!out) throw std::runtime_error("cannot write " + (device / attr).string());
}

std::string FakeIioTree::get(const fs::path& device, const std::string& attr) const {
  std::ifstream in(device / attr);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace rig::io::fake
