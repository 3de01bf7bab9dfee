#include "ack_queue.h"

#include <grpc/support/time.h>

namespace logscribe {

void AckQueue::Push(Deliverable* item) {
  items_.enqueue(item);
  // A deadline in the past fires at once, on this thread's exec context. "Now"
  // would be rounded up to the next millisecond tick of gRPC's timer thread
  // and cost every ack up to 1 ms.
  if (!armed_.exchange(true)) alarm_.Set(cq_, gpr_inf_past(GPR_CLOCK_MONOTONIC), this);
}

void AckQueue::Proceed(bool /*ok*/) {
  // ok is false only when the alarm was cancelled (CQ shutdown); by then the
  // sink is drained, but deliver anything left all the same.
  // An exchange, not a store: it reads the producer's exchange and so sees
  // every item enqueued before it (invariant 3).
  armed_.exchange(false, std::memory_order_acq_rel);
  Deliverable* batch[64];
  size_t n;
  while ((n = items_.try_dequeue_bulk(batch, 64)) > 0) {
    for (size_t i = 0; i < n; ++i) batch[i]->Deliver();
  }
}

}  // namespace logscribe
