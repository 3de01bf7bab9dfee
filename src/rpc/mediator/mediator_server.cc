#include "mediator_server.h"

#include <grpcpp/server_builder.h>

#include "server_steps.h"

namespace logscribe {

const char* MediatorCallName(MediatorCall call) {
  switch (call) {
    case MediatorCall::kRegister: return "Register";
    case MediatorCall::kDeregister: return "Deregister";
    case MediatorCall::kRoute: return "Route";
    case MediatorCall::kGetVersion: return "GetVersion";
    case MediatorCall::kGetStats: return "GetStats";
    case MediatorCall::kGetScribesResponsibility: return "GetScribesResponsibility";
  }
  return "?";
}

Status MediatorServer::Start(MediatorServerOptions options, std::unique_ptr<MediatorServer>* out) {
  std::unique_ptr<MediatorServer> server(new MediatorServer());
  MediatorServer* s = server.get();
  s->registry_ = std::make_unique<Registry>(options.routing, options.max_misses);

  grpc::ServerBuilder builder;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs;
  const std::string address = PrepareBuilder(options, &builder, &s->port_, &cqs);
  RegisterLogScribe(&builder, &s->log_services_, &s->shared_);
  builder.RegisterService(&s->register_service_);
  builder.RegisterService(&s->mediator_service_);
  if (Status st = BuildAndStart(&builder, address, &s->port_, &cqs, &s->server_); !st.ok()) return st;

  std::vector<grpc::CompletionQueue*> plain;
  for (auto& cq : cqs) plain.push_back(cq.get());
  s->forwarder_ = std::make_unique<Forwarder>(options.forward, plain);
  Forwarder* forwarder = s->forwarder_.get();
  s->registry_->SetListener([forwarder](const std::shared_ptr<const Router>& router) {
    forwarder->OnRouter(router);
  });

  ServerShared& shared = s->shared_;
  shared.sink = forwarder;
  shared.counters = &s->counters_;
  options.escape_newlines = false;
  StartLogScribe(s->server_.get(), options, &shared, &cqs, &s->contexts_);

  s->state_.registry = s->registry_.get();
  s->state_.forwarder = forwarder;
  s->state_.version = options.version;
  s->state_.log = options.log;
  const MediatorState* state = &s->state_;
  const Rights* rights = options.rights.get();
  // The registering peer's certificate, kept with its scribe id.
  auto who = [rights](const grpc::ServerContext& ctx) {
    return rights != nullptr ? rights->Identify(ctx).identity : PeerIdentity();
  };
  const std::atomic<bool>* stopping = &shared.shutting_down;
  auto answers = [s](MediatorCall call) { return s->call_counters_.answers[static_cast<int>(call)]; };
  namespace v1 = logscribe::v1;
  s->register_kind_ = {&s->register_service_, &v1::Register::AsyncService::RequestRegister,
                       [state, who](const grpc::ServerContext& ctx, const v1::RegisterRequest& q,
                                     v1::RegisterResponse* r) { return HandleRegister(*state, who(ctx), q, r); },
                       stopping, answers(MediatorCall::kRegister), rights, Right::kScribe};
  s->deregister_kind_ = {&s->register_service_, &v1::Register::AsyncService::RequestDeregister,
                         [state, who](const grpc::ServerContext& ctx, const v1::DeregisterRequest& q,
                                       v1::RegisterResponse* r) { return HandleDeregister(*state, who(ctx), q, r); },
                         stopping, answers(MediatorCall::kDeregister), rights, Right::kScribe};
  s->route_kind_ = {&s->mediator_service_, &v1::Mediator::AsyncService::RequestRoute,
                    [state](const grpc::ServerContext&, const v1::RouteRequest& q, v1::RouteResponse* r) {
                      return HandleRoute(*state, q, r);
                    },
                    stopping, answers(MediatorCall::kRoute), rights, Right::kAdmin};
  s->version_kind_ = {&s->mediator_service_, &v1::Mediator::AsyncService::RequestGetVersion,
                      [state](const grpc::ServerContext&, const v1::VersionRequest& q, v1::VersionResponse* r) {
                        return HandleVersion(*state, q, r);
                      },
                      stopping, answers(MediatorCall::kGetVersion), rights, Right::kAdmin};
  s->stats_kind_ = {&s->mediator_service_, &v1::Mediator::AsyncService::RequestGetStats,
                    [state](const grpc::ServerContext&, const v1::StatsRequest& q, v1::StatsResponse* r) {
                      return HandleStats(*state, q, r);
                    },
                    stopping, answers(MediatorCall::kGetStats), rights, Right::kAdmin};
  s->responsibility_kind_ = {&s->mediator_service_,
                             &v1::Mediator::AsyncService::RequestGetScribesResponsibility,
                             [state](const grpc::ServerContext&, const v1::ResponsibilityRequest& q,
                                     v1::ResponsibilityResponse* r) { return HandleResponsibility(*state, q, r); },
                             stopping, answers(MediatorCall::kGetScribesResponsibility), rights, Right::kAdmin};

  for (auto& ctx : s->contexts_) {
    grpc::ServerCompletionQueue* cq = ctx->cq.get();
    for (int i = 0; i < 2; ++i) {
      RegisterKind::Post(&s->register_kind_, cq);
      DeregisterKind::Post(&s->deregister_kind_, cq);
      RouteKind::Post(&s->route_kind_, cq);
      VersionKind::Post(&s->version_kind_, cq);
      StatsKind::Post(&s->stats_kind_, cq);
      ResponsibilityKind::Post(&s->responsibility_kind_, cq);
    }
  }
  options.health.log = options.log;
  s->health_ = std::make_unique<HealthChecker>(s->registry_.get(), s->contexts_[0]->cq.get(),
                                               options.health);
  for (auto& ctx : s->contexts_) {
    CqContext* c = ctx.get();
    s->threads_.emplace_back([c] { ServeCompletionQueue(c->cq.get(), nullptr); });
  }
  s->health_->Start();
  *out = std::move(server);
  return Status::Ok();
}

void MediatorServer::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  // 1. Stop accepting; in-flight calls get until the deadline.
  BeginShutdown(server_.get(), &shared_, counters_.live_calls, grace);
  // 2. Every accepted line reaches a scribe (or fails), and its call finishes.
  forwarder_->Drain(grace + std::chrono::seconds(5));
  // 3. No more health rounds.
  health_->Stop();
  // 4. Fail what is left; close the scribe streams.
  forwarder_->Stop();
  // 5. Let the CQ threads finish and free every call; shut the queues down
  //    and drain them.
  FinishShutdown(counters_.live_calls, &contexts_, &threads_);
}

MediatorServer::~MediatorServer() {
  Shutdown(std::chrono::milliseconds(0));
  health_.reset();
  // The registry's listener points at the forwarder.
  if (registry_ != nullptr) registry_->SetListener(nullptr);
  forwarder_.reset();
  contexts_.clear();
}

}  // namespace logscribe
