// logscribe-loadgen: drives a scribe with lines over Log, LogBatch or
// LogStream and reports throughput, latency, errors and (with -verify-root)
// whether every acknowledged line reached the disk once and intact.
#include <csignal>
#include <iostream>

#include "loadgen.h"
#include "loadgen_options.h"

namespace {

std::atomic<bool> g_interrupted{false};

void OnSignal(int) { g_interrupted.store(true, std::memory_order_relaxed); }

}  // namespace

int main(int argc, char** argv) {
  using namespace logscribe::loadgen;
  LoadgenOptions options;
  std::string message;
  switch (ParseLoadgenOptions(argc, argv, &options, &message)) {
    case ParseOutcome::kHelp:
      std::cout << message;
      return kExitOk;
    case ParseOutcome::kError:
      std::cerr << "logscribe-loadgen: " << message << "\n";
      return kExitCannotStart;
    case ParseOutcome::kOk:
      break;
  }
  static_assert(std::atomic<bool>::is_always_lock_free);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  return RunLoadgen(options, std::cout, std::cerr, &g_interrupted);
}
