// RotationFinder: the rotated generations of a followed file that logrotate
// (or a tool like it) left in the file's directory, oldest first, each with
// its identity and leading bytes, so the follower can tell which one it was
// reading and which were written after it.
//
// Thread contract: pure functions over the file system; safe from any thread.
//
// A rotated name is the followed name, or that name without its extension
// (logrotate's `extension`), followed by `.`, `-` or `_` and a digit, and
// then only [0-9A-Za-z._-]: `app.log.1`, `app.log.2.gz`, `app.log-20261208`,
// `app-20261208.log.zst`, `app.1.log`. A copy compressed with something not
// linked in (`.xz`, `.bz2`) is left out. Files in other directories
// (logrotate's `olddir`) are not looked for.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "generation_reader.h"

namespace logscribe::cat {

struct RotatedFile {
  std::string path;
  uint64_t dev = 0, ino = 0;
  Compression compression = Compression::kNone;
  // Its first min(size, kFingerprintBytes) uncompressed bytes.
  std::string head;
  int64_t mtime_ns = 0;
};

// Whether `name` is a rotated name of the followed file named `base`.
bool IsRotatedName(std::string_view base, std::string_view name);

// The rotated generations of `followed` (not `followed` itself), oldest first
// (by modification time, which logrotate keeps when it compresses; then by
// rotation number, higher first). Empty files, and compressed copies that
// end early (still being compressed), are left out; a generation present
// both plain and compressed (caught in the middle of a compression) is
// listed once, plain.
std::vector<RotatedFile> FindRotations(const std::string& followed);

// The index in `rotations` of the generation a follower was reading: the one
// with inode `ino` whose head starts with `head`, else the one whose head
// starts with `head` (a copy: copytruncate, or compressed), the newest such
// one with `newest_first` (a copy just made), else the oldest. `head` must
// not be empty. -1 when none.
int FindGeneration(const std::vector<RotatedFile>& rotations, uint64_t ino, std::string_view head,
                   bool newest_first = false);

// The same, for a checkpoint's Position (the head known by its fingerprint).
int FindGenerationByFingerprint(const std::vector<RotatedFile>& rotations, uint64_t ino, uint32_t head_len,
                                uint64_t head_hash);

std::string DirOf(const std::string& file);
std::string BaseOf(const std::string& file);

}  // namespace logscribe::cat
