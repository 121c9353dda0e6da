// SHA-256 via OpenSSL's EVP interface, and the sha256sum-style manifest.
#include "rig/sha256.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "rig/writers.hpp"

namespace rig::report {

namespace {
struct Ctx {
  Ctx() : ctx(EVP_MD_CTX_new()) {
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) throw WriteError("SHA-256 unavailable");
  }
  ~Ctx() { EVP_MD_CTX_free(ctx); }
  Ctx(const Ctx&) = delete;
  Ctx& operator=(const Ctx&) = delete;
  void update(const void* p, std::size_t n) {
    if (EVP_DigestUpdate(ctx, p, n) != 1) throw WriteError("SHA-256 update failed");
  }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx, md, &len) != 1) throw WriteError("SHA-256 final failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (unsigned int i = 0; i < len; ++i) {
      s += kHex[md[i] >> 4];
      s += kHex[md[i] & 15];
    }
    return s;
  }
  EVP_MD_CTX* ctx;
};
}  // namespace

std::string sha256_hex(std::string_view data) {
  Ctx c;
  c.update(data.data(), data.size());
  return c.hex();
}

std::string sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WriteError("cannot read " + path.string());
  Ctx c;
  std::unique_ptr<char[]> buf(new char[1 << 16]);
  while (in) {
    in.read(buf.get(), 1 << 16);
    if (in.gcount() > 0) c.update(buf.get(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw WriteError("cannot read " + path.string());
  return c.hex();
}

void write_manifest(const std::vector<std::filesystem::path>& files, const std::filesystem::path& manifest) {
  namespace fs = std::filesystem;
  const fs::path base = fs::absolute(manifest).parent_path();
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& f : files) {
    const fs::path abs = fs::absolute(f).lexically_normal();
    const fs::path rel = abs.lexically_relative(base);
    const bool inside = !rel.empty() && *rel.begin() != "..";
    rows.emplace_back(inside ? rel.generic_string() : abs.generic_string(), sha256_file(f));
  }
  std::sort(rows.begin(), rows.end());
  std::string out;
  for (const auto& [p, h] : rows) out += h + "  " + p + "\n";
  write_file_atomic(manifest, out);
}

}  // namespace rig::report
