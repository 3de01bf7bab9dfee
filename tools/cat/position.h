// Position: a place in one generation of a followed file, as a checkpoint
// records it: the file's identity, the byte offset just past the last line
// taken, and a fingerprint of the file's first bytes, so that a file that was
// replaced by another with the same inode (or truncated and written past the
// offset) is not mistaken for the same file. On resume the inode and the
// fingerprint are compared, not st_dev (device numbers may change across
// reboots; the files compared are in one directory anyway).
//
// Thread contract: a value type; pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace logscribe::cat {

// The fingerprint covers at most this many bytes from the start of the file.
inline constexpr size_t kFingerprintBytes = 256;

struct Position {
  uint64_t dev = 0;
  uint64_t ino = 0;
  // Bytes of this generation taken (sent or to be sent) so far.
  uint64_t offset = 0;
  // The fingerprint: FNV-1a 64 of the file's first head_len bytes, where
  // head_len = min(offset, kFingerprintBytes).
  uint32_t head_len = 0;
  uint64_t head_hash = 0;

  bool operator==(const Position&) const = default;
};

// FNV-1a 64 of `bytes`.
inline uint64_t Fingerprint(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace logscribe::cat
