// FakeClock: a Clock that moves only when the test says so, so tests of
// -rotate-every and of the archive thread never sleep to let time pass.
// Advance() moves wall and steady time together and then wakes every
// registered waiter (a writer's idle wait ends at once and its -rotate-every
// check sees the new time). set_tick() makes every reading move the time on
// by itself, for work that runs on another thread and reads the clock as it
// goes (the archive thread's start-up walk); a tick wakes nobody.
//
// Thread contract: thread-safe. Readings are lock-free; Advance() wakes the
// waiters under the clock's own mutex, which RemoveWaiter() also takes.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

#include "clock.h"

namespace logscribe::testing {

class FakeClock final : public Clock {
 public:
  // Starts at the real time of its construction, so the birth times of files
  // on disk compare with it as with the real clock.
  FakeClock() : FakeClock(std::chrono::system_clock::now()) {}
  explicit FakeClock(std::chrono::system_clock::time_point start)
      : wall_start_(start), steady_start_(std::chrono::steady_clock::now()) {}

  std::chrono::system_clock::time_point Now() const override {
    return wall_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(Read());
  }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return steady_start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(Read());
  }

  // Moves the time on by `d`, then wakes every waiter. Once it returns, every
  // waiter was woken: a writer's wake-up sits in its inbox ahead of any chunk
  // this thread enqueues afterwards.
  void Advance(std::chrono::nanoseconds d) {
    elapsed_ns_.fetch_add(d.count(), std::memory_order_seq_cst);
    std::lock_guard<std::mutex> lock(mu_);
    for (ClockWaiter* w : waiters_) w->WakeForClock();
  }
  // Every later reading moves the time on by `d` after reading it. Default: 0.
  void set_tick(std::chrono::nanoseconds d) { tick_ns_.store(d.count(), std::memory_order_seq_cst); }

  void AddWaiter(ClockWaiter* waiter) override {
    std::lock_guard<std::mutex> lock(mu_);
    waiters_.push_back(waiter);
  }
  void RemoveWaiter(ClockWaiter* waiter) override {
    std::lock_guard<std::mutex> lock(mu_);
    waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), waiter), waiters_.end());
  }
  size_t waiters() const {
    std::lock_guard<std::mutex> lock(mu_);
    return waiters_.size();
  }

 private:
  std::chrono::nanoseconds Read() const {
    const int64_t tick = tick_ns_.load(std::memory_order_seq_cst);
    return std::chrono::nanoseconds(elapsed_ns_.fetch_add(tick, std::memory_order_seq_cst));
  }

  // Constant after construction.
  const std::chrono::system_clock::time_point wall_start_;
  const std::chrono::steady_clock::time_point steady_start_;

  mutable std::atomic<int64_t> elapsed_ns_{0};
  std::atomic<int64_t> tick_ns_{0};

  // Protected by mu_.
  mutable std::mutex mu_;
  std::vector<ClockWaiter*> waiters_;
};

}  // namespace logscribe::testing
