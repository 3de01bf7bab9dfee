// LineSplitter: cuts a byte stream into lines for logscribe-cat.
//
// Thread contract: thread-compatible; owned by the input thread.
//
// A line is the bytes before a '\n' (the newline is not part of it; the
// scribe adds one). A line longer than max_line_bytes is split: every
// max_line_bytes bytes become a line of their own, and the rest is a line
// when its newline comes. Bytes after the last newline wait in the splitter
// (Partial()) until their newline arrives or the caller flushes them.
//
// Each emitted line comes with `consumed`: how many input bytes it used up
// (its bytes, plus 1 when it ended at a newline), so the caller can keep the
// offset just past it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace logscribe::cat {

class LineSplitter {
 public:
  // Called once per line; returns false to stop consuming (the caller is
  // stopping; the rest of the input is not taken).
  using Emit = std::function<bool(std::string_view line, uint64_t consumed)>;

  explicit LineSplitter(uint64_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Feeds `data`; emits every complete line (and every max_line_bytes piece).
  // Returns how many bytes of `data` were taken: all of them unless `emit`
  // returned false, in which case the bytes of the refused line are not taken
  // and the partial line is empty again.
  size_t Consume(std::string_view data, const Emit& emit);

  // Emits the partial line, if any, as a line of its own (EOF, rotation).
  // Returns what emit returned (true when there was nothing).
  bool Flush(const Emit& emit);

  // Drops the partial line (the file was truncated or switched).
  void Reset() { partial_.clear(); }

  const std::string& Partial() const { return partial_; }
  // Lines that were longer than max_line_bytes (each counted once).
  uint64_t split_lines() const { return split_lines_; }

 private:
  const uint64_t max_line_bytes_;
  std::string partial_;
  bool splitting_ = false;  // the current line already had a piece cut off
  uint64_t split_lines_ = 0;
};

}  // namespace logscribe::cat
