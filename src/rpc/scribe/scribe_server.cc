#include "scribe_server.h"

#include <grpc/grpc.h>
#include <grpcpp/server_builder.h>


namespace logscribe {

Status ScribeServer::Start(const ServeOptions& options, Sink* sink,
                           std::unique_ptr<ScribeServer>* out) {
  std::unique_ptr<ScribeServer> server(new ScribeServer());
  ServerShared& shared = server->shared_;
  shared.sink = sink;
  shared.counters = &server->counters_;

  grpc::ServerBuilder builder;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs;
  const std::string address = PrepareBuilder(options, &builder, &server->port_, &cqs);
  RegisterLogScribe(&builder, &server->log_services_, &server->shared_);
  builder.RegisterService(&server->pings_.service);
  if (Status s = BuildAndStart(&builder, address, &server->port_, &cqs, &server->server_); !s.ok()) {
    return s;
  }
  StartLogScribe(server->server_.get(), options, &shared, &cqs, &server->contexts_);
  for (auto& ctx : server->contexts_) PingCall::Post(ctx.get(), &server->pings_);
  for (auto& ctx : server->contexts_) {
    CqContext* c = ctx.get();
    server->threads_.emplace_back([c] { ServeCompletionQueue(c->cq.get(), "ls-cq"); });
  }
  *out = std::move(server);
  return Status::Ok();
}

void ScribeServer::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  // 1. Stop accepting; in-flight calls get until the deadline (see StopAccepting).
  BeginShutdown(server_.get(), &shared_, counters_.live_calls, grace);
  // 2. Everything submitted reaches the disk (or fails) and is acknowledged.
  shared_.sink->Drain(grace + std::chrono::seconds(5));
  // 3. Let the CQ threads finish and free every call; shut the queues down
  //    and drain them.
  FinishShutdown(counters_.live_calls, &contexts_, &threads_);
}

ScribeServer::~ScribeServer() {
  Shutdown(std::chrono::milliseconds(0));
  contexts_.clear();
}

}  // namespace logscribe
