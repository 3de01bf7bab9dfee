// WriterThread: owns a set of log files, drains their chunks, appends them in
// batches, rotates on size and age, and completes each chunk after its write.
// After a rotation it hands the log to the ArchiveThread, if any.
//
// Thread contract: Enqueue() is thread-safe; Start()/Stop() are called by the
// sink's owner; WakeForClock() is called by the clock (see clock.h), from the
// thread that moved it; everything else runs on the writer's own thread.
//
// Invariants of the inbox (a moodycamel BlockingConcurrentQueue):
//  1. Producers are RPC threads; the only consumer is this thread.
//  2. Chunks enqueued by one producer thread are dequeued in that order, so
//     the lines of one stream (served by one CQ thread) keep their order.
//  3. The enqueue releases the chunk's contents; the dequeue acquires them.
//  4. A nullptr in the inbox only wakes the thread (Stop(), or the clock after
//     its time jumped, so the -rotate-every check sees the new time).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <concurrentqueue/blockingconcurrentqueue.h>

#include "archive_thread.h"
#include "append_notifier.h"
#include "clock.h"
#include "file_chunk.h"
#include "file_writer.h"
#include "histogram.h"
#include "log_file.h"
#include "log_root.h"
#include "sink.h"
#include "size_spec.h"

namespace logscribe {

struct WriterOptions {
  // Rotate before a line would take a file past this. Default: 1 MB (-size).
  uint64_t rotate_bytes = 1000 * 1000;
  // Rotate a non-empty file once its content is this old (LogFile::born()):
  // before a round's first append to it, and, for open files without lines
  // coming, on a check every min(1s, period/2). 0: never. Default: 0 (-rotate-every).
  std::chrono::nanoseconds rotate_every{0};
  // Most bytes in one append to one file; larger rounds are split. Default: 1 MiB.
  uint64_t batch_bytes = 1 << 20;
  // Open descriptors this writer may hold. Default: 1024 / writers.
  size_t max_open_files = 512;
  // fdatasync after each round, before completing (ack fsync). Default: false.
  bool sync = false;
  // Echo every written line to stdout (-console). Default: false.
  bool console = false;
  // Test hook: sleep this long before each round's appends. Default: 0.
  std::chrono::nanoseconds write_delay{0};
  // Where the writer reads the time: file ages, rotated names' stamps, when
  // the idle check is due. Outlives the writer. Default: the real clock.
  Clock* clock = RealClock::Get();
  // Bumped after each round's appends (followers of the read service wait
  // on it). Outlives the writer. Default: null.
  AppendNotifier* appended = nullptr;
};

// What a failed file operation was doing, for write errors by kind.
enum class WriteOpKind { kOpen, kWrite, kSync, kRotate };
// Why a file was rotated.
enum class RotateReason { kSize, kTime };
inline constexpr int kRotateReasons = 2;
inline constexpr int kWriteOpKinds = 4;

// Counters shared by all writers of a sink; relaxed atomics, touched once per
// append, file or round, never per line.
struct WriterCounters {
  std::atomic<uint64_t> lines_written{0};
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<uint64_t> files_opened{0};
  std::atomic<int64_t> open_files{0};      // now, across writers
  std::atomic<uint64_t> rotations{0};     // every reason
  std::atomic<uint64_t> rotations_by_reason[kRotateReasons] = {};
  std::atomic<uint64_t> write_errors{0};
  std::atomic<uint64_t> files_unlinked{0};  // open files found deleted or replaced, opened afresh
  // write_errors split by WriteOpKind and StatusCode (ENOSPC is
  // RESOURCE_EXHAUSTED, EACCES PERMISSION_DENIED, EIO UNAVAILABLE...).
  std::atomic<uint64_t> write_errors_by_kind[kWriteOpKinds][kStatusCodes] = {};
  std::atomic<uint64_t> queued_bytes{0};   // submitted, not yet completed
  std::atomic<uint64_t> queued_chunks{0};
  std::atomic<uint64_t> appends{0};        // FileWriter appends (one per file per phase)
  // Bytes per append.
  Histogram append_bytes{256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216};

  void CountRotation(RotateReason reason) {
    rotations.fetch_add(1, std::memory_order_relaxed);
    rotations_by_reason[static_cast<int>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  void CountWriteError(WriteOpKind op, StatusCode code) {
    write_errors.fetch_add(1, std::memory_order_relaxed);
    write_errors_by_kind[static_cast<int>(op)][StatusCodeIndex(static_cast<int>(code))].fetch_add(
        1, std::memory_order_relaxed);
  }
};

class WriterThread final : private ClockWaiter {
 public:
  // `root` null: the null sink. `counters` and `archive` (null: none) outlive
  // the thread.
  WriterThread(const LogRoot* root, std::unique_ptr<FileWriter> writer, WriterOptions options,
               WriterCounters* counters, ArchiveThread* archive = nullptr);
  ~WriterThread();

  void Start();
  void Enqueue(FileChunk* chunk) { inbox_.enqueue(chunk); }
  // Drains the inbox, closes every file and joins. No Enqueue() may follow.
  void Stop();

  const char* writer_name() const { return writer_->name(); }

 private:
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };

  void WakeForClock() override { inbox_.enqueue(nullptr); }
  void Run();
  void Round(std::vector<FileChunk*>& chunks);
  bool DueByTime(const LogFile* file, std::chrono::system_clock::time_point now) const;
  void RotateIdle();
  void Rotated(LogFile* file, RotateReason reason);
  void Group(std::vector<FileChunk*>& chunks);
  bool OpenTouched(LogFile* file);
  void Plan(LogFile* file);
  void Execute();
  void SyncTouched();
  void CompleteTouched();
  void CompleteFile(LogFile* file);
  void FailFile(LogFile* file, size_t segment, Status status);
  void Echo(const LogFile::Segment& segment);

  const LogRoot* const root_;
  const std::unique_ptr<FileWriter> writer_;
  const WriterOptions options_;
  WriterCounters* const counters_;
  ArchiveThread* const archive_;

  moodycamel::BlockingConcurrentQueue<FileChunk*> inbox_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  // Writer thread only below.
  std::unordered_map<std::string, std::unique_ptr<LogFile>, KeyHash, std::equal_to<>> files_;
  std::list<LogFile*> lru_;  // open files, most recently used first
  std::vector<LogFile*> touched_;
  std::vector<FileChunk*> deferred_;
  std::vector<WriteOp> ops_;
  std::vector<LogFile*> op_files_;
  std::chrono::system_clock::time_point round_now_;
  std::chrono::steady_clock::time_point next_idle_check_{};
};

}  // namespace logscribe
