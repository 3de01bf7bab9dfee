// Mutex and MutexLock: std::mutex with clang's thread-safety annotations, so
// that a build with -Wthread-safety (tools/test.sh builds src/io, src/routing
// and src/rpc that way) checks every GUARDED_BY field and REQUIRES function
// at compile time. libstdc++'s std::mutex is not a clang capability; this
// wrapper is, as Abseil's and Envoy's are. With another compiler the
// annotations are empty.
//
// Thread contract: a Mutex is thread-safe; a MutexLock belongs to the thread
// that made it.
#pragma once

#include <condition_variable>
#include <mutex>

// gRPC's headers bring Abseil's legacy annotation macros (GUARDED_BY,
// PT_GUARDED_BY, NO_THREAD_SAFETY_ANALYSIS, ...), defined without a guard;
// included first, they are the ones used here, and the capability macros
// Abseil lacks are added beside them.
#include <absl/base/internal/thread_annotations.h>

#if defined(__clang__)
#define LS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define LS_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) LS_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY LS_THREAD_ANNOTATION(scoped_lockable)
#define REQUIRES(...) LS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) LS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) LS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) LS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) LS_THREAD_ANNOTATION(assert_capability(x))

namespace logscribe {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // Tells the analysis the caller holds it (a callback run under the lock).
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

  // BasicLockable, for std::condition_variable_any (CondVar below).
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// Holds `mu` from construction to destruction.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// Waits with a Mutex held: Wait*(mu, ...) REQUIRES(mu), like
// std::condition_variable's with a unique_lock.
class CondVar {
 public:
  void Wait(Mutex* mu) REQUIRES(mu) { cv_.wait(*mu); }
  // `done` runs with `mu` held; the analysis cannot see that the caller's
  // name for the mutex and `mu` are one, hence no analysis of this loop.
  template <typename Predicate>
  void Wait(Mutex* mu, Predicate done) REQUIRES(mu) NO_THREAD_SAFETY_ANALYSIS {
    while (!done()) cv_.wait(*mu);
  }
  // False when `d` passed and `done` is still false.
  template <typename Duration, typename Predicate>
  bool WaitFor(Mutex* mu, Duration d, Predicate done) REQUIRES(mu) {
    return cv_.wait_for(*mu, d, done);
  }
  template <typename TimePoint, typename Predicate>
  bool WaitUntil(Mutex* mu, TimePoint t, Predicate done) REQUIRES(mu) {
    return cv_.wait_until(*mu, t, done);
  }
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable_any cv_;
};

}  // namespace logscribe
