// The steps the scribe's and the mediator's servers share: the builder's
// settings, a build that bound nothing, and the waits of their shutdown
// sequences (each server writes its own sequence down; these are its parts).
//
// Thread contract: called by the thread that starts or stops the server.
#pragma once

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cq_context.h"
#include "rights.h"
#include "serve_limits.h"
#include "status.h"  // src/common/status.h

namespace logscribe {

// "bind:port", with an IPv6 bind in brackets.
std::string ListenAddress(const std::string& bind, int port);

// What the scribe's and the mediator's servers share: where they listen and
// how they serve the LogScribe calls. Each server's options extend it.
struct ServeOptions {
  // Address to listen on. Default: 0.0.0.0 (every interface), as the original.
  std::string bind = "0.0.0.0";
  // Port; 0 picks a free one (the server's port()). Default: set by each server.
  int port = 0;
  // Requests posted up front per RPC kind and CQ. Default: 16.
  int posted_per_kind = 16;
  // The shared limits, as the flags set them (serve_limits.h).
  ServeLimits limits;
  // Write embedded newlines as "\n" (the scribe's -escape-newlines; the
  // mediator leaves lines to the scribes). Default: false.
  bool escape_newlines = false;
  // Null means insecure. Default: null.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // What each identity may do (rights.h), checked by every handler; null:
  // everything is allowed (in-process test servers). Default: null.
  std::shared_ptr<const Rights> rights;
};

// The LogScribe service and the generic service its unary methods are served
// through (see LogScribeService).
struct LogScribeServices {
  LogScribeService log;
  grpc::AsyncGenericService generic;
};

// Registers both with `builder` and points `shared` at them.
void RegisterLogScribe(grpc::ServerBuilder* builder, LogScribeServices* services, ServerShared* shared);

// The listening half of both servers' start: health checking and reflection
// on, ConfigureBuilder, the listening port (gRPC writes the bound one into
// *bound_port at BuildAndStart) and one completion queue per CQ thread.
// Returns the address, for BuildAndStart's error.
std::string PrepareBuilder(const ServeOptions& options, grpc::ServerBuilder* builder, int* bound_port,
                           std::vector<std::unique_ptr<grpc::ServerCompletionQueue>>* cqs);

// After BuildAndStart: health SERVING, the line format and stream limit in
// `shared`, one CqContext per queue, and the LogScribe calls (Log, LogBatch,
// LogStream) posted on each. `shared`'s services and sink must be set.
void StartLogScribe(grpc::Server* server, const ServeOptions& options, ServerShared* shared,
                    std::vector<std::unique_ptr<grpc::ServerCompletionQueue>>* cqs,
                    std::vector<std::unique_ptr<CqContext>>* contexts);

// Connection limits every server sets (see ConfigureBuilder).
inline constexpr int kHandshakeTimeoutMs = 10 * 1000;
inline constexpr int kMaxConnectionIdleMs = 5 * 60 * 1000;

// No SO_REUSEPORT (a second server on a busy port must fail, not share its
// connections), the largest request message, BDP probing as asked, and the
// connection limits above.
void ConfigureBuilder(grpc::ServerBuilder* builder, const ServeOptions& options);

// builder->BuildAndStart(). When it bound nothing (`*bound_port` is still 0),
// shuts down and drains `cqs` and fails with one sentence naming `address`.
Status BuildAndStart(grpc::ServerBuilder* builder, const std::string& address, const int* bound_port,
                     std::vector<std::unique_ptr<grpc::ServerCompletionQueue>>* cqs,
                     std::unique_ptr<grpc::Server>* server);

// Stop accepting; calls in flight get until `grace`, then gRPC cancels them.
// Server::Shutdown() blocks until then unless every connection closes, and an
// idle client may not read the GOAWAY for seconds; so it runs on its own
// thread, and once no call is left the remaining ones are cancelled at once.
void StopAccepting(grpc::Server* server, const std::atomic<int64_t>& live_calls,
                   std::chrono::milliseconds grace);

// The loop of one CQ thread: every event's tag is a Tag (call.h), told
// Proceed(ok), until the queue is shut down and drained. Names the thread
// `thread_name` when given (for top, perf and gdb).
void ServeCompletionQueue(grpc::CompletionQueue* cq, const char* thread_name);

// Waits until `live_calls` is zero, at most `limit`; returns whether it is.
bool WaitForNoCalls(const std::atomic<int64_t>& live_calls, std::chrono::milliseconds limit);

// The first step of both shutdown sequences: handlers stop re-posting, health
// answers NOT_SERVING, and the server stops accepting (StopAccepting).
void BeginShutdown(grpc::Server* server, ServerShared* shared, const std::atomic<int64_t>& live_calls,
                   std::chrono::milliseconds grace);
// Their last steps: the CQ threads finish and free every call, then the
// queues are shut down and drained, and the threads joined.
void FinishShutdown(const std::atomic<int64_t>& live_calls,
                    std::vector<std::unique_ptr<CqContext>>* contexts, std::vector<std::thread>* threads);

}  // namespace logscribe
