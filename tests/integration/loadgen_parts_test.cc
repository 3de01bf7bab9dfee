// The load generator's pieces on their own: line ids, the latency
// histogram, and flag validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "latency_histogram.h"
#include "line_codec.h"
#include "loadgen_options.h"

namespace logscribe::loadgen {
namespace {

TEST(LineCodecTest, FormatsToLengthAndParsesBack) {
  const LineCodec codec("run7", 100, 16, 4, 256);
  std::string line;
  codec.Format(LineId{3, 12345, 255}, &line);
  EXPECT_EQ(line.size(), 100u);
  EXPECT_EQ(line.rfind("lg-run7-3-12345-255 ", 0), 0u) << line;
  const std::optional<LineId> id = codec.ParseId(line);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->conn, 3u);
  EXPECT_EQ(id->seq, 12345u);
  EXPECT_EQ(id->idx, 255u);
  std::string scratch;
  EXPECT_TRUE(codec.Matches(*id, line, &scratch));
  std::string flipped = line;
  flipped[60] ^= 1;
  EXPECT_FALSE(codec.Matches(*id, flipped, &scratch));
  EXPECT_FALSE(codec.Matches(*id, line.substr(0, 99), &scratch));
}

TEST(LineCodecTest, FillerDiffersBetweenIdsAndRuns) {
  const LineCodec a("a", 64, 1, 1, 1), b("b", 64, 1, 1, 1);
  std::string x, y, z;
  a.Format(LineId{0, 1, 0}, &x);
  a.Format(LineId{0, 2, 0}, &y);
  b.Format(LineId{0, 1, 0}, &z);
  EXPECT_NE(x.substr(12), y.substr(12));
  EXPECT_NE(x.substr(12), z.substr(12));
}

TEST(LineCodecTest, ShortLineBytesKeepTheWholeId) {
  const LineCodec codec("r", 4, 1, 1, 1);
  std::string line;
  codec.Format(LineId{0, 7, 0}, &line);
  EXPECT_EQ(line, "lg-r-0-7-0 ");
  EXPECT_TRUE(codec.ParseId(line).has_value());
}

TEST(LineCodecTest, RejectsMalformedIds) {
  const LineCodec codec("r", 50, 1, 1, 1);
  for (const char* bad : {"lg-r-", "lg-r-1-2", "lg-r-1-2-3", "lg-r-a-2-3 x", "lg-r-01-2-3 x", "lg-r-1--3 x",
                          "lg-q-1-2-3 x"}) {
    EXPECT_FALSE(codec.ParseId(bad).has_value()) << bad;
  }
}

TEST(LineCodecTest, SpreadsFilesRoundRobinOverPaths) {
  const LineCodec codec("r", 50, 6, 4, 10);
  EXPECT_EQ(codec.FileIndex(LineId{0, 0, 0}), 0);
  EXPECT_EQ(codec.FileIndex(LineId{0, 0, 5}), 5);
  EXPECT_EQ(codec.FileIndex(LineId{0, 1, 0}), 4);  // line 10 of connection 0
  EXPECT_EQ(codec.FileIndex(LineId{1, 0, 0}), 1);
  EXPECT_EQ(codec.FileName(5), "f5");
  EXPECT_EQ(codec.PathName(5), "p1");
}

TEST(LatencyHistogramTest, QuantilesAreWithinTheBucketError) {
  LatencyHistogram h;
  std::mt19937_64 rng(42);
  std::vector<uint64_t> values;
  for (int i = 0; i < 100000; ++i) values.push_back(rng() % 5000000);
  for (uint64_t v : values) h.Record(v);
  std::sort(values.begin(), values.end());
  const LatencyCounts counts = h.Snapshot();
  EXPECT_EQ(counts.total(), values.size());
  EXPECT_EQ(counts.max(), values.back());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double truth = static_cast<double>(values[static_cast<size_t>(q * values.size()) - 1]);
    EXPECT_NEAR(static_cast<double>(counts.Quantile(q)), truth, truth * 0.02) << q;
  }
}

TEST(LatencyHistogramTest, BucketsCoverTheRangeInOrder) {
  for (uint64_t v = 0; v < 1000000; v += 7) {
    const size_t b = LatencyCounts::BucketOf(v);
    ASSERT_LT(b, LatencyCounts::kBuckets);
    ASSERT_GE(LatencyCounts::BucketTop(b), v);
    if (b > 0) {
      ASSERT_LT(LatencyCounts::BucketTop(b - 1), v);
    }
  }
  EXPECT_EQ(LatencyCounts::BucketOf(UINT64_MAX), LatencyCounts::kBuckets - 1);
}

TEST(LatencyHistogramTest, SubtractGivesTheInterval) {
  LatencyHistogram h;
  for (int i = 0; i < 100; ++i) h.Record(10);
  const LatencyCounts before = h.Snapshot();
  for (int i = 0; i < 100; ++i) h.Record(5000);
  LatencyCounts recent = h.Snapshot();
  recent.Subtract(before);
  EXPECT_EQ(recent.total(), 100u);
  EXPECT_NEAR(static_cast<double>(recent.Quantile(0.5)), 5000, 100);
}

ParseOutcome Parse(std::vector<std::string> args, LoadgenOptions* options, std::string* message) {
  args.insert(args.begin(), "logscribe-loadgen");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseLoadgenOptions(static_cast<int>(argv.size()), argv.data(), options, message);
}

TEST(LoadgenOptionsTest, DefaultsMatchTheHelp) {
  LoadgenOptions o;
  std::string message;
  ASSERT_EQ(Parse({}, &o, &message), ParseOutcome::kOk) << message;
  EXPECT_EQ(o.target, "127.0.0.1:8080");
  EXPECT_EQ(o.mode, LoadMode::kStream);
  EXPECT_EQ(o.connections, 1);
  EXPECT_EQ(o.concurrency, 8);
  EXPECT_EQ(o.batch_lines, 256);
  EXPECT_EQ(o.line_bytes, 100);
  EXPECT_EQ(o.files, 16);
  EXPECT_EQ(o.paths, 1);
  EXPECT_TRUE(o.has_duration);
  EXPECT_EQ(o.duration, std::chrono::seconds(10));
  EXPECT_EQ(o.run_id.size(), 8u);
}

TEST(LoadgenOptionsTest, ParsesDurationsSizesAndLines) {
  LoadgenOptions o;
  std::string message;
  ASSERT_EQ(Parse({"-duration", "500ms", "-line-bytes", "1KiB", "-mode=unary", "-rate", "2.5", "-run-id", "ab_1"}, &o,
                  &message),
            ParseOutcome::kOk)
      << message;
  EXPECT_EQ(o.duration, std::chrono::milliseconds(500));
  EXPECT_EQ(o.line_bytes, 1024);
  EXPECT_EQ(o.mode, LoadMode::kUnary);
  EXPECT_EQ(o.lines_per_batch(), 1);
  EXPECT_DOUBLE_EQ(o.rate, 2.5);
  EXPECT_EQ(o.run_id, "ab_1");

  LoadgenOptions only_lines;
  ASSERT_EQ(Parse({"-lines", "5"}, &only_lines, &message), ParseOutcome::kOk) << message;
  EXPECT_FALSE(only_lines.has_duration);
  EXPECT_EQ(only_lines.lines, 5u);
  LoadgenOptions both;
  ASSERT_EQ(Parse({"-lines", "5", "-duration", "2m"}, &both, &message), ParseOutcome::kOk) << message;
  EXPECT_TRUE(both.has_duration);
  EXPECT_EQ(both.duration, std::chrono::minutes(2));
}

TEST(LoadgenOptionsTest, BadFlagsAreOneSentence) {
  const std::vector<std::vector<std::string>> bad = {
      {"-mode", "tcp"},        {"-connections", "0"}, {"-concurrency", "-1"}, {"-duration", "fast"},
      {"-duration", "0s"},     {"-lines", "0"},       {"-rate", "-3"},        {"-run-id", "a-b"},
      {"-crt", "c.pem"},       {"-ca", "ca.pem", "-crt", "c.pem"},           {"-verify-root", "/no/such/dir"},
      {"-line-bytes", "2MiB"}, {"-bogus"},           {"stray"}};
  for (const auto& args : bad) {
    LoadgenOptions o;
    std::string message;
    EXPECT_EQ(Parse(args, &o, &message), ParseOutcome::kError) << args[0];
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  LoadgenOptions o;
  std::string message;
  EXPECT_EQ(Parse({"-help"}, &o, &message), ParseOutcome::kHelp);
  EXPECT_NE(message.find("-verify-root"), std::string::npos);
}

}  // namespace
}  // namespace logscribe::loadgen
