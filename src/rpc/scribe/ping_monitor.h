// PingMonitor: when the scribe last answered the mediator's Ping, so its
// Registrar can tell that a (restarted) mediator has forgotten it. The
// scribe's server owns one; its PingCalls record into it and the Registrar
// reads it.
//
// Thread contract: thread-safe; one relaxed atomic. Record() runs on CQ
// threads, Last() on the registrar's thread; the time is a hint, no other
// memory is published through it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace logscribe {

class PingMonitor {
 public:
  void Record() {
    nanos_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }
  // The time of the last answered Ping; the clock's epoch before the first.
  std::chrono::steady_clock::time_point Last() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(nanos_.load(std::memory_order_relaxed)));
  }

 private:
  std::atomic<int64_t> nanos_{0};
};

}  // namespace logscribe
