#include "list_call.h"

#include "file_key.h"
#include "grpc_status.h"
#include "log_listing.h"

namespace logscribe {

void ListCall::Post(CqContext* ctx, ReadService* reads) {
  auto* call = new ListCall(ctx, reads);
  reads->service()->RequestList(&call->server_ctx_, &call->request_, &call->responder_, ctx->cq.get(),
                                ctx->cq.get(), &call->request_tag_);
}

void ListCall::OnRequest(bool ok) {
  if (!ok) {
    delete this;
    return;
  }
  if (!ctx_->shared->shutting_down.load(std::memory_order_relaxed)) Post(ctx_, reads_);
  reads_->counters().lists.fetch_add(1, std::memory_order_relaxed);
  Status s = CheckReadAllowed(server_ctx_, ctx_->shared->rights);
  std::string key;
  if (s.ok()) s = ValidateFileKey(request_.path_prefix(), "x", &key);
  if (!s.ok()) {
    responder_.FinishWithError(ToGrpcStatus(s), &finish_tag_);
    return;
  }
  dir_ = std::string(KeyDir(key));
  reads_->Submit(this);
}

void ListCall::Run() {
  std::vector<LogState> logs;
  bool truncated = false;
  Status s = ListLogs(*reads_->root(), dir_, request_.glob(), reads_->options().max_listed, &logs, &truncated);
  if (s.code() == StatusCode::kNotFound) s = Status::Ok();  // nothing there yet
  status_ = ToGrpcStatus(s);
  response_.set_truncated(truncated);
  for (const LogState& st : logs) {
    auto* info = response_.add_logs();
    info->set_path(std::string(KeyDir(st.key)));
    info->set_filename(std::string(KeyFilename(st.key)));
    info->set_live(st.live);
    info->set_live_bytes(st.live_bytes);
    info->mutable_live_span()->set_start_unix_nanos(st.live_start_ns);
    info->mutable_live_span()->set_end_unix_nanos(st.live_end_ns);
    for (const ReadablePiece& p : st.pieces) {
      auto* piece = info->add_pieces();
      piece->set_name(p.name);
      piece->set_seq(p.seq);
      piece->set_codec(p.codec == Codec::kNone ? "" : CodecName(p.codec));
      piece->set_bytes(p.bytes);
      piece->mutable_span()->set_start_unix_nanos(p.start_ns);
      piece->mutable_span()->set_end_unix_nanos(p.end_ns);
    }
  }
  ctx_->acks.Push(this);
}

void ListCall::Deliver() {
  if (status_.ok()) {
    responder_.Finish(response_, grpc::Status::OK, &finish_tag_);
  } else {
    responder_.FinishWithError(status_, &finish_tag_);
  }
}

void ListCall::OnFinish(bool /*ok*/) { delete this; }

}  // namespace logscribe
