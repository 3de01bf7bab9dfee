// ForwardPart: the lines of one client request bound for one file, on their
// way through the mediator to the scribe that owns the file.
//
// Thread contract: thread-compatible; the forwarder's mutex guards every part
// from Submit until it is acknowledged or failed, then the thread that
// completes it owns it alone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "file_chunk.h"  // src/io/file_chunk.h

namespace logscribe {

struct ForwardPart {
  // key, lines (each ending in '\n'), and the Completion of the client request.
  std::unique_ptr<FileChunk> chunk;
  // Times it was written to a scribe's stream; above 1 means it may be on
  // disk twice.
  int sends = 0;
  // The scribe that last failed it after it was sent (its stream broke, or it
  // was dropped); the send after that is counted as its retry.
  std::string failed_by;
  // Id of the scribe that holds it while it is in flight (set by FileFence).
  std::string owner;

  const std::string& key() const { return chunk->key; }
  uint64_t bytes() const { return chunk->data.size(); }
  uint64_t lines() const { return chunk->line_ends.size(); }
};

}  // namespace logscribe
