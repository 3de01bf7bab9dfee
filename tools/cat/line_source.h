// LineSource: where logscribe-cat's lines come from (stdin, or a followed
// file); it feeds them to an Outbox.
//
// Thread contract: Run() runs on the input thread; RequestStop() may be
// called from any thread; split_lines() after Run() returned.
#pragma once

#include <cstdint>

namespace logscribe::cat {

class LineSource {
 public:
  virtual ~LineSource() = default;
  // Reads until the input ends or RequestStop(); then calls
  // Outbox::CloseInput(). Returns false after an error it already reported.
  virtual bool Run() = 0;
  // Makes Run() return soon (within about a poll interval).
  virtual void RequestStop() = 0;
  // Lines longer than -max-line-bytes, sent in pieces.
  virtual uint64_t split_lines() const = 0;
};

}  // namespace logscribe::cat
