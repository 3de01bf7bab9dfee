// LineFilter: the `grep` of a read. A pattern without RE2 metacharacters is a
// plain substring search; any other is an RE2 (linear time in the line, so a
// hostile pattern cannot stall a reader), matched anywhere in the line.
//
// Thread contract: thread-compatible; Matches() is const and may be called
// concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "status.h"

namespace re2 {
class RE2;
}

namespace logscribe {

// RE2's memory for one compiled pattern. Default bound of the program.
inline constexpr int64_t kMaxPatternMemory = 8 << 20;
inline constexpr size_t kMaxPatternBytes = 4096;

class LineFilter {
 public:
  LineFilter();
  ~LineFilter();
  // Empty pattern: every line matches. INVALID_ARGUMENT naming `grep` when the
  // pattern does not compile or is too big.
  Status Compile(const std::string& pattern);
  // `line` without its newline.
  bool Matches(std::string_view line) const;
  bool substring() const { return re_ == nullptr; }

 private:
  std::string literal_;
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace logscribe
