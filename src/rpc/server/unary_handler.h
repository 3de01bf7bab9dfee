// UnaryHandler: a unary RPC answered at once on its CQ's thread, from a
// function: the mediator's Register and admin calls, each refused
// PERMISSION_DENIED unless the caller holds the call's right. One object per call, as
// every handler here; a Kind describes one RPC and outlives its calls.
//
// Thread contract: a call lives on its CQ's thread. Kind is constant after
// construction; `handle` may run on several CQ threads at once, so it must be
// thread-safe.
#pragma once

#include <grpcpp/completion_queue.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/async_unary_call.h>

#include <atomic>
#include <cstdint>
#include <functional>

#include "call.h"
#include "rights.h"

namespace logscribe {

template <typename Service, typename Request, typename Response>
class UnaryHandler final {
 public:
  using RequestMethod = void (Service::*)(grpc::ServerContext*, Request*,
                                          grpc::ServerAsyncResponseWriter<Response>*,
                                          grpc::CompletionQueue*, grpc::ServerCompletionQueue*, void*);
  struct Kind {
    Service* service;
    RequestMethod request;
    // Runs only once the caller holds `right`; gets the call's context for
    // who is calling (Register keeps the identity).
    std::function<grpc::Status(const grpc::ServerContext&, const Request&, Response*)> handle;
    const std::atomic<bool>* shutting_down;
    // kRpcCodes counters, one per gRPC code, bumped once per answer; or null.
    std::atomic<uint64_t>* answers = nullptr;
    // The right the call needs (rights.h); null rights: none checked.
    const Rights* rights = nullptr;
    Right right = Right::kAdmin;
  };

  // Asks gRPC for the next call of this kind on `cq`.
  static void Post(const Kind* kind, grpc::ServerCompletionQueue* cq) {
    auto* call = new UnaryHandler(kind, cq);
    (kind->service->*kind->request)(&call->server_ctx_, &call->request_, &call->responder_, cq, cq,
                                    &call->request_tag_);
  }

 private:
  UnaryHandler(const Kind* kind, grpc::ServerCompletionQueue* cq) : kind_(kind), cq_(cq) {}

  void OnRequest(bool ok) {
    if (!ok) {  // shutting down: this slot never got a call
      delete this;
      return;
    }
    if (!kind_->shutting_down->load(std::memory_order_relaxed)) Post(kind_, cq_);
    grpc::Status status =
        kind_->rights != nullptr ? kind_->rights->Check(server_ctx_, kind_->right) : grpc::Status::OK;
    if (status.ok()) status = kind_->handle(server_ctx_, request_, &response_);
    if (kind_->answers != nullptr) {
      const int code = static_cast<int>(status.error_code());
      kind_->answers[StatusCodeIndex(code)].fetch_add(1, std::memory_order_relaxed);
    }
    responder_.Finish(response_, status, &finish_tag_);
  }

  void OnFinish(bool /*ok*/) { delete this; }  // ok == false: the client left

  const Kind* const kind_;
  grpc::ServerCompletionQueue* const cq_;
  grpc::ServerContext server_ctx_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> responder_{&server_ctx_};
  MemberTag<UnaryHandler> request_tag_{this, &UnaryHandler::OnRequest};
  MemberTag<UnaryHandler> finish_tag_{this, &UnaryHandler::OnFinish};
};

}  // namespace logscribe
