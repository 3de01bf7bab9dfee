// Verifier: reads the scribe's roots back after a run and compares them with
// what was sent and acknowledged.
//
// Thread contract: thread-compatible; Scan() is const and keeps its state on
// the stack, so it may be repeated.
//
// Every live *.log file under every root is read, and every rotated piece
// (the names of src/io/rotated_name.h, either scheme), compressed ones (.zst,
// .gz) decompressed; a piece seen both plain and compressed (a compression
// under way) is read once. A line of this run is one that
// begins with the run's prefix "lg-<run>-"; lines of other runs are ignored.
//  - missing: a line of an acknowledged batch that was not found.
//  - duplicated: each extra copy of an id, acknowledged or not.
//  - corrupted: a line of this run whose id does not parse, names a line
//    never sent, whose content differs from what was sent, or that sits in
//    another file than the one it was sent to; also a line holding the run's
//    prefix anywhere but at its start (two lines merged).
// Lines of failed batches may appear or not; they are counted as
// unacked_found, never as missing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "connection_stats.h"
#include "line_codec.h"

namespace logscribe::loadgen {

struct VerifyResult {
  uint64_t missing = 0;
  uint64_t duplicated = 0;
  uint64_t corrupted = 0;
  uint64_t lines_found = 0;    // lines of this run read back, good or bad
  uint64_t unacked_found = 0;  // lines of failed batches found anyway (first copies)
  uint64_t files_read = 0;
  std::vector<std::string> examples;  // the first few problems, one sentence each
  std::string error;                  // a root or file could not be read

  bool clean() const { return missing == 0 && duplicated == 0 && corrupted == 0 && error.empty(); }
};

class Verifier {
 public:
  static constexpr size_t kMaxExamples = 5;

  // ledgers[c] is connection c's ledger.
  Verifier(const LineCodec& codec, std::vector<const BatchLedger*> ledgers)
      : codec_(codec), ledgers_(std::move(ledgers)) {}

  VerifyResult Scan(const std::vector<std::string>& roots) const;

  // Scans again every 200ms while acknowledged lines are missing, for up to
  // `wait` (a scribe may acknowledge before it writes).
  VerifyResult ScanUntilComplete(const std::vector<std::string>& roots, std::chrono::nanoseconds wait) const;

 private:
  const LineCodec& codec_;
  const std::vector<const BatchLedger*> ledgers_;
};

}  // namespace logscribe::loadgen
