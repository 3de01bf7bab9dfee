#include "unary_call.h"

#include "connection.h"
#include "connection_stats.h"

namespace logscribe::loadgen {

void UnaryCall::Start(OutstandingBatch batch, logscribe::v1::LogScribe::Stub* stub,
                      grpc::CompletionQueue* cq, const RequestBuilder& builder) {
  batch_ = batch;
  active_ = true;
  context_.emplace();
  response_.Clear();
  if (mode_ == LoadMode::kUnary) {
    builder.Fill(&batch_, &line_request_);
    reader_ = stub->PrepareAsyncLog(&*context_, line_request_, cq);
  } else {
    builder.Fill(&batch_, &batch_request_);
    reader_ = stub->PrepareAsyncLogBatch(&*context_, batch_request_, cq);
  }
  reader_->StartCall();
  reader_->Finish(&response_, &status_, this);
}

void UnaryCall::Cancel() {
  if (active_) context_->TryCancel();
}

void UnaryCall::Proceed(bool ok) {
  active_ = false;
  int kind = kErrorOk;
  if (!ok) {
    kind = grpc::StatusCode::UNKNOWN;
  } else if (!status_.ok()) {
    kind = status_.error_code();
  } else if (response_.res() != "true") {
    kind = kErrorUnexpectedResponse;
  }
  connection_->Complete(batch_, kind);
  connection_->Recycle(this);
}

}  // namespace logscribe::loadgen
