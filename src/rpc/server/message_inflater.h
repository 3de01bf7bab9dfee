// MessageInflater: a received message's bytes as the handlers parse them.
//
// The servers turn off gRPC's own per-message decompression
// (GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION = 0, ConfigureBuilder): gRPC
// 1.51 inflates a compressed message whole and only then compares its size
// with the limit, so ~400 KB of gzip on the wire held 400 MiB here (peak RSS
// 19 -> 445 MiB for one call; a few in parallel killed the process). gRPC
// then hands the message over as it arrived, still compressed, marked with
// its algorithm (per message: a client may send some messages of a call
// uncompressed). An uncompressed message is used as is; a gzip or deflate
// one is inflated here with BoundedInflate: never past -max-message-bytes,
// each growth of its buffer first reserved in the sink's queue bound
// (Sink::Reserve, the count -queue-bytes bounds), so inflating requests
// count against the same limit as queued ones.
//
// Thread contract: thread-compatible; one per CQ thread (CqContext).
#pragma once

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "bounded_inflate.h"  // src/io
#include "sink.h"
#include "status.h"

namespace logscribe {

class MessageInflater final : private InflateBudget {
 public:
  // The inflated buffer kept between messages (larger ones are freed).
  static constexpr size_t kKeptBytes = 1 << 20;

  // `sink` is asked for room (Sink::Reserve) and must outlive this.
  MessageInflater(Sink* sink, uint64_t max_message_bytes) : sink_(sink), max_bytes_(max_message_bytes) {}
  ~MessageInflater() override { Done(); }
  MessageInflater(const MessageInflater&) = delete;
  MessageInflater& operator=(const MessageInflater&) = delete;

  // The bytes of *in in one piece, inflated when compressed; valid until
  // Done() or the next Bytes(). Errors (nothing held afterwards):
  // RESOURCE_EXHAUSTED past -max-message-bytes or the queue bound,
  // INVALID_ARGUMENT for data that does not inflate, UNIMPLEMENTED for an
  // algorithm other than gzip and deflate.
  Status Bytes(grpc::ByteBuffer* in, std::string_view* bytes);

  // Lets go of the bytes Bytes() gave and of the room reserved for them.
  // REQUIRES: called once their parse is over, before the parsed batch is
  // submitted (which counts its own bytes).
  void Done();

 private:
  Status Reserve(uint64_t bytes) override;

  Sink* const sink_;
  const uint64_t max_bytes_;
  grpc::Slice hold_;               // an uncompressed message gathered in one piece
  std::vector<grpc::Slice> slices_;  // a compressed message's slices
  InflatedBytes inflated_;
  uint64_t reserved_ = 0;  // granted by sink_ for inflated_
};

}  // namespace logscribe
