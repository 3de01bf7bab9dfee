#include "mediator_metrics.h"

#include <map>

#include "prometheus_text.h"
#include "rpc_metrics.h"
#include "status.h"

namespace logscribe {
namespace {

const char* RefusalName(int why) {
  switch (static_cast<ForwardRefusal>(why)) {
    case ForwardRefusal::kNoScribe: return "no_scribe";
    case ForwardRefusal::kQueueFull: return "queue_full";
    case ForwardRefusal::kStopping: return "stopping";
  }
  return "?";
}

uint64_t Load(const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); }

// One family with a sample per scribe.
template <typename Value>
void PerScribe(PrometheusText* out, const char* name, const char* type, const char* help,
               const std::map<std::string, ScribeForwardStats>& scribes, Value value) {
  out->Family(name, type, help);
  for (const auto& [id, s] : scribes) out->Sample(name, {{"scribe", id}}, value(s));
}

}  // namespace

std::string RenderMediatorMetrics(const MediatorMetricsSources& src) {
  PrometheusText out;
  const MediatorServer& server = *src.server;
  const Registry& registry = server.registry();
  const RegistryCounters& reg = registry.counters();
  const ForwarderStats fwd = server.forward_stats();
  const std::vector<ScribeRecord> live = registry.Scribes();
  // Every scribe the forwarder has numbers for (dropped ones too), plus every
  // live one; `live` says which.
  std::map<std::string, ScribeForwardStats> scribes;
  for (const ScribeForwardStats& s : fwd.scribes) scribes[s.id] = s;
  for (auto& [id, s] : scribes) s.live = false;
  for (const ScribeRecord& r : live) {
    ScribeForwardStats& s = scribes[r.id];
    s.id = r.id;
    s.live = true;
  }

  out.Family("logmediator_build_info", "gauge", "Always 1; the version of the running mediator.");
  out.Sample("logmediator_build_info", {{"version", src.version}}, uint64_t{1});
  out.Gauge("logmediator_uptime_seconds", "Seconds since the mediator started.",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - src.started).count());

  // Scribes, health and routing.
  out.Gauge("logmediator_scribes_live", "Scribes registered and not dropped.",
            static_cast<double>(live.size()));
  out.Gauge("logmediator_routing_scribes", "Scribes in the current routing snapshot.",
            static_cast<double>(registry.router()->scribes().size()));
  out.Counter("logmediator_routing_updates_total",
              "Routing snapshots made (one per registration and per health round).", registry.generation());
  out.Gauge("logmediator_routing_files_in_flight",
            "Files with lines in flight at a scribe (the one-writer-per-file table).",
            static_cast<double>(fwd.fence_files));
  out.Family("logmediator_registrations_total", "counter",
             "Register calls by outcome: added, moved (new address), unchanged, refused (bad id, address).");
  for (int k = 0; k < kRegistrationKinds; ++k) {
    out.Sample("logmediator_registrations_total",
               {{"outcome", Registry::RegistrationName(static_cast<Registry::Registration>(k))}},
               Load(reg.registrations[k]));
  }
  out.Sample("logmediator_registrations_total", {{"outcome", "refused"}}, Load(reg.registrations_refused));
  out.Counter("logmediator_scribes_dropped_total", "Scribes dropped after -max-misses failed pings in a row.",
              Load(reg.dropped));
  out.Counter("logmediator_scribes_deregistered_total",
              "Scribes that left on their own (Deregister, sent as they stop).", Load(reg.deregistered));
  out.Counter("logmediator_ping_rounds_total", "Health rounds completed.", server.ping_rounds());
  out.Counter("logmediator_pings_total", "Pings of scribes whose answer (or failure) was applied.",
              Load(reg.pings));
  out.Counter("logmediator_pings_failed_total",
              "Pings that failed: no answer by -ping-timeout, an error, or a wrong product.",
              Load(reg.pings_failed));
  out.Family("logmediator_scribe_missed_pings", "gauge", "Consecutive failed pings of each live scribe.");
  for (const ScribeRecord& r : live) {
    out.Sample("logmediator_scribe_missed_pings", {{"scribe", r.id}}, static_cast<uint64_t>(r.misses));
  }

  // Per scribe: forwarding.
  PerScribe(&out, "logmediator_scribe_live", "gauge", "1 while the scribe is live, 0 once dropped.", scribes,
            [](const ScribeForwardStats& s) { return uint64_t{s.live ? 1u : 0u}; });
  PerScribe(&out, "logmediator_scribe_lines_forwarded_total", "counter",
            "Lines written to the scribe's stream, resends included.", scribes,
            [](const ScribeForwardStats& s) { return s.sent_lines; });
  PerScribe(&out, "logmediator_scribe_bytes_forwarded_total", "counter",
            "Bytes of those lines, newlines included.", scribes,
            [](const ScribeForwardStats& s) { return s.sent_bytes; });
  PerScribe(&out, "logmediator_scribe_batches_forwarded_total", "counter",
            "Batches written to the scribe's stream.", scribes,
            [](const ScribeForwardStats& s) { return s.sent_batches; });
  PerScribe(&out, "logmediator_scribe_lines_acked_total", "counter", "Lines the scribe acknowledged.",
            scribes, [](const ScribeForwardStats& s) { return s.lines; });
  PerScribe(&out, "logmediator_scribe_bytes_acked_total", "counter", "Bytes the scribe acknowledged.",
            scribes, [](const ScribeForwardStats& s) { return s.bytes; });
  PerScribe(&out, "logmediator_scribe_lines_retried_total", "counter",
            "Lines sent again elsewhere after this scribe failed them (its stream broke or it was "
            "dropped): the only lines that may be written twice.",
            scribes, [](const ScribeForwardStats& s) { return s.retried_lines; });
  PerScribe(&out, "logmediator_scribe_batches_in_flight", "gauge",
            "Batches written to the scribe and not yet acknowledged.", scribes,
            [](const ScribeForwardStats& s) { return s.batches_in_flight; });
  PerScribe(&out, "logmediator_scribe_queued_parts", "gauge",
            "Per-file parts assigned to the scribe and not yet written to its stream.", scribes,
            [](const ScribeForwardStats& s) { return s.queued_parts; });

  // Totals of forwarding.
  out.Counter("logmediator_lines_acked_total", "Lines acknowledged by scribes.", fwd.lines);
  out.Counter("logmediator_bytes_acked_total", "Bytes acknowledged by scribes.", fwd.bytes);
  out.Counter("logmediator_lines_retried_total", "Lines sent again after a scribe failed them.",
              fwd.retried_lines);
  out.Counter("logmediator_lines_failed_total",
              "Lines whose client was answered with an error after they were accepted.", fwd.failed_lines);
  out.Family("logmediator_refused_requests_total", "counter",
             "Requests refused before anything was forwarded, by reason: no_scribe (UNAVAILABLE), "
             "queue_full (RESOURCE_EXHAUSTED, -queue-bytes), stopping (UNAVAILABLE).");
  for (int why = 0; why < kForwardRefusals; ++why) {
    out.Sample("logmediator_refused_requests_total", {{"reason", RefusalName(why)}},
               fwd.refused_by_reason[why]);
  }
  out.Gauge("logmediator_queue_bytes", "Bytes accepted and not yet acknowledged by scribes.",
            static_cast<double>(fwd.queued_bytes));
  out.Gauge("logmediator_queue_limit_bytes", "-queue-bytes: past it requests are refused.",
            static_cast<double>(src.queue_limit_bytes));
  out.Gauge("logmediator_parts_in_flight", "Per-file parts accepted and not yet acknowledged or failed.",
            static_cast<double>(fwd.parts_in_flight));

  // Calls: the clients' LogScribe calls, then the mediator's own.
  AppendRpcMetrics(&out, "logmediator", server.counters());
  out.Family("logmediator_admin_answers_total", "counter",
             "Answers of Register and the Mediator service's calls by method and gRPC code; OK always "
             "listed, other codes once seen.");
  const MediatorCallCounters& calls = server.call_counters();
  for (int m = 0; m < kMediatorCalls; ++m) {
    for (int code = 0; code < kRpcCodes; ++code) {
      const uint64_t n = Load(calls.answers[m][code]);
      if (n == 0 && code != 0) continue;
      out.Sample("logmediator_admin_answers_total",
                 {{"method", MediatorCallName(static_cast<MediatorCall>(m))},
                  {"code", StatusCodeName(static_cast<StatusCode>(code))}},
                 n);
    }
  }
  if (src.allow_list != nullptr) {
    out.Counter("logmediator_allow_list_refused_total",
                "Calls refused because the client certificate is not on -allow-cn/-allow-san.",
                src.allow_list->refused_calls());
  }
  if (src.rights != nullptr) AppendRightsMetrics(&out, "logmediator", *src.rights);
  out.Counter("logmediator_scribe_takeovers_refused_total",
              "Register or Deregister calls refused because another certificate holds the scribe id.",
              Load(server.registry().counters().takeovers_refused));
  out.Counter("logmediator_impostor_pings_total",
              "Pings answered by a server whose certificate is not the one that registered the scribe id "
              "(counted as failed).",
              server.impostor_pings());
  return out.Take();
}

Status StartMediatorMetrics(const MediatorMetricsSources& sources, const std::string& bind, int port,
                            const std::atomic<bool>* draining, std::unique_ptr<MetricsHttpServer>* out) {
  MetricsHttpOptions options;
  options.bind = bind;
  options.port = port;
  options.render_metrics = [sources] { return RenderMediatorMetrics(sources); };
  const MediatorServer* server = sources.server;
  options.healthy = [draining, server](std::string* why) {
    if (draining->load(std::memory_order_relaxed)) {
      *why = "draining: the mediator is shutting down";
      return false;
    }
    if (server->scribes() == 0) {
      *why = "no live scribe: log requests are refused until a scribe registers";
      return false;
    }
    return true;
  };
  return MetricsHttpServer::Start(std::move(options), out);
}

}  // namespace logscribe
