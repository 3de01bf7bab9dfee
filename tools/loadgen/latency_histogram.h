// LatencyHistogram: log-linear buckets of microsecond latencies, recorded by
// one connection thread and read by the progress thread while it runs.
// LatencyCounts: a plain copy of the buckets, to merge, subtract and query.
//
// Thread contract: LatencyHistogram::Record() from one thread at a time;
// Snapshot() from any thread (relaxed atomics: a snapshot may miss the
// latest records, never tears a count). LatencyCounts is thread-compatible.
//
// Values below 128 µs get a bucket each; above, each power of two is split
// into 64 buckets, so a quantile is within 1/64 (1.6%) of the truth.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace logscribe::loadgen {

class LatencyCounts {
 public:
  static constexpr int kSubBits = 6;
  static constexpr int kMaxBits = 40;  // 2^40 µs is 12 days; longer is clamped
  static constexpr size_t kBuckets = (2u << kSubBits) + (kMaxBits - kSubBits - 1) * (1u << kSubBits);

  static size_t BucketOf(uint64_t micros);
  // The largest value that falls into `bucket`.
  static uint64_t BucketTop(size_t bucket);

  LatencyCounts() : counts_(kBuckets, 0) {}

  void Add(const LatencyCounts& other);
  // REQUIRES: other is an earlier snapshot of the same histogram.
  void Subtract(const LatencyCounts& other);
  void AddCount(size_t bucket, uint64_t n) { counts_[bucket] += n; total_ += n; }
  void SetMax(uint64_t micros) { max_ = micros > max_ ? micros : max_; }

  uint64_t total() const { return total_; }
  uint64_t max() const { return max_; }
  // The value at quantile q (0 < q <= 1) in µs: the top of the bucket holding
  // the ceil(q*total)-th value, capped at max(). 0 when empty.
  uint64_t Quantile(double q) const;

 private:
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t max_ = 0;  // exact, over everything added (after Subtract, still the overall max)
};

class LatencyHistogram {
 public:
  void Record(uint64_t micros);
  LatencyCounts Snapshot() const;

 private:
  std::array<std::atomic<uint64_t>, LatencyCounts::kBuckets> counts_{};
  std::atomic<uint64_t> max_{0};
};

}  // namespace logscribe::loadgen
