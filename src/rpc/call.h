// Tag: what every completion-queue event points at. A call object owns one
// Tag per kind of operation it starts (read, write, finish, ...), so the CQ
// loop needs no switch: it calls Proceed(ok) on whatever comes out.
//
// Thread contract: a Tag runs on the thread that drains its CQ. Every
// Proceed() handles ok == false: the call was cancelled, the client went
// away, or the server is shutting down. Never assert on ok.
#pragma once

#include <atomic>
#include <cstdint>

namespace logscribe {

class Tag {
 public:
  virtual ~Tag() = default;
  virtual void Proceed(bool ok) = 0;
};

// A Tag that forwards to a member function of its owner.
template <typename Owner>
class MemberTag final : public Tag {
 public:
  using Method = void (Owner::*)(bool ok);
  MemberTag(Owner* owner, Method method) : owner_(owner), method_(method) {}
  void Proceed(bool ok) override { (owner_->*method_)(ok); }

 private:
  Owner* const owner_;
  const Method method_;
};

// Something to run on a CQ thread, handed over by another thread through an
// AckQueue (a writer thread finishing a batch, for example).
class Deliverable {
 public:
  virtual ~Deliverable() = default;
  virtual void Deliver() = 0;
};

// Counters of the RPC layer; relaxed atomics, read for the shutdown summary
// and (later) metrics.
struct RpcCounters {
  std::atomic<uint64_t> calls_started{0};
  std::atomic<uint64_t> calls_failed{0};     // finished with a non-OK status (or batch acked non-OK)
  std::atomic<uint64_t> lines_received{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<int64_t> live_calls{0};        // calls that got a request and have not been freed
};

}  // namespace logscribe
