#include "server_steps.h"

#include <pthread.h>

#include <grpc/grpc.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <thread>

#include "call.h"
#include "log_call.h"
#include "log_stream_call.h"

namespace logscribe {

std::string ListenAddress(const std::string& bind, int port) {
  return bind.find(':') != std::string::npos ? "[" + bind + "]:" + std::to_string(port)
                                             : bind + ":" + std::to_string(port);
}

void ConfigureBuilder(grpc::ServerBuilder* builder, const ServeOptions& options) {
  builder->AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder->SetMaxReceiveMessageSize(static_cast<int>(options.limits.max_message_bytes));
  // gRPC 1.51 would inflate a compressed message whole before comparing its
  // size with the limit (a decompression bomb: 400 KB of gzip held 400 MiB).
  // Off, it hands messages over still compressed: the LogScribe handlers
  // inflate them within bounds (MessageInflater); every other method of the
  // port (Pinger, Register, Mediator, health, reflection) never inflates
  // one, so a compressed request to them fails to parse, at its wire size.
  builder->AddChannelArgument(GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, options.limits.bdp_probe ? 1 : 0);
  // A connection that has not finished its HTTP/2 (or TLS) handshake within
  // 10 s is closed (gRPC's default is 120 s): silent or half-spoken sockets
  // would otherwise hold descriptors the log files need. A connection with
  // no call for 5 minutes gets a GOAWAY; clients reconnect on their next call.
  builder->AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, kHandshakeTimeoutMs);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, kMaxConnectionIdleMs);
}

void RegisterLogScribe(grpc::ServerBuilder* builder, LogScribeServices* services, ServerShared* shared) {
  builder->RegisterService(&services->log);
  builder->RegisterAsyncGenericService(&services->generic);
  shared->log_service = &services->log;
  shared->generic = &services->generic;
}

std::string PrepareBuilder(const ServeOptions& options, grpc::ServerBuilder* builder, int* bound_port,
                           std::vector<std::unique_ptr<grpc::ServerCompletionQueue>>* cqs) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  ConfigureBuilder(builder, options);
  const std::string address = ListenAddress(options.bind, options.port);
  builder->AddListeningPort(address,
                            options.credentials ? options.credentials : grpc::InsecureServerCredentials(),
                            bound_port);
  const int n = std::max(1, options.limits.cq_threads);
  for (int i = 0; i < n; ++i) cqs->push_back(builder->AddCompletionQueue());
  return address;
}

void StartLogScribe(grpc::Server* server, const ServeOptions& options, ServerShared* shared,
                    std::vector<std::unique_ptr<grpc::ServerCompletionQueue>>* cqs,
                    std::vector<std::unique_ptr<CqContext>>* contexts) {
  if (auto* health = server->GetHealthCheckService()) health->SetServingStatus(true);
  shared->limits = options.limits;
  shared->rights = options.rights.get();
  shared->format.max_line_bytes = options.limits.max_line_bytes;
  shared->format.escape_newlines = options.escape_newlines;
  for (auto& cq : *cqs) contexts->push_back(std::make_unique<CqContext>(shared, std::move(cq)));
  cqs->clear();
  for (auto& ctx : *contexts) {
    for (int i = 0; i < options.posted_per_kind; ++i) {
      // Two per kind: Log and LogBatch share the generic call.
      UnaryLogCall::Post(ctx.get());
      UnaryLogCall::Post(ctx.get());
      LogStreamCall::Post(ctx.get());
    }
  }
}

Status BuildAndStart(grpc::ServerBuilder* builder, const std::string& address, const int* bound_port,
                     std::vector<std::unique_ptr<grpc::ServerCompletionQueue>>* cqs,
                     std::unique_ptr<grpc::Server>* server) {
  *server = builder->BuildAndStart();
  if (*server != nullptr && *bound_port != 0) return Status::Ok();
  for (auto& cq : *cqs) {
    cq->Shutdown();
    void* tag;
    bool ok;
    while (cq->Next(&tag, &ok)) {
    }
  }
  return Status::Unavailable("cannot listen on " + address +
                             ": the port is in use or the address is not local");
}

void StopAccepting(grpc::Server* server, const std::atomic<int64_t>& live_calls,
                   std::chrono::milliseconds grace) {
  std::thread stopper([server, grace] { server->Shutdown(std::chrono::system_clock::now() + grace); });
  WaitForNoCalls(live_calls, grace);
  grpc_server_cancel_all_calls(server->c_server());
  stopper.join();
}

bool WaitForNoCalls(const std::atomic<int64_t>& live_calls, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (live_calls.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void ServeCompletionQueue(grpc::CompletionQueue* cq, const char* thread_name) {
  if (thread_name != nullptr) pthread_setname_np(pthread_self(), thread_name);
  void* tag;
  bool ok;
  while (cq->Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);
}

void BeginShutdown(grpc::Server* server, ServerShared* shared, const std::atomic<int64_t>& live_calls,
                   std::chrono::milliseconds grace) {
  shared->shutting_down.store(true);
  if (auto* health = server->GetHealthCheckService()) health->SetServingStatus(false);
  StopAccepting(server, live_calls, grace);
}

void FinishShutdown(const std::atomic<int64_t>& live_calls,
                    std::vector<std::unique_ptr<CqContext>>* contexts, std::vector<std::thread>* threads) {
  WaitForNoCalls(live_calls, std::chrono::seconds(2));
  for (auto& ctx : *contexts) ctx->cq->Shutdown();
  for (auto& t : *threads) t.join();
  threads->clear();
}

}  // namespace logscribe
