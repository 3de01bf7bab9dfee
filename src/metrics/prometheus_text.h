// PrometheusText: renders metrics in the Prometheus text exposition format
// (version 0.0.4): one "# HELP" and "# TYPE" per family, then its samples.
//
// Thread contract: thread-compatible; one renderer per scrape.
//
// Usage:
//   PrometheusText out;
//   out.Family("logscribe_lines_written_total", "counter", "Lines appended to files.");
//   out.Sample("logscribe_lines_written_total", {}, 42);
//   out.Histogram("logscribe_ack_latency_seconds", "...", hist.Take(), 1e6);
//   std::string body = out.Take();
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "histogram.h"

namespace logscribe {

class PrometheusText {
 public:
  using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

  // The content type of the body, for the HTTP answer.
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // Starts a family; `type` is counter, gauge or histogram.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  // One sample line; label values are escaped.
  void Sample(std::string_view name, const Labels& labels, double value);
  void Sample(std::string_view name, const Labels& labels, uint64_t value);
  // A family of one unlabelled sample.
  void Counter(std::string_view name, std::string_view help, uint64_t value);
  void Gauge(std::string_view name, std::string_view help, double value);

  // A whole histogram family: _bucket{le=...}, _sum and _count. Bounds and the
  // sum are divided by `unit` (1e6 turns microseconds into seconds).
  void Histogram(std::string_view name, std::string_view help, const Histogram::Snapshot& h,
                 double unit = 1.0, const Labels& labels = {});

  std::string Take() { return std::move(out_); }

 private:
  void Head(std::string_view name, const Labels& labels, std::string_view extra_key = {},
            std::string_view extra_value = {});
  std::string out_;
};

}  // namespace logscribe
