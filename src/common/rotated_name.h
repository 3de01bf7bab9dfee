// Rotated names: the one owner of how a rotated piece of a log is named, read
// back, ordered and listed. LogRoot::Rotate, the ArchiveThread (compression,
// retention, the disk budget, start-up clean-up), the -max-files count, the
// request validation and any reader of the root go through here, so that
// nothing else decides which files are the scribe's own.
//
// Thread contract: pure functions and values, safe from any thread;
// ListLogPieces/ListDirPieces only read the directory they are given.
//
// Two schemes are recognised:
//
//  * the piece scheme, the only one written:
//      <filename>.log.<seq>-<YYYYMMDDTHHMMSS.mmm>Z[.zst|.gz][.tmp]
//    <seq> is the log's piece number in decimal, at least kSeqDigits digits
//    (zero padded), never 0; the stamp is the UTC time of the rotation. A live
//    log always ends in ".log" and a piece never does, so no live log can be
//    taken for a piece. The name without ".zst"/".gz" (the base) is the
//    piece's identity: it does not change when the piece is compressed. <seq>
//    grows by one per rotation of the log and is recovered at start-up as one
//    more than the highest number on disk.
//
//  * the old scheme, written by releases before the piece scheme:
//      <filename>-<YYYYMMDDTHHMMSS.mmm>Z[_<NNN>].log[.zst|.gz][.tmp]
//    A plain old name ends in ".log", exactly like a live log a client of an
//    old release may have chosen, so such a file is never touched: it is
//    listed as legacy (kept, readable, never compressed, deleted or counted).
//    Its compressed copies and their ".tmp" can only be the scribe's own (no
//    live log ends that way): they are pieces, older than every new-scheme
//    piece of the same log.
//
// Names are matched exactly and from the right, so the filename of a rotated
// name is unique: a rotation of one log is never taken for another's.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "codec.h"
#include "status.h"

namespace logscribe {

enum class RotatedScheme { kOld, kPiece };

// Minimum width of <seq>.
inline constexpr int kSeqDigits = 10;

struct RotatedNameParts {
  RotatedScheme scheme = RotatedScheme::kPiece;
  std::string_view filename;  // the log's filename ("app" for app.log)
  std::string_view stamp;     // "YYYYMMDDTHHMMSS.mmm"
  uint64_t seq = 0;           // kPiece: the piece number (>= 1)
  uint32_t counter = 0;       // kOld: the _NNN suffix, 0 when absent
  std::string_view plain;     // the base: the name without codec and ".tmp"
  Codec codec = Codec::kNone;
  bool temp = false;          // ends in ".zst.tmp" or ".gz.tmp"
};

// True when `name` has one of the shapes above; the parts point into `name`.
bool ParseRotatedName(std::string_view name, RotatedNameParts* parts);

// "<filename>.log.<seq>-<stamp>Z": the name LogRoot::Rotate gives.
std::string PieceName(std::string_view filename, uint64_t seq, std::chrono::system_clock::time_point when);

// "<filename>-<stamp>Z.log", "_<NNN>" before ".log" when counter > 0: the old
// scheme, for tests and tools that lay out a root as old releases did.
std::string OldRotatedName(std::string_view filename, std::chrono::system_clock::time_point when,
                           int counter);

// Whether a client's filename would make a file that any rule here could take
// for a rotated file: `filename` or `filename + ".log"` parses.
bool ShapedLikeRotatedName(std::string_view filename);

// The time a stamp names (UTC, milliseconds).
std::chrono::system_clock::time_point StampTime(std::string_view stamp);

// One rotation of a log with every variant of it on disk.
struct Piece {
  RotatedScheme scheme = RotatedScheme::kPiece;
  std::string base;                     // identity (see above)
  std::string stamp;
  uint64_t seq = 0;
  uint32_t counter = 0;
  bool plain = false;                   // `base` itself is there (piece scheme only)
  std::vector<std::string> compressed;  // complete compressed copies
  std::vector<std::string> temps;       // compressions cut short
  uint64_t bytes = 0;                   // of every variant (st_size)

  bool empty() const { return !plain && compressed.empty(); }
};

// Order of two pieces of one log: older first. Old-scheme pieces come first
// (by stamp, then counter); piece-scheme ones by seq.
bool PieceOlder(const Piece& a, const Piece& b);
// Order across logs, for a budget of the whole root: by stamp, then as above.
bool PieceOlderAcrossLogs(const Piece& a, const Piece& b);

struct LogPieces {
  std::vector<Piece> pieces;        // oldest first after Sort()
  std::vector<std::string> legacy;  // old-scheme plain names: never touched
  uint64_t legacy_bytes = 0;

  // Files a rotated name of this log; `bytes` is its st_size.
  void Add(std::string_view name, const RotatedNameParts& parts, uint64_t bytes);
  void Sort();
  // One more than the highest <seq> here (1 when none).
  uint64_t NextSeq() const;
};

// The regular files of directory `dirfd` (readable, not O_PATH) that are
// rotated names of `filename`.
Status ListLogPieces(int dirfd, std::string_view filename, LogPieces* out);

// Every log's rotated files in `dirfd`, by filename, and the names of its
// subdirectories (never symlinks), whatever they are named. `other_bytes`
// (may be null) gets the st_size of its other regular files.
Status ListDirPieces(int dirfd, std::map<std::string, LogPieces>* logs, std::vector<std::string>* subdirs,
                     uint64_t* other_bytes);

}  // namespace logscribe
