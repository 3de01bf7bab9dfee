// FileChunk: the lines of one request bound for one file, copied out of the
// request so the RPC can move on while the writer works.
//
// Thread contract: built by one thread (a BatchBuilder), then owned by exactly
// one writer thread after it is queued; never shared.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "completion.h"
#include "status.h"

namespace logscribe {

struct FileChunk {
  std::string key;                  // canonical file key (file_key.h)
  uint64_t key_hash = 0;            // picks the owning writer
  std::string data;                 // whole lines, each ending in '\n'
  std::vector<uint32_t> line_ends;  // end offset in data of each line, ascending
  Completion* completion = nullptr; // told once the chunk is written or failed; may be null
  Status status;                    // set by the writer when a write of this chunk failed
};

}  // namespace logscribe
