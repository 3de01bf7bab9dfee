#include "scribe_metrics.h"

#include "prometheus_text.h"
#include "rpc_metrics.h"
#include "status.h"

namespace logscribe {
namespace {

const char* WriteOpName(int op) {
  switch (static_cast<WriteOpKind>(op)) {
    case WriteOpKind::kOpen: return "open";
    case WriteOpKind::kWrite: return "write";
    case WriteOpKind::kSync: return "sync";
    case WriteOpKind::kRotate: return "rotate";
  }
  return "?";
}

uint64_t Load(const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); }


}  // namespace

std::string RenderScribeMetrics(const ScribeMetricsSources& src) {
  PrometheusText out;
  const RpcCounters& rpc = *src.rpc;
  const WriterCounters& w = src.sink->counters();
  const SinkStats stats = src.sink->Stats();

  out.Family("logscribe_build_info", "gauge", "Always 1; the version of the running scribe.");
  out.Sample("logscribe_build_info", {{"version", src.version}}, uint64_t{1});
  out.Gauge("logscribe_uptime_seconds", "Seconds since the scribe started.",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - src.started).count());

  // What came in, and the calls (rpc_metrics.h, shared with the mediator).
  AppendRpcMetrics(&out, "logscribe", rpc);

  // What went out.
  out.Counter("logscribe_lines_written_total", "Lines appended to log files.", stats.lines_written);
  out.Counter("logscribe_bytes_written_total", "Bytes appended to log files.", stats.bytes_written);
  out.Counter("logscribe_appends_total", "Appends (one writev or io_uring write per file and round).",
          Load(w.appends));
  out.Histogram("logscribe_append_bytes", "Bytes per append.", w.append_bytes.Take());
  out.Counter("logscribe_rotations_total", "Files rotated, for any reason.", stats.rotations);
  out.Family("logscribe_rotations_by_reason_total", "counter",
             "Files rotated by reason: size (-size reached) or time (-rotate-every passed).");
  for (int r = 0; r < kRotateReasons; ++r) {
    out.Sample("logscribe_rotations_by_reason_total",
               {{"reason", static_cast<RotateReason>(r) == RotateReason::kSize ? "size" : "time"}},
               Load(w.rotations_by_reason[r]));
  }
  out.Counter("logscribe_files_unlinked_total",
              "Open log files found deleted or replaced behind the scribe; their name was opened afresh.",
              Load(w.files_unlinked));
  out.Counter("logscribe_files_opened_total", "Log files opened (again after LRU eviction included).",
          stats.files_opened);
  out.Gauge("logscribe_open_files", "Log files open now.",
        static_cast<double>(w.open_files.load(std::memory_order_relaxed)));

  out.Family("logscribe_write_errors_total", "counter",
             "Failed file operations by op (open, write, sync, rotate) and status code "
             "(RESOURCE_EXHAUSTED: no space; PERMISSION_DENIED; UNAVAILABLE: I/O error). "
             "Only kinds that happened are listed.");
  for (int op = 0; op < kWriteOpKinds; ++op) {
    for (int code = 0; code < kStatusCodes; ++code) {
      const uint64_t n = Load(w.write_errors_by_kind[op][code]);
      if (n == 0) continue;
      out.Sample("logscribe_write_errors_total",
                 {{"op", WriteOpName(op)}, {"code", StatusCodeName(static_cast<StatusCode>(code))}}, n);
    }
  }

  // Rotated files: compression and retention, in the background.
  const ArchiveCounters& a = src.sink->archive_counters();
  out.Counter("logscribe_compressed_files_total", "Rotated files compressed (-compress).",
          Load(a.files_compressed));
  out.Counter("logscribe_compression_failures_total",
          "Compressions that failed (the file stays plain and is tried again later).",
          Load(a.compression_failures));
  out.Counter("logscribe_compression_input_bytes_total", "Plain bytes of the files compressed.",
          Load(a.bytes_before));
  out.Counter("logscribe_compression_output_bytes_total", "Compressed bytes of the files compressed.",
          Load(a.bytes_after));
  out.Counter("logscribe_backups_deleted_total", "Rotated files deleted by -max-backups.",
          Load(a.backups_deleted));
  out.Family("logscribe_retention_deleted_total", "counter",
             "Rotated pieces deleted, by reason: max_backups (-max-backups), max_age (-max-age), "
             "max_root_bytes (-max-root-bytes), min_free_bytes (-min-free-bytes).");
  for (int r = 0; r < kRetentionReasons; ++r) {
    out.Sample("logscribe_retention_deleted_total",
               {{"reason", RetentionReasonName(static_cast<RetentionReason>(r))}},
               Load(a.deleted_by_reason[r]));
  }
  out.Gauge("logscribe_root_bytes", "Bytes of the whole root at the last disk-budget check (0 without a budget).",
            static_cast<double>(a.root_bytes.load(std::memory_order_relaxed)));
  out.Gauge("logscribe_over_budget",
            "1 while writes are refused: the disk budget is exceeded and only live files are left.",
            static_cast<double>(a.over_budget.load(std::memory_order_relaxed)));
  out.Counter("logscribe_archive_leftovers_removed_total",
          "Leftovers of an interrupted compression removed: .tmp files, plain files whose "
          "compressed copy was complete.",
          Load(a.leftovers_removed));
  out.Gauge("logscribe_archive_pending_logs", "Logs rotated and waiting for compression or retention.",
        static_cast<double>(a.pending_logs.load(std::memory_order_relaxed)));

  if (const ReadCounters* r = src.reads; r != nullptr) {
    auto v = [](const auto& a) { return a.load(std::memory_order_relaxed); };
    out.Counter("logscribe_read_lists_total", "LogReader.List calls.", v(r->lists));
    out.Counter("logscribe_reads_ok_total", "LogReader.Read calls that ended OK.", v(r->reads_ok));
    out.Counter("logscribe_reads_failed_total", "LogReader.Read calls that ended with another status.",
                v(r->reads_failed));
    out.Counter("logscribe_reads_refused_total", "LogReader.Read calls refused by -max-readers.",
                v(r->reads_refused));
    out.Counter("logscribe_readers_cut_off_total", "Reads ended because the client took nothing for -read-stall-timeout.",
                v(r->readers_cut_off));
    out.Counter("logscribe_read_bytes_total", "Bytes of lines sent to readers.", v(r->bytes_read));
    out.Counter("logscribe_read_lines_total", "Lines sent to readers.", v(r->lines_read));
    out.Gauge("logscribe_readers", "Reads under way now.", static_cast<double>(v(r->readers_live)));
    out.Gauge("logscribe_followers", "Following reads that have sent lines, now.",
              static_cast<double>(v(r->followers_live)));
  }

  // The queue between the RPC threads and the writers.
  out.Gauge("logscribe_queue_bytes", "Bytes accepted and not yet written.",
        static_cast<double>(stats.queued_bytes));
  out.Gauge("logscribe_queue_limit_bytes", "-queue-bytes: past it requests are refused.",
        static_cast<double>(src.queue_limit_bytes));
  out.Gauge("logscribe_queue_chunks", "Per-file chunks accepted and not yet written (queue depth).",
        static_cast<double>(Load(w.queued_chunks)));
  out.Counter("logscribe_refused_batches_total",
          "Batches refused with RESOURCE_EXHAUSTED because the queue was full.", stats.refused_batches);

  if (src.allow_list != nullptr) {
    out.Counter("logscribe_allow_list_refused_total",
            "Calls refused because the client certificate is not on -allow-cn/-allow-san.",
            src.allow_list->refused_calls());
  }
  if (src.rights != nullptr) AppendRightsMetrics(&out, "logscribe", *src.rights);
  return out.Take();
}

Status StartScribeMetrics(const ScribeMetricsSources& sources, const std::string& bind, int port,
                          const std::atomic<bool>* draining, std::unique_ptr<MetricsHttpServer>* out) {
  MetricsHttpOptions options;
  options.bind = bind;
  options.port = port;
  options.render_metrics = [sources] { return RenderScribeMetrics(sources); };
  options.healthy = [draining](std::string* why) {
    if (draining->load(std::memory_order_relaxed)) {
      *why = "draining: the scribe is shutting down";
      return false;
    }
    return true;
  };
  return MetricsHttpServer::Start(std::move(options), out);
}

}  // namespace logscribe
