// LogListing: what the read service knows of the logs under a directory of
// the root: each log's live file and its rotated pieces, with the time span
// of each as far as the scribe knows it.
//
// Thread contract: pure functions over the directory descriptors they are
// given; safe from any thread.
//
// Time spans (docs/reading.md): a piece's lines were written between the
// previous piece's rotation stamp (for the first piece: its file's birth time,
// 0 when the filesystem keeps none) and its own stamp; the live file's since
// the last piece's stamp (or its birth) until its mtime.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "log_root.h"
#include "rotated_name.h"
#include "status.h"

namespace logscribe {

// One piece-scheme piece as a reader opens it.
struct ReadablePiece {
  uint64_t seq = 0;
  std::string name;  // the variant to read: plain if there, else a compressed copy
  Codec codec = Codec::kNone;
  uint64_t bytes = 0;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

struct LogState {
  std::string key;  // "dir/filename"
  std::vector<ReadablePiece> pieces;  // piece scheme only, oldest first
  uint64_t old_pieces = 0;            // old-scheme pieces (listed, not read)
  uint64_t next_seq = 1;              // the seq the live file's rotation will take
  bool live = false;
  uint64_t live_bytes = 0;
  int64_t live_start_ns = 0;
  int64_t live_end_ns = 0;
};

// The pieces and live file of `filename` in `dirfd`.
Status StatLog(int dirfd, const std::string& dir, const std::string& filename, LogState* out);

// Every log in `dir` and below (no symlink followed), whose filename matches
// `glob` (fnmatch; empty: all), sorted by key; at most `max_logs` (then
// *truncated). A log is a live "<filename>.log" or a filename with pieces.
Status ListLogs(const LogRoot& root, const std::string& dir, const std::string& glob, size_t max_logs,
                std::vector<LogState>* out, bool* truncated);

// Nanoseconds since the epoch of a file's birth (statx btime), 0 if unknown.
int64_t BirthNanos(int dirfd, const std::string& name);

}  // namespace logscribe
