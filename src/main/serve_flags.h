// The flags both binaries share, into the ServeOptions both servers share.
//
// Thread contract: thread-compatible; called once by main's thread.
#pragma once

#include <memory>

#include <grpcpp/security/server_credentials.h>

#include "server_steps.h"

namespace logscribe {

// `flags` is a ScribeOptions or a MediatorOptions: -bind, -port, -cq-threads,
// -max-message-bytes, -max-line-bytes, -stream-inflight, -bdp-probe,
// -request-read-timeout and -max-batch-entries, spelt alike.
template <typename Flags>
void FillServeOptions(const Flags& flags, std::shared_ptr<grpc::ServerCredentials> credentials,
                      ServeOptions* out) {
  out->bind = flags.bind;
  out->port = flags.port;
  out->cq_threads = flags.cq_threads;
  out->max_message_bytes = static_cast<int>(flags.max_message_bytes);
  out->format.max_line_bytes = flags.max_line_bytes;
  out->max_stream_inflight = flags.stream_inflight;
  out->bdp_probe = flags.bdp_probe;
  out->request_read_timeout = flags.request_read_timeout;
  out->max_batch_entries = static_cast<size_t>(flags.max_batch_entries);
  out->credentials = std::move(credentials);
}

}  // namespace logscribe
