// MediatorServer: the gRPC side of the mediator. It serves LogScribe to
// clients (the scribe's own handlers, over a Forwarder instead of files),
// Register to scribes, and Mediator (Route and the admin calls); it keeps the
// Registry, pings the scribes (HealthChecker) and streams to them
// (ScribeLinks), all on the same completion queues and threads.
//
// Thread contract: Start() and Shutdown() are called by main's thread; the rest
// runs on the CQ threads.
//
// Shutdown, in this order:
//  1. Stop accepting: server->Shutdown(deadline); calls in flight go on until
//     the deadline, then gRPC cancels them. Health rounds go on, so a scribe
//     that dies now is still dropped and its lines move.
//  2. Drain the forwarder: every accepted line is acknowledged by a scribe (or
//     failed), and the client calls are finished.
//  3. Stop the health checker (the round in progress ends).
//  4. Stop the forwarder: fail what is left, close every scribe stream and
//     wait until the links released their operations.
//  5. Wait until no call object is left (bounded).
//  6. Shut down each CQ, drain it until Next() returns false, join threads.
#pragma once

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "call.h"
#include "cq_context.h"
#include "forwarder.h"
#include "health_checker.h"
#include "logscribe.grpc.pb.h"
#include "mediator_calls.h"
#include "registry.h"
#include "server_steps.h"
#include "unary_handler.h"

namespace logscribe {

// ServeOptions (server_steps.h), with the port defaulting to 8000 as the
// original's. escape_newlines does not apply (escaping newlines is the
// scribes' business); limits.stream_inflight counts client batches forwarded
// and not yet acknowledged.
struct MediatorServerOptions : ServeOptions {
  MediatorServerOptions() { port = 8000; }
  explicit MediatorServerOptions(ServeOptions serve) : ServeOptions(std::move(serve)) {}
  // "rendezvous" or "first-char". Default: rendezvous.
  std::string routing = "rendezvous";
  // Consecutive failed pings that drop a scribe. Default: 3.
  int max_misses = 3;
  HealthCheckerOptions health;
  ForwarderOptions forward;
  std::string version;
  // Registrations and drops, one line each. Default: stderr.
  std::FILE* log = stderr;
};

// The mediator's own unary calls, as metrics label them.
enum class MediatorCall { kRegister, kRoute, kGetVersion, kGetStats, kGetScribesResponsibility, kDeregister };
inline constexpr int kMediatorCalls = 6;
const char* MediatorCallName(MediatorCall call);

// Answers of those calls by gRPC code; relaxed atomics, once per call.
struct MediatorCallCounters {
  std::atomic<uint64_t> answers[kMediatorCalls][kRpcCodes] = {};
};

class MediatorServer {
 public:
  // Binds and starts serving. Fails with one sentence when the address cannot
  // be bound.
  static Status Start(MediatorServerOptions options, std::unique_ptr<MediatorServer>* out);
  ~MediatorServer();

  int port() const { return port_; }
  const RpcCounters& counters() const { return counters_; }
  ForwarderStats forward_stats() const { return forwarder_->Detailed(); }
  size_t scribes() const { return registry_->size(); }
  // For /metrics and the shutdown progress; thread-safe objects.
  const Registry& registry() const { return *registry_; }
  const MediatorCallCounters& call_counters() const { return call_counters_; }
  uint64_t ping_rounds() const { return health_->rounds(); }
  uint64_t impostor_pings() const { return health_->impostor_pings(); }

  // The sequence above.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  using RegisterKind = UnaryHandler<logscribe::v1::Register::AsyncService,
                                    logscribe::v1::RegisterRequest, logscribe::v1::RegisterResponse>;
  using DeregisterKind = UnaryHandler<logscribe::v1::Register::AsyncService,
                                      logscribe::v1::DeregisterRequest, logscribe::v1::RegisterResponse>;
  using RouteKind = UnaryHandler<logscribe::v1::Mediator::AsyncService, logscribe::v1::RouteRequest,
                                 logscribe::v1::RouteResponse>;
  using VersionKind = UnaryHandler<logscribe::v1::Mediator::AsyncService,
                                   logscribe::v1::VersionRequest, logscribe::v1::VersionResponse>;
  using StatsKind = UnaryHandler<logscribe::v1::Mediator::AsyncService, logscribe::v1::StatsRequest,
                                 logscribe::v1::StatsResponse>;
  using ResponsibilityKind =
      UnaryHandler<logscribe::v1::Mediator::AsyncService, logscribe::v1::ResponsibilityRequest,
                   logscribe::v1::ResponsibilityResponse>;

  MediatorServer() = default;

  int port_ = 0;
  RpcCounters counters_;
  MediatorCallCounters call_counters_;
  ServerShared shared_;
  MediatorState state_;
  LogScribeServices log_services_;
  logscribe::v1::Register::AsyncService register_service_;
  logscribe::v1::Mediator::AsyncService mediator_service_;
  RegisterKind::Kind register_kind_;
  DeregisterKind::Kind deregister_kind_;
  RouteKind::Kind route_kind_;
  VersionKind::Kind version_kind_;
  StatsKind::Kind stats_kind_;
  ResponsibilityKind::Kind responsibility_kind_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<Forwarder> forwarder_;
  std::unique_ptr<HealthChecker> health_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::unique_ptr<CqContext>> contexts_;
  std::vector<std::thread> threads_;
  bool shut_down_ = false;
};

}  // namespace logscribe
