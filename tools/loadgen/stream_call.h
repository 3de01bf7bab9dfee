// StreamCall: one LogScribe.LogStream with many batches in flight, each
// answered by a LogAck{seq, code}.
//
// Thread contract: its connection's thread only.
//
// gRPC allows one outstanding Write and one outstanding Read per stream, so
// batches wait in queued_ for the write slot and are built only when they
// get it. Completions:
//  - StartDone: the call is up; keep one Read posted and start writing.
//  - WriteDone: write the next queued batch, or half-close once asked to and
//    nothing is queued. A failed write means the call is over.
//  - ReadDone: an ack answers its batch; a failed read means the server has
//    ended the stream.
//  - FinishDone: every batch still queued or unacked fails with the stream's
//    status (STREAM_ENDED_BEFORE_ACK when that status is OK); done().
// Finish is posted only once reading has ended and no start or write is
// outstanding, so its completion is the stream's last: after done() the
// connection may destroy the call.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <unordered_map>

#include "logscribe.grpc.pb.h"
#include "request_builder.h"
#include "tag.h"

namespace logscribe::loadgen {

class Connection;

class StreamCall {
 public:
  StreamCall(Connection* connection, const RequestBuilder& builder)
      : connection_(connection), builder_(builder) {}

  void Start(logscribe::v1::LogScribe::Stub* stub, grpc::CompletionQueue* cq);
  // Whether Send() may be called: the stream is up and has not failed or
  // been closed. (Waiting for the start keeps a dead scribe from failing a
  // stream's worth of batches per attempt.)
  bool accepting() const { return started_ && !broken_ && !read_ended_ && !half_close_wanted_; }
  // REQUIRES: accepting().
  void Send(const OutstandingBatch& batch);
  // Half-closes once every queued batch is written. Idempotent.
  void CloseSend();
  void Cancel() { context_.TryCancel(); }
  bool done() const { return done_; }

 private:
  void StartDone(bool ok);
  void WriteDone(bool ok);
  void ReadDone(bool ok);
  void FinishDone(bool ok);
  void MaybeWrite();
  void MaybeFinish();

  Connection* const connection_;
  const RequestBuilder& builder_;

  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientAsyncReaderWriter<logscribe::v1::LogBatch, logscribe::v1::LogAck>> stream_;
  MethodTag<StreamCall> start_tag_{this, &StreamCall::StartDone};
  MethodTag<StreamCall> write_tag_{this, &StreamCall::WriteDone};  // Write and WritesDone
  MethodTag<StreamCall> read_tag_{this, &StreamCall::ReadDone};
  MethodTag<StreamCall> finish_tag_{this, &StreamCall::FinishDone};
  logscribe::v1::LogBatch out_;  // the batch being written
  logscribe::v1::LogAck in_;     // the ack being read
  grpc::Status status_;

  std::deque<OutstandingBatch> queued_;                       // issued, not yet written
  std::unordered_map<uint64_t, OutstandingBatch> unacked_;  // written, by seq

  bool start_pending_ = false;
  bool started_ = false;
  bool write_busy_ = false;
  bool broken_ = false;     // a start or write failed: no more writes
  bool read_ended_ = false;
  bool half_close_wanted_ = false;
  bool half_closed_ = false;
  bool finishing_ = false;
  bool done_ = false;
};

}  // namespace logscribe::loadgen
