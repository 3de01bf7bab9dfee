#include "prometheus_text.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace logscribe {
namespace {

void AppendEscaped(std::string* out, std::string_view value, bool label) {
  for (char c : value) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '"':
        if (label) {
          *out += "\\\"";
        } else {
          *out += c;
        }
        break;
      default: *out += c;
    }
  }
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer the shortest form that reads back the same.
  for (int precision = 1; precision < 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, v);
    if (std::strtod(shorter, nullptr) == v) return shorter;
  }
  return buf;
}

}  // namespace

void PrometheusText::Family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  AppendEscaped(&out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusText::Head(std::string_view name, const Labels& labels, std::string_view extra_key,
                          std::string_view extra_value) {
  out_ += name;
  if (labels.empty() && extra_key.empty()) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  bool first = true;
  auto label = [&](std::string_view k, std::string_view v) {
    if (!first) out_ += ',';
    first = false;
    out_ += k;
    out_ += "=\"";
    AppendEscaped(&out_, v, true);
    out_ += '"';
  };
  for (const auto& [k, v] : labels) label(k, v);
  if (!extra_key.empty()) label(extra_key, extra_value);
  out_ += "} ";
}

void PrometheusText::Sample(std::string_view name, const Labels& labels, double value) {
  Head(name, labels);
  out_ += FormatDouble(value);
  out_ += '\n';
}

void PrometheusText::Sample(std::string_view name, const Labels& labels, uint64_t value) {
  Head(name, labels);
  out_ += std::to_string(value);
  out_ += '\n';
}

void PrometheusText::Counter(std::string_view name, std::string_view help, uint64_t value) {
  Family(name, "counter", help);
  Sample(name, {}, value);
}

void PrometheusText::Gauge(std::string_view name, std::string_view help, double value) {
  Family(name, "gauge", help);
  Sample(name, {}, value);
}

void PrometheusText::Histogram(std::string_view name, std::string_view help,
                               const Histogram::Snapshot& h, double unit, const Labels& labels) {
  Family(name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  for (size_t i = 0; i <= h.buckets; ++i) {
    const std::string le =
        i < h.buckets ? FormatDouble(static_cast<double>(h.bounds[i]) / unit) : "+Inf";
    Head(bucket, labels, "le", le);
    out_ += std::to_string(h.cumulative[i]);
    out_ += '\n';
  }
  const std::string sum = std::string(name) + "_sum";
  if (unit == 1.0) {
    Sample(sum, labels, h.sum);
  } else {
    Sample(sum, labels, static_cast<double>(h.sum) / unit);
  }
  Sample(std::string(name) + "_count", labels, h.count);
}

}  // namespace logscribe
