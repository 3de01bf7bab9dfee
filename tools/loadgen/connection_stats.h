// ConnectionStats: the counters of one connection, written by its thread and
// read by the progress thread. BatchLedger: which batches a connection sent
// and which were acknowledged, for verification after the run.
//
// Thread contract: ConnectionStats is thread-safe (relaxed atomics; a reader
// sees each counter on its own, not a consistent cut). BatchLedger is
// thread-compatible: its connection's thread writes it during the run, and it
// is read only after that thread was joined.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "latency_histogram.h"

namespace logscribe::loadgen {

// Why a batch failed: a gRPC status code (1..16), or one of ours.
enum ErrorKind : int {
  kErrorOk = 0,
  kErrorUnexpectedResponse = 17,  // status OK but LogResponse.res != "true", or an ack for no batch
  kErrorStreamEnded = 18,         // the stream ended OK while the batch waited for its ack
  kErrorKinds = 19,
};

// "RESOURCE_EXHAUSTED" for 8, "UNEXPECTED_RESPONSE" for 17, ...
const char* ErrorKindName(int kind);

struct ConnectionStats {
  std::atomic<uint64_t> lines_sent{0};    // in RPCs or batches issued
  std::atomic<uint64_t> lines_acked{0};   // in RPCs or batches answered OK
  std::atomic<uint64_t> lines_failed{0};  // in RPCs or batches answered otherwise
  std::atomic<uint64_t> bytes_acked{0};   // line bytes, newline excluded
  std::atomic<int64_t> batches_in_flight{0};
  std::array<std::atomic<uint64_t>, kErrorKinds> errors{};  // failed RPCs/batches by kind
  LatencyHistogram latency_us;  // acknowledged RPCs/batches only
};

class BatchLedger {
 public:
  explicit BatchLedger(uint32_t lines_per_batch) : lines_per_batch_(lines_per_batch) {}

  // Records a new batch of `lines` lines and returns its seq (0, 1, 2, ...).
  uint64_t Add(uint32_t lines);
  void MarkAcked(uint64_t seq) { acked_[seq] = true; }

  uint64_t batches() const { return acked_.size(); }
  bool acked(uint64_t seq) const { return acked_[seq]; }
  uint32_t lines(uint64_t seq) const;
  uint32_t lines_per_batch() const { return lines_per_batch_; }

 private:
  const uint32_t lines_per_batch_;
  std::vector<bool> acked_;  // one bit per batch
  // Batches cut short by -lines (at most one per connection): seq -> lines.
  std::unordered_map<uint64_t, uint32_t> short_batches_;
};

}  // namespace logscribe::loadgen
