// The unary handlers: LogScribe.Log (the seed's call) and LogScribe.LogBatch.
//
// Thread contract: each call lives on its CQ's thread, except OnComplete(),
// which a writer thread calls; it only hands the call to the AckQueue.
//
// Life of a call: Post() asks gRPC for the next request → OnRequest():
// validate every entry (a request is accepted or rejected as a whole) and
// submit to the sink → the sink completes on a writer thread → Deliver() on
// the CQ thread → Finish → OnFinish() frees the call.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/async_unary_call.h>

#include "call.h"
#include "completion.h"
#include "cq_context.h"
#include "logscribe.pb.h"

namespace logscribe {

class UnaryLogCall : public Completion, public Deliverable {
 public:
  ~UnaryLogCall() override;

 protected:
  explicit UnaryLogCall(CqContext* ctx);

  // Adds the request's entries to the builder; an error names the entry.
  virtual Status Fill(BatchBuilder* builder) = 0;
  // Asks gRPC for one more request of this kind on this CQ.
  virtual void PostNext() = 0;

  void OnRequest(bool ok);
  void OnFinish(bool ok);
  void OnComplete(Status status) override;
  void Deliver() override;
  void Finish(const Status& status);

  CqContext* const ctx_;
  grpc::ServerContext server_ctx_;
  logscribe::v1::LogResponse response_;
  grpc::ServerAsyncResponseWriter<logscribe::v1::LogResponse> responder_{&server_ctx_};
  MemberTag<UnaryLogCall> request_tag_{this, &UnaryLogCall::OnRequest};
  MemberTag<UnaryLogCall> finish_tag_{this, &UnaryLogCall::OnFinish};
  Status result_;
  bool counted_live_ = false;
};

class LogCall final : public UnaryLogCall {
 public:
  static void Post(CqContext* ctx);

 private:
  explicit LogCall(CqContext* ctx) : UnaryLogCall(ctx) {}
  Status Fill(BatchBuilder* builder) override;
  void PostNext() override { Post(ctx_); }

  logscribe::v1::LogRequest request_;
};

class LogBatchCall final : public UnaryLogCall {
 public:
  static void Post(CqContext* ctx);

 private:
  explicit LogBatchCall(CqContext* ctx) : UnaryLogCall(ctx) {}
  Status Fill(BatchBuilder* builder) override;
  void PostNext() override { Post(ctx_); }

  logscribe::v1::LogBatch request_;
};

// Fills `builder` from a batch's entries; the error names the entry. Shared by
// LogBatch and LogStream.
Status FillFromBatch(const logscribe::v1::LogBatch& batch, BatchBuilder* builder);

}  // namespace logscribe
