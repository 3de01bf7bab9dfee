#include "scribe_options.h"

#include <cstdio>
#include <cstdlib>

#include "duration_flag.h"
#include "flags.h"
#include "host_port.h"  // src/common
#include "scribe_id.h"  // src/common
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
  o->server.Register(&flags, "the scribe");

  flags.Group("Files");
  flags.AddString("path", &o->path, "path for logs to be persisted (default \"./logs\")");
  flags.AddCustom("file-mode", [&](std::string_view v) { return ParseMode(v, &o->file_mode); },
                  "permission bits of new log files (default \"0640\")");
  flags.AddCustom("dir-mode", [&](std::string_view v) { return ParseMode(v, &o->dir_mode); },
                  "permission bits of new directories (default \"0750\")");
  flags.AddBool("escape-newlines", &o->escape_newlines,
                "write newlines inside a line as \\n so each record is one line (default false)");
  flags.AddBool("console", &o->console, "dumps log lines to console (default false)");
  flags.AddCustom("sink", [&](std::string_view v) -> std::string {
        if (v == "file") o->null_sink = false;
        else if (v == "null") o->null_sink = true;
        else return "wants file or null, not '" + std::string(v) + "'";
        return "";
      }, "file, or null: everything but the file write, for benchmarks (default \"file\")");

  flags.Group("Rotation");
  flags.AddCustom("size", [&](std::string_view v) -> std::string {
        std::string error;
        const auto bytes = ParseSize(v, &error);  // -1B: never rotate by size
        if (bytes) o->rotate_bytes = *bytes;
        return error;
      },
                  "max size for individual files, -1B for infinite size (default \"1MB\")");
  flags.AddCustom("rotate-every", DurationInto(&o->rotate_every),
                  "also rotate a file once its first line is this old (1h, 24h); 0 never (default \"0\")");
  flags.AddInt("max-backups", &o->max_backups,
               "rotated files kept per log, the newest; older ones are deleted; 0 keeps all (default 0)");
  // Disk budget of the whole root.
  flags.AddCustom("max-age", DurationInto(&o->max_age),
                  "delete rotated files whose rotation is older than this (7d as 168h, 24h); 0 no limit (default \"0\")");
  flags.AddCustom("max-root-bytes", [&](std::string_view v) { return FiniteSizeInto(v, &o->max_root_bytes); },
                  "most bytes the whole root may hold; the oldest rotated files of any log are deleted past it, "
                  "and writes refused (RESOURCE_EXHAUSTED) when only live files are left; 0 no limit (default \"0\")");
  flags.AddCustom("min-free-bytes", [&](std::string_view v) { return FiniteSizeInto(v, &o->min_free_bytes); },
                  "free bytes to keep on the root's filesystem, as -max-root-bytes; 0 none (default \"0\")");
  flags.AddCustom("compress", [&](std::string_view v) -> std::string {
        if (v == "none") o->compress = Codec::kNone;
        else if (v == "zstd") o->compress = Codec::kZstd;
        else if (v == "gzip" || v == "gz") o->compress = Codec::kGzip;
        else return "wants none, zstd or gzip, not '" + std::string(v) + "'";
        return "";
      }, "compress rotated files in the background: none, zstd (.zst) or gzip (.gz) (default \"none\")");
  flags.AddInt("compress-level", &o->compress_level,
               "compression level: zstd 1-19, gzip 1-9; 0 picks zstd 3, gzip 6 (default 0)");

  flags.Group("Limits");
  flags.AddInt("max-open-files", &o->max_open_files,
               "log files kept open at once, least recently used closed first; capped by the descriptor limit "
               "(default 16384)");
  flags.AddInt("max-files", &o->max_files,
               "log files the root may hold; at the limit new files are refused (RESOURCE_EXHAUSTED) and "
               "existing ones still written; counted at start-up; 0 no limit (default 0)");
  flags.AddInt("max-readers", &o->max_readers,
               "reads of logs (LogReader.Read, followers too) at once; the next is RESOURCE_EXHAUSTED (default 64)");
  flags.AddCustom("read-buffer-bytes", [&](std::string_view v) -> std::string {
        std::string error;
        const auto bytes = ParseSize(v, &error);
        if (bytes) o->read_buffer_bytes = *bytes;
        return error;
      },
                  "memory one read may hold; a line longer than half of it cannot be read (default \"1MiB\")");
  flags.AddCustom("read-stall-timeout", DurationInto(&o->read_stall_timeout),
                  "a reader whose client takes nothing for this long is ended (the call is cancelled), to resume "
                  "from its last position (default \"10s\")");

  flags.Group("Tuning");
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
  flags.AddInt("writer-threads", &o->writer_threads, "file writer threads (default 1)");

  flags.Group("Mediator");
  flags.AddString("mediator", &o->mediator,
                  "the mediator's host:port, such as 127.0.0.1:8000; the scribe registers there (default none)");
  flags.AddString("id", &o->id, "id to register with the mediator (default \"scribe-<hostname>-<port>\")");
  flags.AddString("advertise", &o->advertise,
                  "host:port the mediator should dial (default \"127.0.0.1:<port>\" when bound to a wildcard or loopback address, else <bind>:<port>)");
  flags.AddCustom("register-timeout", DurationInto(&o->register_timeout),
                  "how long start-up tries to register with -mediator before giving up (default \"10s\")");
  flags.AddCustom("ping-interval", DurationInto(&o->ping_interval),
                  "the mediator's ping interval: with no ping for twice this, register again (default \"5s\")");

  flags.Group("Testing");
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
  if (std::string e = o->server.Validate(flags); !e.empty()) return fail(e);
  if (o->writer_threads < 1 || o->writer_threads > 64) return fail("-writer-threads must be between 1 and 64");
  if (o->max_open_files < 1 || o->max_open_files > 1000000) {
    return fail("-max-open-files must be between 1 and 1000000");
  }
  if (o->path.empty()) return fail("-path must not be empty");
  if (o->rotate_every.count() != 0 && o->rotate_every < std::chrono::milliseconds(100)) {
    return fail("-rotate-every must be 0 (never) or at least 100ms");
  if (o->max_readers < 1) return fail("-max-readers must be at least 1");
  if (o->read_buffer_bytes < (64 << 10) || o->read_buffer_bytes > (1ull << 30)) {
    return fail("-read-buffer-bytes must be between 64KiB and 1GiB");
  }
  if (o->read_stall_timeout < std::chrono::milliseconds(100)) return fail("-read-stall-timeout must be at least 100ms");
  }
  if (o->max_backups < 0 || o->max_backups > 1000000) return fail("-max-backups must be between 0 and 1000000");
  if (flags.WasSet("compress-level")) {
    const int most = o->compress == Codec::kZstd ? kMaxZstdLevel : kMaxGzipLevel;
    if (o->compress == Codec::kNone) return fail("-compress-level needs -compress");
    if (o->compress_level != 0 && (o->compress_level < 1 || o->compress_level > most)) {
      return fail(std::string("-compress-level must be between 1 and ") + std::to_string(most) + " for " +
                  CodecName(o->compress));
    }
  }
  if (o->max_age.count() < 0) return fail("-max-age must be 0 (no limit) or more");
  if (o->null_sink && (o->max_age.count() > 0 || o->max_root_bytes > 0 || o->min_free_bytes > 0)) {
    const char* flag = o->max_age.count() > 0 ? "max-age" : o->max_root_bytes > 0 ? "max-root-bytes" : "min-free-bytes";
    return fail(std::string("-") + flag + " needs -sink file");
  }
  if (o->null_sink && (o->compress != Codec::kNone || o->max_backups > 0)) {
    return fail(std::string("-") + (o->compress != Codec::kNone ? "compress" : "max-backups") +
                " needs -sink file");
  }
  if (Status s = CheckMediatorFlags(*o, flags); !s.ok()) return fail(s.message());
  return -1;
}

}  // namespace logscribe
