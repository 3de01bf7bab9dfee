#include "rpc_metrics.h"

#include "status.h"

namespace logscribe {

void AppendRpcMetrics(PrometheusText* out, const std::string& prefix, const RpcCounters& rpc) {
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  out->Counter(prefix + "_lines_received_total", "Lines accepted from clients.", load(rpc.lines_received));
  out->Counter(prefix + "_bytes_received_total", "Bytes of accepted lines, newlines included.",
               load(rpc.bytes_received));
  out->Counter(prefix + "_batches_received_total",
               "Batches accepted: a Log or LogBatch request, or one LogStream message.",
               load(rpc.batches_received));
  out->Histogram(prefix + "_batch_lines", "Lines per accepted batch.", rpc.batch_lines.Take());
  out->Histogram(prefix + "_batch_bytes", "Bytes per accepted batch.", rpc.batch_bytes.Take());

  out->Histogram(prefix + "_ack_latency_seconds",
                 "From a request (or stream message) read to its answer (or LogAck) queued.",
                 rpc.ack_latency_us.Take(), 1e6);
  const std::string started = prefix + "_rpc_started_total";
  out->Family(started, "counter", "Calls started, by method.");
  for (int m = 0; m < kRpcMethods; ++m) {
    out->Sample(started, {{"method", RpcMethodName(static_cast<RpcMethod>(m))}},
                rpc.calls_by_method[m].load(std::memory_order_relaxed));
  }
  const std::string answers = prefix + "_rpc_answers_total";
  out->Family(answers, "counter",
              "Answers by method and gRPC code: a Log or LogBatch call when it finishes, each "
              "LogStream batch when it is acknowledged. OK is always listed, other codes once seen.");
  for (int m = 0; m < kRpcMethods; ++m) {
    for (int code = 0; code < kRpcCodes; ++code) {
      const uint64_t n = rpc.answers[m][code].load(std::memory_order_relaxed);
      if (n == 0 && code != 0) continue;
      out->Sample(answers,
                  {{"method", RpcMethodName(static_cast<RpcMethod>(m))},
                   {"code", StatusCodeName(static_cast<StatusCode>(code))}},
                  n);
    }
  }
  out->Gauge(prefix + "_rpc_live_calls", "Calls under way.",
             static_cast<double>(rpc.live_calls.load(std::memory_order_relaxed)));
}

void AppendRightsMetrics(PrometheusText* out, const std::string& prefix, const Rights& rights) {
  const std::string name = prefix + "_rights_refused_total";
  out->Family(name, "counter",
              "Calls (or stream batches) refused PERMISSION_DENIED because the caller lacks the right, "
              "by right: write (Log, LogBatch, LogStream, -write-scope), read, scribe, admin.");
  for (int i = 0; i < kRights; ++i) {
    const auto right = static_cast<Right>(i);
    out->Sample(name, {{"right", RightName(right)}}, rights.refusals(right));
  }
  out->Counter(prefix + "_write_scope_refused_total",
               "Writes refused because a file was outside the writer's -write-scope.", rights.scope_refusals());
}

}  // namespace logscribe
