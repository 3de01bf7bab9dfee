// CatOptions: everything logscribe-cat is told on its command line.
//
// Thread contract: thread-compatible. Filled once by ParseCatOptions() before
// any thread starts, then only read.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "client_credentials.h"  // src/rpc: ClientSecurityOptions

namespace logscribe::cat {

struct CatOptions {
  // The scribe or mediator, host:port. Default: 127.0.0.1:8080 (-target).
  std::string target = "127.0.0.1:8080";
  // The directory of the file under the target's root. Default: this
  // machine's hostname (-path).
  std::string path;
  // The file's name without ".log". Default: the basename of -follow without
  // a ".log" suffix, or "stdin" (-file).
  std::string filename;
  // The file to follow like `tail -F`; empty means stdin. Default: none (-follow).
  std::string follow;
  // Where the acknowledged position in -follow is kept. Default: none (-checkpoint).
  std::string checkpoint;
  // A batch is sent once it holds this many lines. Default: 512 (-batch-lines).
  int batch_lines = 512;
  // ... or this many line bytes. Default: 1MiB (-batch-bytes).
  uint64_t batch_bytes = 1 << 20;
  // ... or when its first line has waited this long. Default: 200ms (-flush-interval).
  std::chrono::nanoseconds flush_interval = std::chrono::milliseconds(200);
  // Bound on lines read and not yet acknowledged (each counted with its bytes
  // plus a fixed overhead); reaching it stops the reading. Default: 64MiB
  // (-max-buffer-bytes).
  uint64_t max_buffer_bytes = 64ull << 20;
  // Batches sent and not yet acknowledged (and, with -checkpoint, not yet
  // covered by a written checkpoint). Default: 8 (-inflight).
  int inflight = 8;
  // Longer lines are split into pieces of this size, each sent as a line.
  // Default: 1MiB, the scribe's own limit (-max-line-bytes).
  uint64_t max_line_bytes = 1 << 20;
  // At stdin EOF or SIGINT/SIGTERM: how long to wait for the acks of what was
  // read. Default: 10s (-drain-timeout).
  std::chrono::nanoseconds drain_timeout = std::chrono::seconds(10);
  // A stream whose oldest batch waits this long for its ack, or that takes
  // this long to connect, is given up and its batches resent on a new one.
  // Default: 30s (-ack-timeout).
  std::chrono::nanoseconds ack_timeout = std::chrono::seconds(30);
  // A followed file is read when inotify reports a change; this is the
  // fallback check for growth, rotation and truncation when no event comes
  // (and the only one where inotify is unavailable). Default: 1s (-poll-interval).
  std::chrono::nanoseconds poll_interval = std::chrono::seconds(1);
  // Least time between two checkpoint writes. Default: 20ms (-checkpoint-interval).
  std::chrono::nanoseconds checkpoint_interval = std::chrono::milliseconds(20);
  // Reconnection backoff: first delay and cap, doubling with jitter.
  // Default: 100ms, 5s (-backoff-min, -backoff-max).
  std::chrono::nanoseconds backoff_min = std::chrono::milliseconds(100);
  std::chrono::nanoseconds backoff_max = std::chrono::seconds(5);
  // TLS: -ca, -crt, -pk, -server-name, as logscribectl. Default: insecure.
  ClientSecurityOptions security;
};

enum class ParseOutcome { kOk, kHelp, kError };

// Parses and validates argv. kHelp: *message holds the usage text. kError:
// *message holds one sentence. Fills the defaults that depend on other flags
// (-path, -file). Looks at no file but the -config file.
ParseOutcome ParseCatOptions(int argc, const char* const* argv, CatOptions* options, std::string* message);

}  // namespace logscribe::cat
