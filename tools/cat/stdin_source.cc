#include "stdin_source.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace logscribe::cat {
namespace {

constexpr size_t kReadBytes = 64 * 1024;
constexpr int kPollMs = 100;  // how soon a stop is noticed while stdin is quiet

}  // namespace

bool StdinSource::Run() {
  std::vector<char> buf(kReadBytes);
  const LineSplitter::Emit emit = [this](std::string_view line, uint64_t) {
    outbox_->Add(line, Position(), Position());
    return true;
  };
  bool ok = true;
  while (!stop_.load(std::memory_order_relaxed)) {
    pollfd p{fd_, POLLIN, 0};
    const int r = poll(&p, 1, kPollMs);
    if (r < 0 && errno != EINTR) {
      std::fprintf(stderr, "logscribe-cat: poll of stdin: %s\n", std::strerror(errno));
      ok = false;
      break;
    }
    if (r <= 0) continue;
    if ((p.revents & POLLNVAL) != 0) break;  // no stdin at all: like an empty one
    const ssize_t n = read(fd_, buf.data(), buf.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      std::fprintf(stderr, "logscribe-cat: read of stdin: %s\n", std::strerror(errno));
      ok = false;
      break;
    }
    splitter_.Consume(std::string_view(buf.data(), static_cast<size_t>(n)), emit);
  }
  splitter_.Flush(emit);
  outbox_->CloseInput();
  return ok;
}

}  // namespace logscribe::cat
