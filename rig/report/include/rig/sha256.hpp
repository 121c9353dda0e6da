// SHA-256 of files and strings (OpenSSL's libcrypto underneath) and the artefact manifest of `bmsrig certify`.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace rig::report {

// Lower-case hex digest (64 characters).
std::string sha256_hex(std::string_view data);
// Streams the file; throws WriteError (writers.hpp) if it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

// Writes a manifest in `sha256sum` format ("<hex>  <path>\n", paths relative to the manifest's folder when they
// are inside it, sorted), atomically, so `sha256sum -c MANIFEST` verifies the artefacts.
void write_manifest(const std::vector<std::filesystem::path>& files, const std::filesystem::path& manifest);

}  // namespace rig::report
