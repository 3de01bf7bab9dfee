// DrainProgress: the progress line of a shutdown that takes a while. Once the
// drain has run for `every` (a second), and then every `every` until Stop(),
// it prints one line to `out`:
//   logscribe: draining for 2s: 3 calls in flight, 1.5 MiB in 40 chunks queued
//   for disk; 3.0s left of -shutdown-timeout 5s
// so that a person waiting for SIGTERM to end sees what is left and for how
// long. A drain that ends within `every` prints nothing.
//
// Thread contract: the constructor, Stop() and the destructor are called by
// one thread (main's). `sample` runs on the progress thread, so it must be
// thread-safe; it says what is still under way.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace logscribe {

class DrainProgress {
 public:
  // Starts the clock and the progress thread; `name` begins every line,
  // `timeout` is -shutdown-timeout.
  DrainProgress(std::string name, std::chrono::milliseconds timeout, std::function<std::string()> sample,
                std::FILE* out = stderr, std::chrono::milliseconds every = std::chrono::seconds(1));
  DrainProgress(const DrainProgress&) = delete;
  DrainProgress& operator=(const DrainProgress&) = delete;
  ~DrainProgress();  // Stop()

  // No line after this returns; joins the thread. Idempotent.
  void Stop();

 private:
  void Run();
  std::string Line(std::chrono::steady_clock::duration elapsed) const;

  // Constant after construction.
  const std::string name_;
  const std::chrono::milliseconds timeout_;
  const std::function<std::string()> sample_;
  std::FILE* const out_;
  const std::chrono::milliseconds every_;
  const std::chrono::steady_clock::time_point started_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

// "512 B", "12.0 KiB", "1.5 MiB", "2.3 GiB": sizes for people.
std::string HumanBytes(uint64_t bytes);
// "1 call", "3 calls": a count and its noun, `many` unless n is 1.
std::string Counted(uint64_t n, const char* one, const char* many);

}  // namespace logscribe
