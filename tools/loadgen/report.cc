#include "report.h"

#include <cstdio>

namespace logscribe::loadgen {
namespace {

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

double Ms(uint64_t micros) { return static_cast<double>(micros) / 1000.0; }

double PerSecond(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0.0; }

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string ErrorList(const RunTotals& t, const char* separator, const char* joiner) {
  std::string out;
  for (int k = 1; k < kErrorKinds; ++k) {
    if (t.errors[k] == 0) continue;
    if (!out.empty()) out += joiner;
    out += std::string(ErrorKindName(k)) + separator + std::to_string(t.errors[k]);
  }
  return out;
}

}  // namespace

std::string FormatProgress(const RunTotals& now, const RunTotals& last) {
  const double interval = now.elapsed_s - last.elapsed_s;
  LatencyCounts recent = now.latency_us;
  recent.Subtract(last.latency_us);
  std::string out = "[" + Fixed(now.elapsed_s, 1) + "s] ";
  out += Fixed(PerSecond(static_cast<double>(now.lines_acked - last.lines_acked), interval), 0) + " lines/s ";
  out += Fixed(PerSecond(static_cast<double>(now.bytes_acked - last.bytes_acked) / 1e6, interval), 2) + " MB/s ";
  out += "in flight " + std::to_string(now.in_flight);
  out += " p50 " + Fixed(Ms(recent.Quantile(0.50)), 2) + "ms";
  out += " p99 " + Fixed(Ms(recent.Quantile(0.99)), 2) + "ms";
  const std::string errors = ErrorList(now, "=", " ");
  if (!errors.empty()) out += " errors " + errors;
  return out + "\n";
}

std::string FormatTable(const RunSummary& summary) {
  const LoadgenOptions& o = *summary.options;
  const RunTotals& t = summary.totals;
  const LatencyCounts& l = t.latency_us;
  std::string out;
  out += "run " + o.run_id + ": " + LoadModeName(o.mode) + " to " + o.target + ", " +
         std::to_string(o.connections) + " connection(s) x " + std::to_string(o.concurrency) + " in flight, " +
         (o.rate > 0 ? "open loop at " + Fixed(o.rate, 0) + " lines/s" : std::string("closed loop")) + "\n";
  out += "  elapsed        " + Fixed(t.elapsed_s, 2) + " s\n";
  out += "  lines sent     " + std::to_string(t.lines_sent) + "\n";
  out += "  lines acked    " + std::to_string(t.lines_acked) + "\n";
  out += "  lines failed   " + std::to_string(t.lines_failed) + "\n";
  out += "  throughput     " + Fixed(PerSecond(static_cast<double>(t.lines_acked), t.elapsed_s), 0) +
         " lines/s, " + Fixed(PerSecond(static_cast<double>(t.bytes_acked) / 1e6, t.elapsed_s), 2) + " MB/s\n";
  out += "  latency ms     p50 " + Fixed(Ms(l.Quantile(0.5)), 3) + "  p90 " + Fixed(Ms(l.Quantile(0.9)), 3) +
         "  p99 " + Fixed(Ms(l.Quantile(0.99)), 3) + "  p99.9 " + Fixed(Ms(l.Quantile(0.999)), 3) + "  max " +
         Fixed(Ms(l.max()), 3) + "\n";
  const std::string errors = ErrorList(t, " ", ", ");
  out += "  errors         " + (errors.empty() ? std::string("none") : errors) + "\n";
  if (summary.verify) {
    const VerifyResult& v = *summary.verify;
    out += "  verify         missing " + std::to_string(v.missing) + ", duplicated " +
           std::to_string(v.duplicated) + ", corrupted " + std::to_string(v.corrupted) + "\n";
    out += "  read back      " + std::to_string(v.lines_found) + " lines of this run (" +
           std::to_string(v.unacked_found) + " of failed batches) in " + std::to_string(v.files_read) +
           " files\n";
    if (!v.error.empty()) out += "  verify error   " + v.error + "\n";
  }
  return out;
}

std::string FormatJson(const RunSummary& summary) {
  const LoadgenOptions& o = *summary.options;
  const RunTotals& t = summary.totals;
  const LatencyCounts& l = t.latency_us;
  std::string out = "{";
  out += "\"run_id\":" + JsonString(o.run_id);
  out += ",\"mode\":" + JsonString(LoadModeName(o.mode));
  out += ",\"target\":" + JsonString(o.target);
  out += ",\"connections\":" + std::to_string(o.connections);
  out += ",\"concurrency\":" + std::to_string(o.concurrency);
  out += ",\"rate\":" + Fixed(o.rate, 3);
  out += ",\"elapsed_sec\":" + Fixed(t.elapsed_s, 3);
  out += ",\"lines_sent\":" + std::to_string(t.lines_sent);
  out += ",\"lines_acked\":" + std::to_string(t.lines_acked);
  out += ",\"lines_failed\":" + std::to_string(t.lines_failed);
  out += ",\"lines_per_sec\":" + Fixed(PerSecond(static_cast<double>(t.lines_acked), t.elapsed_s), 1);
  out += ",\"mb_per_sec\":" + Fixed(PerSecond(static_cast<double>(t.bytes_acked) / 1e6, t.elapsed_s), 3);
  out += ",\"latency_ms\":{\"p50\":" + Fixed(Ms(l.Quantile(0.5)), 3) + ",\"p90\":" + Fixed(Ms(l.Quantile(0.9)), 3) +
         ",\"p99\":" + Fixed(Ms(l.Quantile(0.99)), 3) + ",\"p999\":" + Fixed(Ms(l.Quantile(0.999)), 3) +
         ",\"max\":" + Fixed(Ms(l.max()), 3) + "}";
  std::string errors;
  for (int k = 1; k < kErrorKinds; ++k) {
    if (t.errors[k] == 0) continue;
    if (!errors.empty()) errors += ",";
    errors += JsonString(ErrorKindName(k)) + ":" + std::to_string(t.errors[k]);
  }
  out += ",\"errors\":{" + errors + "}";
  if (summary.verify) {
    const VerifyResult& v = *summary.verify;
    out += ",\"verify\":{\"missing\":" + std::to_string(v.missing) + ",\"duplicated\":" + std::to_string(v.duplicated) +
           ",\"corrupted\":" + std::to_string(v.corrupted) + ",\"lines_found\":" + std::to_string(v.lines_found) +
           ",\"unacked_found\":" + std::to_string(v.unacked_found) + ",\"files_read\":" + std::to_string(v.files_read);
    if (!v.error.empty()) out += ",\"error\":" + JsonString(v.error);
    out += "}";
  }
  return out + "}\n";
}

}  // namespace logscribe::loadgen
