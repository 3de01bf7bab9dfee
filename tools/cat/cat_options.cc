#include "cat_options.h"

#include <unistd.h>

#include <string_view>

#include "file_key.h"  // src/io: ValidateFileKey
#include "flags.h"
#include "host_port.h"  // src/common
#include "size_spec.h"

namespace logscribe::cat {
namespace {

constexpr int64_t kMaxBatchLines = 1000000;
constexpr int64_t kMaxInflight = 1024;
constexpr uint64_t kMaxLineBytesLimit = 64ull << 20;  // the scribe's -max-message-bytes default

std::string DurationInto(std::string_view text, std::chrono::nanoseconds* out, bool allow_zero) {
  std::string error;
  std::optional<std::chrono::nanoseconds> d = ParseDuration(text, &error);
  if (!d) return error.empty() ? "bad duration '" + std::string(text) + "'" : error;
  if (!allow_zero && d->count() == 0) return "wants a duration above zero, not '" + std::string(text) + "'";
  *out = *d;
  return "";
}

std::string SizeInto(std::string_view text, uint64_t* out) {
  std::string error;
  std::optional<uint64_t> v = ParseSize(text, &error);
  if (!v) return error.empty() ? "bad size '" + std::string(text) + "'" : error;
  if (*v == kUnlimitedSize) return "must be a finite size";
  *out = *v;
  return "";
}

std::string Hostname() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

// "/var/log/app.log" -> "app"; "/var/log/app" -> "app".
std::string DefaultFilename(const std::string& follow) {
  if (follow.empty()) return "stdin";
  std::string_view base(follow);
  while (base.size() > 1 && base.back() == '/') base.remove_suffix(1);
  const size_t slash = base.rfind('/');
  if (slash != std::string_view::npos) base.remove_prefix(slash + 1);
  if (base.size() > 4 && base.substr(base.size() - 4) == ".log") base.remove_suffix(4);
  return std::string(base);
}

std::string Validate(const CatOptions& o, const FlagSet& flags) {
  if (Status s = ValidateHostPort(o.target, "-target"); !s.ok()) return s.message();
  std::string key;
  if (Status s = ValidateFileKey(o.path, o.filename, &key); !s.ok()) {
    const bool file = s.message().rfind("filename", 0) == 0;
    std::string hint = file && !flags.WasSet("file") ? " (derived from -follow; give -file)" : "";
    if (!file && !flags.WasSet("path")) hint = " (the hostname; give -path)";
    return (file ? "-file: " : "-path: ") + s.message() + hint;
  }
  if (!o.checkpoint.empty() && o.follow.empty()) {
    return "-checkpoint needs -follow (stdin cannot be read again after a restart)";
  }
  if (o.checkpoint.empty() && flags.WasSet("checkpoint")) return "-checkpoint must name a file";
  if (flags.WasSet("follow") && o.follow.empty()) return "-follow must name a file";
  if (o.batch_lines < 1 || o.batch_lines > kMaxBatchLines) {
    return "-batch-lines must be between 1 and " + std::to_string(kMaxBatchLines);
  }
  if (o.inflight < 1 || o.inflight > kMaxInflight) {
    return "-inflight must be between 1 and " + std::to_string(kMaxInflight);
  }
  if (o.max_line_bytes > kMaxLineBytesLimit) return "-max-line-bytes must be at most 64MiB";
  if (o.batch_bytes > kMaxLineBytesLimit) return "-batch-bytes must be at most 64MiB";
  if (o.max_buffer_bytes < o.max_line_bytes + o.batch_bytes) {
    return "-max-buffer-bytes must be at least -max-line-bytes + -batch-bytes (" +
           FormatSize(o.max_line_bytes + o.batch_bytes) + ")";
  }
  if (o.backoff_min > o.backoff_max) return "-backoff-min must not be above -backoff-max";
  return "";
}

}  // namespace

ParseOutcome ParseCatOptions(int argc, const char* const* argv, CatOptions* options, std::string* message) {
  CatOptions& o = *options;
  int64_t batch_lines = o.batch_lines, inflight = o.inflight;
  FlagSet flags("logscribe-cat");
  flags.AddString("target", &o.target, "the scribe or mediator, host:port (default \"127.0.0.1:8080\")");
  flags.AddString("path", &o.path, "directory of the file under the target's root (default the hostname)");
  flags.AddString("file", &o.filename,
                  "file name without .log (default -follow's basename without .log, or \"stdin\")");
  flags.AddString("follow", &o.follow,
                  "follow this file like tail -F (rotation, truncation) instead of reading stdin (default none)");
  flags.AddString("checkpoint", &o.checkpoint,
                  "file keeping the acknowledged position in -follow's file, for restarts (default none)");
  flags.AddInt("batch-lines", &batch_lines, "lines per batch (default 512)");
  flags.AddCustom("batch-bytes", [&](std::string_view v) { return SizeInto(v, &o.batch_bytes); },
                  "line bytes per batch (default \"1MiB\")");
  flags.AddCustom("flush-interval", [&](std::string_view v) { return DurationInto(v, &o.flush_interval, true); },
                  "send a partial batch once its first line waited this long (default \"200ms\")");
  flags.AddCustom("max-buffer-bytes", [&](std::string_view v) { return SizeInto(v, &o.max_buffer_bytes); },
                  "bound on lines read and not yet acknowledged; reading pauses there (default \"64MiB\")");
  flags.AddInt("inflight", &inflight, "batches sent and not yet acknowledged (default 8)");
  flags.AddCustom("max-line-bytes", [&](std::string_view v) { return SizeInto(v, &o.max_line_bytes); },
                  "longer lines are split into pieces of this size (default \"1MiB\")");
  flags.AddCustom("drain-timeout", [&](std::string_view v) { return DurationInto(v, &o.drain_timeout, true); },
                  "at EOF or SIGTERM, how long to wait for outstanding acks (default \"10s\")");
  flags.AddCustom("ack-timeout", [&](std::string_view v) { return DurationInto(v, &o.ack_timeout, false); },
                  "give up a stream whose oldest batch waits this long for its ack, or that cannot connect (default \"30s\")");
  flags.AddCustom("poll-interval", [&](std::string_view v) { return DurationInto(v, &o.poll_interval, false); },
                  "fallback check of a followed file when inotify reports nothing (default \"1s\")");
  flags.AddCustom("checkpoint-interval",
                  [&](std::string_view v) { return DurationInto(v, &o.checkpoint_interval, true); },
                  "least time between two checkpoint writes (default \"20ms\")");
  flags.AddCustom("backoff-min", [&](std::string_view v) { return DurationInto(v, &o.backoff_min, false); },
                  "first reconnection delay (default \"100ms\")");
  flags.AddCustom("backoff-max", [&](std::string_view v) { return DurationInto(v, &o.backoff_max, false); },
                  "longest reconnection delay (default \"5s\")");
  flags.AddString("ca", &o.security.files.ca, "PEM CA the target's certificate must chain to: TLS (default none: insecure)");
  flags.AddString("crt", &o.security.files.crt, "PEM client certificate, for mutual TLS (default none)");
  flags.AddString("pk", &o.security.files.pk, "PEM key of -crt (default none)");
  flags.AddString("server-name", &o.security.server_name,
                  "name the target's certificate must carry, when not the target's host (default the host)");

  if (!flags.Parse(argc, argv, message)) {
    if (message->empty()) {
      *message = "usage: logscribe-cat [flags] < lines   |   logscribe-cat -follow FILE [flags]\n" + flags.Usage();
      return ParseOutcome::kHelp;
    }
    return ParseOutcome::kError;
  }
  *message = flags.UnexpectedArgument();
  if (!message->empty()) return ParseOutcome::kError;
  o.batch_lines = static_cast<int>(std::clamp<int64_t>(batch_lines, -1, kMaxBatchLines + 1));
  o.inflight = static_cast<int>(std::clamp<int64_t>(inflight, -1, kMaxInflight + 1));
  if (!flags.WasSet("path")) o.path = Hostname();
  if (!flags.WasSet("file")) o.filename = DefaultFilename(o.follow);
  *message = Validate(o, flags);
  return message->empty() ? ParseOutcome::kOk : ParseOutcome::kError;
}

}  // namespace logscribe::cat
