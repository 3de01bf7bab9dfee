// Completion: how the sink tells its caller that a submitted batch is done.
//
// Thread contract: thread-safe. Arm() is called by the submitting thread before
// Submit(); PartDone() is called once per part, from any thread; OnComplete()
// runs exactly once, on the thread that finished the last part.
//
// Invariants:
//  1. pending_ counts the parts not yet done; Arm() sets it before any part can
//     finish (Submit publishes the parts after Arm, through the queue's release).
//  2. Each PartDone() decrements pending_ with acq_rel: the failing part writes
//     error_ (under error_mu_) before its decrement, so the last part, whose
//     decrement acquires every earlier one, reads error_ without the lock.
#pragma once

#include <atomic>
#include <mutex>

#include "status.h"

namespace logscribe {

class Completion {
 public:
  virtual ~Completion() = default;

  void Arm(int parts) {
    error_ = Status::Ok();
    pending_.store(parts, std::memory_order_relaxed);
  }

  void PartDone(const Status& status) {
    if (!status.ok()) {
      std::lock_guard<std::mutex> lock(error_mu_);
      if (error_.ok()) error_ = status;
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) OnComplete(std::move(error_));
  }

 protected:
  // The first failure among the parts, or OK. Called once per Arm().
  virtual void OnComplete(Status status) = 0;

 private:
  std::atomic<int> pending_{0};
  std::mutex error_mu_;
  Status error_;  // written under error_mu_, read by the last part (invariant 2)
};

// A request with nothing to write is done at once: `completion` (may be null)
// is told OK.
inline void CompleteEmpty(Completion* completion) {
  if (completion == nullptr) return;
  completion->Arm(1);
  completion->PartDone(Status::Ok());
}

}  // namespace logscribe
