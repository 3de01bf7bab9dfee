// Sink: what the RPC layer hands validated lines to.
//
// Thread contract: thread-safe; Submit() may be called from every RPC thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "completion.h"
#include "file_chunk.h"
#include "status.h"

namespace logscribe {

// When a submitted batch counts as done. Default: kWritten.
enum class AckMode {
  kReceived,  // once queued: the original's behaviour; a crash loses what was queued
  kWritten,   // once write(2) returned for every line: survives a crash of the scribe
  kFsync,     // once fdatasync(2) returned: survives a crash of the machine
};

struct SinkStats {
  uint64_t lines_written = 0;
  uint64_t bytes_written = 0;
  uint64_t files_opened = 0;
  uint64_t rotations = 0;
  uint64_t write_errors = 0;
  uint64_t refused_batches = 0;  // RESOURCE_EXHAUSTED at Submit
  uint64_t queued_bytes = 0;     // now
};

class Sink {
 public:
  virtual ~Sink() = default;

  // Queues the chunks of one request. On OK, `completion` (armed here) is told
  // exactly once, from a writer thread, or before Submit returns in
  // kReceived mode. On error nothing was queued and `completion` is not told:
  // RESOURCE_EXHAUSTED when the queued bytes would pass the limit,
  // UNAVAILABLE once the sink is stopping.
  virtual Status Submit(std::vector<std::unique_ptr<FileChunk>> chunks, uint64_t bytes,
                        Completion* completion) = 0;

  // Whether a request should be read at all, asked before reading it. OK
  // reserves room for a request of the usual size (*reserved bytes, maybe 0),
  // which the caller gives back with Release() before it submits or gives up,
  // so that requests being read count against the same limit as queued ones.
  // RESOURCE_EXHAUSTED when that room is not there: the RPC layer answers
  // without taking the request's bytes off the connection. UNAVAILABLE once
  // stopping. A refusal here counts as a refused batch.
  virtual Status Admit(uint64_t* reserved) {
    *reserved = 0;
    return Status::Ok();
  }
  virtual void Release(uint64_t /*reserved*/) {}
  // Room for `bytes` more of a request already read, in the same count as
  // Admit's (a compressed request as it inflates), given back with Release().
  // RESOURCE_EXHAUSTED, nothing reserved, when that room is not there.
  virtual Status Reserve(uint64_t /*bytes*/) { return Status::Ok(); }

  // Waits until everything submitted so far is written or failed, or until
  // `timeout` passed. Returns whether the queues are empty.
  virtual bool Drain(std::chrono::milliseconds timeout) = 0;

  // Refuses new work, drains, closes every file and joins the writers.
  virtual void Stop() = 0;

  virtual SinkStats Stats() const = 0;
};

}  // namespace logscribe
