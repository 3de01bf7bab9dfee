// AppendNotifier: tells readers following logs that the writers appended.
//
// Thread contract: thread-safe. Bump() is called by writer threads after each
// round's appends completed; Wait() by reader threads.
//
// Invariants:
//  1. generation_ only grows; a writer increments it (seq_cst) after its
//     round's appends returned, so a reader that sees the new value and then
//     reads the file sees those bytes.
//  2. A writer takes the mutex to notify only when waiters_ > 0. A reader
//     increments waiters_ (seq_cst) and then checks generation_ under the
//     mutex; a writer increments generation_ and then reads waiters_: either
//     the reader sees the new generation, or the writer sees the waiter and
//     notifies under the mutex. No wake-up is lost.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace logscribe {

class AppendNotifier {
 public:
  // One atomic increment; a notify only while someone waits.
  void Bump() {
    generation_.fetch_add(1, std::memory_order_seq_cst);
    if (waiters_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }
  }
  uint64_t generation() const { return generation_.load(std::memory_order_seq_cst); }
  // Until the generation differs from `seen`, or `timeout`. Returns the
  // generation then.
  uint64_t Wait(uint64_t seen, std::chrono::milliseconds timeout) {
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, timeout, [&] { return generation_.load(std::memory_order_seq_cst) != seen; });
    }
    waiters_.fetch_sub(1, std::memory_order_seq_cst);
    return generation();
  }
  // Wakes every waiter (shutdown).
  void WakeAll() {
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }

 private:
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> waiters_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace logscribe
