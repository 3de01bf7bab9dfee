#include "log_call.h"

#include "grpc_status.h"

namespace logscribe {

UnaryLogCall::UnaryLogCall(CqContext* ctx) : ctx_(ctx) {
  server_ctx_.emplace();
  responder_.emplace(&*server_ctx_);
}

void UnaryLogCall::Reset() {
  if (counted_live_) ctx_->shared->counters->live_calls.fetch_sub(1, std::memory_order_relaxed);
  counted_live_ = false;
  responder_.reset();
  server_ctx_.reset();
  server_ctx_.emplace();
  responder_.emplace(&*server_ctx_);
  response_.Clear();
  result_ = Status::Ok();
  ClearRequest();
}

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
  counters->CountStart(method());
  started_ = std::chrono::steady_clock::now();

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
  counters->CountBatch(lines, bytes);
  // The sink calls OnComplete() once the lines are handled.
}

void UnaryLogCall::OnComplete(Status status) {
  result_ = std::move(status);
  ctx_->acks.Push(this);
}

void UnaryLogCall::Deliver() { Finish(result_); }

void UnaryLogCall::Finish(const Status& status) {
  ctx_->shared->counters->CountAnswer(method(), static_cast<int>(status.code()), started_);
  if (status.ok()) {
    response_.set_res("true");
  } else {
    ctx_->shared->counters->calls_failed.fetch_add(1, std::memory_order_relaxed);
  }
  responder_->Finish(response_, ToGrpcStatus(status), &finish_tag_);
}

void UnaryLogCall::OnFinish(bool /*ok*/) {
  // ok == false: the client is gone; nothing more to do either way. Once
  // shutting down, nothing is kept (the pool is emptied as the thread exits).
  Reset();
  if (ctx_->shared->shutting_down.load(std::memory_order_relaxed) || !Recycle()) delete this;
}

void LogCall::Post(CqContext* ctx) {
  LogCall* call = CallPool<LogCall>::Get(ctx);
  ctx->shared->log_service->RequestLog(&*call->server_ctx_, &call->request_, &*call->responder_,
                                       ctx->cq.get(), ctx->cq.get(), &call->request_tag_);
}

Status LogCall::Fill(BatchBuilder* builder) {
  return builder->Add(request_.path(), request_.filename(), request_.line());
}

void LogBatchCall::Post(CqContext* ctx) {
  LogBatchCall* call = CallPool<LogBatchCall>::Get(ctx);
  ctx->shared->log_service->RequestLogBatch(&*call->server_ctx_, &call->request_,
                                            &*call->responder_, ctx->cq.get(), ctx->cq.get(),
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
