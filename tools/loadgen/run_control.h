// RunControl: what every connection of one run shares: when to stop and the
// -lines budget.
//
// Thread contract: thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace logscribe::loadgen {

class RunControl {
 public:
  using Clock = std::chrono::steady_clock;

  // `end` nullopt: no time limit. `line_budget` 0: no line limit.
  RunControl(Clock::time_point start, std::optional<Clock::time_point> end, uint64_t line_budget)
      : start_(start), end_(end), limited_(line_budget != 0), remaining_(line_budget) {}

  Clock::time_point start() const { return start_; }

  // Takes up to `want` lines from the budget; 0 once it is spent.
  uint32_t ClaimLines(uint32_t want) {
    if (!limited_) return want;
    uint64_t left = remaining_.load(std::memory_order_relaxed);
    uint64_t take = 0;
    do {
      take = std::min<uint64_t>(left, want);
      if (take == 0) return 0;
    } while (!remaining_.compare_exchange_weak(left, left - take, std::memory_order_relaxed));
    return static_cast<uint32_t>(take);
  }

  void RequestStop() { stop_.store(true, std::memory_order_relaxed); }
  bool ShouldStop(Clock::time_point now) const {
    return stop_.load(std::memory_order_relaxed) || (end_ && now >= *end_);
  }

 private:
  const Clock::time_point start_;
  const std::optional<Clock::time_point> end_;
  const bool limited_;
  std::atomic<uint64_t> remaining_;
  std::atomic<bool> stop_{false};
};

}  // namespace logscribe::loadgen
