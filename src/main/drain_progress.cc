#include "drain_progress.h"

namespace logscribe {

DrainProgress::DrainProgress(std::string name, std::chrono::milliseconds timeout,
                             std::function<std::string()> sample, std::FILE* out,
                             std::chrono::milliseconds every)
    : name_(std::move(name)),
      timeout_(timeout),
      sample_(std::move(sample)),
      out_(out),
      every_(every),
      started_(std::chrono::steady_clock::now()),
      thread_([this] { Run(); }) {}

DrainProgress::~DrainProgress() { Stop(); }

void DrainProgress::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DrainProgress::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (auto next = started_ + every_;; next += every_) {
    if (cv_.wait_until(lock, next, [this] { return stop_; })) return;
    // Sample and print with the lock held: Stop() waits for the line, so the
    // summary that follows it never interleaves with one.
    const std::string line = Line(std::chrono::steady_clock::now() - started_);
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
  }
}

std::string DrainProgress::Line(std::chrono::steady_clock::duration elapsed) const {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const double timeout = std::chrono::duration<double>(timeout_).count();
  char head[96];
  std::snprintf(head, sizeof head, "%s: draining for %.0fs: ", name_.c_str(), seconds);
  char tail[160];
  if (seconds < timeout) {
    std::snprintf(tail, sizeof tail, "; %.1fs left of -shutdown-timeout %gs\n", timeout - seconds, timeout);
  } else {
    std::snprintf(tail, sizeof tail,
                  "; -shutdown-timeout %gs passed: calls cut off, finishing what was accepted\n", timeout);
  }
  return head + sample_() + tail;
}

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  return buf;
}

std::string Counted(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace logscribe
