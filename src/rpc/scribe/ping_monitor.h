// PingMonitor: when the scribe last answered the mediator's Ping, so its
// Registrar can tell that a (restarted) mediator has forgotten it.
//
// Thread contract: thread-safe; one relaxed atomic shared by the process.
// Record() runs on CQ threads, Last() on the registrar's thread; the time is
// a hint, no other memory is published through it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace logscribe {

class PingMonitor {
 public:
  static void Record() {
    Nanos().store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }
  // The time of the last answered Ping; the clock's epoch before the first.
  static std::chrono::steady_clock::time_point Last() {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(Nanos().load(std::memory_order_relaxed)));
  }

 private:
  static std::atomic<int64_t>& Nanos() {
    static std::atomic<int64_t> nanos{0};
    return nanos;
  }
};

}  // namespace logscribe
