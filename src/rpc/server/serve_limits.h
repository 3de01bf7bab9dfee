// ServeLimits: the limits of the LogScribe service that the scribe and the
// mediator share, defined once. src/main registers each as a flag of the same
// name in both binaries (server_flags.h); ServeOptions carries the struct to
// the server and ServerShared to every handler, as it is.
//
// Thread contract: a value type; constant once the server starts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace logscribe {

struct ServeLimits {
  // Completion queues, one thread each. Default: 2 (-cq-threads).
  int cq_threads = 2;
  // Largest request message accepted, below 2 GiB: as it arrives (gRPC
  // checks) and, for a gzip or deflate one, once inflated (MessageInflater).
  // Default: 64 MiB (-max-message-bytes).
  uint64_t max_message_bytes = 64ull << 20;
  // Longest line accepted; longer is INVALID_ARGUMENT. Default: 1 MiB (-max-line-bytes).
  uint64_t max_line_bytes = 1 << 20;
  // Batches of one stream submitted and not yet acknowledged before the
  // stream stops reading (flow control per stream). Default: 64 (-stream-inflight).
  int stream_inflight = 64;
  // Most entries in one LogBatch (unary or on a stream); more is refused
  // INVALID_ARGUMENT. Default: 1,048,576 (-max-batch-entries).
  uint64_t max_batch_entries = uint64_t{1} << 20;
  // A unary call whose request has not fully arrived this long after the
  // call began is cancelled, giving back the room Sink::Admit reserved for
  // it. Default: 30 s (-request-read-timeout).
  std::chrono::milliseconds request_read_timeout{30000};
  // Let gRPC grow HTTP/2 receive windows to its bandwidth-delay estimate
  // (GRPC_ARG_HTTP2_BDP_PROBE). Off, each stream's window stays at 64 KiB
  // beyond the message being read, so what clients push ahead waits in their
  // own buffers, not here: peak RSS 36 MiB against 130-190 MiB with it on, in
  // the slow-disk test with 64 MiB of stream batches in flight. On, a stream
  // can go faster over a long, fast link. Default: false (-bdp-probe).
  bool bdp_probe = false;
};

}  // namespace logscribe
