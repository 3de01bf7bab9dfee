// LoadRunner: one run of the load generator: connect every channel, start
// the connections on a shared clock, report progress, stop and drain.
//
// Thread contract: thread-compatible; Run() and everything else from one
// thread. The connections run on threads of their own.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "connection.h"
#include "connection_stats.h"
#include "latency_histogram.h"
#include "line_codec.h"
#include "loadgen_options.h"
#include "run_control.h"

namespace logscribe::loadgen {

// The sum over all connections at one moment.
struct RunTotals {
  double elapsed_s = 0;  // from the shared start to now, or to the last connection's last completion
  uint64_t lines_sent = 0;
  uint64_t lines_acked = 0;
  uint64_t lines_failed = 0;
  uint64_t bytes_acked = 0;
  int64_t in_flight = 0;  // RPCs or stream batches
  std::array<uint64_t, kErrorKinds> errors{};
  LatencyCounts latency_us;
};

class LoadRunner {
 public:
  explicit LoadRunner(const LoadgenOptions& options);
  ~LoadRunner();

  // Connects, runs until the duration or -lines is done (or *interrupted turns
  // true), then drains. Writes a progress line to *progress once a second when
  // it is not null. Returns false with one sentence in *error when the run
  // could not start (credentials, no connection).
  bool Run(const std::atomic<bool>* interrupted, std::ostream* progress, std::string* error);

  RunTotals Totals() const;
  const LineCodec& codec() const { return codec_; }
  // REQUIRES: Run() returned true.
  std::vector<const BatchLedger*> Ledgers() const;

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kPoll{50};

  const LoadgenOptions& options_;
  const LineCodec codec_;
  std::unique_ptr<RunControl> control_;
  std::vector<std::unique_ptr<Connection>> connections_;
  Clock::time_point start_{};
  Clock::time_point end_{};
  bool ended_ = false;
};

}  // namespace logscribe::loadgen
