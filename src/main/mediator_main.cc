// logmediator: the mediator binary. Parses flags, starts the server (its
// registry, health checks and forwarding), prints one start-up block, and on
// SIGINT/SIGTERM runs the shutdown sequence and prints a summary.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "client_credentials.h"
#include "server_credentials.h"
#include "drain_progress.h"
#include "mediator_metrics.h"
#include "mediator_options.h"
#include "mediator_server.h"
#include "size_spec.h"
#include "stop_signals.h"
#include "version.h"

namespace logscribe {
namespace {

int Fail(const std::string& sentence) {
  std::fprintf(stderr, "logmediator: %s\n", sentence.c_str());
  return 1;
}

std::string FormatMillis(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

int Run(int argc, char** argv) {
  // Before any thread starts: they all inherit the blocked stop signals.
  const sigset_t signals = BlockStopSignals();

  MediatorOptions options;
  if (int code = ParseMediatorOptions(argc, argv, &options); code >= 0) return code;
  const auto started = std::chrono::steady_clock::now();

  ServerSecurity security;
  if (Status s = MakeServerSecurity(options.server.security, &security); !s.ok()) return Fail(s.message());
  // With -ca the mediator dials scribes with TLS, as a client of the same PKI.
  ClientSecurity to_scribes;
  if (!options.server.security.files.ca.empty()) {
    ClientSecurityOptions client;
    client.files = options.server.security.files;
    if (Status s = MakeClientSecurity(client, &to_scribes); !s.ok()) return Fail(s.message());
  }

  MediatorServerOptions server_options(options.server.Serve(security.credentials));
  server_options.rights = security.rights;
  server_options.routing = options.routing;
  server_options.max_misses = options.max_misses;
  server_options.version = kVersion;
  server_options.health.interval = options.ping_interval;
  server_options.health.timeout = options.ping_timeout;
  server_options.forward.max_inflight_batches = options.server.limits.stream_inflight;
  server_options.forward.max_queued_bytes = options.server.queue_bytes;
  server_options.forward.batch_bytes = options.server.batch_bytes;
  if (!options.server.security.files.ca.empty()) {
    server_options.health.credentials = to_scribes.credentials;
    server_options.health.channel_args = to_scribes.args;
    server_options.forward.credentials = to_scribes.credentials;
    server_options.forward.channel_args = to_scribes.args;
  }
  std::unique_ptr<MediatorServer> server;
  if (Status s = MediatorServer::Start(server_options, &server); !s.ok()) return Fail(s.message());

  // -pprof: /metrics and /healthz; /healthz turns 503 once draining begins.
  std::atomic<bool> draining{false};
  std::unique_ptr<MetricsHttpServer> metrics;
  if (options.server.pprof) {
    MediatorMetricsSources sources;
    sources.version = kVersion;
    sources.started = started;
    sources.server = server.get();
    sources.queue_limit_bytes = options.server.queue_bytes;
    sources.allow_list = security.allow_list.get();
    sources.rights = security.rights.get();
    if (Status s = StartMediatorMetrics(sources, options.server.pprof_bind, options.server.pport, &draining, &metrics);
        !s.ok()) {
      server->Shutdown(std::chrono::milliseconds(0));
      return Fail(s.message());
    }
  }

  std::printf("logmediator %s listening on %s:%d\n", kVersion, options.server.bind.c_str(), server->port());
  std::printf("  routing:   %s\n", options.routing == "rendezvous"
                                       ? "rendezvous (highest random weight of path/filename)"
                                       : "first-char (the original's ranges: a-r and s-9 for two scribes)");
  std::printf("  health:    ping every %s, timeout %s; a scribe is dropped after %d missed pings in a row\n",
              FormatMillis(options.ping_interval).c_str(), FormatMillis(options.ping_timeout).c_str(),
              options.max_misses);
  std::printf("  tuning:    %d CQ thread(s), queue %s, batch %s, %d batches in flight per stream, line %s\n",
              options.server.limits.cq_threads, FormatSize(options.server.queue_bytes).c_str(),
              FormatSize(options.server.batch_bytes).c_str(), options.server.limits.stream_inflight,
              FormatSize(options.server.limits.max_line_bytes).c_str());
  std::printf("  security:  %s%s\n", security.description.c_str(),
              options.server.security.files.ca.empty() ? "; scribes are dialled without TLS"
                                                : "; scribes are dialled with TLS (-ca)");
  for (const std::string& line : security.rights->Describe()) std::printf("  rights:    %s\n", line.c_str());
  std::printf("  scribes:   start them with -mediator <this host>:%d\n", server->port());
  if (metrics != nullptr) {
    std::printf("  metrics:   http://%s:%d/metrics\n", options.server.pprof_bind.c_str(), metrics->port());
  }
  std::fflush(stdout);
  if (security.mode == TlsMode::kInsecure) {
    std::fprintf(stderr, "logmediator: warning: plaintext gRPC: anyone who can reach %s:%d can write logs "
                 "and register scribes (see -crt, -pk, -ca)\n", options.server.bind.c_str(), server->port());
  }
  if (options.server.security.allow_insecure_read) {
    std::fprintf(stderr, "logmediator: warning: -allow-insecure-read: any peer that can reach %s:%d can read "
                 "every log back\n", options.server.bind.c_str(), server->port());
  }

  std::fprintf(stderr, "logmediator: %s received, draining\n", WaitForStopSignal(signals));
  draining.store(true, std::memory_order_relaxed);
  {
    const MediatorServer* s = server.get();
    DrainProgress progress("logmediator", options.server.shutdown_timeout, [s] {
      const ForwarderStats f = s->forward_stats();
      uint64_t batches = 0;
      for (const ScribeForwardStats& scribe : f.scribes) batches += scribe.batches_in_flight;
      const int64_t calls = s->counters().live_calls.load(std::memory_order_relaxed);
      return Counted(calls > 0 ? static_cast<uint64_t>(calls) : 0, "call", "calls") + " in flight, " +
             HumanBytes(f.queued_bytes) + " in " + Counted(f.parts_in_flight, "part", "parts") +
             " not yet acknowledged by scribes (" + Counted(batches, "batch", "batches") + " sent)";
    });
    server->Shutdown(options.server.shutdown_timeout);
  }
  if (metrics != nullptr) metrics->Stop();

  const ForwarderStats stats = server->forward_stats();
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr,
               "logmediator: stopped after %.1fs: %llu lines, %llu bytes acknowledged by scribes; "
               "%llu lines retried, %llu lines failed, %llu requests refused\n",
               uptime, static_cast<unsigned long long>(stats.lines),
               static_cast<unsigned long long>(stats.bytes),
               static_cast<unsigned long long>(stats.retried_lines),
               static_cast<unsigned long long>(stats.failed_lines),
               static_cast<unsigned long long>(stats.refused_requests));
  return 0;
}

}  // namespace
}  // namespace logscribe

int main(int argc, char** argv) { return logscribe::Run(argc, argv); }
