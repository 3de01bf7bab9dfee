// A SIGTERM whose drain takes a while: the scribe (slow disk on purpose,
// -test-write-delay) and the mediator (its scribe's slow disk) print a
// progress line about once a second, then their summary, and no
// acknowledged line is lost. The load is sized so that the drain needs
// several writer rounds, each at least the delay: no assertion on time.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <string>
#include <thread>

#include "logscribe.grpc.pb.h"
#include "mediator_cluster.h"
#include "metrics_scrape.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

namespace v1 = logscribe::v1;

// One line to each of this many files: that many chunks, and a writer takes
// at most 1024 per round, so writing them takes at least 3 rounds.
constexpr int kFiles = 2100;
constexpr const char* kWriteDelay = "1500ms";

v1::LogBatch OneLinePerFile() {
  v1::LogBatch batch;
  for (int f = 0; f < kFiles; ++f) {
    auto* e = batch.add_entries();
    e->set_path("d");
    e->set_filename("f" + std::to_string(f));
    e->set_line("line of f" + std::to_string(f));
  }
  return batch;
}

// Sends the batch on its own thread; *status is its answer once joined.
std::thread SendBatch(const std::string& target, grpc::Status* status) {
  return std::thread([target, status] {
    auto stub = v1::LogScribe::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    v1::LogResponse resp;
    *status = stub->LogBatch(&ctx, OneLinePerFile(), &resp);
  });
}

// Waits (bounded) until /metrics on `port` has `key` >= `value`.
bool WaitForMetric(int port, const std::string& key, double value) {
  return MediatorCluster::WaitUntil([&] {
    const auto m = Scrape(port);
    auto it = m.find(key);
    return it != m.end() && it->second >= value;
  });
}

// The progress line comes before the summary, and says what is left.
void ExpectProgressThenSummary(const std::string& out, const std::string& name, const std::string& left) {
  const size_t progress = out.find(name + ": draining for ");
  const size_t summary = out.find(name + ": stopped after");
  ASSERT_NE(progress, std::string::npos) << out;
  ASSERT_NE(summary, std::string::npos) << out;
  EXPECT_LT(progress, summary) << out;
  const std::string line = out.substr(progress, out.find('\n', progress) - progress);
  EXPECT_NE(line.find(" in flight, "), std::string::npos) << line;
  EXPECT_NE(line.find(left), std::string::npos) << line;
  EXPECT_NE(line.find("left of -shutdown-timeout 30s"), std::string::npos) << line;
}

void ExpectEveryLineWritten(const std::string& root) {
  int missing = 0;
  for (int f = 0; f < kFiles; ++f) {
    const std::string text = ReadFile(root + "/d/f" + std::to_string(f) + ".log");
    if (text != "line of f" + std::to_string(f) + "\n") ++missing;
  }
  EXPECT_EQ(missing, 0);
}

TEST(DrainProgress, ScribeReportsWhatIsQueuedForDisk) {
  TempDir root;
  std::string out;
  auto scribe = ScribeProcess::Start(
      LOGSCRIBE_BINARY,
      {"-path", root.path(), "-test-write-delay", kWriteDelay, "-shutdown-timeout", "30s", "-pprof", "-pport", "0"},
      &out);
  ASSERT_NE(scribe, nullptr) << out;
  const int port = MetricsPort(*scribe);
  ASSERT_GT(port, 0) << scribe->output();

  grpc::Status status;
  std::thread client = SendBatch(scribe->target(), &status);
  // Accepted (queued for the writer), not yet acknowledged: then SIGTERM.
  ASSERT_TRUE(WaitForMetric(port, "logscribe_lines_received_total", kFiles)) << scribe->output();
  ASSERT_EQ(kill(scribe->pid(), SIGTERM), 0);
  EXPECT_TRUE(scribe->WaitFor("logscribe: draining for ", std::chrono::seconds(60))) << scribe->output();
  EXPECT_TRUE(scribe->WaitFor("logscribe: stopped after", std::chrono::seconds(60))) << scribe->output();
  client.join();
  EXPECT_EQ(scribe->Stop(), 0);
  ExpectProgressThenSummary(scribe->output(), "logscribe", "queued for disk");
  // The call was acknowledged during the drain, so every line is in its file.
  ASSERT_TRUE(status.ok()) << status.error_message();
  ExpectEveryLineWritten(root.path());
}

TEST(DrainProgress, MediatorReportsWhatScribesHaveNotAcknowledged) {
  MediatorCluster c;
  std::string out;
  ASSERT_TRUE(c.StartMediator({"-pprof", "-pport", "0", "-shutdown-timeout", "30s"}, 0, &out)) << out;
  const int port = MetricsPort(*c.mediator());
  ASSERT_GT(port, 0) << c.mediator()->output();
  ASSERT_TRUE(c.StartScribe("slow", {"-test-write-delay", kWriteDelay, "-shutdown-timeout", "30s"}));
  ASSERT_TRUE(c.WaitForScribes({"slow"}));

  grpc::Status status;
  std::thread client = SendBatch(c.mediator()->target(), &status);
  // Forwarded to the scribe, which writes it slowly: then SIGTERM.
  ASSERT_TRUE(WaitForMetric(port, "logmediator_scribe_lines_forwarded_total{scribe=\"slow\"}", kFiles))
      << c.mediator()->output();
  ASSERT_EQ(kill(c.mediator()->pid(), SIGTERM), 0);
  EXPECT_TRUE(c.mediator()->WaitFor("logmediator: draining for ", std::chrono::seconds(60)))
      << c.mediator()->output();
  // Draining: not ready any more, still serving /metrics.
  std::string body;
  EXPECT_EQ(HttpGet(port, "/healthz", &body), 503);
  EXPECT_NE(body.find("draining"), std::string::npos) << body;
  EXPECT_TRUE(c.mediator()->WaitFor("logmediator: stopped after", std::chrono::seconds(60)))
      << c.mediator()->output();
  client.join();
  EXPECT_EQ(c.StopMediator(), 0);
  ExpectProgressThenSummary(c.mediator()->output(), "logmediator", "not yet acknowledged by scribes");
  ASSERT_TRUE(status.ok()) << status.error_message();
  ExpectEveryLineWritten(c.root("slow"));
  EXPECT_EQ(c.StopScribe("slow"), 0);
}

}  // namespace
}  // namespace logscribe::testing
