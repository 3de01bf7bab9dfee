// ServerFlags: the flags the scribe and the mediator share, defined,
// registered and validated once; each binary's options embed it.
//
// Thread contract: thread-compatible; used once, at start-up, by main().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <grpcpp/security/server_credentials.h>

#include "flags.h"
#include "serve_limits.h"
#include "server_credentials.h"
#include "server_steps.h"

namespace logscribe {

// The -help groups of both servers, in print order.
inline const std::vector<std::string> kServerFlagGroups = {
    "Network", "Files", "Rotation", "Limits", "Tuning", "Security", "Mediator", "Metrics", "Testing"};

struct ServerFlags {
  // The defaults that differ: the scribe's 8080 and 1111, the mediator's
  // 8000 and 1112 (next to each other, so both run on one host).
  ServerFlags(int default_port, int default_pport) : port(default_port), pport(default_pport) {}

  // Address to listen on. Default: 0.0.0.0 (-bind).
  std::string bind = "0.0.0.0";
  // Port to listen on; 0 picks a free one. Default: per binary (-port).
  int port;
  // The LogScribe service's limits (serve_limits.h): -cq-threads,
  // -max-message-bytes, -max-line-bytes, -stream-inflight,
  // -max-batch-entries, -request-read-timeout, -bdp-probe.
  ServeLimits limits;
  // Bound on bytes buffered in memory (the scribe: queued for disk; the
  // mediator: accepted and not yet acknowledged by scribes).
  // Default: 256MiB (-queue-bytes).
  uint64_t queue_bytes = 256ull << 20;
  // Most bytes of one append to a file (scribe) or one batch to a scribe
  // (mediator). Default: 1MiB (-batch-bytes).
  uint64_t batch_bytes = 1 << 20;
  // How long shutdown waits for in-flight calls. Default: 5s (-shutdown-timeout).
  std::chrono::milliseconds shutdown_timeout{5000};
  // TLS files, the allow-lists of every right and the write scope
  // (server_credentials.h, rights.h). Default: no files, insecure (-ca,
  // -crt, -pk, -allow-cn, -allow-san, -allow-read-*, -write-scope,
  // -allow-insecure-read; the mediator, which sets security.mediator before
  // Register(), also -allow-scribe-* and -allow-admin-*).
  ServerSecurityOptions security;
  // Serve /metrics and /healthz over HTTP. Default: false (-pprof, the seed's name).
  bool pprof = false;
  // Port of that endpoint; 0 picks a free one. Default: per binary (-pport).
  int pport;
  // Address of that endpoint. Default: 127.0.0.1 (-pprof-bind).
  std::string pprof_bind = "127.0.0.1";

  // Registers every flag above on `flags`, in its -help group (each binary
  // adds its own flags and groups around them). `what` words the help where
  // the binaries differ ("the scribe", "the mediator").
  void Register(FlagSet* flags, const std::string& what);
  // After flags->Parse(): "" or the one sentence that refuses the command
  // line (a value out of range, -pport without -pprof, TLS files that do not
  // fit together).
  std::string Validate(const FlagSet& flags) const;
  // What the server is started with: where it listens, the limits, and the
  // credentials built from `security`.
  ServeOptions Serve(std::shared_ptr<grpc::ServerCredentials> credentials) const;
};

// "must be a finite size" for -1B and the like; what FlagSet::AddCustom wants.
std::string FiniteSizeInto(std::string_view text, uint64_t* out);

}  // namespace logscribe
