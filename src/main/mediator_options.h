// MediatorOptions: everything the logmediator binary can be told, parsed and
// validated once at start-up.
//
// Thread contract: thread-compatible; filled by main() before any thread starts.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "server_credentials.h"

namespace logscribe {

struct MediatorOptions {
  // Port to listen on; 0 picks a free one. Default: 8000, as the original (-port).
  int port = 8000;
  // Address to listen on. Default: 0.0.0.0 (-bind).
  std::string bind = "0.0.0.0";
  // Time between the starts of two ping rounds. Default: 5s (-ping-interval).
  std::chrono::milliseconds ping_interval{5000};
  // Deadline of one ping; at most -ping-interval. Default: 2s, or
  // -ping-interval when that is shorter (-ping-timeout).
  std::chrono::milliseconds ping_timeout{2000};
  // Consecutive failed pings that drop a scribe. Default: 3 (-max-misses).
  int max_misses = 3;
  // rendezvous or first-char. Default: rendezvous (-routing).
  std::string routing = "rendezvous";
  // CQ threads. Default: 2 (-cq-threads).
  int cq_threads = 2;
  // Bytes accepted and not yet acknowledged by scribes. Default: 256MiB (-queue-bytes).
  uint64_t queue_bytes = 256ull << 20;
  // Most bytes of one batch to a scribe. Default: 1MiB (-batch-bytes).
  uint64_t batch_bytes = 1 << 20;
  // Batches in flight per client stream, and per scribe stream. Default: 64
  // (-stream-inflight).
  int stream_inflight = 64;
  // -bdp-probe: let gRPC grow HTTP/2 windows (ServeOptions::bdp_probe).
  bool bdp_probe = false;
  // -request-read-timeout (ServeOptions::request_read_timeout).
  std::chrono::milliseconds request_read_timeout{30000};
  // -max-batch-entries (ServeOptions::max_batch_entries).
  int64_t max_batch_entries = int64_t{1} << 20;
  // Longest line accepted. Default: 1MiB (-max-line-bytes); keep it at most
  // the scribes' own.
  uint64_t max_line_bytes = 1 << 20;
  // Largest request message. Default: 64MiB (-max-message-bytes); keep it at
  // most the scribes' own.
  uint64_t max_message_bytes = 64ull << 20;
  // How long shutdown waits for in-flight calls. Default: 5s (-shutdown-timeout).
  std::chrono::milliseconds shutdown_timeout{5000};
  // Serve /metrics and /healthz over HTTP. Default: false (-pprof, the seed's name).
  bool pprof = false;
  // Port of that endpoint; 0 picks a free one. Default: 1112, next to the
  // scribe's 1111, so both run on one host (-pport).
  int pport = 1112;
  // Address of that endpoint. Default: 127.0.0.1 (-pprof-bind).
  std::string pprof_bind = "127.0.0.1";
  // TLS: the mediator's server side (see credentials.h); with -ca, its
  // streams and pings to scribes use TLS too, checking the scribes'
  // certificates against -ca and presenting -crt. Default: insecure (-ca,
  // -crt, -pk, -allow-cn, -allow-san).
  ServerSecurityOptions security;
};

// Parses argv into *options. Returns -1 to go on, or the exit code to leave
// with after printing: 0 for -help (usage on stdout), 2 for a bad command line
// (one sentence on stderr).
int ParseMediatorOptions(int argc, const char* const* argv, MediatorOptions* options);

}  // namespace logscribe
