// LogReader.List: the logs under a path prefix. The listing runs on a reader
// thread; the answer goes back through the CQ's AckQueue.
//
// Thread contract: lives on its CQ's thread, except Run() (a reader thread).
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/async_unary_call.h>

#include "call.h"
#include "cq_context.h"
#include "read_service.h"

namespace logscribe {

class ListCall final : public ReadJob, public Deliverable {
 public:
  static void Post(CqContext* ctx, ReadService* reads);
  void Run() override;
  void Deliver() override;

 private:
  ListCall(CqContext* ctx, ReadService* reads) : ctx_(ctx), reads_(reads) {}
  void OnRequest(bool ok);
  void OnFinish(bool ok);

  CqContext* const ctx_;
  ReadService* const reads_;
  grpc::ServerContext server_ctx_;
  logscribe::v1::ListRequest request_;
  logscribe::v1::ListResponse response_;
  grpc::Status status_;
  std::string dir_;
  grpc::ServerAsyncResponseWriter<logscribe::v1::ListResponse> responder_{&server_ctx_};
  MemberTag<ListCall> request_tag_{this, &ListCall::OnRequest};
  MemberTag<ListCall> finish_tag_{this, &ListCall::OnFinish};
};

}  // namespace logscribe
