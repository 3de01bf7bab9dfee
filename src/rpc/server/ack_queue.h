// AckQueue: brings work finished on writer threads back to one CQ thread.
//
// Thread contract: Push() is thread-safe; Proceed() runs on the CQ thread.
// Writer threads never touch gRPC call objects: they Push() a Deliverable,
// and the CQ thread runs Deliver(), which may start gRPC operations.
//
// Invariants:
//  1. Producers are writer threads (and the CQ thread itself in -ack received
//     mode); the only consumer is the CQ thread that owns the queue.
//  2. armed_ is true from the moment a producer sets the alarm until the CQ
//     thread, having received the alarm's tag, clears it; so at most one Set()
//     is outstanding, as grpc::Alarm requires.
//  3. The consumer clears armed_ (seq_cst) before draining; a producer
//     enqueues before testing armed_ (seq_cst). Either the drain sees the
//     item, or the producer sees armed_ == false and sets the alarm again: no
//     item waits without a wake-up.
//  4. Push() may not be called after the CQ is shut down: the server drains
//     the sink before shutting its CQs down.
#pragma once

#include <grpcpp/alarm.h>
#include <grpcpp/completion_queue.h>

#include <atomic>

#include <concurrentqueue/concurrentqueue.h>

#include "call.h"

namespace logscribe {

class AckQueue final : public Tag {
 public:
  explicit AckQueue(grpc::CompletionQueue* cq) : cq_(cq) {}

  void Push(Deliverable* item);
  void Proceed(bool ok) override;

 private:
  grpc::CompletionQueue* const cq_;
  moodycamel::ConcurrentQueue<Deliverable*> items_;
  std::atomic<bool> armed_{false};
  grpc::Alarm alarm_;
};

}  // namespace logscribe
