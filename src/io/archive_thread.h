// ArchiveThread: the background work on rotated files, off the write path:
// compression (-compress), retention (-max-backups), and recovery of what a
// crash left half done.
//
// Thread contract: Enqueue() is thread-safe (writer threads call it after a
// rotation); Start()/Stop() are called by the sink's owner; everything else
// runs on the archive thread.
//
// Work is per log: Enqueue(key) after <key>.log was rotated. The thread lists
// that log's rotated files in its directory (exactly the names of
// rotated_name.h: other files are never touched) and then, in this order:
//  1. deletes a <rotated>.log.<ext>.tmp (a compression cut short),
//  2. deletes a plain <rotated>.log whose complete <rotated>.log.<ext> exists
//     (a crash between the rename and the unlink),
//  3. with -max-backups N, deletes every variant of the rotations older than
//     the newest N,
//  4. with -compress, compresses each remaining plain rotated file, oldest
//     first (so one that failed before is tried again).
// A rotated file is never written again and the active <key>.log never
// matches, so none of this races a writer. A key already waiting is not queued
// twice: memory is bounded by the number of logs.
//
// At Start() the thread first walks the whole root and does the same for
// every log it finds, so work a previous run left (a crash, a stop in the
// middle, a changed setting) is finished; a walk longer than a second (on
// ArchiveOptions::clock) prints progress lines. Stop() cancels a compression
// at its next block (its .tmp is removed, the plain file stays) and leaves
// queued logs to the next start-up. The thread has no timed wait: it sleeps
// until a log is queued or Stop(), so it registers no ClockWaiter.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "clock.h"
#include "codec.h"
#include "file_compressor.h"
#include "log_root.h"

namespace logscribe {

struct ArchiveOptions {
  // Codec of rotated files; kNone leaves them plain. Default: kNone (-compress).
  Codec codec = Codec::kNone;
  // Compression level; 0 picks DefaultLevel(codec). Default: 0 (-compress-level).
  int level = 0;
  // Rotated files kept per log, the newest; 0 keeps all. Default: 0 (-max-backups).
  int max_backups = 0;
  // Walk the root at Start() to finish what an earlier run left. Default: true.
  bool scan_at_start = true;
  // Mode bits of compressed files. Default: 0640 (-file-mode).
  mode_t file_mode = 0640;
  // Test hook: FileCompressor::set_block_delay. Default: 0 (-test-compress-delay).
  std::chrono::nanoseconds compress_delay{0};
  // Where progress and failures are reported. Default: stderr.
  FILE* report = stderr;
  // Times the start-up walk's progress lines. Outlives the thread. Default: the real clock.
  const Clock* clock = RealClock::Get();

  bool enabled() const { return codec != Codec::kNone || max_backups > 0; }
};

// Relaxed atomics, bumped once per file.
struct ArchiveCounters {
  std::atomic<uint64_t> files_compressed{0};
  std::atomic<uint64_t> compression_failures{0};
  std::atomic<uint64_t> bytes_before{0};   // plain bytes of the files compressed
  std::atomic<uint64_t> bytes_after{0};    // their compressed bytes
  std::atomic<uint64_t> backups_deleted{0};  // rotations deleted by -max-backups
  std::atomic<uint64_t> leftovers_removed{0};  // .tmp files, plain twins of compressed files
  std::atomic<int64_t> pending_logs{0};    // logs queued, not yet tidied
};

class ArchiveThread {
 public:
  // `root` and `counters` outlive the thread.
  ArchiveThread(const LogRoot* root, ArchiveOptions options, ArchiveCounters* counters);
  ~ArchiveThread();
  ArchiveThread(const ArchiveThread&) = delete;
  ArchiveThread& operator=(const ArchiveThread&) = delete;

  void Start();
  // <key>.log was rotated: tidy its rotated files soon.
  void Enqueue(std::string_view key);
  // Cancels the work under way and joins; queued logs are left.
  void Stop();

  // Waits (bounded) until the start-up walk is done and the queue is empty.
  bool WaitIdleForTest(std::chrono::milliseconds timeout);

 private:
  struct Rotated;   // one rotated name of a log
  struct Progress;  // of the start-up walk

  void Run();
  void TidyKey(const std::string& key);
  void Walk(int dirfd, const std::string& rel, size_t depth, Progress* progress);
  void TidyLog(int dirfd, const std::string& rel, std::vector<Rotated>& names, Progress* progress);
  void ShowProgress(Progress* progress);
  void Report(const std::string& sentence);
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  // Constant after construction.
  const LogRoot* const root_;
  const ArchiveOptions options_;
  ArchiveCounters* const counters_;

  std::atomic<bool> stopping_{false};
  std::thread thread_;

  // Protected by mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> queued_;
  bool busy_ = false;  // the walk or a log is being tidied

  // Archive thread only.
  std::unique_ptr<FileCompressor> compressor_;  // null without -compress
  std::unordered_set<std::string> reported_;    // failures already printed
};

}  // namespace logscribe
