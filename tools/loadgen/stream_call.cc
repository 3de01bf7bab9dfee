#include "stream_call.h"

#include "connection.h"
#include "connection_stats.h"

namespace logscribe::loadgen {

void StreamCall::Start(logscribe::v1::LogScribe::Stub* stub, grpc::CompletionQueue* cq) {
  stream_ = stub->PrepareAsyncLogStream(&context_, cq);
  start_pending_ = true;
  stream_->StartCall(&start_tag_);
}

void StreamCall::Send(const OutstandingBatch& batch) {
  queued_.push_back(batch);
  MaybeWrite();
}

void StreamCall::CloseSend() {
  if (half_close_wanted_) return;
  half_close_wanted_ = true;
  MaybeWrite();
}

void StreamCall::StartDone(bool ok) {
  start_pending_ = false;
  if (!ok) {
    broken_ = true;
    read_ended_ = true;  // no read was ever posted
    MaybeFinish();
    return;
  }
  started_ = true;
  stream_->Read(&in_, &read_tag_);
  MaybeWrite();
}

void StreamCall::MaybeWrite() {
  if (!started_ || broken_ || read_ended_ || write_busy_ || half_closed_) return;
  if (!queued_.empty()) {
    OutstandingBatch batch = queued_.front();
    queued_.pop_front();
    builder_.Fill(&batch, &out_);
    unacked_.emplace(batch.seq, batch);
    write_busy_ = true;
    stream_->Write(out_, &write_tag_);  // serializes out_ now; it may be refilled after
  } else if (half_close_wanted_) {
    half_closed_ = true;
    write_busy_ = true;
    stream_->WritesDone(&write_tag_);
  }
}

void StreamCall::WriteDone(bool ok) {
  write_busy_ = false;
  if (!ok) broken_ = true;  // the call is over; the posted read fails too
  MaybeWrite();
  MaybeFinish();  // the read may have ended while this write was outstanding
}

void StreamCall::ReadDone(bool ok) {
  if (!ok) {
    read_ended_ = true;
    MaybeFinish();
    return;
  }
  auto it = unacked_.find(in_.seq());
  if (it == unacked_.end()) {
    connection_->CountError(kErrorUnexpectedResponse);  // an ack for no batch of ours
  } else {
    const OutstandingBatch batch = it->second;
    unacked_.erase(it);
    const int code = in_.code();
    connection_->Complete(batch, code == 0 ? kErrorOk
                                           : (code > 0 && code <= grpc::StatusCode::UNAUTHENTICATED
                                                  ? code
                                                  : static_cast<int>(grpc::StatusCode::UNKNOWN)));
  }
  stream_->Read(&in_, &read_tag_);
}

void StreamCall::MaybeFinish() {
  if (finishing_ || !read_ended_ || write_busy_ || start_pending_) return;
  finishing_ = true;
  stream_->Finish(&status_, &finish_tag_);
}

void StreamCall::FinishDone(bool /*ok: always true for Finish*/) {
  const int kind = status_.ok() ? kErrorStreamEnded : static_cast<int>(status_.error_code());
  for (const OutstandingBatch& batch : queued_) connection_->Complete(batch, kind);
  for (const auto& [seq, batch] : unacked_) connection_->Complete(batch, kind);
  queued_.clear();
  unacked_.clear();
  done_ = true;
}

}  // namespace logscribe::loadgen
