// Descriptors: 10,000 distinct files written three times over (LogBatch in
// order, LogBatch in reverse, LogStream shuffled) by a scribe with
// -max-open-files 64 whose descriptor limit is 128 (soft and hard, set by
// prlimit before exec). Every line must land in its file, in order, and the
// scribe must never hold more descriptors than its limit lets it.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <random>
#include <thread>

#include "logscribe.grpc.pb.h"
#include "reliability_util.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = logscribe::v1;

constexpr int kFiles = 10000;
constexpr int kDescriptorLimit = 128;

void AddEntry(v1::LogBatch* batch, int round, int i) {
  auto* e = batch->add_entries();
  e->set_path("d" + std::to_string(i / 100));
  e->set_filename("f" + std::to_string(i % 100));
  e->set_line("r" + std::to_string(round) + " " + std::to_string(i));
}

class DescriptorsTest : public ::testing::TestWithParam<int> {};

TEST_P(DescriptorsTest, TenThousandFilesThroughSixtyFourDescriptors) {
  if (::access("/usr/bin/prlimit", X_OK) != 0) GTEST_SKIP() << "skipped: no /usr/bin/prlimit";
  TempDir dir;
  std::string out;
  auto scribe = ScribeProcess::Start(
      "/usr/bin/prlimit",
      {"--nofile=" + std::to_string(kDescriptorLimit) + ":" + std::to_string(kDescriptorLimit),
       LOGSCRIBE_BINARY, "-path", dir.path(), "-max-open-files", "64", "-writer-threads",
       std::to_string(GetParam())},
      &out);
  ASSERT_NE(scribe, nullptr) << out;
  // The limit really is the scribe's (prlimit execs it; the scribe cannot raise it).
  const std::string limits = Slurp("/proc/" + std::to_string(scribe->pid()) + "/limits");
  EXPECT_NE(limits.find("Max open files            128                  128"), std::string::npos) << limits;
  auto stub = v1::LogScribe::NewStub(
      grpc::CreateChannel(scribe->target(), grpc::InsecureChannelCredentials()));

  std::atomic<bool> done{false};
  std::atomic<int> max_fds{0};
  std::thread sampler([&] {
    while (!done.load()) {
      max_fds.store(std::max(max_fds.load(), OpenDescriptors(scribe->pid())));
      std::this_thread::sleep_for(5ms);
    }
  });
  auto deadline = [] { return std::chrono::system_clock::now() + 120s; };

  // Round 0: one LogBatch, files in order.
  {
    v1::LogBatch batch;
    for (int i = 0; i < kFiles; ++i) AddEntry(&batch, 0, i);
    v1::LogResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    const grpc::Status s = stub->LogBatch(&ctx, batch, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  // Round 1: ten LogBatches, files in reverse.
  for (int part = 0; part < 10; ++part) {
    v1::LogBatch batch;
    for (int k = 0; k < kFiles / 10; ++k) AddEntry(&batch, 1, kFiles - 1 - (part * kFiles / 10 + k));
    v1::LogResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    const grpc::Status s = stub->LogBatch(&ctx, batch, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  // Round 2: one LogStream, 100 batches in flight at once, files shuffled.
  {
    std::vector<int> order(kFiles);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937(42));
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    auto stream = stub->LogStream(&ctx);
    for (int b = 0; b < 100; ++b) {
      v1::LogBatch batch;
      batch.set_seq(b);
      for (int k = 0; k < 100; ++k) AddEntry(&batch, 2, order[b * 100 + k]);
      ASSERT_TRUE(stream->Write(batch));
    }
    stream->WritesDone();
    v1::LogAck ack;
    int acks = 0;
    while (stream->Read(&ack)) {
      ++acks;
      EXPECT_EQ(ack.code(), 0) << ack.message();
    }
    EXPECT_EQ(acks, 100);
    EXPECT_TRUE(stream->Finish().ok());
  }
  done.store(true);
  sampler.join();
  EXPECT_EQ(scribe->Stop(), 0) << scribe->output();

  int wrong = 0;
  for (int i = 0; i < kFiles; ++i) {
    const std::string name = dir.path() + "/d" + std::to_string(i / 100) + "/f" + std::to_string(i % 100) + ".log";
    const std::string want = "r0 " + std::to_string(i) + "\nr1 " + std::to_string(i) + "\nr2 " + std::to_string(i) + "\n";
    const std::string got = Slurp(name);
    if (got != want && ++wrong <= 5) ADD_FAILURE() << name << " holds [" << got << "], want [" << want << "]";
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(LogFiles(dir.path()).size(), static_cast<size_t>(kFiles));
  EXPECT_LE(max_fds.load(), kDescriptorLimit);
  std::printf("descriptors: %d files x 3 rounds through -max-open-files 64, -writer-threads %d, "
              "nofile %d: %d files wrong, at most %d descriptors open\n",
              kFiles, GetParam(), kDescriptorLimit, wrong, max_fds.load());
}

INSTANTIATE_TEST_SUITE_P(WriterThreads, DescriptorsTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace logscribe::testing
