// Report: the load generator's output: a progress line a second on stderr,
// and at the end a summary table or one JSON object on stdout.
//
// Thread contract: pure functions, safe from any thread.
#pragma once

#include <optional>
#include <string>

#include "load_runner.h"
#include "loadgen_options.h"
#include "verifier.h"

namespace logscribe::loadgen {

struct RunSummary {
  const LoadgenOptions* options = nullptr;
  RunTotals totals;
  std::optional<VerifyResult> verify;  // with -verify-root only
};

// "[  3.0s] 81234 lines/s 8.12 MB/s in flight 8 p50 1.2ms p99 4.5ms errors UNAVAILABLE=3\n";
// rates and quantiles over the interval since `last`, errors since the start.
std::string FormatProgress(const RunTotals& now, const RunTotals& last);

std::string FormatTable(const RunSummary& summary);

// One line of JSON with lines_sent, lines_acked, lines_failed, lines_per_sec,
// mb_per_sec (acknowledged line bytes, 10^6 per MB), latency_ms {p50, p90,
// p99, p999, max}, errors {STATUS_NAME: failed RPCs or batches} and, with
// verification, verify {missing, duplicated, corrupted, ...}.
std::string FormatJson(const RunSummary& summary);

}  // namespace logscribe::loadgen
