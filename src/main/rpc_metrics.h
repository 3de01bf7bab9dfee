// The RPC families every binary's /metrics shares: what came in from clients
// (lines, bytes, batches and their sizes), calls by method and answer code,
// the ack latency, and calls under way; rendered from an RpcCounters.
//
// Thread contract: thread-safe; it reads relaxed atomics.
#pragma once

#include <string>

#include "call.h"
#include "prometheus_text.h"
#include "rights.h"

namespace logscribe {

// Appends the families, each named `prefix` + "_..." (logscribe_lines_received_total, ...).
void AppendRpcMetrics(PrometheusText* out, const std::string& prefix, const RpcCounters& rpc);
// Calls refused for want of a right (rights.h), by right, and the writes
// refused by -write-scope (also counted under right="write").
void AppendRightsMetrics(PrometheusText* out, const std::string& prefix, const Rights& rights);

}  // namespace logscribe
