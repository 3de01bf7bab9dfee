// LineCodec: the content of every line the load generator sends, and the way
// back from a line read off disk to the id it was sent under.
//
// Thread contract: immutable after construction; const methods may be called
// from any thread.
//
// A line is "lg-<run>-<conn>-<seq>-<idx> " followed by filler up to
// line_bytes (no newline; the scribe adds it). <seq> names the RPC or stream
// batch within its connection and <idx> the line within it. The filler is
// derived from the id alone, so a line can be regenerated and compared byte
// for byte: a torn, merged or bit-flipped line does not match.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace logscribe::loadgen {

struct LineId {
  uint32_t conn = 0;
  uint64_t seq = 0;
  uint32_t idx = 0;
};

class LineCodec {
 public:
  // lines_per_batch spreads the lines of a connection round-robin over the files.
  LineCodec(std::string run_id, size_t line_bytes, int files, int paths, int lines_per_batch);

  // "lg-<run>-": every line of this run begins with it.
  const std::string& run_prefix() const { return run_prefix_; }

  // Replaces *out with the line for `id` (reusing its capacity).
  void Format(const LineId& id, std::string* out) const;

  // The id of a line that begins with run_prefix(), or nullopt when the id
  // part is malformed.
  std::optional<LineId> ParseId(std::string_view line) const;

  // Whether `line` is exactly what Format(id) produces; *scratch is reused.
  bool Matches(const LineId& id, std::string_view line, std::string* scratch) const;

  // Where a line is sent: file f<FileIndex>, in path p<FileIndex % paths>.
  int FileIndex(const LineId& id) const;
  const std::string& FileName(int file) const { return file_names_[file]; }
  const std::string& PathName(int file) const { return path_names_[file % path_names_.size()]; }

 private:
  const std::string run_prefix_;
  const size_t line_bytes_;
  const uint64_t run_hash_;
  const int lines_per_batch_;
  std::vector<std::string> file_names_;  // "f<k>"
  std::vector<std::string> path_names_;  // "p<j>"
};

}  // namespace logscribe::loadgen
