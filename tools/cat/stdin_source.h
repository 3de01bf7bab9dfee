// StdinSource: lines from standard input, until EOF or a stop.
//
// Thread contract: see LineSource.
//
// At EOF and at a stop the partial last line (bytes after the last newline)
// is sent as a line: stdin cannot be read again, so nothing read is dropped.
// Positions mean nothing here (no checkpoint for stdin).
#pragma once

#include <atomic>
#include <cstdint>

#include "line_source.h"
#include "line_splitter.h"
#include "outbox.h"

namespace logscribe::cat {

class StdinSource final : public LineSource {
 public:
  StdinSource(Outbox* outbox, uint64_t max_line_bytes, int fd = 0)
      : outbox_(outbox), fd_(fd), splitter_(max_line_bytes) {}

  bool Run() override;
  void RequestStop() override { stop_.store(true, std::memory_order_relaxed); }
  uint64_t split_lines() const override { return splitter_.split_lines(); }

 private:
  Outbox* const outbox_;
  const int fd_;
  LineSplitter splitter_;
  std::atomic<bool> stop_{false};
};

}  // namespace logscribe::cat
