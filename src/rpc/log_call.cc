#include "log_call.h"

#include "grpc_status.h"

namespace logscribe {

UnaryLogCall::UnaryLogCall(CqContext* ctx) : ctx_(ctx) {}

UnaryLogCall::~UnaryLogCall() {
  if (counted_live_) ctx_->shared->counters->live_calls.fetch_sub(1, std::memory_order_relaxed);
}

void UnaryLogCall::OnRequest(bool ok) {
  if (!ok) {  // the server is shutting down: this slot never got a call
    delete this;
    return;
  }
  if (!ctx_->shared->shutting_down.load(std::memory_order_relaxed)) PostNext();
  counted_live_ = true;
  RpcCounters* counters = ctx_->shared->counters;
  counters->live_calls.fetch_add(1, std::memory_order_relaxed);
  counters->calls_started.fetch_add(1, std::memory_order_relaxed);

  BatchBuilder* builder = &ctx_->builder;
  builder->Clear();
  if (Status s = Fill(builder); !s.ok()) {
    builder->Clear();
    Finish(s);
    return;
  }
  const uint64_t bytes = builder->bytes();
  const uint64_t lines = builder->lines();
  Status s = ctx_->shared->sink->Submit(builder->Take(), bytes, this);
  if (!s.ok()) {
    Finish(s);
    return;
  }
  counters->lines_received.fetch_add(lines, std::memory_order_relaxed);
  counters->bytes_received.fetch_add(bytes, std::memory_order_relaxed);
  // The sink calls OnComplete() once the lines are handled.
}

void UnaryLogCall::OnComplete(Status status) {
  result_ = std::move(status);
  ctx_->acks.Push(this);
}

void UnaryLogCall::Deliver() { Finish(result_); }

void UnaryLogCall::Finish(const Status& status) {
  if (status.ok()) {
    response_.set_res("true");
  } else {
    ctx_->shared->counters->calls_failed.fetch_add(1, std::memory_order_relaxed);
  }
  responder_.Finish(response_, ToGrpcStatus(status), &finish_tag_);
}

void UnaryLogCall::OnFinish(bool /*ok*/) {
  // ok == false: the client is gone; nothing more to do either way.
  delete this;
}

void LogCall::Post(CqContext* ctx) {
  auto* call = new LogCall(ctx);
  ctx->shared->log_service->RequestLog(&call->server_ctx_, &call->request_, &call->responder_,
                                       ctx->cq.get(), ctx->cq.get(), &call->request_tag_);
}

Status LogCall::Fill(BatchBuilder* builder) {
  return builder->Add(request_.path(), request_.filename(), request_.line());
}

void LogBatchCall::Post(CqContext* ctx) {
  auto* call = new LogBatchCall(ctx);
  ctx->shared->log_service->RequestLogBatch(&call->server_ctx_, &call->request_,
                                            &call->responder_, ctx->cq.get(), ctx->cq.get(),
                                            &call->request_tag_);
}

Status LogBatchCall::Fill(BatchBuilder* builder) { return FillFromBatch(request_, builder); }

Status FillFromBatch(const logscribe::v1::LogBatch& batch, BatchBuilder* builder) {
  const int n = batch.entries_size();
  for (int i = 0; i < n; ++i) {
    const logscribe::v1::LogRequest& e = batch.entries(i);
    if (Status s = builder->Route(e.path(), e.filename(), e.line().size()); !s.ok()) {
      return Status(s.code(), "entries[" + std::to_string(i) + "]: " + s.message());
    }
  }
  builder->Reserve();
  for (int i = 0; i < n; ++i) builder->AppendNext(batch.entries(i).line());
  return Status::Ok();
}

}  // namespace logscribe
