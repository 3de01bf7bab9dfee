#include "log_stream_call.h"

#include "grpc_status.h"
#include "log_call.h"

namespace logscribe {

void LogStreamCall::Post(CqContext* ctx) {
  auto* call = new LogStreamCall(ctx);
  ctx->shared->log_service->RequestLogStream(&call->server_ctx_, &call->stream_, ctx->cq.get(),
                                             ctx->cq.get(), &call->request_tag_);
}

LogStreamCall::~LogStreamCall() {
  if (counted_live_) ctx_->shared->counters->live_calls.fetch_sub(1, std::memory_order_relaxed);
}

void LogStreamCall::OnRequest(bool ok) {
  if (!ok) {
    delete this;
    return;
  }
  if (!ctx_->shared->shutting_down.load(std::memory_order_relaxed)) Post(ctx_);
  counted_live_ = true;
  ctx_->shared->counters->live_calls.fetch_add(1, std::memory_order_relaxed);
  ctx_->shared->counters->CountStart(RpcMethod::kLogStream);
  if (const Rights* rights = ctx_->shared->rights; rights != nullptr && rights->write_checked()) {
    peer_ = rights->Identify(server_ctx_);
    if (Status s = rights->Check(peer_, Right::kWrite); !s.ok()) {
      // Nothing read, nothing written: the stream ends with the refusal.
      ctx_->shared->counters->calls_failed.fetch_add(1, std::memory_order_relaxed);
      end_ = ToGrpcStatus(s);
      read_done_ = true;
      MaybeFinish();
      return;
    }
  }
  StartRead();
}

void LogStreamCall::StartRead() {
  // Acks the client has not taken yet count too: a client that never reads
  // them would otherwise have acks_ grow without bound.
  const size_t waiting = static_cast<size_t>(inflight_) + acks_.size();
  if (reading_ || read_done_ || waiting >= static_cast<size_t>(ctx_->shared->limits.stream_inflight)) return;
  reading_ = true;
  stream_.Read(&in_, &read_tag_);
}

void LogStreamCall::OnRead(bool ok) {
  reading_ = false;
  if (!ok) {  // half-close, cancellation, or a message over the size limit
    read_done_ = true;
    MaybeFinish();
    MaybeFree();
    return;
  }
  // The batch's bytes (inflated within bounds when compressed), read
  // straight into the builder.
  const auto started = std::chrono::steady_clock::now();
  BatchBuilder* builder = &ctx_->builder;
  builder->Clear();
  uint64_t seq = 0;
  std::string_view bytes;
  Status s = ctx_->inflater.Bytes(&in_, &bytes);
  // A batch that does not inflate within bounds has no seq to ack it by.
  const WireParse parsed =
      s.ok() ? ParseLogBatchWire(bytes, builder, &ctx_->wire_entries, &seq, &s, 
                                     ctx_->shared->limits.max_batch_entries)
             : WireParse::kMalformed;
  ctx_->inflater.Done();
  in_.Clear();
  if (parsed == WireParse::kMalformed) {
    // Nothing after it can be trusted to be framed as the client meant: stop
    // reading; the earlier batches still get their acks, then the status.
    builder->Clear();
    ctx_->shared->counters->calls_failed.fetch_add(1, std::memory_order_relaxed);
    end_ = ToGrpcStatus(Status(s.code(), s.message() + "; it and every later batch on this stream were not written"));
    read_done_ = true;
    MaybeFinish();
    MaybeFree();
    return;
  }
  // A batch outside the writer's scope is refused whole and acked with the
  // refusal, like any other refused batch; the stream goes on.
  if (s.ok()) s = ctx_->CheckWriteScope(peer_);
  if (s.ok()) {
    auto* done = new BatchDone(this, seq, started);
    ++inflight_;
    s = ctx_->SubmitBuilt(done);
    if (!s.ok()) {
      --inflight_;
      delete done;
    }
  } else {
    builder->Clear();
  }
  if (!s.ok()) QueueAck(seq, s, started);
  StartRead();
}

void LogStreamCall::BatchDone::Deliver() {
  LogStreamCall* call = call_;
  const uint64_t seq = seq_;
  const auto started = started_;
  const Status status = std::move(status_);
  delete this;
  call->OnBatchDone(seq, status, started);
}

void LogStreamCall::OnBatchDone(uint64_t seq, const Status& status,
                                std::chrono::steady_clock::time_point started) {
  --inflight_;
  QueueAck(seq, status, started);
  StartRead();
  MaybeFinish();
  MaybeFree();
}

void LogStreamCall::QueueAck(uint64_t seq, const Status& status,
                             std::chrono::steady_clock::time_point started) {
  ctx_->shared->counters->CountAnswer(RpcMethod::kLogStream, static_cast<int>(status.code()), started);
  if (!status.ok()) ctx_->shared->counters->calls_failed.fetch_add(1, std::memory_order_relaxed);
  if (broken_ || finishing_) return;  // nobody left to tell
  logscribe::v1::LogAck& ack = acks_.emplace_back();
  ack.set_seq(seq);
  ack.set_code(static_cast<int32_t>(status.code()));
  if (!status.ok()) ack.set_message(status.message());
  MaybeWrite();
}

void LogStreamCall::MaybeWrite() {
  if (writing_ || broken_ || finishing_ || acks_.empty()) return;
  writing_ = true;
  ack_out_.Swap(&acks_.front());
  acks_.pop_front();
  bool own_buffer = false;
  out_.Clear();  // the serialiser wants an empty buffer; the last write is done with it
  if (!grpc::SerializationTraits<logscribe::v1::LogAck>::Serialize(ack_out_, &out_, &own_buffer).ok()) {
    writing_ = false;  // cannot happen for a LogAck; drop it rather than crash
    return;
  }
  stream_.Write(out_, &write_tag_);
}

void LogStreamCall::OnWrite(bool ok) {
  writing_ = false;
  if (!ok) {
    broken_ = true;
    acks_.clear();
  }
  MaybeWrite();
  StartRead();  // an ack went out: room for one more batch
  MaybeFinish();
  MaybeFree();
}

void LogStreamCall::MaybeFinish() {
  if (finishing_ || !read_done_ || reading_ || writing_ || inflight_ > 0 || !acks_.empty()) return;
  finishing_ = true;
  stream_.Finish(end_, &finish_tag_);
}

void LogStreamCall::OnFinish(bool /*ok*/) {
  finished_ = true;
  MaybeFree();
}

void LogStreamCall::MaybeFree() {
  if (finished_ && !reading_ && !writing_ && inflight_ == 0) delete this;
}

}  // namespace logscribe
