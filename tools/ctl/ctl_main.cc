// logscribectl: asks a mediator what it knows.
//   logscribectl [-target host:8000] scribes|stats|route <path> <filename>|version
// One call, one table on stdout; exit 0, 1 when the call failed (one sentence
// on stderr), 2 for a bad command line.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <chrono>
#include <cstdio>
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
    "  version                  the mediator's version and each scribe's\n";

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

int Run(int argc, char** argv) {
  FlagSet flags("logscribectl");
  std::string target = "127.0.0.1:8000";
  std::chrono::nanoseconds timeout = std::chrono::seconds(5);
  ClientSecurityOptions security;
  flags.AddString("target", &target, "the mediator, host:port (default \"127.0.0.1:8000\")");
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
