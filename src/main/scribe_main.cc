// logscribe: the scribe binary. Parses flags, opens the root, starts the
// writers and the server, prints one start-up block, and on SIGINT/SIGTERM
// runs the shutdown sequence and prints a summary.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "server_credentials.h"
#include "drain_progress.h"
#include "file_sink.h"
#include "log_root.h"
#include "read_service.h"
#include "scribe_metrics.h"
#include "scribe_options.h"
#include "stop_signals.h"
#include "version.h"
#include "scribe_registration.h"
#include "scribe_server.h"
#include "size_spec.h"

namespace logscribe {
namespace {

int Fail(const std::string& sentence) {
  std::fprintf(stderr, "logscribe: %s\n", sentence.c_str());
  return 1;
}

// "1h", "90m", "30s", "250ms": the largest unit that divides the duration.
std::string FormatDuration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(d).count();
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string RotationLines(const ScribeOptions& o) {
  std::string size;
  if (o.rotate_bytes == kUnlimitedSize) {
    size = o.rotate_every.count() == 0 ? "unlimited (never rotate)"
                                       : "unlimited; rotate every " + FormatDuration(o.rotate_every);
  } else {
    size = FormatSize(o.rotate_bytes) + " per file, then rotate";
    if (o.rotate_every.count() != 0) size += " (and every " + FormatDuration(o.rotate_every) + ")";
  }
  std::string kept = o.max_backups == 0 ? "all kept" : "the newest " + std::to_string(o.max_backups) +
                                                           " per log kept, older deleted";
  if (o.compress == Codec::kNone) {
    kept += ", not compressed";
  } else {
    kept += std::string(", compressed with ") + CodecName(o.compress) + " level " +
            std::to_string(o.compress_level == 0 ? DefaultLevel(o.compress) : o.compress_level) +
            " in the background";
  }
  std::string lines = "  size:      " + size + "\n";
  if (!o.null_sink) lines += "  rotated:   " + kept + "\n";
  if (!o.null_sink && (o.max_age.count() > 0 || o.max_root_bytes > 0 || o.min_free_bytes > 0)) {
    std::string budget;
    if (o.max_age.count() > 0) budget += "pieces older than " + FormatDuration(o.max_age) + " deleted";
    if (o.max_root_bytes > 0) budget += (budget.empty() ? "" : "; ") + std::string("root at most ") + FormatSize(o.max_root_bytes);
    if (o.min_free_bytes > 0) budget += (budget.empty() ? "" : "; ") + FormatSize(o.min_free_bytes) + " kept free";
    lines += "  budget:    " + budget + " (oldest rotated pieces first)\n";
  }
  return lines;
}

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode));
  return buf;
}

int Run(int argc, char** argv) {
  // Before any thread starts: they all inherit the blocked stop signals.
  const sigset_t signals = BlockStopSignals();

  ScribeOptions options;
  if (int code = ParseScribeOptions(argc, argv, &options); code >= 0) return code;
  const auto started = std::chrono::steady_clock::now();

  // The TLS files are checked first: a bad one fails before anything is opened.
  ServerSecurity security;
  if (Status s = MakeServerSecurity(options.server.security, &security); !s.ok()) return Fail(s.message());

  std::unique_ptr<LogRoot> root;
  if (!options.null_sink) {
    if (Status s = LogRoot::Open(options.path, options.dir_mode, options.file_mode, &root); !s.ok()) {
      return Fail(s.message());
    }
    if (options.max_files > 0) {
      // A big root takes a while to count: say so while a person waits.
      uint64_t existing = 0;
      const Status s = root->CountLogFiles(&existing, [&](uint64_t so_far) {
        std::fprintf(stderr, "logscribe: counting log files under %s for -max-files: %llu so far\n",
                     options.path.c_str(), static_cast<unsigned long long>(so_far));
      });
      if (!s.ok()) return Fail(s.message());
      root->LimitFiles(options.max_files, existing);
    }
  }
  // Log files are descriptors: take the whole hard limit, and keep the open-file
  // cap below it with room for sockets and the rest.
  std::string open_files_note;
  if (struct rlimit rl; getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
      getrlimit(RLIMIT_NOFILE, &rl);
    }
    constexpr rlim_t kReserve = 256;
    const rlim_t room = rl.rlim_cur > 2 * kReserve ? rl.rlim_cur - kReserve : rl.rlim_cur / 2;
    if (static_cast<rlim_t>(options.max_open_files) > room) {
      options.max_open_files = static_cast<int>(room);
      open_files_note = " (capped by the descriptor limit " + std::to_string(rl.rlim_cur) + ")";
    }
  }
  FileSinkOptions sink_options;
  sink_options.writer_threads = options.writer_threads;
  sink_options.max_queued_bytes = options.server.queue_bytes;
  sink_options.max_open_files = static_cast<size_t>(options.max_open_files);
  sink_options.ack = options.ack;
  sink_options.writer = options.writer;
  sink_options.per_writer.rotate_bytes = options.rotate_bytes;
  sink_options.per_writer.batch_bytes = options.server.batch_bytes;
  sink_options.per_writer.console = options.console;
  sink_options.per_writer.write_delay = options.test_write_delay;
  sink_options.per_writer.rotate_every = options.rotate_every;
  sink_options.archive.codec = options.compress;
  sink_options.archive.level = options.compress_level;
  sink_options.archive.max_backups = options.max_backups;
  sink_options.archive.file_mode = options.file_mode;
  sink_options.archive.compress_delay = options.test_compress_delay;
  sink_options.archive.max_age = options.max_age;
  sink_options.archive.max_root_bytes = options.max_root_bytes;
  sink_options.archive.min_free_bytes = options.min_free_bytes;
  ReadOptions read_options;
  read_options.max_readers = options.max_readers;
  read_options.buffer_bytes = options.read_buffer_bytes;
  read_options.stall_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options.read_stall_timeout);
  // Reading needs files: none with -sink null.
  std::unique_ptr<ReadService> reads;
  if (root != nullptr) {
    reads = std::make_unique<ReadService>(root.get(), read_options, security.credentials != nullptr);
    sink_options.per_writer.appended = reads->appended();
  }
  std::unique_ptr<FileSink> sink;
  if (Status s = FileSink::Create(root.get(), sink_options, &sink); !s.ok()) return Fail(s.message());

  ServeOptions server_options = options.server.Serve(security.credentials);
  server_options.rights = security.rights;
  server_options.escape_newlines = options.escape_newlines;
  std::unique_ptr<ScribeServer> server;
  if (Status s = ScribeServer::Start(server_options, sink.get(), &server, reads.get()); !s.ok()) {
    sink->Stop();
    return Fail(s.message());
  }
  // -mediator: register before the start-up block, so "listening on" means reachable through it.
  std::unique_ptr<Registrar> registrar;
  std::string mediator_line;
  if (Status s = StartScribeRegistrar(options, server->port(), &server->pings(), kVersion, &registrar,
                                        &mediator_line); !s.ok()) {
    server->Shutdown(std::chrono::milliseconds(0));
    sink->Stop();
    return Fail(s.message());
  }

  // -pprof: /metrics and /healthz; /healthz turns 503 once draining begins.
  std::atomic<bool> draining{false};
  std::unique_ptr<MetricsHttpServer> metrics;
  if (options.server.pprof) {
    ScribeMetricsSources sources;
    sources.version = kVersion;
    sources.started = started;
    sources.sink = sink.get();
    sources.queue_limit_bytes = options.server.queue_bytes;
    sources.rpc = &server->counters();
    sources.allow_list = security.allow_list.get();
    sources.rights = security.rights.get();
    if (reads != nullptr) sources.reads = &reads->counters();
    if (Status s = StartScribeMetrics(sources, options.server.pprof_bind, options.server.pport, &draining, &metrics);
        !s.ok()) {
      if (registrar != nullptr) registrar->Stop();
      server->Shutdown(std::chrono::milliseconds(0));
      sink->Stop();
      return Fail(s.message());
    }
  }

  std::string writer = sink->writer_name();
  if (!sink->fallback_reason().empty()) writer += " (io_uring unavailable: " + sink->fallback_reason() + ")";
  std::printf("logscribe %s listening on %s:%d\n", kVersion, options.server.bind.c_str(), server->port());
  if (options.null_sink) {
    std::printf("  sink:      null (nothing is written; for benchmarks)\n");
  } else {
    std::printf("  root:      %s (files %s, directories %s)\n", options.path.c_str(),
                Octal(options.file_mode).c_str(), Octal(options.dir_mode).c_str());
    if (options.max_files > 0) {
      std::printf("  files:     %llu log files, at most %llu (-max-files)\n",
                  static_cast<unsigned long long>(root->files()),
                  static_cast<unsigned long long>(options.max_files));
    }
  }
  std::fputs(RotationLines(options).c_str(), stdout);
  std::printf("  writer:    %s, %d thread(s)\n", writer.c_str(), options.writer_threads);
  std::printf("  ack:       %s\n", AckModeName(options.ack));
  std::printf("  tuning:    %d CQ thread(s), queue %s, batch %s, %d open files%s, line %s\n",
              options.server.limits.cq_threads, FormatSize(options.server.queue_bytes).c_str(),
              FormatSize(options.server.batch_bytes).c_str(), options.max_open_files,
              open_files_note.c_str(), FormatSize(options.server.limits.max_line_bytes).c_str());
  std::printf("  security:  %s\n", security.description.c_str());
  for (const std::string& line : security.rights->Describe()) std::printf("  rights:    %s\n", line.c_str());
  if (registrar != nullptr) std::printf("  mediator:  %s\n", mediator_line.c_str());
  if (metrics != nullptr) {
    std::printf("  metrics:   http://%s:%d/metrics\n", options.server.pprof_bind.c_str(), metrics->port());
  }
  std::fflush(stdout);
  if (security.mode == TlsMode::kInsecure) {
    std::fprintf(stderr, "logscribe: warning: plaintext gRPC: anyone who can reach %s:%d can write logs "
                 "(see -crt, -pk, -ca)\n", options.server.bind.c_str(), server->port());
  }
  if (options.server.security.allow_insecure_read) {
    std::fprintf(stderr, "logscribe: warning: -allow-insecure-read: any peer that can reach %s:%d can read "
                 "every log back\n", options.server.bind.c_str(), server->port());
  }

  std::fprintf(stderr, "logscribe: %s received, draining\n", WaitForStopSignal(signals));
  draining.store(true, std::memory_order_relaxed);
  {
    const ScribeServer* s = server.get();
    const FileSink* f = sink.get();
    DrainProgress progress("logscribe", options.server.shutdown_timeout, [s, f] {
      const int64_t calls = s->counters().live_calls.load(std::memory_order_relaxed);
      return Counted(calls > 0 ? static_cast<uint64_t>(calls) : 0, "call", "calls") + " in flight, " +
             HumanBytes(f->Stats().queued_bytes) + " in " +
             Counted(f->counters().queued_chunks.load(std::memory_order_relaxed), "chunk", "chunks") +
             " queued for disk";
    });
    // Leave first: the mediator then routes this scribe's files elsewhere and
    // ends its stream here once what it sent is acknowledged.
    if (registrar != nullptr) registrar->Leave(std::chrono::seconds(1));
    server->Shutdown(options.server.shutdown_timeout);
    sink->Stop();
  }
  if (metrics != nullptr) metrics->Stop();

  const SinkStats stats = sink->Stats();
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr,
               "logscribe: stopped after %.1fs: %llu lines, %llu bytes written; %llu files opened, "
               "%llu rotations, %llu write errors, %llu requests refused (queue full)\n",
               uptime, static_cast<unsigned long long>(stats.lines_written),
               static_cast<unsigned long long>(stats.bytes_written),
               static_cast<unsigned long long>(stats.files_opened),
               static_cast<unsigned long long>(stats.rotations),
               static_cast<unsigned long long>(stats.write_errors),
               static_cast<unsigned long long>(stats.refused_batches));
  if (security.allow_list != nullptr && security.allow_list->refused_calls() > 0) {
    std::fprintf(stderr, "logscribe: %llu calls refused by the allow-list\n",
                 static_cast<unsigned long long>(security.allow_list->refused_calls()));
  }
  return 0;
}

}  // namespace
}  // namespace logscribe

int main(int argc, char** argv) { return logscribe::Run(argc, argv); }
