#include "loadgen_options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "flags.h"
#include "size_spec.h"

namespace logscribe::loadgen {
namespace {

constexpr int64_t kMaxConnections = 1024;
constexpr int64_t kMaxConcurrency = 100000;
constexpr int64_t kMaxBatchLines = 1000000;
constexpr uint64_t kMaxLineBytes = 1 << 20;  // the scribe's default line limit
constexpr int64_t kMaxFiles = 1000000;
constexpr size_t kMaxRunIdBytes = 32;

std::string DurationFlag(std::string_view text, std::chrono::nanoseconds* target, bool allow_zero) {
  std::string error;
  std::optional<std::chrono::nanoseconds> d = ParseDuration(text, &error);
  if (!d) return error.empty() ? "bad duration '" + std::string(text) + "'" : error;
  if (!allow_zero && d->count() == 0) return "wants a duration above zero, not '" + std::string(text) + "'";
  *target = *d;
  return "";
}

// An int flag checked against [lo, hi].
std::string RangeCheck(const char* name, int64_t value, int64_t lo, int64_t hi) {
  if (value < lo || value > hi) {
    return "-" + std::string(name) + " must be between " + std::to_string(lo) + " and " +
           std::to_string(hi) + ", not " + std::to_string(value);
  }
  return "";
}

bool ValidRunId(const std::string& id) {
  if (id.empty() || id.size() > kMaxRunIdBytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string Validate(const LoadgenOptions& o, const FlagSet& flags, int64_t connections,
                     int64_t concurrency, int64_t batch_lines, int64_t files, int64_t paths,
                     int64_t lines) {
  std::string e;
  if (!(e = RangeCheck("connections", connections, 1, kMaxConnections)).empty()) return e;
  if (!(e = RangeCheck("concurrency", concurrency, 1, kMaxConcurrency)).empty()) return e;
  if (!(e = RangeCheck("batch-lines", batch_lines, 1, kMaxBatchLines)).empty()) return e;
  if (!(e = RangeCheck("files", files, 1, kMaxFiles)).empty()) return e;
  if (!(e = RangeCheck("paths", paths, 1, kMaxFiles)).empty()) return e;
  if (lines < 0) return "-lines must not be negative";
  if (o.target.empty()) return "-target must name host:port";
  if (!o.run_id.empty() && !ValidRunId(o.run_id)) {
    return "-run-id must be 1 to 32 letters, digits or '_', not '" + o.run_id + "'";
  }
  if (o.ca_file.empty() && (!o.cert_file.empty() || !o.key_file.empty())) {
    return "-crt and -pk need -ca (a client certificate only makes sense over TLS)";
  }
  if (o.cert_file.empty() != o.key_file.empty()) return "-crt and -pk must be given together";
  if (flags.WasSet("lines") && lines == 0) return "-lines must be above zero";
  for (const std::string& root : o.verify_roots) {
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) {
      return "-verify-root " + root + " is not a directory";
    }
  }
  return "";
}

}  // namespace

const char* LoadModeName(LoadMode mode) {
  switch (mode) {
    case LoadMode::kUnary:
      return "unary";
    case LoadMode::kBatch:
      return "batch";
    case LoadMode::kStream:
      return "stream";
  }
  return "?";
}

std::string RandomRunId() {
  std::random_device rd;
  const uint32_t v = rd();
  static const char kHex[] = "0123456789abcdef";
  std::string id(8, '0');
  for (int i = 0; i < 8; ++i) id[i] = kHex[(v >> (28 - 4 * i)) & 0xf];
  return id;
}

ParseOutcome ParseLoadgenOptions(int argc, const char* const* argv, LoadgenOptions* options,
                                 std::string* message) {
  LoadgenOptions& o = *options;
  int64_t connections = o.connections, concurrency = o.concurrency, batch_lines = o.batch_lines;
  int64_t files = o.files, paths = o.paths, lines = 0;
  FlagSet flags("logscribe-loadgen");
  flags.AddString("target", &o.target, "the scribe, host:port (default 127.0.0.1:8080)");
  flags.AddCustom(
      "mode",
      [&o](std::string_view v) -> std::string {
        if (v == "unary") {
          o.mode = LoadMode::kUnary;
        } else if (v == "batch") {
          o.mode = LoadMode::kBatch;
        } else if (v == "stream") {
          o.mode = LoadMode::kStream;
        } else {
          return "wants unary, batch or stream, not '" + std::string(v) + "'";
        }
        return "";
      },
      "unary (Log), batch (LogBatch) or stream (LogStream) (default stream)");
  flags.AddInt("connections", &connections, "connections, each its own channel and thread (default 1)");
  flags.AddInt("concurrency", &concurrency, "RPCs or stream batches in flight per connection (default 8)");
  flags.AddInt("batch-lines", &batch_lines, "lines per batch in batch and stream mode (default 256)");
  flags.AddCustom(
      "line-bytes",
      [&o](std::string_view v) -> std::string {
        std::string error;
        std::optional<uint64_t> n = ParseSize(v, &error);
        if (!n) return error.empty() ? "bad size '" + std::string(v) + "'" : error;
        if (*n > kMaxLineBytes) return "wants at most 1MiB, not '" + std::string(v) + "'";
        o.line_bytes = static_cast<int>(*n);
        return "";
      },
      "bytes per line, id included, newline excluded; 100, 1KiB (default 100)");
  flags.AddInt("files", &files, "files f0..f<N-1> the lines are spread over (default 16)");
  flags.AddInt("paths", &paths, "path directories p0..p<N-1> the files are spread over (default 1)");
  flags.AddCustom(
      "duration", [&o](std::string_view v) { return DurationFlag(v, &o.duration, false); },
      "how long to send: 5s, 500ms, 2m (default 10s, or unlimited with only -lines)");
  flags.AddInt("lines", &lines, "stop after this many lines were sent (default no limit)");
  flags.AddCustom(
      "rate",
      [&o](std::string_view v) -> std::string {
        const std::string text(v);
        char* end = nullptr;
        errno = 0;
        const double r = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(r) || r < 0) {
          return "wants lines per second (0 or more), not '" + text + "'";
        }
        o.rate = r;
        return "";
      },
      "open loop at this many lines/s over all connections; 0 = closed loop (default 0)");
  flags.AddString("ca", &o.ca_file, "PEM root certificates; enables TLS (default insecure)");
  flags.AddString("crt", &o.cert_file, "PEM client certificate, with -pk (default none)");
  flags.AddString("pk", &o.key_file, "PEM client private key, with -crt (default none)");
  flags.AddString("server-name", &o.server_name, "name expected in the server certificate (default the target host)");
  flags.AddRepeated("verify-root", &o.verify_roots, "a scribe root to read back and check after the run (repeatable)");
  flags.AddCustom(
      "verify-wait", [&o](std::string_view v) { return DurationFlag(v, &o.verify_wait, true); },
      "how long to keep re-reading while acknowledged lines are missing (default 2s)");
  flags.AddString("run-id", &o.run_id, "tells this run's lines apart: [A-Za-z0-9_]{1,32} (default random)");
  flags.AddBool("quiet", &o.quiet, "no progress lines on stderr (default false)");
  flags.AddBool("json", &o.json, "one JSON object on stdout instead of the table (default false)");
  flags.AddCustom(
      "drain-timeout", [&o](std::string_view v) { return DurationFlag(v, &o.drain_timeout, true); },
      "how long in-flight RPCs may take after the run before they are cancelled (default 10s)");
  flags.AddCustom(
      "connect-timeout", [&o](std::string_view v) { return DurationFlag(v, &o.connect_timeout, false); },
      "how long each connection may take to become ready (default 5s)");

  if (!flags.Parse(argc, argv, message)) {
    if (message->empty()) {
      *message = flags.Usage();
      return ParseOutcome::kHelp;
    }
    return ParseOutcome::kError;
  }
  *message = flags.UnexpectedArgument();
  if (!message->empty()) return ParseOutcome::kError;
  *message = Validate(o, flags, connections, concurrency, batch_lines, files, paths, lines);
  if (!message->empty()) return ParseOutcome::kError;
  o.connections = static_cast<int>(connections);
  o.concurrency = static_cast<int>(concurrency);
  o.batch_lines = static_cast<int>(batch_lines);
  o.files = static_cast<int>(files);
  o.paths = static_cast<int>(paths);
  o.lines = static_cast<uint64_t>(lines);
  // -lines alone runs until the lines are sent; with -duration, whichever comes first.
  o.has_duration = !(flags.WasSet("lines") && !flags.WasSet("duration"));
  if (o.run_id.empty()) o.run_id = RandomRunId();
  return ParseOutcome::kOk;
}

}  // namespace logscribe::loadgen
