// ArchiveThread: the background work on rotated files, off the write path:
// compression (-compress), retention (-max-backups), the disk budget of the
// whole root (-max-age, -max-root-bytes, -min-free-bytes), and recovery of
// what a crash left half done.
//
// Thread contract: Enqueue() is thread-safe (writer threads call it after a
// rotation); Start()/Stop() are called by the sink's owner; everything else
// runs on the archive thread.
//
// Work is per log: Enqueue(key) after <key>.log was rotated. The thread lists
// that log's pieces in its directory (ListLogPieces, rotated_name.h: the one
// owner of rotated names; other files, and old-scheme plain names, are never
// touched) and then, in this order:
//  1. deletes a <piece>.<ext>.tmp (a compression cut short),
//  2. deletes a plain <piece> whose complete <piece>.<ext> exists (a crash
//     between the rename and the unlink),
//  3. with -max-backups N, deletes every variant of the pieces older than the
//     newest N,
//  4. with -compress, compresses each remaining plain piece, oldest first (so
//     one that failed before is tried again).
// A piece is never written again and no live <key>.log is ever a piece's
// name, so none of this races a writer. A key already waiting is not queued
// twice: memory is bounded by the number of logs.
//
// The budget (any of -max-age, -max-root-bytes, -min-free-bytes) is checked
// after the start-up walk, within a second of a rotation, and every 10 s
// (every second while exceeded): the whole root is listed, and pieces of every log
// are deleted oldest first (by rotation stamp) while one of them is older
// than -max-age, the root holds more than -max-root-bytes or its filesystem
// has less than -min-free-bytes free. Live logs and files the scribe does not
// own are counted in the root's bytes but never deleted. When only they are
// left and the budget is still exceeded, BudgetRefusal() says so and the sink
// refuses writes with RESOURCE_EXHAUSTED naming the flag, until a later check
// finds the budget met.
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
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "clock.h"
#include "mutex.h"  // src/common
#include "codec.h"
#include "file_compressor.h"
#include "log_root.h"
#include "rotated_name.h"

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
  // Pieces whose rotation stamp is older than this are deleted; 0: no limit.
  // Default: 0 (-max-age).
  std::chrono::nanoseconds max_age{0};
  // Most bytes (st_size of every regular file) the root may hold; the oldest
  // pieces go past it; 0: no limit. Default: 0 (-max-root-bytes).
  uint64_t max_root_bytes = 0;
  // Free bytes to keep on the root's filesystem (statvfs f_bavail); 0: none.
  // Default: 0 (-min-free-bytes).
  uint64_t min_free_bytes = 0;
  // Test hook: the free bytes of the root's filesystem; null: fstatvfs.
  std::function<uint64_t()> free_bytes_for_test;
  // Test hook: FileCompressor::set_block_delay. Default: 0 (-test-compress-delay).
  std::chrono::nanoseconds compress_delay{0};
  // Where progress and failures are reported. Default: stderr.
  FILE* report = stderr;
  // Times the start-up walk's progress lines and -max-age. Outlives the thread.
  // Default: the real clock.
  const Clock* clock = RealClock::Get();

  bool budget() const { return max_age.count() > 0 || max_root_bytes > 0 || min_free_bytes > 0; }
  bool enabled() const { return codec != Codec::kNone || max_backups > 0 || budget(); }
};

// Why a piece was deleted.
enum class RetentionReason { kMaxBackups, kMaxAge, kMaxRootBytes, kMinFreeBytes };
inline constexpr int kRetentionReasons = 4;
// "max_backups", "max_age", "max_root_bytes", "min_free_bytes".
const char* RetentionReasonName(RetentionReason reason);

// Relaxed atomics, bumped once per file.
struct ArchiveCounters {
  std::atomic<uint64_t> files_compressed{0};
  std::atomic<uint64_t> compression_failures{0};
  std::atomic<uint64_t> bytes_before{0};   // plain bytes of the files compressed
  std::atomic<uint64_t> bytes_after{0};    // their compressed bytes
  std::atomic<uint64_t> backups_deleted{0};  // rotations deleted by -max-backups
  std::atomic<uint64_t> deleted_by_reason[kRetentionReasons] = {};  // pieces, every reason
  std::atomic<uint64_t> root_bytes{0};     // at the last budget check
  std::atomic<uint64_t> over_budget{0};    // 1 while writes are refused by the budget
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

  // Waits (bounded) until the start-up walk is done, the queue is empty and
  // no budget check is due.
  bool WaitIdleForTest(std::chrono::milliseconds timeout);
  // Asks for a budget check now (the next one otherwise waits its period).
  void CheckBudgetSoon();

  // Thread-safe. True, with the status to answer writes with, while the
  // last budget check found the budget exceeded with no piece left to delete.
  bool BudgetRefusal(Status* status) const;

 private:
  struct Progress;  // of the start-up walk

  void Run();
  void TidyKey(const std::string& key);
  void Walk(int dirfd, const std::string& rel, size_t depth, Progress* progress);
  void TidyLog(int dirfd, const std::string& rel, LogPieces& log, Progress* progress);
  bool RemovePiece(int dirfd, const std::string& rel, const Piece& piece, RetentionReason reason);
  void EnforceBudget();
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
  mutable Mutex mu_;
  CondVar cv_;
  std::deque<std::string> queue_ GUARDED_BY(mu_);
  std::unordered_set<std::string> queued_ GUARDED_BY(mu_);
  bool busy_ GUARDED_BY(mu_) = false;  // the walk, a log or the budget is being worked on
  bool budget_due_ GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point next_budget_ GUARDED_BY(mu_){};
  std::chrono::steady_clock::time_point last_budget_ GUARDED_BY(mu_){};  // when the last check ended
  Status refusal_ GUARDED_BY(mu_);  // why writes are refused (see over_budget_)
  std::atomic<bool> over_budget_{false};  // written under mu_, read without

  // Archive thread only.
  std::unique_ptr<FileCompressor> compressor_;  // null without -compress
  std::unordered_set<std::string> reported_;    // failures already printed
  uint64_t legacy_seen_ = 0;                    // old-scheme plain names found by the walk
};

}  // namespace logscribe
