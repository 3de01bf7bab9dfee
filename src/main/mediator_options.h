// MediatorOptions: everything the logmediator binary can be told, parsed and
// validated once at start-up.
//
// Thread contract: thread-compatible; filled by main() before any thread starts.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "server_flags.h"

namespace logscribe {

struct MediatorOptions {
  // The flags both servers share (server_flags.h): -bind, -port, the
  // service limits (keep -max-line-bytes and -max-message-bytes at most the
  // scribes' own), -queue-bytes, -batch-bytes, -shutdown-timeout, TLS (with
  // -ca, its streams and pings to scribes use TLS too, checking the scribes'
  // certificates against -ca and presenting -crt) and -pprof. Default port:
  // 8000, as the original (-port); metrics port: 1112 (-pport).
  ServerFlags server{8000, 1112};
  // Time between the starts of two ping rounds. Default: 5s (-ping-interval).
  std::chrono::milliseconds ping_interval{5000};
  // Deadline of one ping; at most -ping-interval. Default: 2s, or
  // -ping-interval when that is shorter (-ping-timeout).
  std::chrono::milliseconds ping_timeout{2000};
  // Consecutive failed pings that drop a scribe. Default: 3 (-max-misses).
  int max_misses = 3;
  // rendezvous or first-char. Default: rendezvous (-routing).
  std::string routing = "rendezvous";
};

// Parses argv into *options. Returns -1 to go on, or the exit code to leave
// with after printing: 0 for -help (usage on stdout), 2 for a bad command line
// (one sentence on stderr).
int ParseMediatorOptions(int argc, const char* const* argv, MediatorOptions* options);

}  // namespace logscribe
