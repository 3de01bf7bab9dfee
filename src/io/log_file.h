// LogFile: one log as its writer thread sees it: descriptor, size in memory,
// place in the open-file LRU, and the chunks of the current round.
//
// Thread contract: writer thread only.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <string>
#include <vector>

#include "clock.h"
#include "file_chunk.h"
#include "log_root.h"
#include "status.h"

namespace logscribe {

class LogFile {
 public:
  // `root` null means the null sink: nothing is opened, renamed or written.
  // `clock` (outlives the file) dates its content for born().
  LogFile(std::string key, const LogRoot* root, const Clock* clock = RealClock::Get())
      : key_(std::move(key)), root_(root), clock_(clock) {}
  ~LogFile() { Close(); }
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  // after_rotation: see LogRoot::OpenForAppend.
  Status Open(bool after_rotation = false);
  // Closes the file when its name no longer leads to it: it was unlinked, or
  // replaced by a rename onto its name (st_nlink 0), behind the scribe. Lines
  // appended to it would be acknowledged and unreachable. The next Open()
  // creates the name afresh (not counted again by -max-files). True when
  // it closed the file. One fstat.
  bool CloseIfUnlinked();
  void Close();
  bool is_open() const { return open_; }

  // Renames the current file aside and starts an empty one. The caller makes
  // sure no write to it is in flight.
  Status Rotate(std::chrono::system_clock::time_point now);

  // Cuts the file back to `size` after a failed append, so no torn line stays.
  void TruncateTo(uint64_t size);

  const std::string& key() const { return key_; }
  int fd() const { return fd_; }
  uint64_t size() const { return size_; }
  void AddSize(uint64_t n) {
    if (size_ == 0 && n > 0) born_ = clock_->Now();
    size_ += n;
  }
  // When the file's content began, for -rotate-every: its first append, or
  // for a non-empty file found at Open() its birth time (statx btime; the
  // time of the Open where the filesystem does not record one). Meaningful
  // only while size() > 0.
  std::chrono::system_clock::time_point born() const { return born_; }

  // --- state of one writer round, owned by WriterThread ----------------------
  struct Segment {
    bool rotate_before = false;     // rotate the file before this append
    bool by_time = false;           // because of -rotate-every, not -size
    std::vector<struct iovec> iov;  // at most kMaxIov entries
    uint64_t bytes = 0;
  };
  std::vector<FileChunk*> chunks;         // this round's chunks, in queue order
  std::vector<uint32_t> chunk_last_segment;  // index of the segment that ends each chunk
  std::vector<Segment> segments;          // [0, segment_count) in use this round
  size_t segment_count = 0;
  size_t failed_at = SIZE_MAX;            // first failed segment, SIZE_MAX when none
  Status error;                           // why, when failed_at is set
  bool deferred = false;                  // chunks wait for the next round (open-file cap)
  std::list<LogFile*>::iterator lru_pos;  // valid while in_lru
  bool in_lru = false;

 private:
  const std::string key_;
  const LogRoot* const root_;
  const Clock* const clock_;
  int fd_ = -1;
  bool open_ = false;
  uint64_t size_ = 0;
  bool recreate_ = false;  // the file was unlinked while open: its -max-files slot is held
  std::chrono::system_clock::time_point born_{};
};

}  // namespace logscribe
