// LogRoot: the directory under which every log lives, and the only way the
// scribe opens, creates or renames anything.
//
// Thread contract: thread-safe after Open(); every method is const and works
// through the root's directory descriptor.
//
// Nothing is reached through a symlink that leaves the root: files are opened
// with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) where the kernel has it,
// else by walking the directories with O_NOFOLLOW (which refuses every symlink
// on the way). Directories are created with -dir-mode, files with -file-mode,
// whatever the process umask.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mutex.h"  // src/common
#include "status.h"

namespace logscribe {

class LogRoot {
 public:
  // Creates `path` (and parents) when missing, opens it, proves it writable
  // by creating and removing a probe file, and takes an exclusive flock on
  // the directory for as long as the LogRoot lives: a second LogRoot on the
  // same directory, in this process or another, is FAILED_PRECONDITION. The
  // error is one sentence.
  static Status Open(const std::string& path, mode_t dir_mode, mode_t file_mode,
                     std::unique_ptr<LogRoot>* out);
  ~LogRoot();
  LogRoot(const LogRoot&) = delete;
  LogRoot& operator=(const LogRoot&) = delete;

  // Opens <root>/<key>.log for appending, creating it and its directories when
  // needed. *size is the file's current length. `after_rotation`: the file
  // is created again in place of the one just rotated, which -max-files
  // counted already.
  Status OpenForAppend(std::string_view key, int* fd, uint64_t* size, bool after_rotation = false) const;

  // Renames <root>/<key>.log to PieceName(filename, seq, now) (rotated_name.h)
  // and returns that name; never replaces an existing file. `seq` is the
  // log's next piece number: learnt from the directory at the log's first
  // rotation in this process (one more than the highest on disk), then kept
  // here. A name found taken moves on to the next number. Only the writer
  // thread that owns a key rotates it.
  Status Rotate(std::string_view key, std::chrono::system_clock::time_point now,
                std::string* rotated_name) const;

  // Opens the existing directory `dir` (a key's directory part; empty for the
  // root) for reading its entries and fsyncing it. Never creates anything.
  Status OpenDirForReading(std::string_view dir, int* fd) const;

  // -max-files: once the root holds `max` log files (0: no limit),
  // OpenForAppend creates no new one (RESOURCE_EXHAUSTED) and no directory for
  // it; files that exist are opened as always. The count starts at `existing`
  // (CountLogFiles at start-up) and grows with every file created; rotation
  // leaves it as it is. Files deleted behind the scribe's back are noticed at
  // the next start. Call before any writer runs.
  void LimitFiles(uint64_t max, uint64_t existing) {
    max_files_ = max;
    files_.store(existing, std::memory_order_relaxed);
  }
  uint64_t files() const { return files_.load(std::memory_order_relaxed); }
  uint64_t max_files() const { return max_files_; }

  // Counts the log files under the root: regular files named "*.log" that
  // are not rotated names of the old scheme (rotated_name.h; pieces never end
  // in ".log"), without following symlinks. `progress` is called
  // about once a second with the count so far while the walk is long.
  Status CountLogFiles(uint64_t* count, const std::function<void(uint64_t)>& progress) const;

  const std::string& path() const { return path_; }
  bool uses_openat2() const { return has_openat2_; }

 private:
  LogRoot(std::string path, int fd, int lock_fd, mode_t dir_mode, mode_t file_mode, bool has_openat2);

  // Opens the directory `dir` (relative, canonical) beneath the root as an
  // O_PATH descriptor, creating missing components when `create`.
  Status OpenDir(std::string_view dir, bool create, int* dirfd) const;

  const std::string path_;
  const int root_fd_;
  const int lock_fd_;  // holds the flock
  const mode_t dir_mode_;
  const mode_t file_mode_;
  const bool has_openat2_;
  uint64_t max_files_ = 0;                   // constant once writers run
  mutable std::atomic<uint64_t> files_{0};   // log files, for -max-files
  // Next piece number per key, once the key rotated in this process.
  mutable Mutex seq_mu_;
  mutable std::unordered_map<std::string, uint64_t> next_seq_ GUARDED_BY(seq_mu_);
  // Counts a file about to be created against -max-files: false at the
  // limit. ReleaseFileSlot() when it was not created after all.
  bool TakeFileSlot() const;
  void ReleaseFileSlot() const;
  Status TooManyFiles(const std::string& rel) const;
};

}  // namespace logscribe
