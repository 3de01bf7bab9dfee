// FileCompressor: compresses one rotated log file beside itself, so that a
// crash at any point leaves the plain file or a complete compressed one.
//
// Thread contract: thread-compatible; the archive thread owns its compressor.
//
// For <dir>/<name> (a rotated file, never written again) and extension .ext
// (.zst or .gz):
//   1. <name>.ext.tmp is created anew (-file-mode) and filled from <name>,
//      one fixed block at a time: memory stays bounded whatever the size;
//   2. it is fsynced and given <name>'s modification time;
//   3. it is renamed to <name>.ext (RENAME_NOREPLACE);
//   4. the directory is fsynced;
//   5. <name> is unlinked.
// A crash before 3 leaves <name> (maybe with an incomplete .tmp beside it);
// between 3 and 5, <name> beside a complete <name>.ext; after 5, <name>.ext.
// Recovery (ArchiveThread) deletes a .tmp, and a plain file whose compressed
// twin exists: no state loses a line.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec.h"
#include "status.h"

namespace logscribe {

struct CompressResult {
  uint64_t bytes_in = 0;   // size of the plain file
  uint64_t bytes_out = 0;  // size of the compressed file
};

class FileCompressor {
 public:
  // `codec` is kZstd or kGzip; `level` 0 picks DefaultLevel(codec).
  FileCompressor(Codec codec, int level, mode_t file_mode);
  ~FileCompressor();
  FileCompressor(const FileCompressor&) = delete;
  FileCompressor& operator=(const FileCompressor&) = delete;

  // Runs steps 1-5 for `name` in the directory `dirfd` (which must not be an
  // O_PATH descriptor: it is fsynced). NOT_FOUND when `name` is gone;
  // CANCELLED, with the .tmp removed and `name` kept, when *cancel turned true
  // between two blocks. On any failure `name` is left as it was.
  Status Compress(int dirfd, const std::string& name, CompressResult* result);

  // Stops a compression under way at its next block (Compress returns CANCELLED).
  void set_cancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }
  // Test hook (-test-compress-delay): sleep after every block and between the
  // rename and the unlink, to widen the windows a crash test aims at.
  void set_block_delay(std::chrono::nanoseconds delay) { block_delay_ = delay; }

  Codec codec() const { return codec_; }
  int level() const { return level_; }

 private:
  struct Engine;  // the zstd or zlib stream state

  Status CompressStream(int in_fd, int out_fd, const std::string& name, uint64_t* in_bytes,
                        uint64_t* out_bytes);
  bool Cancelled() const { return cancel_ != nullptr && cancel_->load(std::memory_order_relaxed); }

  const Codec codec_;
  const int level_;
  const mode_t file_mode_;
  const std::atomic<bool>* cancel_ = nullptr;
  std::chrono::nanoseconds block_delay_{0};
  std::unique_ptr<Engine> engine_;
  std::vector<char> in_;
  std::vector<char> out_;
};

}  // namespace logscribe
