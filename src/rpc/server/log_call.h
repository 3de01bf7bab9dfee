// The unary handlers: LogScribe.Log (the seed's call) and LogScribe.LogBatch.
//
// Both methods are served through gRPC's generic API (LogScribeService marks
// them generic) so that a request's bytes are read only once the sink has
// room for them. For a registered unary method gRPC reads the whole request
// before any handler sees the call, so a scribe behind a slow disk held every
// request its clients kept in flight: peak RSS grew ~2.5 x those bytes (see
// docs/RELIABILITY.md, slow disk). Here a call that arrives while the sink
// would refuse it is answered RESOURCE_EXHAUSTED unread; gRPC then holds at
// most the HTTP/2 stream window of its bytes.
//
// Thread contract: each call lives on its CQ's thread, except OnComplete(),
// which a writer thread calls; it only hands the call to the AckQueue.
//
// Life of a call: Post() asks gRPC for the next call → OnRequest(): which
// method, then admission (Sink::Admit reserves room) → Read → OnRead(): the
// reservation released, the wire bytes
// parsed straight into the CQ's builder (a request is accepted or rejected as
// a whole) and submitted → the sink completes on a writer thread → Deliver()
// on the CQ thread → WriteAndFinish, or Finish with the error → OnFinish()
// recycles the call into the CallPool of its CQ thread.
//
// A reservation is held while the request is read; a client that opens calls
// and never sends their bytes would hold room others need, so a read still
// unfinished after -request-read-timeout is cancelled (checked as calls
// arrive, oldest first: the list is in order of start).
#pragma once

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <optional>
#include <vector>

#include "call.h"
#include "completion.h"
#include "cq_context.h"

namespace logscribe {

// Finished calls kept by the CQ thread that finished them, for the next call
// of that CQ. Thread contract: one pool per thread (thread_local); its calls
// are deleted when the thread exits.
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

class UnaryLogCall final : public Completion, public Deliverable {
 public:
  // Asks gRPC for one more generic call on this CQ.
  static void Post(CqContext* ctx);
  ~UnaryLogCall() override;

 private:
  friend class CallPool<UnaryLogCall>;
  explicit UnaryLogCall(CqContext* ctx);

  // Makes a finished call ready for the next one: fresh context and stream
  // (gRPC does not reuse them), empty buffers.
  void Reset();
  void OnRequest(bool ok);
  void OnRead(bool ok);
  void OnFinish(bool ok);
  void OnComplete(Status status) override;
  void Deliver() override;
  // The CQ's ReadingCalls list: appended when the read starts, unlinked when
  // it ends or is cancelled (idempotent).
  void LinkReading();
  void UnlinkReading();
  // Cancels the calls of this CQ still reading after limits.request_read_timeout;
  // run whenever a call arrives, before its admission.
  static void CancelStalledReads(CqContext* ctx, std::chrono::steady_clock::time_point now);
  // Parses in_ into the CQ's builder and submits it.
  Status Submit();
  void Finish(const Status& status);

  CqContext* const ctx_;
  std::optional<grpc::GenericServerContext> server_ctx_;
  std::optional<grpc::GenericServerAsyncReaderWriter> stream_;
  grpc::ByteBuffer in_;   // the request, as received
  grpc::ByteBuffer out_;  // the LogResponse
  MemberTag<UnaryLogCall> request_tag_{this, &UnaryLogCall::OnRequest};
  MemberTag<UnaryLogCall> read_tag_{this, &UnaryLogCall::OnRead};
  MemberTag<UnaryLogCall> finish_tag_{this, &UnaryLogCall::OnFinish};
  std::optional<RpcMethod> method_;  // Log or LogBatch; empty for another name
  uint64_t reserved_ = 0;  // Sink::Admit's room for the request being read
  bool linked_ = false;    // in ctx_->reading
  bool read_timed_out_ = false;
  UnaryLogCall* read_prev_ = nullptr;
  UnaryLogCall* read_next_ = nullptr;
  Status result_;
  Rights::Peer peer_;  // who called, when the server checks writes (rights.h)
  bool counted_live_ = false;
  std::chrono::steady_clock::time_point started_;  // when the call arrived
};

}  // namespace logscribe
