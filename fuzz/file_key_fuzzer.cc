// ValidateFileKey on arbitrary path and filename bytes: a refusal is
// INVALID_ARGUMENT naming its field; an accepted pair gives a canonical key
// that stays beneath the root and obeys every documented limit.
#include <string>
#include <string_view>
#include <vector>

#include "file_key.h"
#include "fuzz_check.h"
#include "fuzz_targets.h"
#include "rotated_name.h"

namespace logscribe::fuzz {
namespace {

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t end = s.find('/', pos);
    if (end == std::string_view::npos) end = s.size();
    parts.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return parts;
}

// The path with empty and "." components dropped: what the key's directory
// must be.
std::string CanonicalDir(std::string_view path) {
  std::string out;
  for (std::string_view c : Split(path)) {
    if (c.empty() || c == ".") continue;
    if (!out.empty()) out += '/';
    out.append(c);
  }
  return out;
}

}  // namespace

int FileKeyOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  const size_t split = (static_cast<size_t>(data[0]) | static_cast<size_t>(data[1]) << 8) % (rest.size() + 1);
  const std::string_view path = rest.substr(0, split);
  const std::string_view filename = rest.substr(split);

  std::string key = "stale contents of a reused key";
  const Status s = ValidateFileKey(path, filename, &key);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == StatusCode::kInvalidArgument, s.ToString());
    FUZZ_CHECK(s.message().rfind("path: ", 0) == 0 || s.message().rfind("filename: ", 0) == 0, s.message());
    return 0;
  }
  FUZZ_CHECK(!key.empty() && key.front() != '/' && key.back() != '/', key);
  FUZZ_CHECK(KeyFilename(key) == filename, key);
  FUZZ_CHECK(KeyDir(key) == CanonicalDir(path), key);
  FUZZ_CHECK(filename.size() <= kMaxFilenameBytes, key);
  // No accepted name makes a live log that could be taken for a rotated file.
  RotatedNameParts rotated;
  FUZZ_CHECK(!ParseRotatedName(std::string(filename) + ".log", &rotated), key);
  for (unsigned char c : key) FUZZ_CHECK(c >= 0x20 && c != 0x7f, "control character in " + key);
  const std::vector<std::string_view> parts = Split(key);
  FUZZ_CHECK(parts.size() - 1 <= kMaxPathDepth, key);
  for (std::string_view c : parts) {
    FUZZ_CHECK(!c.empty() && c != "." && c != "..", "component '" + std::string(c) + "' in " + key);
    FUZZ_CHECK(c.size() <= kMaxComponentBytes, key);
  }
  // Canonical: the key's own parts validate to the same key.
  std::string again;
  const Status s2 = ValidateFileKey(KeyDir(key), KeyFilename(key), &again);
  FUZZ_CHECK(s2.ok() && again == key, key + " -> " + s2.ToString() + " " + again);
  return 0;
}

}  // namespace logscribe::fuzz
