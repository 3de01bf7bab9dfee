// RequestAdmission: room reserved in a sink's queued-bytes count for a request
// that is about to be read (Sink::Admit), so that requests being read count
// against the same limit as requests queued.
//
// The size of a request is known only once it is read, so the room reserved
// is an estimate: the largest recent request, decaying by 1/16 a request, at
// least kMinReserveBytes. Before the first request it is 1/16 of the limit
// (at most 1 MiB), so a burst of calls at start-up is not all read at once.
// It is never more than a quarter of the limit: an estimate bigger than the
// whole queue would refuse every call unread and so never learn again.
//
// Thread contract: thread-safe (relaxed atomics; a racing Observe may lose a
// sample, no more).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace logscribe {

class RequestAdmission {
 public:
  static constexpr uint64_t kMinReserveBytes = 4096;

  // `queued` is the sink's count of bytes queued, `limit` its bound; `queued`
  // must outlive this.
  RequestAdmission(std::atomic<uint64_t>* queued, uint64_t limit)
      : queued_(queued), limit_(limit), estimate_(std::min<uint64_t>(limit / 16, 1 << 20)) {}

  // Reserves the estimate in *queued_; false (nothing reserved, *reserved 0)
  // when that would pass the limit. *queued_before: the count before.
  bool TryReserve(uint64_t* reserved, uint64_t* queued_before) {
    const uint64_t want =
        std::min(std::max(kMinReserveBytes, estimate_.load(std::memory_order_relaxed)), limit_ / 4);
    const uint64_t before = queued_->fetch_add(want, std::memory_order_relaxed);
    *queued_before = before;
    if (before + want <= limit_) {
      *reserved = want;
      return true;
    }
    queued_->fetch_sub(want, std::memory_order_relaxed);
    *reserved = 0;
    return false;
  }

  // Reserves exactly `bytes` (a request growing as it is inflated); false,
  // with nothing reserved, when that would pass the limit.
  bool TryReserveBytes(uint64_t bytes, uint64_t* queued_before) {
    const uint64_t before = queued_->fetch_add(bytes, std::memory_order_relaxed);
    *queued_before = before;
    if (before + bytes <= limit_) return true;
    queued_->fetch_sub(bytes, std::memory_order_relaxed);
    return false;
  }

  void Release(uint64_t reserved) {
    if (reserved != 0) queued_->fetch_sub(reserved, std::memory_order_relaxed);
  }

  // Every request read, accepted or not.
  void Observe(uint64_t bytes) {
    const uint64_t estimate = estimate_.load(std::memory_order_relaxed);
    estimate_.store(std::max(bytes, estimate - estimate / 16), std::memory_order_relaxed);
  }

 private:
  std::atomic<uint64_t>* const queued_;
  const uint64_t limit_;
  std::atomic<uint64_t> estimate_;
};

}  // namespace logscribe
