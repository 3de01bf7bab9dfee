// logscribectl: asks a mediator what it knows, and reads logs back from a
// scribe (LogReader).
//   logscribectl [-target host:8000] scribes|stats|route <path> <filename>|version
//   logscribectl [-target host:8080] ls [<path>] | cat <path> <filename> |
//       tail [-f] [-n N] <path> <filename> | grep <pattern> <path> <filename>
// Raw lines (or one table) on stdout; exit 0, 1 when a call failed (one
// sentence on stderr), 2 for a bad command line. tail -f ends on SIGINT, exit 0.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "client_credentials.h"
#include "flags.h"
#include "logscribe.grpc.pb.h"
#include "size_spec.h"

namespace logscribe {
namespace {

namespace v1 = logscribe::v1;

constexpr const char* kUsage =
    "usage: logscribectl [flags] <command>\n"
    "commands:\n"
    "  scribes                  live scribes, their addresses and the files each owns\n"
    "  stats                    lines and bytes each scribe acknowledged, retries, failures\n"
    "  route <path> <filename>  the scribe that owns <path>/<filename>.log now\n"
    "  version                  the mediator's version and each scribe's\n"
    "read back (from a scribe):\n"
    "  ls [<path>]                          logs under <path>: live size, pieces, time spans\n"
    "  cat <path> <filename>                every line, oldest piece first ('' filename: every log under <path>)\n"
    "  tail [-f] [-n N] <path> <filename>   the last N lines (default 10); -f: then follow\n"
    "  grep <pattern> <path> <filename>     lines matching an RE2 pattern\n"
    "  with -since/-until (1h, or 2026-12-08T02:00:00Z): pieces written in that span\n";

// -since/-until: a duration back from now, or an RFC 3339 time. 0 on error.
int64_t ParseWhen(std::string_view v, std::string* error) {
  std::string dur_error;
  if (auto d = ParseDuration(v, &dur_error)) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               (std::chrono::system_clock::now() - *d).time_since_epoch()).count();
  }
  std::string text(v);
  struct tm tm = {};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) {
    *error = "'" + text + "' is neither a duration (1h) nor an RFC 3339 time (2026-12-08T02:00:00Z)";
    return 0;
  }
  int64_t nanos = 0;
  if (*rest == '.') {
    int64_t scale = 100000000;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, scale /= 10) nanos += (*rest - '0') * scale;
  }
  int64_t offset = 0;
  if (*rest == '+' || *rest == '-') {
    int h = 0, m = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &h, &m) != 2) {
      *error = "bad time offset in '" + text + "'";
      return 0;
    }
    offset = (h * 3600 + m * 60) * (*rest == '+' ? 1 : -1);
    rest += 6;
  } else if (*rest == 'Z' || *rest == 'z') {
    ++rest;
  }
  if (*rest != '\0') {
    *error = "bad time '" + text + "'";
    return 0;
  }
  return (static_cast<int64_t>(timegm(&tm)) - offset) * 1000000000 + nanos;
}

std::string FormatNanos(int64_t ns) {
  if (ns == 0) return "-";
  const time_t t = static_cast<time_t>(ns / 1000000000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int CallFailed(const char* what, const grpc::Status& s) {
  std::fprintf(stderr, "logscribectl: %s failed: %s: %s\n", what,
               s.error_code() == grpc::StatusCode::UNAVAILABLE ? "UNAVAILABLE"
               : s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? "DEADLINE_EXCEEDED"
               : s.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? "INVALID_ARGUMENT"
               : s.error_code() == grpc::StatusCode::UNIMPLEMENTED ? "UNIMPLEMENTED (is the target a mediator?)"
                                                                    : ("code " + std::to_string(s.error_code())).c_str(),
               s.error_message().c_str());
  return 1;
}

// The follow in progress, which SIGINT and SIGTERM cancel; without one they
// end the process as usual.
std::mutex g_follow_mu;
grpc::ClientContext* g_follow_ctx = nullptr;  // guarded by g_follow_mu
std::atomic<bool> g_interrupted{false};

// Blocks SIGINT and SIGTERM in every thread (call before any exists) and
// takes them on one thread of its own.
void StartSignalThread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      std::lock_guard<std::mutex> lock(g_follow_mu);
      if (g_follow_ctx == nullptr) std::_Exit(128 + sig);
      g_interrupted.store(true);
      g_follow_ctx->TryCancel();
    }
  }).detach();
}

struct ReadArgs {
  bool follow;
  int64_t tail_lines;
  bool prefix;
  int64_t since;
  int64_t until;
};

int RunRead(const std::shared_ptr<grpc::Channel>& channel, const std::vector<std::string>& args,
            const ReadArgs& r, std::chrono::nanoseconds timeout) {
  auto stub = v1::LogReader::NewStub(channel);
  const std::string& command = args[0];
  grpc::ClientContext ctx;
  if (timeout.count() > 0) {
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  }
  if (command == "ls") {
    v1::ListRequest q;
    if (args.size() > 1) q.set_path_prefix(args[1]);
    v1::ListResponse resp;
    grpc::Status s = stub->List(&ctx, q, &resp);
    if (!s.ok()) return CallFailed("List", s);
    for (const auto& log : resp.logs()) {
      const std::string name = log.path().empty() ? log.filename() : log.path() + "/" + log.filename();
      std::printf("%s  live %llu bytes  %s .. %s  %d piece(s)\n", name.c_str(),
                  static_cast<unsigned long long>(log.live_bytes()),
                  FormatNanos(log.live_span().start_unix_nanos()).c_str(),
                  FormatNanos(log.live_span().end_unix_nanos()).c_str(), log.pieces_size());
      for (const auto& p : log.pieces()) {
        std::printf("  %s  %llu bytes  %s .. %s\n", p.name().c_str(), static_cast<unsigned long long>(p.bytes()),
                    FormatNanos(p.span().start_unix_nanos()).c_str(), FormatNanos(p.span().end_unix_nanos()).c_str());
      }
    }
    if (resp.truncated()) std::fprintf(stderr, "logscribectl: the list was cut short by the scribe\n");
    return 0;
  }
  v1::ReadRequest q;
  const size_t at = command == "grep" ? 2 : 1;
  if (command == "grep") q.set_grep(args[1]);
  q.set_path(args[at]);
  q.set_filename(args[at + 1]);
  q.set_since_unix_nanos(r.since);
  q.set_until_unix_nanos(r.until);
  if (command == "tail") {
    q.set_follow(r.follow);
    if (r.tail_lines == 0) return 0;
    q.set_tail_lines(static_cast<uint64_t>(r.tail_lines));
  }
  // SIGINT (and SIGTERM) end a follow cleanly: the signal thread cancels it.
  {
    std::lock_guard<std::mutex> lock(g_follow_mu);
    g_follow_ctx = r.follow ? &ctx : nullptr;
  }
  auto reader = stub->Read(&ctx, q);
  v1::ReadChunk chunk;
  while (reader->Read(&chunk)) {
    if (chunk.gap_pieces() > 0) {
      std::fprintf(stderr, "logscribectl: %llu piece(s) of %s/%s were deleted before they could be read\n",
                   static_cast<unsigned long long>(chunk.gap_pieces()), chunk.path().c_str(),
                   chunk.filename().c_str());
    }
    const std::string name = chunk.path().empty() ? chunk.filename() : chunk.path() + "/" + chunk.filename();
    for (const auto& line : chunk.lines()) {
      if (r.prefix) {
        std::fwrite(name.data(), 1, name.size(), stdout);
        std::fputc(' ', stdout);
      }
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
    if (r.follow) std::fflush(stdout);
  }
  grpc::Status s = reader->Finish();
  std::fflush(stdout);
  {
    std::lock_guard<std::mutex> lock(g_follow_mu);
    g_follow_ctx = nullptr;
  }
  if (g_interrupted.load()) return 0;
  if (!s.ok()) return CallFailed("Read", s);
  return 0;
}

int Run(int argc, char** argv) {
  StartSignalThread();
  FlagSet flags("logscribectl");
  std::string target = "127.0.0.1:8000";
  std::chrono::nanoseconds timeout = std::chrono::seconds(5);
  ClientSecurityOptions security;
  flags.AddString("target", &target,
                  "the mediator (admin calls) or a scribe (ls, cat, tail, grep), host:port (default \"127.0.0.1:8000\")");
  flags.AddCustom("timeout", [&](std::string_view v) -> std::string {
        std::string error;
        auto d = ParseDuration(v, &error);
        if (!d) return error;
        timeout = *d;
        return "";
      }, "deadline of the call (default \"5s\")");
  flags.AddString("ca", &security.files.ca, "PEM CA the mediator's certificate must chain to: TLS (default none: insecure)");
  flags.AddString("crt", &security.files.crt, "PEM client certificate, for mutual TLS (default none)");
  flags.AddString("pk", &security.files.pk, "PEM key of -crt (default none)");
  flags.AddString("server-name", &security.server_name,
                  "name the mediator's certificate must carry, when not the target's host (default the host)");
  bool follow = false;
  int64_t tail_lines = 10;
  bool prefix = false;
  std::string since_text, until_text;
  flags.AddBool("f", &follow, "tail: keep following the log as lines are written");
  flags.AddInt("n", &tail_lines, "tail: lines to show (default 10)");
  flags.AddBool("prefix", &prefix, "cat/tail/grep: begin each line with its log's <path>/<filename>");
  flags.AddString("since", &since_text, "read pieces written since: a duration (1h) or an RFC 3339 time");
  flags.AddString("until", &until_text, "read pieces written until: a duration (1h) or an RFC 3339 time");
  std::string error;
  if (!flags.Parse(argc, argv, &error)) {
    if (error.empty()) {
      std::fputs(kUsage, stdout);
      std::fputs(flags.Usage().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "logscribectl: %s\n", error.c_str());
    return 2;
  }
  const std::vector<std::string>& args = flags.positional();
  auto usage = [](const std::string& sentence) {
    std::fprintf(stderr, "logscribectl: %s\n%s", sentence.c_str(), kUsage);
    return 2;
  };
  if (args.empty()) return usage("no command given");
  const std::string& command = args[0];
  const bool read_command = command == "ls" || command == "cat" || command == "tail" || command == "grep";
  if (read_command) {
    ReadArgs r{follow, tail_lines, prefix, 0, 0};
    std::string e;
    if (!since_text.empty() && (r.since = ParseWhen(since_text, &e)) == 0) return usage("-since: " + e);
    if (!until_text.empty() && (r.until = ParseWhen(until_text, &e)) == 0) return usage("-until: " + e);
    if (follow && command != "tail") return usage("-f goes with tail");
    if (tail_lines < 0 || (follow && tail_lines == 0)) return usage("-n must be 1 or more with -f, 0 or more without");
    if (command == "ls" && args.size() > 2) return usage("ls wants at most <path>");
    if ((command == "cat" || command == "tail") && args.size() != 3) return usage(command + " wants <path> <filename>");
    if (command == "grep" && args.size() != 4) return usage("grep wants <pattern> <path> <filename>");
    ClientSecurity made;
    if (Status s = MakeClientSecurity(security, &made); !s.ok()) {
      std::fprintf(stderr, "logscribectl: %s\n", s.message().c_str());
      return 2;
    }
    auto channel = grpc::CreateCustomChannel(target, made.credentials, made.args);
    return RunRead(channel, args, r, flags.WasSet("timeout") ? timeout : std::chrono::nanoseconds(0));
  }
  const size_t want = command == "route" ? 3 : 1;
  if (command != "scribes" && command != "stats" && command != "route" && command != "version") {
    return usage("unknown command '" + command + "'");
  }
  if (args.size() != want) {
    return usage(command == "route" ? "route wants <path> <filename>" : command + " takes no argument");
  }
  ClientSecurity made;
  if (Status s = MakeClientSecurity(security, &made); !s.ok()) {
    std::fprintf(stderr, "logscribectl: %s\n", s.message().c_str());
    return 2;
  }
  auto stub = v1::Mediator::NewStub(grpc::CreateCustomChannel(target, made.credentials, made.args));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::duration_cast<std::chrono::milliseconds>(timeout));

  if (command == "scribes") {
    v1::ResponsibilityResponse r;
    grpc::Status s = stub->GetScribesResponsibility(&ctx, v1::ResponsibilityRequest(), &r);
    if (!s.ok()) return CallFailed("GetScribesResponsibility", s);
    std::printf("routing: %s, %d live scribe(s)\n", r.routing().c_str(), r.result_size());
    std::printf("%-24s %-24s %s\n", "ID", "ADDRESS", "RESPONSIBILITY");
    for (const auto& x : r.result()) {
      std::printf("%-24s %-24s %s\n", x.name().c_str(), x.addr().c_str(), x.responsibility().c_str());
    }
  } else if (command == "stats") {
    v1::StatsResponse r;
    grpc::Status s = stub->GetStats(&ctx, v1::StatsRequest(), &r);
    if (!s.ok()) return CallFailed("GetStats", s);
    std::printf("%-24s %-24s %-5s %14s %16s %14s\n", "ID", "ADDRESS", "LIVE", "LINES", "BYTES", "RETRIED");
    for (const auto& x : r.result()) {
      std::printf("%-24s %-24s %-5s %14lld %16lld %14lld\n", x.name().c_str(), x.addr().c_str(),
                  x.live() ? "yes" : "no", static_cast<long long>(x.count()),
                  static_cast<long long>(x.bytes()), static_cast<long long>(x.retried_lines()));
    }
    std::printf("retried lines %lld, failed lines %lld, refused requests %lld, queued bytes %lld, routing %s\n",
                static_cast<long long>(r.retried_lines()), static_cast<long long>(r.failed_lines()),
                static_cast<long long>(r.refused_requests()), static_cast<long long>(r.queued_bytes()),
                r.routing().c_str());
  } else if (command == "route") {
    v1::RouteRequest q;
    q.set_path(args[1]);
    q.set_filename(args[2]);
    v1::RouteResponse r;
    grpc::Status s = stub->Route(&ctx, q, &r);
    if (!s.ok()) return CallFailed("Route", s);
    std::printf("%s %s\n", r.scribe_id().c_str(), r.addr().c_str());
  } else {
    v1::VersionRequest q;
    q.set_all(true);
    v1::VersionResponse r;
    grpc::Status s = stub->GetVersion(&ctx, q, &r);
    if (!s.ok()) return CallFailed("GetVersion", s);
    for (const auto& v : r.results()) {
      std::printf("%-9s %-24s %s\n", v.type() == v1::MEDIATOR ? "mediator" : "scribe", v.name().c_str(),
                  v.version().empty() ? "(unknown)" : v.version().c_str());
    }
  }
  return 0;
}

}  // namespace
}  // namespace logscribe

int main(int argc, char** argv) { return logscribe::Run(argc, argv); }
