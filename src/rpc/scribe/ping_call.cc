#include "ping_call.h"

#include "ping_product.h"  // src/common

namespace logscribe {

void PingCall::Post(CqContext* ctx, PingService* pings) {
  auto* call = new PingCall(ctx, pings);
  pings->service.RequestPing(&call->server_ctx_, &call->request_, &call->responder_, ctx->cq.get(),
                             ctx->cq.get(), &call->request_tag_);
}

void PingCall::OnRequest(bool ok) {
  if (!ok) {
    delete this;
    return;
  }
  if (!ctx_->shared->shutting_down.load(std::memory_order_relaxed)) Post(ctx_, pings_);
  pings_->monitor.Record();  // the registrar registers again when pings stop
  response_.set_res(WrappingProduct(request_.a(), request_.b()));
  responder_.Finish(response_, grpc::Status::OK, &finish_tag_);
}

void PingCall::OnFinish(bool /*ok*/) { delete this; }

}  // namespace logscribe
