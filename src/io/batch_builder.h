// BatchBuilder: validates the entries of one request and groups their lines
// into one FileChunk per file, in arrival order.
//
// Thread contract: thread-compatible; one builder per RPC handler thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "file_chunk.h"
#include "status.h"

namespace logscribe {

struct LineFormat {
  // A line longer than this (before its newline is added) is INVALID_ARGUMENT.
  // Default: 1 MiB.
  uint64_t max_line_bytes = 1 << 20;
  // Write embedded newlines as the two characters "\n", so one record is one
  // line. Default: false (stack traces stay readable).
  bool escape_newlines = false;
};

class BatchBuilder {
 public:
  explicit BatchBuilder(LineFormat format) : format_(format) {}

  // Validates one entry and appends its line to its file's chunk. On error the
  // builder is unchanged except that it should be Clear()ed: a request is
  // accepted or rejected as a whole.
  Status Add(std::string_view path, std::string_view filename, std::string_view line);

  // Total bytes and lines added since the last Take()/Clear().
  uint64_t bytes() const { return bytes_; }
  uint64_t lines() const { return lines_; }

  // Hands over the chunks built so far and starts afresh.
  std::vector<std::unique_ptr<FileChunk>> Take();
  void Clear();

 private:
  void AppendLine(FileChunk* chunk, std::string_view line);

  const LineFormat format_;
  std::vector<std::unique_ptr<FileChunk>> chunks_;
  std::unordered_map<std::string_view, FileChunk*> by_key_;  // views into chunks_[i]->key
  std::string key_;            // scratch
  std::string last_path_;      // the previous entry's raw path and filename: consecutive
  std::string last_filename_;  // lines of one file skip validation and lookup
  FileChunk* last_ = nullptr;
  uint64_t bytes_ = 0;
  uint64_t lines_ = 0;
};

}  // namespace logscribe
