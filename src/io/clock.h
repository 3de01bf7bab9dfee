// Clock: where the writer and archive threads read the time, so that tests
// drive -rotate-every with a clock they move (tests/io/fake_clock.h) instead
// of sleeping on the real one. RealClock is the system's clocks and the
// default everywhere.
//
// Thread contract: thread-safe; a clock outlives every thread that uses it.
//
// Timed waits: a thread that blocks for a while so it can look at the time
// again (the writer's idle wait before its -rotate-every check) registers a
// ClockWaiter while it runs. A clock whose time can jump calls WakeForClock()
// of every registered waiter after each jump, so the thread looks at the new
// time at once instead of when its wait times out. The real clock never jumps
// and never calls a waiter: there, waits end by their own timeout.
#pragma once

#include <chrono>

namespace logscribe {

class ClockWaiter {
 public:
  // Called on the thread that moved the clock, maybe with the clock's own
  // lock held: it only wakes its thread (enqueue, notify) and never calls
  // back into the clock.
  virtual void WakeForClock() = 0;

 protected:
  ~ClockWaiter() = default;
};

class Clock {
 public:
  virtual ~Clock() = default;

  // Wall time: the stamps of rotated names, the age of a file's content.
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Monotonic time: when a periodic check or a progress line is due.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;

  // RemoveWaiter() returns only once no WakeForClock() of `waiter` runs, so
  // the waiter may be destroyed right after it.
  virtual void AddWaiter(ClockWaiter* waiter) = 0;
  virtual void RemoveWaiter(ClockWaiter* waiter) = 0;
};

class RealClock final : public Clock {
 public:
  // The one real clock of the process; stateless, never destroyed before exit.
  static RealClock* Get() {
    static RealClock clock;
    return &clock;
  }

  std::chrono::system_clock::time_point Now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::now();
  }
  // Its time never jumps, so nobody needs waking.
  void AddWaiter(ClockWaiter*) override {}
  void RemoveWaiter(ClockWaiter*) override {}

 private:
  RealClock() = default;
};

}  // namespace logscribe
