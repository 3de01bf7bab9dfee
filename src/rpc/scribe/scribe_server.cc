#include "scribe_server.h"

#include <grpc/grpc.h>
#include <grpcpp/server_builder.h>

#include <thread>

#include "list_call.h"
#include "read_call.h"


namespace logscribe {

Status ScribeServer::Start(const ServeOptions& options, Sink* sink,
                           std::unique_ptr<ScribeServer>* out, ReadService* reads) {
  std::unique_ptr<ScribeServer> server(new ScribeServer());
  ServerShared& shared = server->shared_;
  shared.sink = sink;
  shared.counters = &server->counters_;

  grpc::ServerBuilder builder;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs;
  const std::string address = PrepareBuilder(options, &builder, &server->port_, &cqs);
  RegisterLogScribe(&builder, &server->log_services_, &server->shared_);
  builder.RegisterService(&server->pings_.service);
  server->reads_ = reads;
  if (reads != nullptr) builder.RegisterService(reads->service());
  if (Status s = BuildAndStart(&builder, address, &server->port_, &cqs, &server->server_); !s.ok()) {
    return s;
  }
  StartLogScribe(server->server_.get(), options, &shared, &cqs, &server->contexts_);
  for (auto& ctx : server->contexts_) PingCall::Post(ctx.get(), &server->pings_);
  if (reads != nullptr) {
    for (auto& ctx : server->contexts_) {
      for (int i = 0; i < 2; ++i) {
        ListCall::Post(ctx.get(), reads);
        ReadCall::Post(ctx.get(), reads);
      }
    }
  }
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
  // Reads (followers too) were cancelled by the deadline; their jobs end
  // within the reader threads' one-second sweep.
  if (reads_ != nullptr) {
    reads_->WakeParked();
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (reads_->counters().readers_live.load() > 0 && std::chrono::steady_clock::now() < limit) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    reads_->Stop();
  }
  // 3. Let the CQ threads finish and free every call; shut the queues down
  //    and drain them.
  FinishShutdown(counters_.live_calls, &contexts_, &threads_);
}

ScribeServer::~ScribeServer() {
  Shutdown(std::chrono::milliseconds(0));
  contexts_.clear();
}

}  // namespace logscribe
