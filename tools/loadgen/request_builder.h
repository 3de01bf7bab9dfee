// OutstandingBatch: one RPC (unary, batch) or stream batch from issue to
// answer. RequestBuilder: fills the wire messages for it.
//
// Thread contract: thread-compatible; one builder per connection thread.
#pragma once

#include <chrono>
#include <cstdint>

#include "line_codec.h"
#include "logscribe.pb.h"

namespace logscribe::loadgen {

struct OutstandingBatch {
  uint64_t seq = 0;     // the batch's name within its connection
  uint32_t lines = 0;   // lines it carries
  uint64_t bytes = 0;   // line bytes, set when the request is filled
  // Latency is measured from here: the issue time in closed loop, the
  // scheduled time in open loop (so time spent waiting for a slot counts).
  std::chrono::steady_clock::time_point intended;
};

class RequestBuilder {
 public:
  RequestBuilder(const LineCodec& codec, uint32_t conn) : codec_(codec), conn_(conn) {}

  // Each sets batch->bytes; the message's old contents are replaced, its
  // strings' capacity reused.
  void Fill(OutstandingBatch* batch, logscribe::v1::LogRequest* request) const;
  void Fill(OutstandingBatch* batch, logscribe::v1::LogBatch* request) const;

 private:
  const LineCodec& codec_;
  const uint32_t conn_;
};

}  // namespace logscribe::loadgen
