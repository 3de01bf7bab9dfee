// The scribe's -pprof endpoint as Prometheus and a probe meet it: the real
// binary, a known load over gRPC, then /metrics parsed and every counter
// checked; /healthz; the flags of the endpoint.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "logscribe.grpc.pb.h"
#include "log_client.h"
#include "metrics_scrape.h"
#include "scribe_process.h"
#include "version.h"

namespace logscribe::testing {
namespace {

namespace v1 = logscribe::v1;

class MetricsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> extra) {
    std::vector<std::string> args = {"-path", root_.path(), "-pprof", "-pport", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string out;
    scribe_ = ScribeProcess::Start(LOGSCRIBE_BINARY, args, &out);
    ASSERT_NE(scribe_, nullptr) << out;
    metrics_port_ = MetricsPort(*scribe_);
    ASSERT_GT(metrics_port_, 0) << scribe_->output();
    stub_ = v1::LogScribe::NewStub(grpc::CreateChannel(scribe_->target(), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (scribe_ != nullptr) {
      EXPECT_EQ(scribe_->Stop(), 0) << scribe_->output();
    }
  }

  grpc::Status Log(const std::string& path, const std::string& filename, const std::string& line) {
    return CallLog(stub_.get(), path, filename, line);
  }

  std::map<std::string, double> Scrape() { return logscribe::testing::Scrape(metrics_port_); }

  TempDir root_;
  std::unique_ptr<ScribeProcess> scribe_;
  std::unique_ptr<v1::LogScribe::Stub> stub_;
  int metrics_port_ = 0;
};

// Every line is 30 bytes plus its newline, so with -size 2KB a file holds 64
// lines (64 * 31 = 1984) and rotation counts are exact.
std::string Line(int i) {
  std::string s = "line " + std::to_string(i);
  s.resize(30, '.');
  return s;
}

TEST_F(MetricsTest, CountersMatchAKnownLoad) {
  Start({"-size", "2KB"});
  // 10 Log calls (file one: 10 lines), 1 refused Log.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Log("m", "one", Line(i)).ok());
  EXPECT_EQ(Log("m", "../escape", "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // 5 LogBatch calls of 20 lines (file two: 100 lines, one rotation).
  for (int b = 0; b < 5; ++b) {
    v1::LogBatch batch;
    for (int i = 0; i < 20; ++i) {
      auto* e = batch.add_entries();
      e->set_path("m");
      e->set_filename("two");
      e->set_line(Line(i));
    }
    v1::LogResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->LogBatch(&ctx, batch, &resp).ok());
  }
  // One stream of 4 batches of 50 lines (file three: 200 lines, three rotations).
  {
    grpc::ClientContext ctx;
    auto stream = stub_->LogStream(&ctx);
    for (int b = 0; b < 4; ++b) {
      v1::LogBatch batch;
      batch.set_seq(b);
      for (int i = 0; i < 50; ++i) {
        auto* e = batch.add_entries();
        e->set_path("m");
        e->set_filename("three");
        e->set_line(Line(i));
      }
      ASSERT_TRUE(stream->Write(batch));
    }
    stream->WritesDone();
    v1::LogAck ack;
    int acks = 0;
    while (stream->Read(&ack)) {
      EXPECT_EQ(ack.code(), 0);
      ++acks;
    }
    ASSERT_TRUE(stream->Finish().ok());
    ASSERT_EQ(acks, 4);
  }

  // A writer lowers the queue gauges just after its chunks' answers went out
  // (so that Drain() sees them told): wait (bounded) for the last one.
  auto m = Scrape();
  for (int i = 0; i < 500 && m["logscribe_queue_chunks"] != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    m = Scrape();
  }
  constexpr double kLines = 10 + 100 + 200;
  EXPECT_EQ(m["logscribe_lines_received_total"], kLines);
  EXPECT_EQ(m["logscribe_bytes_received_total"], kLines * 31);
  EXPECT_EQ(m["logscribe_lines_written_total"], kLines);
  EXPECT_EQ(m["logscribe_bytes_written_total"], kLines * 31);
  EXPECT_EQ(m["logscribe_batches_received_total"], 10 + 5 + 4);
  EXPECT_EQ(m["logscribe_batch_lines_count"], 19);
  EXPECT_EQ(m["logscribe_batch_lines_sum"], kLines);
  EXPECT_EQ(m["logscribe_batch_lines_bucket{le=\"1\"}"], 10);
  EXPECT_EQ(m["logscribe_batch_lines_bucket{le=\"20\"}"], 15);
  EXPECT_EQ(m["logscribe_batch_lines_bucket{le=\"+Inf\"}"], 19);
  EXPECT_EQ(m["logscribe_batch_bytes_sum"], kLines * 31);
  EXPECT_EQ(m["logscribe_rotations_total"], 1 + 3);
  EXPECT_GE(m["logscribe_appends_total"], 3 + 4);
  EXPECT_EQ(m["logscribe_append_bytes_sum"], kLines * 31);
  EXPECT_EQ(m["logscribe_append_bytes_count"], m["logscribe_appends_total"]);
  EXPECT_EQ(m["logscribe_open_files"], 3);
  EXPECT_GE(m["logscribe_files_opened_total"], 3);
  EXPECT_EQ(m["logscribe_queue_bytes"], 0);
  EXPECT_EQ(m["logscribe_queue_chunks"], 0);
  EXPECT_EQ(m["logscribe_queue_limit_bytes"], 256.0 * 1024 * 1024);
  EXPECT_EQ(m["logscribe_refused_batches_total"], 0);
  EXPECT_EQ(m["logscribe_rpc_started_total{method=\"Log\"}"], 11);
  EXPECT_EQ(m["logscribe_rpc_started_total{method=\"LogBatch\"}"], 5);
  EXPECT_EQ(m["logscribe_rpc_started_total{method=\"LogStream\"}"], 1);
  EXPECT_EQ(m["logscribe_rpc_answers_total{method=\"Log\",code=\"OK\"}"], 10);
  EXPECT_EQ(m["logscribe_rpc_answers_total{method=\"Log\",code=\"INVALID_ARGUMENT\"}"], 1);
  EXPECT_EQ(m["logscribe_rpc_answers_total{method=\"LogBatch\",code=\"OK\"}"], 5);
  EXPECT_EQ(m["logscribe_rpc_answers_total{method=\"LogStream\",code=\"OK\"}"], 4);
  // One latency per answer: 11 Log, 5 LogBatch, 4 stream batches.
  EXPECT_EQ(m["logscribe_ack_latency_seconds_count"], 20);
  EXPECT_EQ(m["logscribe_ack_latency_seconds_bucket{le=\"+Inf\"}"], 20);
  EXPECT_GT(m["logscribe_ack_latency_seconds_sum"], 0);
  EXPECT_LE(m["logscribe_ack_latency_seconds_bucket{le=\"5e-05\"}"],
            m["logscribe_ack_latency_seconds_bucket{le=\"10\"}"]);
  EXPECT_EQ(m["logscribe_build_info{version=\"" LOGSCRIBE_VERSION "\"}"], 1);
  EXPECT_GT(m["logscribe_uptime_seconds"], 0);
  for (const auto& [key, value] : m) {
    EXPECT_EQ(key.rfind("logscribe_write_errors_total", 0), std::string::npos) << key;
  }

  std::string body;
  EXPECT_EQ(HttpGet(metrics_port_, "/healthz", &body), 200);
  EXPECT_EQ(body, "ok\n");
  EXPECT_EQ(HttpGet(metrics_port_, "/nope", &body), 404);
}

TEST_F(MetricsTest, WriteErrorsAreCountedByKind) {
  Start({});
  // A regular file where a directory must be: the open fails (ENOTDIR).
  { std::ofstream(root_.path() + "/blocked") << "not a directory\n"; }
  EXPECT_FALSE(Log("blocked", "x", "line").ok());
  EXPECT_FALSE(Log("blocked", "x", "line").ok());
  ASSERT_TRUE(Log("fine", "x", "line").ok());
  auto m = Scrape();
  double errors = 0;
  for (const auto& [key, value] : m) {
    if (key.rfind("logscribe_write_errors_total{op=\"open\",code=", 0) == 0) errors += value;
  }
  EXPECT_EQ(errors, 2) << "write errors by kind missing";
  EXPECT_EQ(m["logscribe_lines_written_total"], 1);
  EXPECT_EQ(m["logscribe_rpc_answers_total{method=\"Log\",code=\"OK\"}"], 1);
}

TEST(MetricsFlags, BusyPortFailsAndFlagsNeedPprof) {
  TempDir a, b;
  auto first = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", a.path(), "-pprof", "-pport", "0"});
  ASSERT_NE(first, nullptr);
  const int port = MetricsPort(*first);
  ASSERT_GT(port, 0);
  std::string out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY,
                                     {"-path", b.path(), "-port", "0", "-pprof", "-pport", std::to_string(port)},
                                     &out),
            1);
  EXPECT_NE(out.find("metrics"), std::string::npos) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-path", b.path(), "-pport", "0"}, &out), 2);
  EXPECT_NE(out.find("-pport needs -pprof"), std::string::npos) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-pprof", "-pport", "70000"}, &out), 2);
  EXPECT_EQ(first->Stop(), 0);
}

// -config: the file sets flags (here -pprof, -ack, -size, -path), the command
// line wins where both speak; a bad line exits 2 naming file and line.
TEST(ConfigFile, FileSetsFlagsAndCommandLineWins) {
  TempDir root, other;
  const std::string conf = root.path() + "/scribe.conf";
  {
    std::ofstream(conf) << "# test\npprof\npport 0\nack = fsync\nsize 5B\npath " << other.path() << "\n";
  }
  auto p = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-config", conf, "-size", "2KB", "-path", root.path()});
  ASSERT_NE(p, nullptr);
  ASSERT_GT(MetricsPort(*p), 0) << p->output();  // -pprof and -pport 0 from the file
  const std::string out = p->output();
  EXPECT_NE(out.find("size:      2KB per file"), std::string::npos) << out;  // the command line won
  EXPECT_NE(out.find("ack:       fsync"), std::string::npos) << out;        // only in the file
  EXPECT_NE(out.find("root:      " + root.path()), std::string::npos) << out;
  EXPECT_EQ(p->Stop(), 0);

  { std::ofstream(conf) << "port 0\n\nsize twelve\n"; }
  std::string err;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-config", conf}, &err), 2);
  EXPECT_NE(err.find(conf + ":3: -size"), std::string::npos) << err;
}

}  // namespace
}  // namespace logscribe::testing
