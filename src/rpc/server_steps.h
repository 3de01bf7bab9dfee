// The steps the scribe's and the mediator's servers share: the builder's
// settings, a build that bound nothing, and the waits of their shutdown
// sequences (each server writes its own sequence down; these are its parts).
//
// Thread contract: called by the thread that starts or stops the server.
#pragma once

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
#include "status.h"  // src/io/status.h

namespace logscribe {

// "bind:port", with an IPv6 bind in brackets.
std::string ListenAddress(const std::string& bind, int port);

// Connection limits every server sets (see ConfigureBuilder).
inline constexpr int kHandshakeTimeoutMs = 10 * 1000;
inline constexpr int kMaxConnectionIdleMs = 5 * 60 * 1000;

// No SO_REUSEPORT (a second server on a busy port must fail, not share its
// connections), the largest request message, and the connection limits above.
void ConfigureBuilder(grpc::ServerBuilder* builder, int max_message_bytes);

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
