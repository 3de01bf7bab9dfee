// Codec: how rotated files are compressed (-compress), and the names that go
// with each kind.
//
// Thread contract: pure functions and constants, safe from any thread.
#pragma once

#include <string_view>

namespace logscribe {

enum class Codec { kNone, kZstd, kGzip };

// Levels used when -compress-level is not given: zstd's own default, and
// gzip's usual speed/size balance.
inline constexpr int kDefaultZstdLevel = 3;
inline constexpr int kDefaultGzipLevel = 6;
// Accepted -compress-level ranges. zstd stops at 19: the levels above need
// far more memory per compression (up to a 128 MiB window).
inline constexpr int kMaxZstdLevel = 19;
inline constexpr int kMaxGzipLevel = 9;

// "none", "zstd", "gzip".
inline const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kNone: return "none";
    case Codec::kZstd: return "zstd";
    case Codec::kGzip: return "gzip";
  }
  return "?";
}

// What follows ".log" in a compressed file's name: "", ".zst", ".gz".
inline std::string_view CodecExtension(Codec codec) {
  switch (codec) {
    case Codec::kNone: return "";
    case Codec::kZstd: return ".zst";
    case Codec::kGzip: return ".gz";
  }
  return "";
}

inline int DefaultLevel(Codec codec) {
  return codec == Codec::kZstd ? kDefaultZstdLevel : codec == Codec::kGzip ? kDefaultGzipLevel : 0;
}

// The file name suffix of a compression under way (or cut short by a crash).
inline constexpr std::string_view kTempSuffix = ".tmp";

}  // namespace logscribe
