#include "scribe_server.h"

#include <grpc/grpc.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "log_call.h"
#include "log_stream_call.h"
#include "ping_call.h"
#include "server_steps.h"

namespace logscribe {

Status ScribeServer::Start(const ScribeServerOptions& options, Sink* sink,
                           std::unique_ptr<ScribeServer>* out) {
  std::unique_ptr<ScribeServer> server(new ScribeServer());
  ServerShared& shared = server->shared_;
  shared.log_service = &server->log_service_;
  shared.pinger = &server->pinger_;
  shared.sink = sink;
  shared.counters = &server->counters_;
  shared.format = options.format;
  shared.max_stream_inflight = options.max_stream_inflight;

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  ConfigureBuilder(&builder, options.max_message_bytes);
  const std::string address = ListenAddress(options.bind, options.port);
  auto creds = options.credentials ? options.credentials : grpc::InsecureServerCredentials();
  builder.AddListeningPort(address, creds, &server->port_);
  builder.RegisterService(&server->log_service_);
  builder.RegisterService(&server->pinger_);
  const int n = std::max(1, options.cq_threads);
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs;
  for (int i = 0; i < n; ++i) cqs.push_back(builder.AddCompletionQueue());
  if (Status s = BuildAndStart(&builder, address, &server->port_, &cqs, &server->server_); !s.ok()) {
    return s;
  }
  if (auto* health = server->server_->GetHealthCheckService()) {
    health->SetServingStatus(true);
  }
  for (auto& cq : cqs) {
    server->contexts_.push_back(std::make_unique<CqContext>(&server->shared_, std::move(cq)));
  }
  for (auto& ctx : server->contexts_) {
    for (int i = 0; i < options.posted_per_kind; ++i) {
      LogCall::Post(ctx.get());
      LogBatchCall::Post(ctx.get());
      LogStreamCall::Post(ctx.get());
    }
    PingCall::Post(ctx.get());
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
  // 3. Let the CQ threads finish and free every call; shut the queues down
  //    and drain them.
  FinishShutdown(counters_.live_calls, &contexts_, &threads_);
}

ScribeServer::~ScribeServer() {
  Shutdown(std::chrono::milliseconds(0));
  contexts_.clear();
}

}  // namespace logscribe
