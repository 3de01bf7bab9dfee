// Histogram: a fixed-bucket histogram for Prometheus, recorded from any thread.
//
// Thread contract: thread-safe. Record() is lock-free and allocation-free
// (relaxed atomic adds); Snapshot() may run concurrently with it and sees
// each counter at some recent value, so a snapshot's buckets, count and sum
// can disagree by the few records in flight. That is what Prometheus expects
// of a scrape and costs the hot path nothing.
//
// Values are whole numbers in the histogram's base unit (microseconds, bytes,
// lines); the renderer scales them (see PrometheusText::Histogram).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace logscribe {

class Histogram {
 public:
  static constexpr size_t kMaxBuckets = 24;

  // `bounds`: ascending upper bounds (inclusive), at most kMaxBuckets; a last
  // +Inf bucket is implied.
  Histogram(std::initializer_list<uint64_t> bounds) {
    for (uint64_t b : bounds) {
      if (size_ == kMaxBuckets) break;
      bounds_[size_++] = b;
    }
  }
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Record(uint64_t value) {
    const size_t i = static_cast<size_t>(
        std::lower_bound(bounds_.begin(), bounds_.begin() + size_, value) - bounds_.begin());
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
  }

  struct Snapshot {
    size_t buckets = 0;                        // finite buckets
    std::array<uint64_t, kMaxBuckets> bounds{};
    std::array<uint64_t, kMaxBuckets + 1> cumulative{};  // [buckets] is +Inf = count
    uint64_t count = 0;
    uint64_t sum = 0;
  };

  Snapshot Take() const {
    Snapshot s;
    s.buckets = size_;
    uint64_t running = 0;
    for (size_t i = 0; i <= size_; ++i) {
      if (i < size_) s.bounds[i] = bounds_[i];
      running += counts_[i].load(std::memory_order_relaxed);
      s.cumulative[i] = running;
    }
    s.count = running;
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  // Constant after construction.
  std::array<uint64_t, kMaxBuckets> bounds_{};
  size_t size_ = 0;
  // Recorded concurrently, relaxed.
  std::array<std::atomic<uint64_t>, kMaxBuckets + 1> counts_{};
  std::atomic<uint64_t> sum_{0};
};

}  // namespace logscribe
