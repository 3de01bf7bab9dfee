// Connection: one channel, one completion queue and one thread driving
// -concurrency RPCs (or stream batches) at the scribe.
//
// Thread contract: Start(), Join(), finished(), stats() from the owner's
// thread; stats() counters may be read while running. Complete(), Recycle()
// and CountError() are called by the calls on the connection's own thread.
// ledger() only after Join().
//
// The loop, once per completion or tick (at most kTick apart):
//  1. Stop issuing when the run says so (time, -lines spent, interrupt).
//  2. Issue while fewer than -concurrency are in flight: in closed loop at
//     once, in open loop each batch at its scheduled time start + n*period
//     (late batches keep their scheduled time, so a stall shows in latency).
//     After UNAVAILABLE or a stream's end, pause kBackoff first.
//  3. Stopping: half-close the stream once nothing is in flight; after
//     -drain-timeout cancel whatever is left. Leave when every call is done.
// Then the queue is shut down and drained before the thread ends.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "connection_stats.h"
#include "line_codec.h"
#include "loadgen_options.h"
#include "logscribe.grpc.pb.h"
#include "request_builder.h"
#include "run_control.h"
#include "stream_call.h"
#include "unary_call.h"

namespace logscribe::loadgen {

class Connection {
 public:
  using Clock = std::chrono::steady_clock;

  Connection(const LoadgenOptions& options, const LineCodec& codec, uint32_t index,
             std::shared_ptr<grpc::Channel> channel, RunControl* control);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  void Join();
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  // When the last call completed. REQUIRES: finished().
  Clock::time_point finished_at() const { return finished_at_; }

  const ConnectionStats& stats() const { return stats_; }
  // REQUIRES: Join() returned.
  const BatchLedger& ledger() const { return ledger_; }

  // --- for the calls, on the connection thread ------------------------------
  // A batch answered: kind 0 = acknowledged, else why it failed.
  void Complete(const OutstandingBatch& batch, int kind);
  void Recycle(UnaryCall* call) { idle_calls_.push_back(call); }
  void CountError(int kind) { stats_.errors[kind].fetch_add(1, std::memory_order_relaxed); }

 private:
  static constexpr std::chrono::milliseconds kTick{20};
  // After UNAVAILABLE (no scribe there) or a stream's end: a pause before
  // the next issue or stream, so a dead target is not hammered in a hot loop.
  static constexpr std::chrono::milliseconds kBackoff{100};

  void Run();
  bool CanIssue() const;
  void IssueDue();
  void Issue(OutstandingBatch batch);
  void BeginStop(Clock::time_point now);
  void CancelAll();
  void OpenStream();
  Clock::time_point NextWake(Clock::time_point now) const;

  // Constant after construction.
  const LoadgenOptions& options_;
  const uint32_t index_;
  const RequestBuilder builder_;
  RunControl* const control_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<logscribe::v1::LogScribe::Stub> stub_;
  const uint32_t lines_per_batch_;
  const Clock::duration period_;  // open loop: time between batches; zero in closed loop

  ConnectionStats stats_;
  Clock::time_point finished_at_{};  // written before finished_ is released
  std::atomic<bool> finished_{false};
  std::thread thread_;

  // Connection thread only.
  grpc::CompletionQueue cq_;
  BatchLedger ledger_;
  std::vector<std::unique_ptr<UnaryCall>> calls_;  // every unary/batch call ever made
  std::vector<UnaryCall*> idle_calls_;
  std::unique_ptr<StreamCall> stream_;
  Clock::time_point backoff_until_{};
  uint64_t scheduled_ = 0;  // batches issued: the open-loop schedule index
  int in_flight_ = 0;
  bool stopping_ = false;
  bool cancelled_ = false;
  Clock::time_point drain_deadline_{};
};

}  // namespace logscribe::loadgen
