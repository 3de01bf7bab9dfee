// RunLoadgen: the whole of logscribe-loadgen once its flags are parsed, so a
// test can drive it in-process.
//
// Thread contract: call from one thread; it starts and joins its own.
#pragma once

#include <atomic>
#include <ostream>

#include "loadgen_options.h"

namespace logscribe::loadgen {

inline constexpr int kExitOk = 0;
inline constexpr int kExitVerifyFailed = 1;  // an acknowledged line missing, duplicated or corrupted
inline constexpr int kExitCannotStart = 2;   // bad flags, unreadable certificates, no connection

// Runs the load, verifies with -verify-root, prints progress to `err` (unless
// -quiet) and the summary (or JSON) to `out`. Failed RPCs are reported, not
// fatal. Stops early, cleanly, once *interrupted turns true (may be null).
int RunLoadgen(const LoadgenOptions& options, std::ostream& out, std::ostream& err,
               const std::atomic<bool>* interrupted);

}  // namespace logscribe::loadgen
