#include "scribe_options.h"

#include <cstdio>
#include <cstdlib>

#include "duration_flag.h"
#include "flags.h"
#include "registry.h"  // ValidateHostPort
#include "size_spec.h"

namespace logscribe {
namespace {

std::string ParseMode(std::string_view text, mode_t* out) {
  const std::string s(text);
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 8);
  if (s.empty() || *end != '\0' || v < 0 || v > 0777) {
    return "wants octal permission bits such as 0640, not '" + s + "'";
  }
  *out = static_cast<mode_t>(v);
  return "";
}

std::string SizeInto(std::string_view text, uint64_t* out, bool allow_unlimited) {
  std::string error;
  auto v = ParseSize(text, &error);
  if (!v) return error;
  if (*v == kUnlimitedSize && !allow_unlimited) return "must be a finite size";
  *out = *v;
  return "";
}


Status CheckMediatorFlags(const ScribeOptions& o, const FlagSet& flags) {
  if (o.mediator.empty()) {
    for (const char* flag : {"id", "advertise", "register-timeout"}) {
      if (flags.WasSet(flag)) return Status::InvalidArgument(std::string("-") + flag + " needs -mediator");
    }
    return Status::Ok();
  }
  if (Status s = ValidateHostPort(o.mediator, "-mediator"); !s.ok()) return s;
  if (!o.advertise.empty()) {
    if (Status s = ValidateHostPort(o.advertise, "-advertise"); !s.ok()) return s;
  }
  if (flags.WasSet("id") && o.id.empty()) return Status::InvalidArgument("-id must not be empty");
  if (o.id.size() > kMaxScribeIdBytes) {
    return Status::InvalidArgument("-id must be at most " + std::to_string(kMaxScribeIdBytes) + " bytes");
  }
  if (o.register_timeout <= std::chrono::milliseconds(0)) {
    return Status::InvalidArgument("-register-timeout must be positive");
  }
  if (o.ping_interval < std::chrono::milliseconds(10)) {
    return Status::InvalidArgument("-ping-interval must be at least 10ms");
  }
  return Status::Ok();
}

}  // namespace

const char* AckModeName(AckMode mode) {
  switch (mode) {
    case AckMode::kReceived: return "received";
    case AckMode::kWritten: return "written";
    case AckMode::kFsync: return "fsync";
  }
  return "?";
}

int ParseScribeOptions(int argc, const char* const* argv, ScribeOptions* o) {
  FlagSet flags("logscribe");
  int64_t port = o->port, cq = o->cq_threads, writers = o->writer_threads,
          open_files = o->max_open_files, inflight = o->stream_inflight,
          max_files = static_cast<int64_t>(o->max_files);
  flags.AddInt("port", &port, "port for server to listen to requests; 0 picks a free one (default 8080)");
  flags.AddString("bind", &o->bind, "address to listen on (default \"0.0.0.0\")");
  flags.AddString("path", &o->path, "path for logs to be persisted (default \"./logs\")");
  flags.AddCustom("size", [&](std::string_view v) { return SizeInto(v, &o->rotate_bytes, true); },
                  "max size for individual files, -1B for infinite size (default \"1MB\")");
  flags.AddCustom("rotate-every", DurationInto(&o->rotate_every),
                  "also rotate a file once its first line is this old (1h, 24h); 0 never (default \"0\")");
  int64_t max_backups = o->max_backups, compress_level = o->compress_level;
  flags.AddInt("max-backups", &max_backups,
               "rotated files kept per log, the newest; older ones are deleted; 0 keeps all (default 0)");
  // Disk budget of the whole root.
  flags.AddCustom("max-age", DurationInto(&o->max_age),
                  "delete rotated files whose rotation is older than this (7d as 168h, 24h); 0 no limit (default \"0\")");
  flags.AddCustom("max-root-bytes", [&](std::string_view v) { return SizeInto(v, &o->max_root_bytes, false); },
                  "most bytes the whole root may hold; the oldest rotated files of any log are deleted past it, "
                  "and writes refused (RESOURCE_EXHAUSTED) when only live files are left; 0 no limit (default \"0\")");
  flags.AddCustom("min-free-bytes", [&](std::string_view v) { return SizeInto(v, &o->min_free_bytes, false); },
                  "free bytes to keep on the root's filesystem, as -max-root-bytes; 0 none (default \"0\")");
  flags.AddCustom("compress", [&](std::string_view v) -> std::string {
        if (v == "none") o->compress = Codec::kNone;
        else if (v == "zstd") o->compress = Codec::kZstd;
        else if (v == "gzip" || v == "gz") o->compress = Codec::kGzip;
        else return "wants none, zstd or gzip, not '" + std::string(v) + "'";
        return "";
      }, "compress rotated files in the background: none, zstd (.zst) or gzip (.gz) (default \"none\")");
  flags.AddInt("compress-level", &compress_level,
               "compression level: zstd 1-19, gzip 1-9; 0 picks zstd 3, gzip 6 (default 0)");
  flags.AddBool("console", &o->console, "dumps log lines to console (default false)");
  flags.AddInt("cq-threads", &cq, "gRPC completion-queue threads (default 2)");
  flags.AddInt("writer-threads", &writers, "file writer threads (default 1)");
  flags.AddCustom("queue-bytes", [&](std::string_view v) { return SizeInto(v, &o->queue_bytes, false); },
                  "bound on bytes buffered in memory; past it requests get RESOURCE_EXHAUSTED (default \"256MiB\")");
  flags.AddCustom("batch-bytes", [&](std::string_view v) { return SizeInto(v, &o->batch_bytes, false); },
                  "most bytes in one append to one file (default \"1MiB\")");
  flags.AddInt("max-open-files", &open_files, "log files kept open at once, least recently used closed first; capped by the descriptor limit (default 16384)");
  flags.AddInt("max-files", &max_files,
               "log files the root may hold; at the limit new files are refused (RESOURCE_EXHAUSTED) and "
               "existing ones still written; counted at start-up; 0 no limit (default 0)");
  flags.AddCustom("max-line-bytes", [&](std::string_view v) { return SizeInto(v, &o->max_line_bytes, false); },
                  "longest line accepted; longer is INVALID_ARGUMENT (default \"1MiB\")");
  flags.AddCustom("max-message-bytes", [&](std::string_view v) { return SizeInto(v, &o->max_message_bytes, false); },
                  "largest request message accepted (default \"64MiB\")");
  flags.AddCustom("ack", [&](std::string_view v) -> std::string {
        if (v == "received") o->ack = AckMode::kReceived;
        else if (v == "written") o->ack = AckMode::kWritten;
        else if (v == "fsync") o->ack = AckMode::kFsync;
        else return "wants received, written or fsync, not '" + std::string(v) + "'";
        return "";
      }, "when a request is acknowledged: received (queued; may lose lines on a crash), written (in the file), fsync (on disk) (default \"written\")");
  flags.AddCustom("writer", [&](std::string_view v) -> std::string {
        if (v == "auto") o->writer = WriterKind::kAuto;
        else if (v == "uring" || v == "io_uring") o->writer = WriterKind::kUring;
        else if (v == "writev") o->writer = WriterKind::kWritev;
        else return "wants auto, uring or writev, not '" + std::string(v) + "'";
        return "";
      }, "file writer: auto (writev appends, io_uring fdatasync when the kernel allows it), uring (io_uring for both), writev (no io_uring) (default \"auto\")");
  flags.AddCustom("file-mode", [&](std::string_view v) { return ParseMode(v, &o->file_mode); },
                  "permission bits of new log files (default \"0640\")");
  flags.AddCustom("dir-mode", [&](std::string_view v) { return ParseMode(v, &o->dir_mode); },
                  "permission bits of new directories (default \"0750\")");
  flags.AddBool("escape-newlines", &o->escape_newlines,
                "write newlines inside a line as \\n so each record is one line (default false)");
  flags.AddCustom("sink", [&](std::string_view v) -> std::string {
        if (v == "file") o->null_sink = false;
        else if (v == "null") o->null_sink = true;
        else return "wants file or null, not '" + std::string(v) + "'";
        return "";
      }, "file, or null: everything but the file write, for benchmarks (default \"file\")");
  flags.AddInt("stream-inflight", &inflight, "batches in flight per LogStream before it stops reading (default 64)");
  flags.AddCustom("request-read-timeout", DurationInto(&o->request_read_timeout),
                  "a Log or LogBatch whose request has not fully arrived this long after the call began is cancelled, giving back the queue room reserved for it (default \"30s\")");
  flags.AddInt("max-batch-entries", &o->max_batch_entries,
               "most entries in one LogBatch, unary or on a stream; more is INVALID_ARGUMENT (default 1048576)");
  flags.AddBool("bdp-probe", &o->bdp_probe,
                "let HTTP/2 receive windows grow to the measured bandwidth-delay product: faster streams over long links, "
                "but memory then follows what clients send ahead, not -queue-bytes (default false)");
  flags.AddCustom("shutdown-timeout", DurationInto(&o->shutdown_timeout),
                  "how long shutdown waits for in-flight calls (default \"5s\")");
  flags.AddString("ca", &o->security.files.ca,
                  "PEM CA certificate that client certificates must chain to; with -crt and -pk: mutual TLS (default none)");
  flags.AddString("crt", &o->security.files.crt,
                  "PEM certificate (chain) of the scribe; with -pk: TLS (default none: insecure)");
  flags.AddString("pk", &o->security.files.pk, "PEM private key of -crt, unencrypted (default none)");
  flags.AddRepeated("allow-cn", &o->security.allow_cn,
                    "mutual TLS: a client certificate CN that may call; repeatable (default any)");
  flags.AddRepeated("allow-san", &o->security.allow_san,
                    "mutual TLS: a client certificate SAN (DNS, IP, URI, email) that may call; repeatable (default any)");
  flags.AddString("mediator", &o->mediator, "mediators address if exists, i.e 127.0.0.1:8000; the scribe registers there (default none)");
  flags.AddString("id", &o->id, "id to register with the mediator (default \"scribe-<hostname>-<port>\")");
  flags.AddString("advertise", &o->advertise,
                  "host:port the mediator should dial (default \"127.0.0.1:<port>\" when bound to a wildcard or loopback address, else <bind>:<port>)");
  flags.AddCustom("register-timeout", DurationInto(&o->register_timeout),
                  "how long start-up tries to register with -mediator before giving up (default \"10s\")");
  flags.AddCustom("ping-interval", DurationInto(&o->ping_interval),
                  "the mediator's ping interval: with no ping for twice this, register again (default \"5s\")");
  int64_t pport = o->pport;
  flags.AddBool("pprof", &o->pprof, "serve /metrics (Prometheus) and /healthz over HTTP on -pport (default false)");
  flags.AddInt("pport", &pport, "port of the -pprof endpoint; 0 picks a free one (default 1111)");
  flags.AddString("pprof-bind", &o->pprof_bind, "address of the -pprof endpoint (default \"127.0.0.1\")");
  flags.AddCustom("test-write-delay", DurationInto(&o->test_write_delay),
                  "testing only: sleep this long before each writer round (default \"0s\")");
  flags.AddCustom("test-compress-delay", DurationInto(&o->test_compress_delay),
                  "testing only: sleep this long after each compressed block (default \"0s\")");

  std::string error;
  if (!flags.Parse(argc, argv, &error)) {
    if (error.empty()) {
      std::fputs(flags.Usage().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "logscribe: %s\n", error.c_str());
    return 2;
  }
  auto fail = [](const std::string& sentence) {
    std::fprintf(stderr, "logscribe: %s\n", sentence.c_str());
    return 2;
  };
  if (std::string e = flags.UnexpectedArgument(); !e.empty()) return fail(e);
  if (port < 0 || port > 65535) return fail("-port must be between 0 and 65535");
  if (pport < 0 || pport > 65535) return fail("-pport must be between 0 and 65535");
  if (!o->pprof && (flags.WasSet("pport") || flags.WasSet("pprof-bind"))) {
    return fail(std::string("-") + (flags.WasSet("pport") ? "pport" : "pprof-bind") + " needs -pprof");
  }
  if (o->pprof_bind.empty()) return fail("-pprof-bind must not be empty");
  if (cq < 1 || cq > 64) return fail("-cq-threads must be between 1 and 64");
  if (writers < 1 || writers > 64) return fail("-writer-threads must be between 1 and 64");
  if (open_files < 1 || open_files > 1000000) return fail("-max-open-files must be between 1 and 1000000");
  if (max_files < 0) return fail("-max-files must be 0 (no limit) or more");
  if (inflight < 1 || inflight > 100000) return fail("-stream-inflight must be between 1 and 100000");
  if (o->request_read_timeout.count() <= 0) return fail("-request-read-timeout must be positive");
  if (o->max_batch_entries < 1) return fail("-max-batch-entries must be at least 1");
  if (o->max_message_bytes > (1u << 31) - 1) return fail("-max-message-bytes must be below 2GiB");
  if (o->max_line_bytes > UINT32_MAX / 2) return fail("-max-line-bytes must be below 2GiB");
  if (o->path.empty()) return fail("-path must not be empty");
  if (o->rotate_every.count() != 0 && o->rotate_every < std::chrono::milliseconds(100)) {
    return fail("-rotate-every must be 0 (never) or at least 100ms");
  }
  if (max_backups < 0 || max_backups > 1000000) return fail("-max-backups must be between 0 and 1000000");
  if (flags.WasSet("compress-level")) {
    const int most = o->compress == Codec::kZstd ? kMaxZstdLevel : kMaxGzipLevel;
    if (o->compress == Codec::kNone) return fail("-compress-level needs -compress");
    if (compress_level != 0 && (compress_level < 1 || compress_level > most)) {
      return fail(std::string("-compress-level must be between 1 and ") + std::to_string(most) + " for " +
                  CodecName(o->compress));
    }
  }
  if (o->max_age.count() < 0) return fail("-max-age must be 0 (no limit) or more");
  if (o->null_sink && (o->max_age.count() > 0 || o->max_root_bytes > 0 || o->min_free_bytes > 0)) {
    return fail(std::string("-") + (o->max_age.count() > 0 ? "max-age" : o->max_root_bytes > 0 ? "max-root-bytes" : "min-free-bytes") +
                " needs -sink file");
  }
  if (o->null_sink && (o->compress != Codec::kNone || max_backups > 0)) {
    return fail(std::string("-") + (o->compress != Codec::kNone ? "compress" : "max-backups") +
                " needs -sink file");
  }
  TlsMode tls_mode;
  if (Status s = ServerTlsMode(o->security, &tls_mode); !s.ok()) return fail(s.message());
  if (Status s = CheckMediatorFlags(*o, flags); !s.ok()) return fail(s.message());
  o->port = static_cast<int>(port);
  o->pport = static_cast<int>(pport);
  o->cq_threads = static_cast<int>(cq);
  o->writer_threads = static_cast<int>(writers);
  o->max_open_files = static_cast<int>(open_files);
  o->max_files = static_cast<uint64_t>(max_files);
  o->stream_inflight = static_cast<int>(inflight);
  o->max_backups = static_cast<int>(max_backups);
  o->compress_level = static_cast<int>(compress_level);
  return -1;
}

}  // namespace logscribe
