// The LogScribe.LogStream handler: many batches in flight on one stream, one
// LogAck per batch.
//
// Thread contract: the call lives on its CQ's thread; BatchDone objects are
// completed by writer threads and delivered back through the AckQueue.
//
// Life of a stream:
//  - Read → OnRead(): validate the batch, submit it with its own BatchDone,
//    and read the next one right away, until limits.stream_inflight batches
//    wait for their acks, written or still queued for a client slow to read
//    them (then reading pauses: flow control).
//  - BatchDone delivered → OnBatchDone(): queue LogAck{seq, code, message};
//    at most one Write is outstanding, the rest wait in acks_.
//  - The client half-closes (Read fails) → once every batch is acked and
//    written, Finish(OK).
//  - The call is freed once no gRPC operation and no batch is outstanding,
//    even if the client vanished mid-way: writers may still hold its batches.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/async_stream.h>

#include <chrono>
#include <deque>

#include "call.h"
#include "completion.h"
#include "cq_context.h"
#include "logscribe.pb.h"

namespace logscribe {

class LogStreamCall final {
 public:
  static void Post(CqContext* ctx);
  ~LogStreamCall();

 private:
  class BatchDone final : public Completion, public Deliverable {
   public:
    BatchDone(LogStreamCall* call, uint64_t seq, std::chrono::steady_clock::time_point started)
        : call_(call), seq_(seq), started_(started) {}
    void OnComplete(Status status) override {
      status_ = std::move(status);
      call_->ctx_->acks.Push(this);
    }
    void Deliver() override;

   private:
    LogStreamCall* const call_;
    const uint64_t seq_;
    const std::chrono::steady_clock::time_point started_;  // when the batch was read
    Status status_;
  };

  explicit LogStreamCall(CqContext* ctx) : ctx_(ctx) {}

  void OnRequest(bool ok);
  void OnRead(bool ok);
  void OnWrite(bool ok);
  void OnFinish(bool ok);
  void StartRead();
  void OnBatchDone(uint64_t seq, const Status& status, std::chrono::steady_clock::time_point started);
  void QueueAck(uint64_t seq, const Status& status, std::chrono::steady_clock::time_point started);
  void MaybeWrite();
  void MaybeFinish();
  void MaybeFree();

  CqContext* const ctx_;
  grpc::ServerContext server_ctx_;
  // Raw bytes both ways (LogScribeService): batches are parsed in OnRead.
  grpc::ServerAsyncReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer> stream_{&server_ctx_};
  MemberTag<LogStreamCall> request_tag_{this, &LogStreamCall::OnRequest};
  MemberTag<LogStreamCall> read_tag_{this, &LogStreamCall::OnRead};
  MemberTag<LogStreamCall> write_tag_{this, &LogStreamCall::OnWrite};
  MemberTag<LogStreamCall> finish_tag_{this, &LogStreamCall::OnFinish};

  grpc::ByteBuffer in_;              // the batch being read, as received
  logscribe::v1::LogAck ack_out_;    // the ack being written
  grpc::ByteBuffer out_;             // ... serialised
  grpc::Status end_ = grpc::Status::OK;  // what Finish reports
  Rights::Peer peer_;  // who called, when the server checks writes (rights.h)
  std::deque<logscribe::v1::LogAck> acks_;  // acks waiting for the write slot
  int inflight_ = 0;                 // batches submitted, not yet acked
  bool reading_ = false;             // a Read is outstanding
  bool read_done_ = false;           // the client half-closed, or the stream broke
  bool writing_ = false;             // a Write is outstanding
  bool broken_ = false;              // a Write failed: the client is gone
  bool finishing_ = false;           // Finish was started
  bool finished_ = false;            // Finish completed
  bool counted_live_ = false;
};

}  // namespace logscribe
