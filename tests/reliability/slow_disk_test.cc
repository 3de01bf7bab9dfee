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

#include "mediator_cluster.h"
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

// 8 streams, 64 batches of 256 KB each (125 MiB in flight).
const SlowCase kStreamFlood{"stream_flood", 8 * 64 * 256000,
                            {"-mode", "stream", "-connections", "8", "-concurrency", "64", "-batch-lines",
                             "256", "-line-bytes", "1000"}};
// 8 connections of 32 LogBatch RPCs of 1 MiB (16 lines of 64 KiB): 256 MiB.
const SlowCase kBatchFlood{"batch_flood", 8 * 32 * (16u << 16),
                           {"-mode", "batch", "-connections", "8", "-concurrency", "32", "-batch-lines", "16",
                            "-line-bytes", "64KiB"}};

std::string CaseName(const ::testing::TestParamInfo<SlowCase>& info) { return info.param.name; }

// Runs the case's load against `target` for 3 s and checks what clients saw
// and what `watched` (the process in front of the clients) peaked at: under
// `queue_copies` x -queue-bytes plus the fixed overhead.
void RunSlowCase(const SlowCase& c, const TempDir& dir, const std::string& target, const std::string& root,
                 pid_t watched, const char* who, uint64_t queue_copies) {
  const uint64_t base_peak = PeakResidentBytes(watched);
  std::vector<std::string> args = {"-target", target, "-duration", "3s", "-verify-root", root, "-json", "-quiet"};
  args.insert(args.end(), c.loadgen_args.begin(), c.loadgen_args.end());
  auto loadgen = BackgroundProcess::Start(LOADGEN_BINARY, args, dir.path() + "/loadgen.json",
                                          dir.path() + "/loadgen.err");
  ASSERT_NE(loadgen, nullptr);
  const int code = loadgen->Wait(120s);
  const uint64_t peak = PeakResidentBytes(watched);

  const std::string json = Slurp(dir.path() + "/loadgen.json");
  EXPECT_EQ(code, 0) << json << "\n" << Slurp(dir.path() + "/loadgen.err");
  EXPECT_GT(JsonNumber(json, "lines_acked").value_or(0), 0) << json;
  EXPECT_GT(JsonNumber(json, "RESOURCE_EXHAUSTED").value_or(0), 0) << json;
  EXPECT_EQ(JsonNumber(json, "missing"), 0) << json;
  EXPECT_EQ(JsonNumber(json, "duplicated"), 0) << json;
  EXPECT_EQ(JsonNumber(json, "corrupted"), 0) << json;
  if (!kUnderAsan) {
    EXPECT_LT(peak, base_peak + queue_copies * kQueueBytes + kOverheadBytes)
        << who << " peak RSS " << peak << " bytes, at start " << base_peak;
  }
  std::printf("slow disk %s, %s: VmHWM %.1f MiB at start, %.1f MiB peak (-queue-bytes 8 MiB, clients keep "
              "%.0f MiB in flight); %s\n",
              c.name, who, base_peak / 1048576.0, peak / 1048576.0, c.inflight_bytes / 1048576.0, json.c_str());
}

class SlowDiskTest : public ::testing::TestWithParam<SlowCase> {};

TEST_P(SlowDiskTest, MemoryStaysUnderQueueBytesAndClientsSeeResourceExhausted) {
  TempDir dir;
  const std::string root = dir.path() + "/root";
  std::string out;
  auto scribe = ScribeProcess::Start(
      LOGSCRIBE_BINARY, {"-path", root, "-test-write-delay", "50ms", "-queue-bytes", "8MiB"}, &out);
  ASSERT_NE(scribe, nullptr) << out;
  RunSlowCase(GetParam(), dir, scribe->target(), root, scribe->pid(), "scribe", 1);
  EXPECT_EQ(scribe->Stop(), 0) << scribe->output();  // alive, and stops cleanly
}

// The same loads through a mediator (-queue-bytes 8MiB) in front of one slow
// scribe: the mediator's queue fills with lines the scribe has not yet
// acknowledged, and the mediator refuses and bounds its memory the same way.
// Its bound counts -queue-bytes twice: the parts it holds until the scribe
// acknowledges them, and their wire copies in the batches written to it.
class SlowScribeBehindMediatorTest : public ::testing::TestWithParam<SlowCase> {};

TEST_P(SlowScribeBehindMediatorTest, MediatorMemoryStaysUnderQueueBytes) {
  TempDir dir;
  MediatorCluster cluster;
  std::string out;
  ASSERT_TRUE(cluster.StartMediator({"-queue-bytes", "8MiB"}, 0, &out)) << out;
  ASSERT_TRUE(cluster.StartScribe("s1", {"-test-write-delay", "50ms", "-queue-bytes", "8MiB"}, &out)) << out;
  ASSERT_TRUE(cluster.WaitForScribes({"s1"}));
  RunSlowCase(GetParam(), dir, cluster.mediator()->target(), cluster.root("s1"), cluster.mediator()->pid(),
              "mediator", 2);
  EXPECT_EQ(cluster.StopMediator(), 0) << cluster.mediator()->output();
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
        kStreamFlood,
        // 4 connections of 32 LogBatch RPCs of 1 MiB (16 lines of 64 KiB) in flight.
        SlowCase{"batch_heavy", 4 * 32 * (16u << 16),
                 {"-mode", "batch", "-connections", "4", "-concurrency", "32", "-batch-lines", "16",
                  "-line-bytes", "64KiB"}},
        kBatchFlood,
        // The seed's unary Log: 4 connections of 256 calls of one 64 KiB line.
        SlowCase{"unary_flood", 4 * 256 * (1u << 16),
                 {"-mode", "unary", "-connections", "4", "-concurrency", "256", "-line-bytes", "64KiB"}}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(Loads, SlowScribeBehindMediatorTest, ::testing::Values(kStreamFlood, kBatchFlood),
                         CaseName);

}  // namespace
}  // namespace logscribe::testing
