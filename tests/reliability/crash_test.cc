// Crash: a scribe under full load from logscribe-loadgen is killed with SIGKILL
// at random moments and restarted each time on the same root and port. At the
// end the loadgen's verifier must find every acknowledged line on disk exactly
// once and intact, and every file must end with a whole line.
//
// LOGSCRIBE_CRASH_KILLS (default 3) sets the number of kills per case and
// LOGSCRIBE_CRASH_SEED the random moments; tests/reliability/crash_soak.sh
// runs this test with 10 kills.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include "logscribe.grpc.pb.h"
#include "reliability_util.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

using namespace std::chrono_literals;

struct CrashCase {
  const char* ack;   // -ack of the scribe
  const char* mode;  // -mode of the loadgen
};
void PrintTo(const CrashCase& c, std::ostream* os) { *os << "-ack " << c.ack << ", -mode " << c.mode; }

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

// Waits until `pid` has written `bytes` more than `base` (so load is flowing
// into this scribe); false after `timeout`.
bool WaitForWrites(pid_t pid, uint64_t base, uint64_t bytes, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (BytesWritten(pid) >= base + bytes) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class CrashTest : public ::testing::TestWithParam<CrashCase> {
 protected:
  // Starts a scribe on `root` (on `port` unless 0), retrying while the port is
  // still held by the process just killed.
  std::unique_ptr<ScribeProcess> StartScribe(const std::string& root, int port) {
    std::vector<std::string> args = {"-path", root, "-ack", GetParam().ack, "-size", "16MB"};
    if (port != 0) args.insert(args.end(), {"-port", std::to_string(port), "-bind", "127.0.0.1"});
    std::string out;
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (auto p = ScribeProcess::Start(LOGSCRIBE_BINARY, args, &out)) return p;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "the scribe did not start: " << out;
    return nullptr;
  }
};

TEST_P(CrashTest, SigkillUnderLoadLosesNoAcknowledgedLine) {
  const int kills = EnvInt("LOGSCRIBE_CRASH_KILLS", 3);
  const unsigned seed = static_cast<unsigned>(EnvInt("LOGSCRIBE_CRASH_SEED", static_cast<int>(std::random_device()())));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(0, 700);
  TempDir dir;
  const std::string root = dir.path() + "/root";

  std::unique_ptr<ScribeProcess> scribe = StartScribe(root, 0);
  ASSERT_NE(scribe, nullptr);
  const int port = scribe->port();
  auto loadgen = BackgroundProcess::Start(
      LOADGEN_BINARY,
      {"-target", scribe->target(), "-mode", GetParam().mode, "-connections", "2", "-duration", "300s",
       "-verify-root", root, "-verify-wait", "5s", "-json", "-quiet", "-drain-timeout", "10s"},
      dir.path() + "/loadgen.json", dir.path() + "/loadgen.err");
  ASSERT_NE(loadgen, nullptr);

  std::string scribe_output;
  size_t torn_after_kill = 0;
  for (int k = 0; k < kills; ++k) {
    ASSERT_TRUE(WaitForWrites(scribe->pid(), BytesWritten(scribe->pid()), 1 << 20, 30s))
        << "no load reached the scribe before kill " << k << "; loadgen: "
        << Slurp(dir.path() + "/loadgen.err");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    EXPECT_EQ(scribe->Stop(SIGKILL), 128 + SIGKILL);
    scribe_output += scribe->output();
    torn_after_kill += FilesEndingMidLine(root).size();
    scribe = StartScribe(root, port);
    ASSERT_NE(scribe, nullptr);
  }
  ASSERT_TRUE(WaitForWrites(scribe->pid(), BytesWritten(scribe->pid()), 1 << 20, 30s));
  loadgen->Signal(SIGINT);
  const int loadgen_code = loadgen->Wait(120s);
  EXPECT_EQ(scribe->Stop(SIGTERM), 0) << scribe->output();
  scribe_output += scribe->output();

  const std::string json = Slurp(dir.path() + "/loadgen.json");
  const std::string err = Slurp(dir.path() + "/loadgen.err");
  EXPECT_EQ(loadgen_code, 0) << json << "\n" << err;
  EXPECT_GT(JsonNumber(json, "lines_acked").value_or(0), 0) << json;
  EXPECT_EQ(JsonNumber(json, "missing"), 0) << json;
  EXPECT_EQ(JsonNumber(json, "duplicated"), 0) << json;
  EXPECT_EQ(JsonNumber(json, "corrupted"), 0) << json;
  EXPECT_EQ(FilesEndingMidLine(root), std::vector<std::string>{});

  const size_t repaired = Count(scribe_output, "ended in an unfinished line");
  std::printf(
      "crash ack=%s mode=%s seed=%u kills=%d lines_acked=%.0f lines_failed=%.0f missing=%.0f "
      "duplicated=%.0f corrupted=%.0f files_ending_mid_line_after_kill=%zu tails_cut_on_restart=%zu\n",
      GetParam().ack, GetParam().mode, seed, kills, JsonNumber(json, "lines_acked").value_or(-1),
      JsonNumber(json, "lines_failed").value_or(-1), JsonNumber(json, "missing").value_or(-1),
      JsonNumber(json, "duplicated").value_or(-1), JsonNumber(json, "corrupted").value_or(-1),
      torn_after_kill, repaired);
}

// What a kill in the middle of an append leaves, made by hand: a file ending in
// part of a line. The restarted scribe must cut the fragment before it appends,
// or the next acknowledged line would be glued to it.
TEST(CrashRecovery, RestartCutsAnUnfinishedLastLineBeforeAppending) {
  TempDir dir;
  {
    std::ofstream(dir.path() + "/app.log") << "acked 1\nacked 2\nunacked fragm";
    std::ofstream(dir.path() + "/whole.log") << "unacked fragment, no newline at all";
  }
  std::string out;
  auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", dir.path()}, &out);
  ASSERT_NE(scribe, nullptr) << out;
  auto channel = grpc::CreateChannel(scribe->target(), grpc::InsecureChannelCredentials());
  auto stub = logscribe::v1::LogScribe::NewStub(channel);
  for (const char* name : {"app", "whole"}) {
    logscribe::v1::LogRequest req;
    req.set_filename(name);
    req.set_line("after restart");
    logscribe::v1::LogResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 30s);
    ASSERT_TRUE(stub->Log(&ctx, req, &resp).ok());
  }
  EXPECT_EQ(Slurp(dir.path() + "/app.log"), "acked 1\nacked 2\nafter restart\n");
  EXPECT_EQ(Slurp(dir.path() + "/whole.log"), "after restart\n");
  EXPECT_EQ(scribe->Stop(), 0);
  EXPECT_NE(scribe->output().find("app.log ended in an unfinished line"), std::string::npos)
      << scribe->output();
}

INSTANTIATE_TEST_SUITE_P(AckModes, CrashTest,
                         ::testing::Values(CrashCase{"written", "stream"}, CrashCase{"fsync", "stream"},
                                           CrashCase{"written", "batch"}),
                         [](const ::testing::TestParamInfo<CrashCase>& info) {
                           return std::string(info.param.ack) + "_" + info.param.mode;
                         });

}  // namespace
}  // namespace logscribe::testing
