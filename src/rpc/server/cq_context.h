// What the handlers of one completion queue share.
//
// Thread contract: one CqContext per CQ thread; everything in it is used
// only on that thread, except `acks` (AckQueue::Push is thread-safe) and the
// shared pointers, which are thread-safe objects.
#pragma once

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string_view>

#include "ack_queue.h"
#include "batch_builder.h"
#include "batch_wire.h"
#include "call.h"
#include "serve_limits.h"
#include "logscribe.grpc.pb.h"
#include "message_inflater.h"
#include "rights.h"
#include "sink.h"

namespace logscribe {

class UnaryLogCall;

// LogScribe as the handlers take it:
//  - LogStream on raw bytes: the stream handler parses each batch itself, so
//    a batch that does not parse (path or filename not UTF-8) ends the stream
//    with INVALID_ARGUMENT rather than looking like the client's half-close
//    (gRPC reports a message it cannot parse as the end of reads);
//  - Log and LogBatch generic (served by the server's AsyncGenericService):
//    gRPC reads a registered unary method's request before any handler can
//    refuse it; a generic call's bytes are read only when UnaryLogCall asks.
using LogScribeService = logscribe::v1::LogScribe::WithGenericMethod_Log<
    logscribe::v1::LogScribe::WithGenericMethod_LogBatch<
        logscribe::v1::LogScribe::WithRawMethod_LogStream<logscribe::v1::LogScribe::Service>>>;

// Constant after the server starts, shared by every CQ thread.
struct ServerShared {
  LogScribeService* log_service = nullptr;
  grpc::AsyncGenericService* generic = nullptr;  // Log and LogBatch
  Sink* sink = nullptr;
  RpcCounters* counters = nullptr;
  // Every handler checks its right with it (rights.h); null: all allowed.
  // Owned by ServeOptions::rights, which outlives the server.
  const Rights* rights = nullptr;
  // As the server was started with them (ServeOptions::limits).
  ServeLimits limits;
  // The lines' format: limits.max_line_bytes and ServeOptions::escape_newlines.
  LineFormat format;
  std::atomic<bool> shutting_down{false};
};

// The unary calls of one CQ whose request is being read, oldest first; the
// calls link themselves (UnaryLogCall). CQ thread only.
struct ReadingCalls {
  UnaryLogCall* oldest = nullptr;
  UnaryLogCall* newest = nullptr;
};

struct CqContext {
  CqContext(ServerShared* s, std::unique_ptr<grpc::ServerCompletionQueue> q)
      : shared(s),
        cq(std::move(q)),
        acks(cq.get()),
        builder(s->format),
        inflater(s->sink, s->limits.max_message_bytes) {}

  ServerShared* const shared;
  const std::unique_ptr<grpc::ServerCompletionQueue> cq;
  AckQueue acks;
  BatchBuilder builder;  // reused by every handler on this thread
  WireEntries wire_entries;  // LogBatch and LogStream parses, reused likewise
  MessageInflater inflater;  // the bytes of the request being parsed, likewise
  ReadingCalls reading;

  // OK when `peer` may write every file `builder` holds, or the write
  // scope's PERMISSION_DENIED for the first that it may not (rights.h).
  Status CheckWriteScope(const Rights::Peer& peer) const {
    if (!peer.scoped || shared->rights == nullptr) return Status::Ok();
    for (const auto& chunk : builder.chunks()) {
      if (Status s = shared->rights->CheckWriteScope(peer, chunk->key); !s.ok()) return s;
    }
    return Status::Ok();
  }

  // Submits what `builder` holds to the sink, with `done` to tell; on OK
  // counts the batch. The builder is empty afterwards either way.
  Status SubmitBuilt(Completion* done) {
    const uint64_t bytes = builder.bytes();
    const uint64_t lines = builder.lines();
    Status s = shared->sink->Submit(builder.Take(), bytes, done);
    if (s.ok()) shared->counters->CountBatch(lines, bytes);
    return s;
  }
};

}  // namespace logscribe
