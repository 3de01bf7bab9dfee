// Tag: what every completion-queue event points at. A call object owns one
// Tag per kind of operation it starts (read, write, finish, ...), so the CQ
// loop needs no switch: it calls Proceed(ok) on whatever comes out.
//
// Thread contract: a Tag runs on the thread that drains its CQ. Every
// Proceed() handles ok == false: the call was cancelled, the client went
// away, or the server is shutting down. Never assert on ok.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "histogram.h"
#include "status.h"  // src/common: StatusCodeIndex

namespace logscribe {

class Tag {
 public:
  virtual ~Tag() = default;
  virtual void Proceed(bool ok) = 0;
};

// A Tag that forwards to a member function of its owner.
template <typename Owner>
class MemberTag final : public Tag {
 public:
  using Method = void (Owner::*)(bool ok);
  MemberTag(Owner* owner, Method method) : owner_(owner), method_(method) {}
  void Proceed(bool ok) override { (owner_->*method_)(ok); }

 private:
  Owner* const owner_;
  const Method method_;
};

// Something to run on a CQ thread, handed over by another thread through an
// AckQueue (a writer thread finishing a batch, for example).
class Deliverable {
 public:
  virtual ~Deliverable() = default;
  virtual void Deliver() = 0;
};

// The scribe's RPC methods, as metrics label them.
enum class RpcMethod { kLog, kLogBatch, kLogStream };
inline constexpr int kRpcMethods = 3;
inline constexpr int kRpcCodes = kStatusCodes;  // gRPC status codes 0..16 (status.h)
inline const char* RpcMethodName(RpcMethod m) {
  switch (m) {
    case RpcMethod::kLog: return "Log";
    case RpcMethod::kLogBatch: return "LogBatch";
    case RpcMethod::kLogStream: return "LogStream";
  }
  return "?";
}

// Counters of the RPC layer; relaxed atomics, read for the shutdown summary
// and /metrics. Touched once per call or batch, never per line.
struct RpcCounters {
  std::atomic<uint64_t> calls_started{0};
  std::atomic<uint64_t> calls_failed{0};     // finished with a non-OK status (or batch acked non-OK)
  std::atomic<uint64_t> lines_received{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<int64_t> live_calls{0};        // calls that got a request and have not been freed

  std::atomic<uint64_t> calls_by_method[kRpcMethods] = {};
  // Answers by method and code: a unary call when it finishes, a LogStream
  // batch when its LogAck is queued.
  std::atomic<uint64_t> answers[kRpcMethods][kRpcCodes] = {};
  // Batches accepted by the sink (a unary request or one stream message).
  std::atomic<uint64_t> batches_received{0};
  Histogram batch_lines{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
  Histogram batch_bytes{256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216};
  // From the request (or stream message) read to its answer, microseconds.
  Histogram ack_latency_us{50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000,
                           50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};

  void CountStart(RpcMethod m) {
    calls_started.fetch_add(1, std::memory_order_relaxed);
    calls_by_method[static_cast<int>(m)].fetch_add(1, std::memory_order_relaxed);
  }
  void CountBatch(uint64_t lines, uint64_t bytes) {
    lines_received.fetch_add(lines, std::memory_order_relaxed);
    bytes_received.fetch_add(bytes, std::memory_order_relaxed);
    batches_received.fetch_add(1, std::memory_order_relaxed);
    batch_lines.Record(lines);
    batch_bytes.Record(bytes);
  }
  void CountAnswer(RpcMethod m, int code, std::chrono::steady_clock::time_point started) {
    answers[static_cast<int>(m)][StatusCodeIndex(code)].fetch_add(
        1, std::memory_order_relaxed);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    ack_latency_us.Record(us.count() > 0 ? static_cast<uint64_t>(us.count()) : 0);
  }
};

}  // namespace logscribe
