// ScribeMetrics: the scribe's /metrics body and its HTTP endpoint (-pprof).
//
// Thread contract: Render() is thread-safe (it reads relaxed atomics of the
// sink and the server, which outlive the endpoint); Start/Stop are called by
// main's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "call.h"
#include "file_sink.h"
#include "metrics_http_server.h"
#include "peer_allow_list.h"
#include "rights.h"
#include "read_service.h"

namespace logscribe {

// What /metrics reads. Every pointer outlives the endpoint; allow_list may be null.
struct ScribeMetricsSources {
  const char* version = "";
  std::chrono::steady_clock::time_point started;
  const FileSink* sink = nullptr;
  uint64_t queue_limit_bytes = 0;
  const RpcCounters* rpc = nullptr;
  const PeerAllowList* allow_list = nullptr;
  const Rights* rights = nullptr;  // may be null
  // The read service's; null without one (-sink null).
  const ReadCounters* reads = nullptr;
};

// The Prometheus text body (names under "logscribe_"; see docs/metrics.md).
std::string RenderScribeMetrics(const ScribeMetricsSources& sources);

// Starts the endpoint on bind:port; /healthz answers 503 once *draining is true.
Status StartScribeMetrics(const ScribeMetricsSources& sources, const std::string& bind, int port,
                          const std::atomic<bool>* draining, std::unique_ptr<MetricsHttpServer>* out);

}  // namespace logscribe
