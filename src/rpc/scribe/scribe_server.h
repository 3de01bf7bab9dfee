// ScribeServer: the gRPC side of a scribe: its services, completion queues
// and CQ threads, and the shutdown sequence.
//
// Thread contract: Start() and Shutdown() are called by main's thread; the
// rest runs on the CQ threads.
//
// Shutdown, in this order:
//  1. Stop accepting: server->Shutdown(deadline). Calls in flight go on until
//     the deadline, then gRPC cancels them. The CQ threads keep running.
//  2. Drain the sink: everything submitted is written (or failed) and its
//     completions are delivered to the CQ threads, which finish the calls.
//  3. Wait (at most 5 s) until no read is left (the deadline cancelled
//     followers; their jobs end within the reader threads' 1 s sweep) and stop
//     the reader threads; then wait until no call object is left (bounded).
//  4. Shut down each CQ, drain it until Next() returns false, join threads.
// The caller then stops the sink (closing files).
#pragma once

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "call.h"
#include "cq_context.h"
#include "ping_call.h"
#include "read_service.h"
#include "server_steps.h"
#include "sink.h"

namespace logscribe {

class ScribeServer {
 public:
  // Binds and starts serving. Fails with one sentence when the address cannot
  // be bound (for example, the port is in use: SO_REUSEPORT is off).
  // `reads` (may be null: no read service) outlives the server.
  static Status Start(const ServeOptions& options, Sink* sink,
                      std::unique_ptr<ScribeServer>* out, ReadService* reads = nullptr);
  ~ScribeServer();

  int port() const { return port_; }
  const RpcCounters& counters() const { return counters_; }
  // When the mediator last pinged this scribe (the Registrar watches it).
  const PingMonitor& pings() const { return pings_.monitor; }

  // The sequence above; returns within about 2 * grace + a few seconds.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  ScribeServer() = default;

  int port_ = 0;
  RpcCounters counters_;
  ServerShared shared_;
  LogScribeServices log_services_;
  PingService pings_;
  ReadService* reads_ = nullptr;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::unique_ptr<CqContext>> contexts_;
  std::vector<std::thread> threads_;
  bool shut_down_ = false;
};

}  // namespace logscribe
