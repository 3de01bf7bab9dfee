// The RPC families every binary's /metrics shares: what came in from clients
// (lines, bytes, batches and their sizes), calls by method and answer code,
// the ack latency, and calls under way; rendered from an RpcCounters.
//
// Thread contract: thread-safe; it reads relaxed atomics.
#pragma once

#include <string>

#include "call.h"
#include "prometheus_text.h"

namespace logscribe {

// Appends the families, each named `prefix` + "_..." (logscribe_lines_received_total, ...).
void AppendRpcMetrics(PrometheusText* out, const std::string& prefix, const RpcCounters& rpc);

}  // namespace logscribe
