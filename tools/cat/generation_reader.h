// GenerationReader: the bytes of one generation of a followed file, read
// front to back: a plain file through its descriptor, or a rotated copy that
// logrotate compressed (`.gz`, `.zst`), inflated on the fly. Offsets are
// always offsets in the uncompressed bytes, as a checkpoint records them.
// Compressed copies are read by CompressedReader (src/common), the reader
// the scribe's tests and the loadgen verifier use.
//
// Thread contract: thread-compatible; owned by the input thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "compressed_reader.h"

namespace logscribe::cat {

enum class Compression { kNone, kGzip, kZstd, kUnreadable };

// What the name's suffix says: `.gz`, `.zst`; `.xz`, `.bz2`, `.lz4`, `.Z` are
// kUnreadable (not linked in), anything else kNone.
Compression CompressionOf(std::string_view name);

class GenerationReader {
 public:
  // Takes `fd` (closed by the reader). `compression` must not be kUnreadable.
  GenerationReader(int fd, Compression compression);
  ~GenerationReader();
  GenerationReader(const GenerationReader&) = delete;
  GenerationReader& operator=(const GenerationReader&) = delete;

  // Opens `path`; null (errno set) when it cannot be opened or its
  // compression cannot be read.
  static std::unique_ptr<GenerationReader> Open(const std::string& path);

  // Reads the next bytes: >0, 0 at the end of what is there now (for a
  // compressed copy: its complete end), -1 on an error or a damaged or
  // incomplete compressed stream (error() says which).
  ssize_t Read(char* buf, size_t n);
  // Reads and drops bytes up to uncompressed offset `offset` (a plain file
  // seeks); false when the generation ends before it.
  bool SkipTo(uint64_t offset);
  // Reads up to `n` bytes from the current offset on (at most the first
  // kFingerprintBytes-sized heads are read this way).
  std::string ReadUpTo(size_t n);

  int fd() const { return inflater_ != nullptr ? inflater_->fd() : fd_; }
  Compression compression() const { return compression_; }
  uint64_t offset() const { return offset_; }
  const std::string& error() const { return error_; }

 private:
  ssize_t ReadCompressed(char* buf, size_t n);

  const int fd_;  // a plain file's; a compressed one's is the inflater's
  const Compression compression_;
  std::unique_ptr<CompressedReader> inflater_;
  uint64_t offset_ = 0;  // uncompressed bytes returned so far
  std::string error_;
};

}  // namespace logscribe::cat
