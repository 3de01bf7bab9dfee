// ReadService: what every List and Read call of a scribe shares: the log
// root, the limits, the reader threads that do all the disk work (a CQ
// thread never reads a file), the followers waiting for appends, counters.
//
// Thread contract: thread-safe. Jobs run on the reader threads; what a job
// hands back reaches its call through the call's CQ AckQueue.
#pragma once

#include <grpcpp/server_context.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "append_notifier.h"
#include "log_root.h"
#include "rights.h"  // src/rpc/tls
#include "logscribe.grpc.pb.h"
#include "status.h"

namespace logscribe {

struct ReadOptions {
  // Reads at once; the next is RESOURCE_EXHAUSTED. Default: 64 (-max-readers).
  int max_readers = 64;
  // Memory one read may hold (file content and its chunk). Default: 1 MiB (-read-buffer-bytes).
  uint64_t buffer_bytes = 1 << 20;
  // A chunk the client has not taken for this long ends the read
  // (RESOURCE_EXHAUSTED, "resume from the last position"). Default: 10 s
  // (-read-stall-timeout).
  std::chrono::milliseconds stall_timeout{10000};
  // Reader threads. Default: 2.
  int threads = 2;
  // Logs one List answers at most. Default: 10000.
  size_t max_listed = 10000;
};

// Plain atomics for /metrics.
struct ReadCounters {
  std::atomic<uint64_t> lists{0};
  std::atomic<uint64_t> reads_ok{0};
  std::atomic<uint64_t> reads_failed{0};     // any other status
  std::atomic<uint64_t> reads_refused{0};    // -max-readers
  std::atomic<uint64_t> readers_cut_off{0};  // stalled past -read-stall-timeout
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> lines_read{0};
  std::atomic<int64_t> readers_live{0};
  std::atomic<int64_t> followers_live{0};
};

// Work for a reader thread.
class ReadJob {
 public:
  virtual ~ReadJob() = default;
  virtual void Run() = 0;
};

// The read right (rights.h): with mutual TLS, -allow-read-cn/-allow-read-san;
// without, loopback peers only unless -allow-insecure-read. Null `rights`
// (a server started without them): allowed.
Status CheckReadAllowed(const grpc::ServerContext& ctx, const Rights* rights);

class ReadService {
 public:
  ReadService(const LogRoot* root, const ReadOptions& options, bool tls);
  ~ReadService();  // stops the threads; no job may be queued or parked then

  logscribe::v1::LogReader::AsyncService* service() { return &service_; }
  const LogRoot* root() const { return root_; }
  const ReadOptions& options() const { return options_; }
  bool tls() const { return tls_; }
  ReadCounters& counters() { return counters_; }
  AppendNotifier* appended() { return &appended_; }

  void Submit(ReadJob* job);
  // Runs `job` again once the writers appended after `generation` (or within
  // a second, so that cancelled followers are noticed).
  void Park(ReadJob* job, uint64_t generation);
  // Every parked job runs again now (shutdown).
  void WakeParked();
  void Stop();

 private:
  void Work();
  void Follow();

  const LogRoot* const root_;
  const ReadOptions options_;
  const bool tls_;
  logscribe::v1::LogReader::AsyncService service_;
  ReadCounters counters_;
  AppendNotifier appended_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ReadJob*> jobs_;                              // GUARDED_BY(mu_)
  std::vector<std::pair<ReadJob*, uint64_t>> parked_;      // GUARDED_BY(mu_)
  bool stopping_ = false;                                  // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
  std::thread follower_;
};

}  // namespace logscribe
