#include "connection_stats.h"

namespace logscribe::loadgen {

const char* ErrorKindName(int kind) {
  static const char* const kNames[kErrorKinds] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
      "UNEXPECTED_RESPONSE",
      "STREAM_ENDED_BEFORE_ACK",
  };
  return kind >= 0 && kind < kErrorKinds ? kNames[kind] : "UNKNOWN";
}

uint64_t BatchLedger::Add(uint32_t lines) {
  const uint64_t seq = acked_.size();
  acked_.push_back(false);
  if (lines != lines_per_batch_) short_batches_.emplace(seq, lines);
  return seq;
}

uint32_t BatchLedger::lines(uint64_t seq) const {
  if (short_batches_.empty()) return lines_per_batch_;
  auto it = short_batches_.find(seq);
  return it == short_batches_.end() ? lines_per_batch_ : it->second;
}

}  // namespace logscribe::loadgen
