#include "log_call.h"

#include <string_view>

#include "grpc_status.h"

namespace logscribe {
namespace {

constexpr std::string_view kLogMethod = "/logscribe.v1.LogScribe/Log";
constexpr std::string_view kLogBatchMethod = "/logscribe.v1.LogScribe/LogBatch";

// LogResponse{res: "true"}, the seed's answer, serialised once.
constexpr char kOkResponse[] = {0x0a, 0x04, 't', 'r', 'u', 'e'};

std::optional<RpcMethod> MethodOf(const std::string& name) {
  if (name == kLogMethod) return RpcMethod::kLog;
  if (name == kLogBatchMethod) return RpcMethod::kLogBatch;
  return std::nullopt;
}

}  // namespace

UnaryLogCall::UnaryLogCall(CqContext* ctx) : ctx_(ctx) {
  server_ctx_.emplace();
  stream_.emplace(&*server_ctx_);
}

UnaryLogCall::~UnaryLogCall() {
  if (counted_live_) ctx_->shared->counters->live_calls.fetch_sub(1, std::memory_order_relaxed);
}

void UnaryLogCall::Post(CqContext* ctx) {
  UnaryLogCall* call = CallPool<UnaryLogCall>::Get(ctx);
  ctx->shared->generic->RequestCall(&*call->server_ctx_, &*call->stream_, ctx->cq.get(), ctx->cq.get(),
                                    &call->request_tag_);
}

void UnaryLogCall::Reset() {
  if (counted_live_) ctx_->shared->counters->live_calls.fetch_sub(1, std::memory_order_relaxed);
  counted_live_ = false;
  stream_.reset();
  server_ctx_.reset();
  server_ctx_.emplace();
  stream_.emplace(&*server_ctx_);
  in_.Clear();
  out_.Clear();
  method_.reset();
  read_timed_out_ = false;
  result_ = Status::Ok();
  peer_ = Rights::Peer();
}

void UnaryLogCall::OnRequest(bool ok) {
  if (!ok) {  // the server is shutting down: this slot never got a call
    delete this;
    return;
  }
  if (!ctx_->shared->shutting_down.load(std::memory_order_relaxed)) Post(ctx_);
  started_ = std::chrono::steady_clock::now();
  method_ = MethodOf(server_ctx_->method());
  if (!method_) {  // what gRPC answers for a method no service has
    stream_->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown method " + server_ctx_->method()),
                    &finish_tag_);
    return;
  }
  counted_live_ = true;
  RpcCounters* counters = ctx_->shared->counters;
  counters->live_calls.fetch_add(1, std::memory_order_relaxed);
  counters->CountStart(*method_);
  CancelStalledReads(ctx_, started_);
  // The right before anything else: a refused caller's request is not read.
  if (const Rights* rights = ctx_->shared->rights; rights != nullptr && rights->write_checked()) {
    peer_ = rights->Identify(*server_ctx_);
    if (Status s = rights->Check(peer_, Right::kWrite); !s.ok()) {
      Finish(s);
      return;
    }
  }
  // Admission before the read: a request the sink would refuse is not taken
  // off the connection at all.
  if (Status s = ctx_->shared->sink->Admit(&reserved_); !s.ok()) {
    Finish(s);
    return;
  }
  LinkReading();
  stream_->Read(&in_, &read_tag_);
}

void UnaryLogCall::LinkReading() {
  ReadingCalls& list = ctx_->reading;
  read_prev_ = list.newest;
  read_next_ = nullptr;
  if (list.newest != nullptr) {
    list.newest->read_next_ = this;
  } else {
    list.oldest = this;
  }
  list.newest = this;
  linked_ = true;
}

void UnaryLogCall::UnlinkReading() {
  if (!linked_) return;
  ReadingCalls& list = ctx_->reading;
  (read_prev_ != nullptr ? read_prev_->read_next_ : list.oldest) = read_next_;
  (read_next_ != nullptr ? read_next_->read_prev_ : list.newest) = read_prev_;
  read_prev_ = read_next_ = nullptr;
  linked_ = false;
}

void UnaryLogCall::CancelStalledReads(CqContext* ctx, std::chrono::steady_clock::time_point now) {
  const auto limit = ctx->shared->limits.request_read_timeout;
  while (ctx->reading.oldest != nullptr && now - ctx->reading.oldest->started_ > limit) {
    UnaryLogCall* stalled = ctx->reading.oldest;
    stalled->UnlinkReading();
    stalled->read_timed_out_ = true;
    // Its Read completes with ok == false: OnRead releases the room.
    stalled->server_ctx_->TryCancel();
  }
}

void UnaryLogCall::OnRead(bool ok) {
  UnlinkReading();
  ctx_->shared->sink->Release(reserved_);  // the request is no longer being read
  reserved_ = 0;
  if (!ok) {
    // No request: the client cancelled, half-closed without a message, or
    // sent one over -max-message-bytes (gRPC has then answered it already),
    // or we cancelled a read that took too long. The client sees CANCELLED
    // then; the status here is for the metrics.
    Finish(read_timed_out_ ? Status(StatusCode::kDeadlineExceeded,
                                    "the request did not arrive within -request-read-timeout")
                           : Status::InvalidArgument("no request message"));
    return;
  }
  if (Status s = Submit(); !s.ok()) Finish(s);
  // Otherwise the sink calls OnComplete() once the lines are handled.
}

Status UnaryLogCall::Submit() {
  // The request's bytes (inflated within bounds when compressed), read
  // straight into the builder.
  std::string_view bytes;
  Status s = ctx_->inflater.Bytes(&in_, &bytes);
  if (!s.ok()) {
    in_.Clear();
    return s;
  }
  BatchBuilder* builder = &ctx_->builder;
  builder->Clear();
  if (*method_ == RpcMethod::kLog) {
    s = ParseLogRequestWire(bytes, builder);
  } else {
    uint64_t seq = 0;
    ParseLogBatchWire(bytes, builder, &ctx_->wire_entries, &seq, &s,
                      ctx_->shared->limits.max_batch_entries);
  }
  ctx_->inflater.Done();
  in_.Clear();
  if (s.ok()) s = ctx_->CheckWriteScope(peer_);  // the whole request or nothing
  if (!s.ok()) {
    builder->Clear();
    return s;
  }
  return ctx_->SubmitBuilt(this);
}

void UnaryLogCall::OnComplete(Status status) {
  result_ = std::move(status);
  ctx_->acks.Push(this);
}

void UnaryLogCall::Deliver() { Finish(result_); }

void UnaryLogCall::Finish(const Status& status) {
  ctx_->shared->counters->CountAnswer(*method_, static_cast<int>(status.code()), started_);
  if (!status.ok()) {
    ctx_->shared->counters->calls_failed.fetch_add(1, std::memory_order_relaxed);
    stream_->Finish(ToGrpcStatus(status), &finish_tag_);
    return;
  }
  grpc::Slice response(kOkResponse, sizeof(kOkResponse), grpc::Slice::STATIC_SLICE);
  out_ = grpc::ByteBuffer(&response, 1);
  stream_->WriteAndFinish(out_, grpc::WriteOptions(), grpc::Status::OK, &finish_tag_);
}

void UnaryLogCall::OnFinish(bool /*ok*/) {
  // ok == false: the client is gone; nothing more to do either way. Once
  // shutting down, nothing is kept (the pool is emptied as the thread exits).
  Reset();
  if (ctx_->shared->shutting_down.load(std::memory_order_relaxed) || !CallPool<UnaryLogCall>::Put(this)) {
    delete this;
  }
}

}  // namespace logscribe
