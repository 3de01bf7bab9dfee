// The unary handlers: LogScribe.Log (the seed's call) and LogScribe.LogBatch.
//
// Thread contract: each call lives on its CQ's thread, except OnComplete(),
// which a writer thread calls; it only hands the call to the AckQueue.
//
// Life of a call: Post() asks gRPC for the next request → OnRequest():
// validate every entry (a request is accepted or rejected as a whole) and
// submit to the sink → the sink completes on a writer thread → Deliver() on
// the CQ thread → Finish → OnFinish() recycles the call: its request message
// keeps its parsed entries' memory, so the next LogBatch of 256 lines parses
// without allocating. Recycled calls wait in a CallPool of their CQ thread.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/async_unary_call.h>

#include <chrono>
#include <optional>
#include <vector>

#include "call.h"
#include "completion.h"
#include "cq_context.h"
#include "logscribe.pb.h"

namespace logscribe {

// Finished calls of kind T kept by the CQ thread that finished them, for the
// next request of that CQ. Thread contract: one pool per thread
// (thread_local); its calls are deleted when the thread exits.
template <typename T>
class CallPool {
 public:
  static constexpr size_t kMaxPooled = 256;

  // A recycled call of `ctx`, or a new one.
  static T* Get(CqContext* ctx) {
    std::vector<T*>& pool = Calls();
    while (!pool.empty()) {
      T* call = pool.back();
      pool.pop_back();
      if (call->ctx_ == ctx) return call;
      delete call;  // another CQ's (not expected: one CQ per thread)
    }
    return new T(ctx);
  }
  // Keeps `call` for reuse; false when the pool is full (the caller deletes).
  static bool Put(T* call) {
    std::vector<T*>& pool = Calls();
    if (pool.size() >= kMaxPooled) return false;
    pool.push_back(call);
    return true;
  }

 private:
  struct Owned {
    std::vector<T*> calls;
    ~Owned() {
      for (T* c : calls) delete c;
    }
  };
  static std::vector<T*>& Calls() {
    thread_local Owned owned;
    return owned.calls;
  }
};

class UnaryLogCall : public Completion, public Deliverable {
 public:
  ~UnaryLogCall() override;

 protected:
  // A recycled call keeps its request's memory up to this much.
  static constexpr size_t kMaxKeptRequestBytes = 256 << 10;
  // Clear() keeps every parsed string's capacity, which is what makes the
  // next 256-line batch parse without allocating; a big request's is let go,
  // or up to kMaxPooled calls per thread would each keep megabytes (peak RSS
  // 470 MiB against 320 in the slow-disk test with 1 MiB batches).
  template <typename Message>
  static void ClearKeepingSmall(Message* request) {
    if (request->SpaceUsedLong() > kMaxKeptRequestBytes) {
      Message().Swap(request);
    } else {
      request->Clear();
    }
  }

  explicit UnaryLogCall(CqContext* ctx);

  // Makes a finished call ready for a new request: fresh ServerContext and
  // responder (gRPC does not reuse them), cleared messages. ClearRequest()
  // keeps the request's allocated entries.
  void Reset();
  virtual void ClearRequest() = 0;
  // Puts the call back in its pool; false when it must be deleted instead.
  virtual bool Recycle() = 0;

  // Adds the request's entries to the builder; an error names the entry.
  virtual Status Fill(BatchBuilder* builder) = 0;
  // Asks gRPC for one more request of this kind on this CQ.
  virtual void PostNext() = 0;
  virtual RpcMethod method() const = 0;

  void OnRequest(bool ok);
  void OnFinish(bool ok);
  void OnComplete(Status status) override;
  void Deliver() override;
  void Finish(const Status& status);

  CqContext* const ctx_;
  std::optional<grpc::ServerContext> server_ctx_;
  logscribe::v1::LogResponse response_;
  std::optional<grpc::ServerAsyncResponseWriter<logscribe::v1::LogResponse>> responder_;
  MemberTag<UnaryLogCall> request_tag_{this, &UnaryLogCall::OnRequest};
  MemberTag<UnaryLogCall> finish_tag_{this, &UnaryLogCall::OnFinish};
  Status result_;
  bool counted_live_ = false;
  std::chrono::steady_clock::time_point started_;  // when the request arrived
};

class LogCall final : public UnaryLogCall {
 public:
  static void Post(CqContext* ctx);

 private:
  friend class CallPool<LogCall>;
  explicit LogCall(CqContext* ctx) : UnaryLogCall(ctx) {}
  Status Fill(BatchBuilder* builder) override;
  void PostNext() override { Post(ctx_); }
  RpcMethod method() const override { return RpcMethod::kLog; }
  void ClearRequest() override { ClearKeepingSmall(&request_); }
  bool Recycle() override { return CallPool<LogCall>::Put(this); }

  logscribe::v1::LogRequest request_;
};

class LogBatchCall final : public UnaryLogCall {
 public:
  static void Post(CqContext* ctx);

 private:
  friend class CallPool<LogBatchCall>;
  explicit LogBatchCall(CqContext* ctx) : UnaryLogCall(ctx) {}
  Status Fill(BatchBuilder* builder) override;
  void PostNext() override { Post(ctx_); }
  RpcMethod method() const override { return RpcMethod::kLogBatch; }
  void ClearRequest() override { ClearKeepingSmall(&request_); }
  bool Recycle() override { return CallPool<LogBatchCall>::Put(this); }

  logscribe::v1::LogBatch request_;
};

// Fills `builder` from a batch's entries; the error names the entry. Shared by
// LogBatch and LogStream.
Status FillFromBatch(const logscribe::v1::LogBatch& batch, BatchBuilder* builder);

}  // namespace logscribe
