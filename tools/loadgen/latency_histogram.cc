#include "latency_histogram.h"

#include <bit>
#include <cmath>

namespace logscribe::loadgen {

size_t LatencyCounts::BucketOf(uint64_t micros) {
  constexpr uint64_t kLinear = 2u << kSubBits;  // 128: one bucket per value below
  if (micros < kLinear) return static_cast<size_t>(micros);
  const int width = std::bit_width(micros);  // > kSubBits + 1
  if (width > kMaxBits) return kBuckets - 1;
  const int shift = width - 1 - kSubBits;                              // >= 1
  const uint64_t mantissa = (micros >> shift) - (1u << kSubBits);      // [0, 64)
  return static_cast<size_t>(kLinear + (shift - 1) * (1u << kSubBits) + mantissa);
}

uint64_t LatencyCounts::BucketTop(size_t bucket) {
  constexpr uint64_t kLinear = 2u << kSubBits;
  if (bucket < kLinear) return bucket;
  const size_t above = bucket - kLinear;
  const int shift = static_cast<int>(above >> kSubBits) + 1;
  const uint64_t mantissa = (above & ((1u << kSubBits) - 1)) + (1u << kSubBits);
  return ((mantissa + 1) << shift) - 1;
}

void LatencyCounts::Add(const LatencyCounts& other) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  SetMax(other.max_);
}

void LatencyCounts::Subtract(const LatencyCounts& other) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] -= other.counts_[i];
  total_ -= other.total_;
}

uint64_t LatencyCounts::Quantile(double q) const {
  if (total_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_)));
  if (rank == 0) rank = 1;
  if (rank > total_) rank = total_;
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const uint64_t top = BucketTop(i);
      return max_ != 0 && top > max_ ? max_ : top;
    }
  }
  return max_;
}

void LatencyHistogram::Record(uint64_t micros) {
  counts_[LatencyCounts::BucketOf(micros)].fetch_add(1, std::memory_order_relaxed);
  if (micros > max_.load(std::memory_order_relaxed)) max_.store(micros, std::memory_order_relaxed);
}

LatencyCounts LatencyHistogram::Snapshot() const {
  LatencyCounts out;
  for (size_t i = 0; i < LatencyCounts::kBuckets; ++i) {
    const uint64_t n = counts_[i].load(std::memory_order_relaxed);
    if (n != 0) out.AddCount(i, n);
  }
  out.SetMax(max_.load(std::memory_order_relaxed));
  return out;
}

}  // namespace logscribe::loadgen
