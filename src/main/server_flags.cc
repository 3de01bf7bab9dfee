#include "server_flags.h"

#include "duration_flag.h"
#include "size_spec.h"  // src/common

namespace logscribe {

std::string FiniteSizeInto(std::string_view text, uint64_t* out) {
  std::string error;
  auto v = ParseSize(text, &error);
  if (!v) return error;
  if (*v == kUnlimitedSize) return "must be a finite size";
  *out = *v;
  return "";
}

void ServerFlags::Register(FlagSet* flags, const std::string& what) {
  flags->OrderGroups(kServerFlagGroups);
  auto size = [](uint64_t* out) { return [out](std::string_view v) { return FiniteSizeInto(v, out); }; };

  flags->Group("Network");
  flags->AddInt("port", &port, "port for " + what + " to listen to requests; 0 picks a free one (default " +
                                   std::to_string(port) + ")");
  flags->AddString("bind", &bind, "address to listen on (default \"0.0.0.0\")");

  flags->Group("Limits");
  flags->AddCustom("max-line-bytes", size(&limits.max_line_bytes),
                   "longest line accepted; longer is INVALID_ARGUMENT (default \"1MiB\")");
  flags->AddCustom("max-message-bytes", size(&limits.max_message_bytes),
                   "largest request message accepted (default \"64MiB\")");
  flags->AddInt("max-batch-entries", &limits.max_batch_entries,
                "most entries in one LogBatch, unary or on a stream; more is INVALID_ARGUMENT (default 1048576)");
  flags->AddCustom("request-read-timeout", DurationInto(&limits.request_read_timeout),
                   "a Log or LogBatch whose request has not fully arrived this long after the call began is "
                   "cancelled, giving back the queue room reserved for it (default \"30s\")");
  flags->AddCustom("shutdown-timeout", DurationInto(&shutdown_timeout),
                   "how long shutdown waits for in-flight calls (default \"5s\")");

  flags->Group("Tuning");
  flags->AddInt("cq-threads", &limits.cq_threads, "gRPC completion-queue threads (default 2)");
  flags->AddCustom("queue-bytes", size(&queue_bytes),
                   "bound on bytes " + what + " holds in memory (the scribe: queued for disk; the mediator: "
                   "accepted and not yet acknowledged by scribes); past it requests get RESOURCE_EXHAUSTED "
                   "(default \"256MiB\")");
  flags->AddCustom("batch-bytes", size(&batch_bytes),
                   "most bytes in one append to one file (scribe) or one batch to a scribe (mediator) "
                   "(default \"1MiB\")");
  flags->AddInt("stream-inflight", &limits.stream_inflight,
                "batches in flight per LogStream before it stops reading (and, on the mediator, per scribe "
                "stream) (default 64)");
  flags->AddBool("bdp-probe", &limits.bdp_probe,
                 "let HTTP/2 receive windows grow to the measured bandwidth-delay product: faster streams over "
                 "long links, but memory then follows what clients send ahead, not -queue-bytes (default false)");

  flags->Group("Security");
  flags->AddString("ca", &security.files.ca,
                   "PEM CA certificate: with -crt and -pk, client certificates must chain to it (mutual TLS), "
                   "and the scribes or mediator this process dials must present one it signed (default none)");
  flags->AddString("crt", &security.files.crt,
                   "PEM certificate (chain) of " + what + "; with -pk: TLS (default none: insecure)");
  flags->AddString("pk", &security.files.pk, "PEM private key of -crt, unencrypted (default none)");
  flags->AddRepeated("allow-cn", &security.allow_cn,
                     "mutual TLS: a client certificate CN that may write (Log, LogBatch, LogStream); "
                     "repeatable (default any certificate signed by -ca)");
  flags->AddRepeated("allow-san", &security.allow_san,
                     "mutual TLS: a client certificate SAN (DNS, IP, URI, email) that may write; repeatable "
                     "(default any certificate signed by -ca)");
  flags->AddRepeated("allow-read-cn", &security.allow_read_cn,
                     "mutual TLS: a client certificate CN that may read logs back; repeatable (default no one)");
  flags->AddRepeated("allow-read-san", &security.allow_read_san,
                     "mutual TLS: a client certificate SAN that may read logs back; repeatable (default no one)");
  if (security.mediator) {
    flags->AddRepeated("allow-scribe-cn", &security.allow_scribe_cn,
                       "mutual TLS: a certificate CN that may Register and Deregister scribes; repeatable "
                       "(default no one)");
    flags->AddRepeated("allow-scribe-san", &security.allow_scribe_san,
                       "mutual TLS: a certificate SAN that may Register and Deregister scribes; repeatable "
                       "(default no one)");
    flags->AddRepeated("allow-admin-cn", &security.allow_admin_cn,
                       "mutual TLS: a certificate CN that may call Route, GetStats, GetVersion and "
                       "GetScribesResponsibility; repeatable (default no one)");
    flags->AddRepeated("allow-admin-san", &security.allow_admin_san,
                       "mutual TLS: a certificate SAN that may call the admin calls; repeatable (default no one)");
  }
  flags->AddRepeated("write-scope", &security.write_scope,
                     "mutual TLS: WHO=PREFIX lets the certificate whose CN or a SAN is WHO (* for any) write "
                     "only under path PREFIX; {cn} in PREFIX is the writer's CN; a bare PREFIX means *=PREFIX "
                     "(e.g. '{cn}'); with any rule, a writer no rule names writes nowhere; repeatable "
                     "(default none: anywhere)");
  flags->AddBool("allow-insecure-read", &security.allow_insecure_read,
                 "without mutual TLS, serve reads to any peer, not only loopback ones (default false)");

  flags->Group("Metrics");
  flags->AddBool("pprof", &pprof, "serve /metrics (Prometheus) and /healthz over HTTP on -pport (default false)");
  flags->AddInt("pport", &pport,
                "port of the -pprof endpoint; 0 picks a free one (default " + std::to_string(pport) + ")");
  flags->AddString("pprof-bind", &pprof_bind, "address of the -pprof endpoint (default \"127.0.0.1\")");
}

std::string ServerFlags::Validate(const FlagSet& flags) const {
  if (port < 0 || port > 65535) return "-port must be between 0 and 65535";
  if (pport < 0 || pport > 65535) return "-pport must be between 0 and 65535";
  if (!pprof && (flags.WasSet("pport") || flags.WasSet("pprof-bind"))) {
    return std::string("-") + (flags.WasSet("pport") ? "pport" : "pprof-bind") + " needs -pprof";
  }
  if (pprof_bind.empty()) return "-pprof-bind must not be empty";
  if (limits.cq_threads < 1 || limits.cq_threads > 64) return "-cq-threads must be between 1 and 64";
  if (limits.stream_inflight < 1 || limits.stream_inflight > 100000) {
    return "-stream-inflight must be between 1 and 100000";
  }
  if (limits.request_read_timeout.count() <= 0) return "-request-read-timeout must be positive";
  if (limits.max_batch_entries < 1) return "-max-batch-entries must be at least 1";
  if (limits.max_message_bytes > (1u << 31) - 1) return "-max-message-bytes must be below 2GiB";
  if (limits.max_line_bytes > UINT32_MAX / 2) return "-max-line-bytes must be below 2GiB";
  TlsMode tls_mode;
  if (Status s = ServerTlsMode(security, &tls_mode); !s.ok()) return s.message();
  return "";
}

ServeOptions ServerFlags::Serve(std::shared_ptr<grpc::ServerCredentials> credentials) const {
  ServeOptions out;
  out.bind = bind;
  out.port = port;
  out.limits = limits;
  out.credentials = std::move(credentials);
  return out;
}

}  // namespace logscribe
