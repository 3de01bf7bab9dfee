// Backoff: reconnection delays that double from `min` to `max`, each drawn
// at random from [delay/2, delay] so that many nodes cut off by one outage do
// not come back in step.
//
// Thread contract: thread-compatible; owned by the sender thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace logscribe::cat {

class Backoff {
 public:
  Backoff(std::chrono::nanoseconds min, std::chrono::nanoseconds max)
      : min_(min), max_(max), next_(min), rng_(std::random_device()()) {}

  std::chrono::nanoseconds Next() {
    const std::chrono::nanoseconds delay = next_;
    next_ = std::min(max_, next_ * 2);
    std::uniform_int_distribution<int64_t> jitter(delay.count() / 2, delay.count());
    return std::chrono::nanoseconds(jitter(rng_));
  }
  // After a stream that worked: the next failure waits `min` again.
  void Reset() { next_ = min_; }

 private:
  const std::chrono::nanoseconds min_;
  const std::chrono::nanoseconds max_;
  std::chrono::nanoseconds next_;
  std::mt19937_64 rng_;
};

}  // namespace logscribe::cat
