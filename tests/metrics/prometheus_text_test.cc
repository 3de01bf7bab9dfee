#include "prometheus_text.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "histogram.h"

namespace logscribe {
namespace {

TEST(HistogramTest, BoundsAreInclusiveAndCumulative) {
  Histogram h{1, 10, 100};
  for (uint64_t v : {0, 1, 2, 10, 11, 100, 101, 5000}) h.Record(v);
  const Histogram::Snapshot s = h.Take();
  ASSERT_EQ(s.buckets, 3u);
  EXPECT_EQ(s.cumulative[0], 2u);  // 0, 1
  EXPECT_EQ(s.cumulative[1], 4u);  // + 2, 10
  EXPECT_EQ(s.cumulative[2], 6u);  // + 11, 100
  EXPECT_EQ(s.cumulative[3], 8u);  // +Inf
  EXPECT_EQ(s.count, 8u);
  EXPECT_EQ(s.sum, 0u + 1 + 2 + 10 + 11 + 100 + 101 + 5000);
}

TEST(HistogramTest, ConcurrentRecordsAreAllCounted) {
  Histogram h{10, 1000};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10000; ++i) h.Record(static_cast<uint64_t>(i % 2000));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.Take().count, 40000u);
}

TEST(PrometheusTextTest, FamiliesSamplesAndEscaping) {
  PrometheusText out;
  out.Family("x_total", "counter", "Lines with a \\ and\na newline.");
  out.Sample("x_total", {}, uint64_t{42});
  out.Sample("x_total", {{"path", "a\"b\\c\nd"}, {"code", "OK"}}, uint64_t{1});
  out.Family("g", "gauge", "A gauge.");
  out.Sample("g", {}, 0.5);
  out.Sample("g", {}, 3.0);
  EXPECT_EQ(out.Take(),
            "# HELP x_total Lines with a \\\\ and\\na newline.\n"
            "# TYPE x_total counter\n"
            "x_total 42\n"
            "x_total{path=\"a\\\"b\\\\c\\nd\",code=\"OK\"} 1\n"
            "# HELP g A gauge.\n"
            "# TYPE g gauge\n"
            "g 0.5\n"
            "g 3\n");
}

TEST(PrometheusTextTest, HistogramInSecondsFromMicroseconds) {
  Histogram h{50, 1000, 10000000};
  h.Record(40);
  h.Record(2000);
  PrometheusText out;
  out.Histogram("lat_seconds", "Latency.", h.Take(), 1e6);
  EXPECT_EQ(out.Take(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{le=\"5e-05\"} 1\n"
            "lat_seconds_bucket{le=\"0.001\"} 1\n"
            "lat_seconds_bucket{le=\"10\"} 2\n"
            "lat_seconds_bucket{le=\"+Inf\"} 2\n"
            "lat_seconds_sum 0.00204\n"
            "lat_seconds_count 2\n");
}

}  // namespace
}  // namespace logscribe
