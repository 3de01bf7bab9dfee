// Slow disk: writers slowed on purpose (-test-write-delay before every writer
// round) with a small -queue-bytes, under more load than they can take.
// Clients must see RESOURCE_EXHAUSTED (and every acknowledged line must be on
// disk), and the scribe must live on and stop cleanly.
//
// Memory: -queue-bytes bounds the lines accepted and not yet written, and the
// unary requests being read: Sink::Admit reserves room for a request before
// its bytes are read, and a call it refuses is answered unread. HTTP/2
// windows stay at 64 KiB per stream (no BDP probing), so what clients keep in
// flight waits in their own buffers. Every case, whatever the clients push,
// is checked against -queue-bytes + a fixed overhead. docs/RELIABILITY.md
// has the figures.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "reliability_util.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kQueueBytes = 8u << 20;
// Threads, gRPC's fixed buffers and the allocator's slack.
constexpr uint64_t kOverheadBytes = 32u << 20;

struct SlowCase {
  const char* name;
  uint64_t inflight_bytes;  // connections x concurrency x request size
  std::vector<std::string> loadgen_args;
};
void PrintTo(const SlowCase& c, std::ostream* os) { *os << c.name; }

class SlowDiskTest : public ::testing::TestWithParam<SlowCase> {};

TEST_P(SlowDiskTest, MemoryStaysUnderQueueBytesAndClientsSeeResourceExhausted) {
  TempDir dir;
  const std::string root = dir.path() + "/root";
  std::string out;
  auto scribe = ScribeProcess::Start(
      LOGSCRIBE_BINARY, {"-path", root, "-test-write-delay", "50ms", "-queue-bytes", "8MiB"}, &out);
  ASSERT_NE(scribe, nullptr) << out;
  const uint64_t base_peak = PeakResidentBytes(scribe->pid());

  std::vector<std::string> args = {"-target", scribe->target(), "-duration", "3s", "-verify-root", root,
                                   "-json", "-quiet"};
  args.insert(args.end(), GetParam().loadgen_args.begin(), GetParam().loadgen_args.end());
  auto loadgen = BackgroundProcess::Start(LOADGEN_BINARY, args, dir.path() + "/loadgen.json",
                                          dir.path() + "/loadgen.err");
  ASSERT_NE(loadgen, nullptr);
  const int code = loadgen->Wait(120s);
  const uint64_t peak = PeakResidentBytes(scribe->pid());
  EXPECT_EQ(scribe->Stop(), 0) << scribe->output();  // alive, and stops cleanly

  const std::string json = Slurp(dir.path() + "/loadgen.json");
  EXPECT_EQ(code, 0) << json << "\n" << Slurp(dir.path() + "/loadgen.err");
  EXPECT_GT(JsonNumber(json, "lines_acked").value_or(0), 0) << json;
  EXPECT_GT(JsonNumber(json, "RESOURCE_EXHAUSTED").value_or(0), 0) << json;
  EXPECT_EQ(JsonNumber(json, "missing"), 0) << json;
  EXPECT_EQ(JsonNumber(json, "duplicated"), 0) << json;
  EXPECT_EQ(JsonNumber(json, "corrupted"), 0) << json;
  if (!kUnderAsan) {
    EXPECT_LT(peak, base_peak + kQueueBytes + kOverheadBytes)
        << "peak RSS " << peak << " bytes, at start " << base_peak;
  }
  std::printf("slow disk %s: VmHWM %.1f MiB at start, %.1f MiB peak (-queue-bytes 8 MiB, clients keep "
              "%.0f MiB in flight); %s\n",
              GetParam().name, base_peak / 1048576.0, peak / 1048576.0,
              GetParam().inflight_bytes / 1048576.0, json.c_str());
}

INSTANTIATE_TEST_SUITE_P(
    Loads, SlowDiskTest,
    ::testing::Values(
        // 1 stream, 48 batches of 256 KB in flight: a little over -queue-bytes.
        SlowCase{"stream_modest", 48 * 256000,
                 {"-mode", "stream", "-connections", "1", "-concurrency", "48", "-batch-lines", "256",
                  "-line-bytes", "1000"}},
        // 4 streams, 64 batches of 256 KB each in flight per stream.
        SlowCase{"stream_heavy", 4 * 64 * 256000,
                 {"-mode", "stream", "-connections", "4", "-concurrency", "64", "-batch-lines", "256",
                  "-line-bytes", "1000"}},
        // 8 streams, 64 batches of 256 KB each: twice as much, same bound.
        SlowCase{"stream_flood", 8 * 64 * 256000,
                 {"-mode", "stream", "-connections", "8", "-concurrency", "64", "-batch-lines", "256",
                  "-line-bytes", "1000"}},
        // 4 connections of 32 LogBatch RPCs of 1 MiB (16 lines of 64 KiB) in flight.
        SlowCase{"batch_heavy", 4 * 32 * (16u << 16),
                 {"-mode", "batch", "-connections", "4", "-concurrency", "32", "-batch-lines", "16",
                  "-line-bytes", "64KiB"}},
        // Twice as many: 8 connections, 256 MiB in flight, same bound.
        SlowCase{"batch_flood", 8 * 32 * (16u << 16),
                 {"-mode", "batch", "-connections", "8", "-concurrency", "32", "-batch-lines", "16",
                  "-line-bytes", "64KiB"}},
        // The seed's unary Log: 4 connections of 256 calls of one 64 KiB line.
        SlowCase{"unary_flood", 4 * 256 * (1u << 16),
                 {"-mode", "unary", "-connections", "4", "-concurrency", "256", "-line-bytes", "64KiB"}}),
    [](const ::testing::TestParamInfo<SlowCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace logscribe::testing
