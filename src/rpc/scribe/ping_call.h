// The Pinger.Ping handler: the mediator's health check. res = a*b wrapped to
// int32 (ping_product.h), as the original computed it in Go.
//
// Thread contract: lives on its CQ's thread.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/async_unary_call.h>

#include "call.h"
#include "cq_context.h"
#include "logscribe.grpc.pb.h"
#include "ping_monitor.h"

namespace logscribe {

// What every PingCall of one server shares; owned by the server.
struct PingService {
  logscribe::v1::Pinger::AsyncService service;
  // Told of every answered Ping (the Registrar reads it).
  PingMonitor monitor;
};

class PingCall final {
 public:
  static void Post(CqContext* ctx, PingService* pings);

 private:
  PingCall(CqContext* ctx, PingService* pings) : ctx_(ctx), pings_(pings) {}
  void OnRequest(bool ok);
  void OnFinish(bool ok);

  CqContext* const ctx_;
  PingService* const pings_;
  grpc::ServerContext server_ctx_;
  logscribe::v1::PingRequest request_;
  logscribe::v1::PingResponse response_;
  grpc::ServerAsyncResponseWriter<logscribe::v1::PingResponse> responder_{&server_ctx_};
  MemberTag<PingCall> request_tag_{this, &PingCall::OnRequest};
  MemberTag<PingCall> finish_tag_{this, &PingCall::OnFinish};
};

}  // namespace logscribe
