// MediatorMetrics: the mediator's /metrics body and its HTTP endpoint (-pprof).
//
// Thread contract: Render() is thread-safe: it reads relaxed atomics of the
// server, and per-scribe numbers under the registry's and the forwarder's own
// locks (once per scrape, never on the per-line path). Start is called by
// main's thread; everything the sources point at outlives the endpoint.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "mediator_server.h"
#include "metrics_http_server.h"
#include "peer_allow_list.h"
#include "rights.h"

namespace logscribe {

// What /metrics reads; allow_list may be null.
struct MediatorMetricsSources {
  const char* version = "";
  std::chrono::steady_clock::time_point started;
  const MediatorServer* server = nullptr;
  uint64_t queue_limit_bytes = 0;
  const PeerAllowList* allow_list = nullptr;
  const Rights* rights = nullptr;  // may be null
};

// The Prometheus text body (names under "logmediator_"; see docs/metrics.md).
std::string RenderMediatorMetrics(const MediatorMetricsSources& sources);

// Starts the endpoint on bind:port. /healthz answers 503 once *draining is
// true, and while no scribe is live (every log request would be refused).
Status StartMediatorMetrics(const MediatorMetricsSources& sources, const std::string& bind, int port,
                            const std::atomic<bool>* draining, std::unique_ptr<MetricsHttpServer>* out);

}  // namespace logscribe
