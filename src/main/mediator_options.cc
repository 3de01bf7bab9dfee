#include "mediator_options.h"

#include <cstdio>

#include "duration_flag.h"
#include "flags.h"
#include "size_spec.h"

namespace logscribe {
namespace {

std::string SizeInto(std::string_view text, uint64_t* out) {
  std::string error;
  auto v = ParseSize(text, &error);
  if (!v) return error;
  if (*v == kUnlimitedSize) return "must be a finite size";
  *out = *v;
  return "";
}


}  // namespace

int ParseMediatorOptions(int argc, const char* const* argv, MediatorOptions* o) {
  FlagSet flags("logmediator");
  int64_t port = o->port, cq = o->cq_threads, misses = o->max_misses, inflight = o->stream_inflight;
  flags.AddInt("port", &port, "port for mediator server to listen to requests; 0 picks a free one (default 8000)");
  flags.AddString("bind", &o->bind, "address to listen on (default \"0.0.0.0\")");
  flags.AddCustom("ping-interval", DurationInto(&o->ping_interval),
                  "time between two health checks of every scribe (default \"5s\")");
  flags.AddCustom("ping-timeout", DurationInto(&o->ping_timeout),
                  "deadline of one ping, at most -ping-interval (default \"2s\", or -ping-interval if shorter)");
  flags.AddInt("max-misses", &misses, "consecutive failed pings that drop a scribe (default 3)");
  flags.AddCustom("routing", [&](std::string_view v) -> std::string {
        if (v != "rendezvous" && v != "first-char") {
          return "wants rendezvous or first-char, not '" + std::string(v) + "'";
        }
        o->routing = std::string(v);
        return "";
      }, "which scribe owns a file: rendezvous (hash of path/filename) or first-char (the original's a-r/s-9 split) (default \"rendezvous\")");
  flags.AddInt("cq-threads", &cq, "gRPC completion-queue threads (default 2)");
  flags.AddCustom("queue-bytes", [&](std::string_view v) { return SizeInto(v, &o->queue_bytes); },
                  "bound on bytes accepted and not yet acknowledged by scribes; past it requests get RESOURCE_EXHAUSTED (default \"256MiB\")");
  flags.AddCustom("batch-bytes", [&](std::string_view v) { return SizeInto(v, &o->batch_bytes); },
                  "most bytes coalesced into one batch to a scribe (default \"1MiB\")");
  flags.AddInt("stream-inflight", &inflight,
               "batches in flight per client stream and per scribe stream (default 64)");
  flags.AddCustom("request-read-timeout", DurationInto(&o->request_read_timeout),
                  "a Log or LogBatch whose request has not fully arrived this long after the call began is cancelled, giving back the queue room reserved for it (default \"30s\")");
  flags.AddInt("max-batch-entries", &o->max_batch_entries,
               "most entries in one LogBatch, unary or on a stream; more is INVALID_ARGUMENT (default 1048576)");
  flags.AddBool("bdp-probe", &o->bdp_probe,
                "let HTTP/2 receive windows grow to the measured bandwidth-delay product: faster streams over long links, "
                "but memory then follows what clients send ahead, not the links' queues (default false)");
  flags.AddCustom("max-line-bytes", [&](std::string_view v) { return SizeInto(v, &o->max_line_bytes); },
                  "longest line accepted; longer is INVALID_ARGUMENT; keep it at most the scribes' (default \"1MiB\")");
  flags.AddCustom("max-message-bytes", [&](std::string_view v) { return SizeInto(v, &o->max_message_bytes); },
                  "largest request message accepted; keep it at most the scribes' (default \"64MiB\")");
  flags.AddCustom("shutdown-timeout", DurationInto(&o->shutdown_timeout),
                  "how long shutdown waits for in-flight calls (default \"5s\")");
  int64_t pport = o->pport;
  flags.AddBool("pprof", &o->pprof, "serve /metrics (Prometheus) and /healthz over HTTP on -pport (default false)");
  flags.AddInt("pport", &pport, "port of the -pprof endpoint; 0 picks a free one (default 1112)");
  flags.AddString("pprof-bind", &o->pprof_bind, "address of the -pprof endpoint (default \"127.0.0.1\")");
  flags.AddString("ca", &o->security.files.ca,
                  "certificate authority's certificate: clients must present a certificate it signed, and scribes are dialled with TLS against it (default none)");
  flags.AddString("crt", &o->security.files.crt, "host's certificate for secured connections (default none: insecure)");
  flags.AddString("pk", &o->security.files.pk, "host's private key (default none)");
  flags.AddRepeated("allow-cn", &o->security.allow_cn,
                    "mutual TLS: a client certificate CN that may call; repeatable (default any)");
  flags.AddRepeated("allow-san", &o->security.allow_san,
                    "mutual TLS: a client certificate SAN that may call; repeatable (default any)");

  std::string error;
  if (!flags.Parse(argc, argv, &error)) {
    if (error.empty()) {
      std::fputs(flags.Usage().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "logmediator: %s\n", error.c_str());
    return 2;
  }
  auto fail = [](const std::string& sentence) {
    std::fprintf(stderr, "logmediator: %s\n", sentence.c_str());
    return 2;
  };
  if (std::string e = flags.UnexpectedArgument(); !e.empty()) return fail(e);
  if (port < 0 || port > 65535) return fail("-port must be between 0 and 65535");
  if (cq < 1 || cq > 64) return fail("-cq-threads must be between 1 and 64");
  if (misses < 1 || misses > 1000) return fail("-max-misses must be between 1 and 1000");
  if (inflight < 1 || inflight > 100000) return fail("-stream-inflight must be between 1 and 100000");
  if (o->request_read_timeout.count() <= 0) return fail("-request-read-timeout must be positive");
  if (o->max_batch_entries < 1) return fail("-max-batch-entries must be at least 1");
  if (o->ping_interval < std::chrono::milliseconds(10)) return fail("-ping-interval must be at least 10ms");
  if (!flags.WasSet("ping-timeout")) o->ping_timeout = std::min(o->ping_timeout, o->ping_interval);
  if (o->ping_timeout < std::chrono::milliseconds(1)) return fail("-ping-timeout must be at least 1ms");
  if (o->ping_timeout > o->ping_interval) return fail("-ping-timeout must not exceed -ping-interval");
  if (o->max_message_bytes > (1u << 31) - 1) return fail("-max-message-bytes must be below 2GiB");
  if (o->max_line_bytes > UINT32_MAX / 2) return fail("-max-line-bytes must be below 2GiB");
  if (pport < 0 || pport > 65535) return fail("-pport must be between 0 and 65535");
  if (!o->pprof && (flags.WasSet("pport") || flags.WasSet("pprof-bind"))) {
    return fail(std::string("-") + (flags.WasSet("pport") ? "pport" : "pprof-bind") + " needs -pprof");
  }
  if (o->pprof_bind.empty()) return fail("-pprof-bind must not be empty");
  TlsMode tls_mode;
  if (Status s = ServerTlsMode(o->security, &tls_mode); !s.ok()) return fail(s.message());
  o->port = static_cast<int>(port);
  o->cq_threads = static_cast<int>(cq);
  o->max_misses = static_cast<int>(misses);
  o->stream_inflight = static_cast<int>(inflight);
  o->pport = static_cast<int>(pport);
  return -1;
}

}  // namespace logscribe
