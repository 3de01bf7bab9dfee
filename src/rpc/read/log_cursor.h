// LogCursor: reads one log back in file order, the oldest rotated piece first
// (decompressed on the fly), through the live file, in whole lines, and knows
// where it is as a position that survives rotation, compression and restarts.
//
// Thread contract: thread-compatible (one reader thread at a time).
//
// Positions: a piece is named by its <seq> (rotated_name.h), which does not
// change when it is compressed; the live file by the seq its rotation will
// give it (LogState::next_seq), so a position in the live file stays valid
// once that file is a piece. Offsets count uncompressed bytes. A position whose
// piece is gone resumes at the next piece that exists and counts the pieces
// skipped as a gap.
//
// Following: at the live file's end Next() reports at_end; called again it
// reads what was appended since. A rotation is noticed at the live file's end
// (the name no longer names the open file): the rest of the old file is read,
// then the next piece or the new live file, so no line is lost or repeated.
// Old-scheme pieces are not read (listed only).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "compressed_reader.h"
#include "line_filter.h"
#include "log_listing.h"
#include "log_root.h"
#include "status.h"

namespace logscribe {

struct CursorPosition {
  uint64_t seq = 0;  // 0: before the first line
  bool live = false;
  uint64_t offset = 0;
};

struct CursorOptions {
  // A piece (or the live file) is read when its span overlaps [since, until];
  // 0 means unbounded. Nanoseconds since the epoch.
  int64_t since_ns = 0;
  int64_t until_ns = 0;
  // Null: every line.
  const LineFilter* filter = nullptr;
  // Most bytes of file content held at once (a line longer is
  // RESOURCE_EXHAUSTED). Default: 1 MiB.
  size_t buffer_bytes = 1 << 20;
};

class LogCursor {
 public:
  // `root` outlives the cursor; `key` is valid (ValidateFileKey).
  LogCursor(const LogRoot* root, std::string key, const CursorOptions& options);
  ~LogCursor();
  LogCursor(const LogCursor&) = delete;
  LogCursor& operator=(const LogCursor&) = delete;

  // Opens the log at `start` (null: at its first line). NOT_FOUND when the
  // log has neither pieces nor a live file (and `start` is null).
  Status Start(const CursorPosition* start);

  // Gives `emit` each matching line (with its newline) until it took
  // `max_bytes` bytes or `max_lines` lines (0: no line bound), or the end.
  // `emit` returns whether it took the line (false: skipped, not counted).
  // *at_end: nothing more to read now (the live file's end, or `stop`).
  Status Next(size_t max_bytes, uint64_t max_lines, const std::function<bool(std::string_view)>& emit,
              bool* at_end);

  // Lines at or after `stop` are never read (tail's end).
  void SetStop(const CursorPosition& stop) {
    stop_ = stop;
    has_stop_ = true;
  }
  // After the last line consumed.
  CursorPosition position() const { return {seq_, live_, offset_}; }
  // Pieces skipped because they were deleted, since the last call.
  uint64_t TakeGap() {
    const uint64_t g = gap_;
    gap_ = 0;
    return g;
  }
  const std::string& key() const { return key_; }

 private:
  bool AtStop() const;
  void Close();
  // Opens the first piece after `after_seq` within the time bounds, or else
  // the live file; `missing` is added to the gap when pieces were skipped.
  Status OpenAfter(uint64_t after_seq, bool after_is_missing);
  Status OpenPiece(const ReadablePiece& piece, uint64_t offset, bool* gone);
  // Opens the live file whose rotation will take `seq`; *moved when the log
  // rotated meanwhile (list again).
  Status OpenLive(uint64_t seq, uint64_t offset, bool* moved);
  Status Refill(bool* eof);
  bool Rotated() const;

  const LogRoot* const root_;
  const std::string key_;
  const std::string filename_;
  const std::string dir_;
  const CursorOptions options_;
  int dirfd_ = -1;

  uint64_t seq_ = 0;
  bool live_ = false;
  bool ended_ = false;       // past `until`: nothing more, ever
  int fd_ = -1;              // plain piece or live file, read with pread
  uint64_t read_off_ = 0;    // next pread offset in fd_
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::unique_ptr<CompressedReader> compressed_;
  std::string buf_;          // bytes read, not yet consumed
  uint64_t offset_ = 0;      // of buf_[0] in the current source
  uint64_t gap_ = 0;
  CursorPosition stop_;
  bool has_stop_ = false;
};

}  // namespace logscribe
