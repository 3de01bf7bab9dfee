// FileSink: the Sink that appends to files under a LogRoot, with one or more
// writer threads. Each file belongs to the writer picked by the hash of its
// key, so file state needs no lock. With a null root it is the null sink
// (-sink null): everything but opening and writing files.
//
// Thread contract: thread-safe.
//
// Backpressure: Submit() adds a request's bytes to queued_bytes and refuses it
// with RESOURCE_EXHAUSTED when that would pass max_queued_bytes; writers
// subtract the bytes of each chunk they complete. Memory for queued lines is
// thus bounded by max_queued_bytes plus one request. Every refusal is counted.
// Admit() lets the RPC layer refuse a unary request before reading it, and
// counts the requests being read against the same limit. While the disk
// budget is exceeded with only live files left (ArchiveThread::BudgetRefusal),
// both refuse with that RESOURCE_EXHAUSTED status.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "admission.h"
#include "clock.h"
#include "file_writer.h"
#include "log_root.h"
#include "sink.h"
#include "writer_thread.h"

namespace logscribe {

// Which FileWriter the writer threads use. Default: kAuto.
//   kAuto:   writev appends, io_uring fdatasync (writev alone when io_uring is
//            unusable): the measured best on a 2-core ext4 machine.
//   kUring:  appends and syncs through io_uring.
//   kWritev: writev(2) and fdatasync(2) only.
enum class WriterKind { kAuto, kUring, kWritev };

struct FileSinkOptions {
  // Writer threads. Default: 1.
  int writer_threads = 1;
  // Bound on bytes submitted but not yet completed. Default: 256 MiB.
  uint64_t max_queued_bytes = 256ull << 20;
  // Open descriptors across all writers. Default: 1024.
  size_t max_open_files = 1024;
  AckMode ack = AckMode::kWritten;
  WriterKind writer = WriterKind::kAuto;
  // Ring entries per io_uring writer. Default: 64.
  unsigned uring_depth = 64;
  WriterOptions per_writer;  // max_open_files, sync and clock are derived from the others
  // Compression and retention of rotated files; with neither, no archive
  // thread runs. Ignored by the null sink. Default: neither. (Its clock is
  // derived from `clock`.)
  ArchiveOptions archive;
  // Where the writers and the archive thread read the time; tests pass a
  // FakeClock. Outlives the sink. Default: the real clock.
  Clock* clock = RealClock::Get();
};

class FileSink final : public Sink {
 public:
  // `root` null: the null sink. `root` must outlive the sink. Fails with one
  // sentence when -writer uring was asked for and io_uring is unusable.
  static Status Create(const LogRoot* root, const FileSinkOptions& options,
                       std::unique_ptr<FileSink>* out);
  ~FileSink() override;

  Status Submit(std::vector<std::unique_ptr<FileChunk>> chunks, uint64_t bytes,
                Completion* completion) override;
  // Reserves room for a request in queued_bytes (RequestAdmission);
  // RESOURCE_EXHAUSTED when that would pass max_queued_bytes.
  Status Admit(uint64_t* reserved) override;
  void Release(uint64_t reserved) override;
  Status Reserve(uint64_t bytes) override;
  bool Drain(std::chrono::milliseconds timeout) override;
  void Stop() override;
  SinkStats Stats() const override;

  // "io_uring", "writev" or "null", and why io_uring is not used (empty if it is
  // or was not wanted).
  const std::string& writer_name() const { return writer_name_; }
  const std::string& fallback_reason() const { return fallback_reason_; }
  // The writers' live counters, for /metrics.
  const WriterCounters& counters() const { return counters_; }
  // The archive thread's (all zero when it does not run).
  const ArchiveCounters& archive_counters() const { return archive_counters_; }

 private:
  FileSink(const FileSinkOptions& options)
      : options_(options), admission_(&counters_.queued_bytes, options.max_queued_bytes) {}

  struct SubmitGuard {
    explicit SubmitGuard(std::atomic<int>* n) : n_(n) { n_->fetch_add(1, std::memory_order_seq_cst); }
    ~SubmitGuard() { n_->fetch_sub(1, std::memory_order_seq_cst); }
    std::atomic<int>* n_;
  };

  const FileSinkOptions options_;
  std::string writer_name_;
  std::string fallback_reason_;
  WriterCounters counters_;
  ArchiveCounters archive_counters_;
  std::atomic<uint64_t> refused_{0};
  RequestAdmission admission_;
  std::atomic<bool> stopped_{false};
  std::atomic<int> submitters_{0};  // Submit() calls under way
  // Declared before the writers: they hand it work until they are stopped.
  std::unique_ptr<ArchiveThread> archive_;
  std::vector<std::unique_ptr<WriterThread>> writers_;
};

}  // namespace logscribe
