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
  // builder should be Clear()ed: a request is accepted or rejected as a whole.
  Status Add(std::string_view path, std::string_view filename, std::string_view line);

  // The same in two passes over a whole request, which sizes every chunk once
  // instead of growing it line by line:
  //   for each entry: Route(path, filename, line.size())   (validates)
  //   Reserve();
  //   for each entry, in the same order: AppendNext(line)
  // The views given to Route() must stay valid until Take() or Clear().
  Status Route(std::string_view path, std::string_view filename, uint64_t line_bytes);
  void Reserve();
  void AppendNext(std::string_view line);

  // Total bytes and lines added since the last Take()/Clear().
  uint64_t bytes() const { return bytes_; }
  uint64_t lines() const { return lines_; }

  // The chunks built so far, one per file (their keys, for checks made
  // before the batch is taken).
  const std::vector<std::unique_ptr<FileChunk>>& chunks() const { return chunks_; }

  // Hands over the chunks built so far and starts afresh.
  std::vector<std::unique_ptr<FileChunk>> Take();
  void Clear();

 private:
  // Finds (or creates) the chunk of a raw (path, filename). With `cache`, a
  // small cache of the request's raw names (views, see Route()) spares the
  // validation and the key lookup when lines of a few files alternate.
  Status Locate(std::string_view path, std::string_view filename, bool cache, uint32_t* chunk);
  void AppendLine(FileChunk* chunk, std::string_view line);

  struct CacheSlot {
    std::string_view path;
    std::string_view filename;
    uint32_t chunk = 0;
    uint64_t generation = 0;  // valid when equal to generation_
  };
  static constexpr size_t kCacheSlots = 64;

  const LineFormat format_;
  std::vector<std::unique_ptr<FileChunk>> chunks_;
  std::vector<uint64_t> reserve_bytes_;  // per chunk, gathered by Route()
  std::vector<uint32_t> reserve_lines_;
  std::vector<uint32_t> routes_;         // chunk of each Route()d entry, in order
  size_t next_route_ = 0;
  std::unordered_map<std::string_view, uint32_t> by_key_;  // views into chunks_[i]->key
  CacheSlot cache_[kCacheSlots];
  uint64_t generation_ = 1;
  std::string key_;  // scratch
  uint64_t bytes_ = 0;
  uint64_t lines_ = 0;
};

}  // namespace logscribe
