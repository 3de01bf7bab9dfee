// The Pinger.Ping handler: the mediator's health check. res = a*b wrapped to
// int32, as the original computed it in Go.
//
// Thread contract: lives on its CQ's thread.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/async_unary_call.h>

#include <cstdint>

#include "call.h"
#include "cq_context.h"
#include "logscribe.pb.h"

namespace logscribe {

// a*b in 64 bits, wrapped to int32 (two's complement, defined since C++20).
inline int32_t WrappingProduct(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<int64_t>(a) * b));
}

class PingCall final {
 public:
  static void Post(CqContext* ctx);

 private:
  explicit PingCall(CqContext* ctx) : ctx_(ctx) {}
  void OnRequest(bool ok);
  void OnFinish(bool ok);

  CqContext* const ctx_;
  grpc::ServerContext server_ctx_;
  logscribe::v1::PingRequest request_;
  logscribe::v1::PingResponse response_;
  grpc::ServerAsyncResponseWriter<logscribe::v1::PingResponse> responder_{&server_ctx_};
  MemberTag<PingCall> request_tag_{this, &PingCall::OnRequest};
  MemberTag<PingCall> finish_tag_{this, &PingCall::OnFinish};
};

}  // namespace logscribe
