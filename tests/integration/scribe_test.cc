// The scribe as a user meets it: the real binary on a free port, a real gRPC
// client, files checked on disk.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "logscribe.grpc.pb.h"
#include "log_client.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

namespace v1 = logscribe::v1;

class ScribeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void StartScribe(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"-path", root_.path(), "-writer", GetParam()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string out;
    scribe_ = ScribeProcess::Start(LOGSCRIBE_BINARY, args, &out);
    if (scribe_ == nullptr && out.find("io_uring") != std::string::npos && GetParam() == "uring") {
      GTEST_SKIP() << "io_uring is not usable here: " << out;
    }
    ASSERT_NE(scribe_, nullptr) << out;
    channel_ = grpc::CreateChannel(scribe_->target(), grpc::InsecureChannelCredentials());
    stub_ = v1::LogScribe::NewStub(channel_);
  }

  void TearDown() override {
    if (scribe_ != nullptr) {
      EXPECT_EQ(scribe_->Stop(), 0) << scribe_->output();
    }
  }

  grpc::Status Log(const std::string& path, const std::string& filename, const std::string& line,
                   v1::LogResponse* response = nullptr) {
    return CallLog(stub_.get(), path, filename, line, response);
  }

  std::string File(const std::string& rel) { return ReadFile(root_.path() + "/" + rel); }

  TempDir root_;
  std::unique_ptr<ScribeProcess> scribe_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LogScribe::Stub> stub_;
};

TEST_P(ScribeTest, SeedLogWritesOneLineAndAnswersTrue) {
  StartScribe();
  v1::LogResponse resp;
  grpc::Status s = Log("svc/api", "app", "hello world", &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.res(), "true");
  EXPECT_EQ(File("svc/api/app.log"), "hello world\n");
  ASSERT_TRUE(Log("svc/api", "app", "second\n").ok());
  EXPECT_EQ(File("svc/api/app.log"), "hello world\nsecond\n");
  struct stat st;
  ASSERT_EQ(stat((root_.path() + "/svc/api/app.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  ASSERT_EQ(stat((root_.path() + "/svc/api").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0750u);
}

TEST_P(ScribeTest, LogBatchKeepsOrderPerFile) {
  StartScribe();
  v1::LogBatch batch;
  for (int i = 0; i < 300; ++i) {
    auto* e = batch.add_entries();
    e->set_path("b");
    e->set_filename("f" + std::to_string(i % 3));
    e->set_line("line " + std::to_string(i));
  }
  v1::LogResponse resp;
  grpc::ClientContext ctx;
  grpc::Status s = stub_->LogBatch(&ctx, batch, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.res(), "true");
  for (int f = 0; f < 3; ++f) {
    std::string expected;
    for (int i = f; i < 300; i += 3) expected += "line " + std::to_string(i) + "\n";
    EXPECT_EQ(File("b/f" + std::to_string(f) + ".log"), expected);
  }
}

TEST_P(ScribeTest, LogStreamAcksEveryBatchWithManyInFlight) {
  StartScribe();
  grpc::ClientContext ctx;
  auto stream = stub_->LogStream(&ctx);
  constexpr int kBatches = 200;
  constexpr int kLines = 50;
  for (int b = 0; b < kBatches; ++b) {
    v1::LogBatch batch;
    batch.set_seq(1000 + b);
    for (int i = 0; i < kLines; ++i) {
      auto* e = batch.add_entries();
      e->set_filename("s");
      e->set_line("b" + std::to_string(b) + " l" + std::to_string(i));
    }
    ASSERT_TRUE(stream->Write(batch));
  }
  stream->WritesDone();
  std::set<uint64_t> seqs;
  v1::LogAck ack;
  while (stream->Read(&ack)) {
    EXPECT_EQ(ack.code(), 0) << ack.message();
    EXPECT_TRUE(seqs.insert(ack.seq()).second) << "ack twice for " << ack.seq();
  }
  grpc::Status s = stream->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(seqs.size(), static_cast<size_t>(kBatches));
  EXPECT_EQ(*seqs.begin(), 1000u);
  // One stream: the file holds every line in the order sent.
  const auto lines = SplitLines(File("s.log"));
  ASSERT_EQ(lines.size(), static_cast<size_t>(kBatches * kLines));
  for (int b = 0, n = 0; b < kBatches; ++b) {
    for (int i = 0; i < kLines; ++i, ++n) {
      ASSERT_EQ(lines[n], "b" + std::to_string(b) + " l" + std::to_string(i));
    }
  }
}

TEST_P(ScribeTest, ConcurrentStreamsKeepEachClientsOrder) {
  StartScribe();
  constexpr int kClients = 6;
  constexpr int kBatches = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = v1::LogScribe::NewStub(
          grpc::CreateCustomChannel(scribe_->target(), grpc::InsecureChannelCredentials(), [c] {
            grpc::ChannelArguments a;
            a.SetInt("logscribe.test.channel", c);
            return a;
          }()));
      grpc::ClientContext ctx;
      // Each client dials its own connection: wait for it rather than fail
      // fast on a first connection attempt that a loaded machine delays.
      ctx.set_wait_for_ready(true);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      auto stream = stub->LogStream(&ctx);
      for (int b = 0; b < kBatches; ++b) {
        v1::LogBatch batch;
        batch.set_seq(b);
        for (int i = 0; i < 10; ++i) {
          auto* e = batch.add_entries();
          e->set_filename("shared");
          e->set_line("c" + std::to_string(c) + " " + std::to_string(b * 10 + i));
        }
        if (!stream->Write(batch)) failures++;
      }
      stream->WritesDone();
      v1::LogAck ack;
      int acks = 0;
      while (stream->Read(&ack)) acks += ack.code() == 0;
      if (!stream->Finish().ok() || acks != kBatches) failures++;
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  std::map<int, int> last;
  const auto lines = SplitLines(File("shared.log"));
  ASSERT_EQ(lines.size(), static_cast<size_t>(kClients * kBatches * 10));
  for (const auto& line : lines) {
    int c, n;
    ASSERT_EQ(sscanf(line.c_str(), "c%d %d", &c, &n), 2) << line;
    auto it = last.find(c);
    if (it != last.end()) {
      ASSERT_EQ(n, it->second + 1) << "client " << c << " out of order";
    }
    last[c] = n;
  }
}

TEST_P(ScribeTest, RotationUnderConcurrentLoadLosesAndSplitsNothing) {
  StartScribe({"-size", "10KB"});
  constexpr int kThreads = 4;
  constexpr int kBatches = 40;
  constexpr int kPerBatch = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        v1::LogBatch batch;
        for (int i = 0; i < kPerBatch; ++i) {
          auto* e = batch.add_entries();
          e->set_path("rot");
          e->set_filename("app");
          e->set_line("t" + std::to_string(t) + "-" + std::to_string(b * kPerBatch + i) +
                      std::string(40, 'x'));
        }
        v1::LogResponse resp;
        grpc::ClientContext ctx;
        if (!stub_->LogBatch(&ctx, batch, &resp).ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  std::set<std::string> seen;
  size_t files = 0;
  for (const auto& name : ListFiles(root_.path() + "/rot")) {
    ASSERT_TRUE(name == "app.log" || name.rfind("app.log.", 0) == 0) << name;  // the live file or its pieces
    const std::string text = File("rot/" + name);
    EXPECT_LE(text.size(), 10000u) << name;
    EXPECT_FALSE(text.empty()) << name << " is empty: rotation must never leave an empty file";
    EXPECT_EQ(text.back(), '\n');
    for (const auto& line : SplitLines(text)) {
      EXPECT_EQ(line.size(), line.find('x') + 40) << "split line " << line;
      EXPECT_TRUE(seen.insert(line).second) << "duplicate " << line;
    }
    ++files;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kBatches * kPerBatch));
  EXPECT_GT(files, 30u);
}

TEST_P(ScribeTest, HostileNamesAreRefusedAndNothingLeavesTheRoot) {
  // The root sits inside a parent we watch for strays.
  TempDir parent;
  const std::string root = parent.path() + "/root";
  std::vector<std::string> args = {"-path", root, "-writer", GetParam()};
  std::string out;
  scribe_ = ScribeProcess::Start(LOGSCRIBE_BINARY, args, &out);
  if (scribe_ == nullptr && GetParam() == "uring") GTEST_SKIP() << out;
  ASSERT_NE(scribe_, nullptr) << out;
  stub_ = v1::LogScribe::NewStub(grpc::CreateChannel(scribe_->target(), grpc::InsecureChannelCredentials()));

  TempDir outside;
  ASSERT_EQ(symlink(outside.path().c_str(), (root + "/evil").c_str()), 0);
  ASSERT_EQ(symlink((outside.path() + "/target.log").c_str(), (root + "/trap.log").c_str()), 0);

  struct Case {
    std::string path, filename, field;
  };
  const std::vector<Case> cases = {
      {"../..", "x", "path"},        {"a/../../b", "x", "path"}, {"/etc", "x", "path"},
      {"..", "x", "path"},           {"", "../x", "filename"},  {"", "a/b", "filename"},
      {"", "", "filename"},          {"", "..", "filename"},    {"", ".", "filename"},
      {"a\x01", "x", "path"},        {"", "x\ny", "filename"},  {std::string("a\0b", 3), "x", "path"},
      {"", std::string(300, 'f'), "filename"},
      {"evil", "x", "path"},  // symlinked directory leading outside
      {"", "trap", "path"},   // symlinked file leading outside
  };
  for (const auto& c : cases) {
    grpc::Status s = Log(c.path, c.filename, "nope");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "path='" << c.path << "' filename='" << c.filename << "': " << s.error_message();
    EXPECT_NE(s.error_message().find(c.field), std::string::npos) << s.error_message();
  }
  EXPECT_TRUE(ListFiles(outside.path()).empty());
  for (const auto& name : ListFiles(parent.path())) {
    EXPECT_EQ(name.rfind("root/", 0), 0u) << "stray file " << name;
  }
  // Still serving, and a clean name works.
  EXPECT_TRUE(Log("ok/dir", "fine", "yes").ok());
  EXPECT_EQ(ReadFile(root + "/ok/dir/fine.log"), "yes\n");
}

TEST_P(ScribeTest, LineOverTheLimitIsInvalidArgumentAndBatchIsAllOrNothing) {
  StartScribe({"-max-line-bytes", "100"});
  grpc::Status s = Log("", "big", std::string(101, 'a'));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("max-line-bytes"), std::string::npos);
  v1::LogBatch batch;
  for (int i = 0; i < 5; ++i) {
    auto* e = batch.add_entries();
    e->set_filename("all");
    e->set_line(i == 3 ? std::string(200, 'z') : "ok");
  }
  v1::LogResponse resp;
  grpc::ClientContext ctx;
  s = stub_->LogBatch(&ctx, batch, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("entries[3]"), std::string::npos) << s.error_message();
  EXPECT_EQ(File("all.log"), "");
}

TEST_P(ScribeTest, InvalidUtf8InPathIsRefusedAndServiceGoesOn) {
  StartScribe();
  grpc::Status s = Log("bad\xff", "x", "line");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(ListFiles(root_.path()).empty());
  // Any bytes are fine in a line (declared bytes on the wire).
  EXPECT_TRUE(Log("", "bin", std::string("caf\xe9 \xff\xfe", 7)).ok());
  EXPECT_EQ(File("bin.log"), std::string("caf\xe9 \xff\xfe\n", 8));
}

TEST_P(ScribeTest, EscapeNewlinesMakesOneRecordOneLine) {
  StartScribe({"-escape-newlines"});
  ASSERT_TRUE(Log("", "trace", "Exception\n  at a()\n  at b()\n").ok());
  EXPECT_EQ(File("trace.log"), "Exception\\n  at a()\\n  at b()\n");
}

TEST_P(ScribeTest, FullQueueIsResourceExhaustedAndRecovers) {
  StartScribe({"-queue-bytes", "8KiB", "-test-write-delay", "300ms"});
  std::atomic<int> ok{0}, exhausted{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      v1::LogBatch batch;
      for (int i = 0; i < 20; ++i) {
        auto* e = batch.add_entries();
        e->set_filename("q");
        e->set_line(std::string(150, 'q'));
      }
      v1::LogResponse resp;
      grpc::ClientContext ctx;
      grpc::Status s = stub_->LogBatch(&ctx, batch, &resp);
      if (s.ok()) {
        ok++;
      } else if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        exhausted++;
      } else {
        other++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(exhausted.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(other.load(), 0);
  // Once the writer caught up, the same request goes through.
  EXPECT_TRUE(Log("", "q", "after").ok());
  const auto lines = SplitLines(File("q.log"));
  EXPECT_EQ(lines.size(), static_cast<size_t>(ok.load() * 20 + 1));
}

TEST_P(ScribeTest, GracefulShutdownKeepsEveryAcknowledgedLine) {
  // Slow writers and a short grace: streams are mid-flight when SIGTERM comes.
  StartScribe({"-test-write-delay", "20ms", "-shutdown-timeout", "1s"});
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> acked(4);
  for (int c = 0; c < 4; ++c) {
    threads.emplace_back([&, c] {
      grpc::ClientContext ctx;
      auto stream = stub_->LogStream(&ctx);
      std::thread reader([&] {
        v1::LogAck ack;
        while (stream->Read(&ack)) {
          if (ack.code() == 0) acked[c].push_back(ack.seq());
        }
      });
      for (uint64_t b = 0; b < 100000 && !stop.load(); ++b) {
        v1::LogBatch batch;
        batch.set_seq(b);
        for (int i = 0; i < 20; ++i) {
          auto* e = batch.add_entries();
          e->set_filename("g" + std::to_string(c));
          e->set_line(std::to_string(b) + ":" + std::to_string(i));
        }
        if (!stream->Write(batch)) break;
      }
      stream->WritesDone();
      reader.join();
      stream->Finish();
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int code = scribe_->Stop(SIGTERM);
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(code, 0) << scribe_->output();
  EXPECT_NE(scribe_->output().find("stopped after"), std::string::npos);
  // The clients were still sending: shutdown really cut streams mid-flight.
  for (int c = 0; c < 4; ++c) EXPECT_LT(acked[c].size(), 100000u);
  scribe_.reset();
  size_t total = 0;
  for (int c = 0; c < 4; ++c) {
    const auto lines = SplitLines(File("g" + std::to_string(c) + ".log"));
    std::set<std::string> have(lines.begin(), lines.end());
    for (uint64_t b : acked[c]) {
      for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(have.count(std::to_string(b) + ":" + std::to_string(i)))
            << "acknowledged line lost: client " << c << " batch " << b;
      }
    }
    total += acked[c].size();
  }
  EXPECT_GT(total, 0u);
}

INSTANTIATE_TEST_SUITE_P(Writers, ScribeTest, ::testing::Values("writev", "uring"),
                         [](const auto& info) { return info.param; });

// --- start-up and the other services ------------------------------------------------

TEST(ScribeStartup, PortInUseIsAnErrorNotASharedPort) {
  TempDir a, b;
  auto first = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", a.path()});
  ASSERT_NE(first, nullptr);
  std::string out;
  const int code = ScribeProcess::RunToExit(
      LOGSCRIBE_BINARY, {"-path", b.path(), "-bind", "127.0.0.1", "-port", std::to_string(first->port())}, &out);
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("cannot listen"), std::string::npos) << out;
  EXPECT_EQ(first->Stop(), 0);
}

TEST(ScribeStartup, BadFlagsAndUnwritableRootExitWithOneSentence) {
  std::string out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-size", "12XB"}, &out), 2);
  EXPECT_NE(out.find("-size"), std::string::npos) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-ack", "maybe"}, &out), 2);
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-nosuchflag"}, &out), 2);
  EXPECT_NE(out.find("unknown flag"), std::string::npos) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-path", "/proc/nope/logs", "-port", "0"}, &out), 1);
  EXPECT_NE(out.find("/proc/nope"), std::string::npos) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-help"}, &out), 0);
  EXPECT_NE(out.find("-size"), std::string::npos);
}

TEST(ScribeStartup, StartupBlockSaysPortRootSizeWriterAck) {
  TempDir root;
  auto p = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path(), "-size", "-1B", "-ack", "fsync"});
  ASSERT_NE(p, nullptr);
  const std::string out = p->output();
  EXPECT_NE(out.find("listening on 127.0.0.1:" + std::to_string(p->port())), std::string::npos);
  EXPECT_NE(out.find(root.path()), std::string::npos);
  EXPECT_NE(out.find("never rotate"), std::string::npos);
  EXPECT_NE(out.find("writer:"), std::string::npos);
  EXPECT_NE(out.find("ack:       fsync"), std::string::npos);
  EXPECT_EQ(p->Stop(), 0);
}

TEST(ScribePinger, PingMultipliesWrappingToInt32) {
  TempDir root;
  auto p = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path()});
  ASSERT_NE(p, nullptr);
  auto stub = v1::Pinger::NewStub(grpc::CreateChannel(p->target(), grpc::InsecureChannelCredentials()));
  const std::vector<std::tuple<int32_t, int32_t, int32_t>> cases = {
      {6, 7, 42}, {-3, 5, -15}, {INT32_MAX, 2, -2}, {INT32_MIN, -1, INT32_MIN}, {65536, 65536, 0}};
  for (auto [a, b, want] : cases) {
    v1::PingRequest req;
    req.set_a(a);
    req.set_b(b);
    v1::PingResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub->Ping(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.res(), want) << a << "*" << b;
  }
  EXPECT_EQ(p->Stop(), 0);
}

TEST(ScribeNullSink, AcknowledgesWithoutWriting) {
  TempDir root;
  auto p = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path(), "-sink", "null"});
  ASSERT_NE(p, nullptr);
  auto stub = v1::LogScribe::NewStub(grpc::CreateChannel(p->target(), grpc::InsecureChannelCredentials()));
  v1::LogRequest req;
  req.set_filename("n");
  req.set_line("x");
  v1::LogResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub->Log(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.res(), "true");
  EXPECT_TRUE(ListFiles(root.path()).empty());
  EXPECT_EQ(p->Stop(), 0);
}

}  // namespace
}  // namespace logscribe::testing

namespace logscribe::testing {
namespace {

// grpc.health.v1.Health/Check with an empty service name, through a generic
// stub (the health proto is not installed): SERVING is the bytes 08 01.
TEST(ScribeHealth, StandardHealthCheckSaysServing) {
  TempDir root;
  auto p = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path()});
  ASSERT_NE(p, nullptr);
  grpc::GenericStub stub(grpc::CreateChannel(p->target(), grpc::InsecureChannelCredentials()));
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice empty("", 0);  // HealthCheckRequest{} serializes to nothing
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag;
  bool ok;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  EXPECT_EQ(p->Stop(), 0);
}

}  // namespace
}  // namespace logscribe::testing

namespace logscribe::testing {
namespace {

TEST(ScribeConsole, EchoesEveryWrittenLineToStdout) {
  TempDir root;
  auto p = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path(), "-console"});
  ASSERT_NE(p, nullptr);
  auto stub = v1::LogScribe::NewStub(grpc::CreateChannel(p->target(), grpc::InsecureChannelCredentials()));
  v1::LogRequest req;
  req.set_filename("echo");
  req.set_line("seen on the console");
  v1::LogResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub->Log(&ctx, req, &resp).ok());
  EXPECT_EQ(p->Stop(), 0);
  EXPECT_NE(p->output().find("seen on the console\n"), std::string::npos) << p->output();
  EXPECT_EQ(ReadFile(root.path() + "/echo.log"), "seen on the console\n");
}

// grpc.reflection.v1alpha.ServerReflection: list_services (field 7) through a
// generic stream; the answer names our services.
TEST(ScribeReflection, ListsTheLogScribeService) {
  TempDir root;
  auto p = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path()});
  ASSERT_NE(p, nullptr);
  grpc::GenericStub stub(grpc::CreateChannel(p->target(), grpc::InsecureChannelCredentials()));
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto call = stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag;
  bool ok;
  auto step = [&](int n) {
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(tag, reinterpret_cast<void*>(static_cast<intptr_t>(n)));
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(step(1));
  grpc::Slice list("\x3a\x00", 2);  // ServerReflectionRequest{list_services: ""}
  grpc::ByteBuffer request(&list, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  ASSERT_TRUE(step(2));
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  ASSERT_TRUE(step(3));
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_NE(bytes.find("logscribe.v1.LogScribe"), std::string::npos);
  EXPECT_NE(bytes.find("logscribe.v1.Pinger"), std::string::npos);
  call->WritesDone(reinterpret_cast<void*>(4));
  step(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  EXPECT_EQ(p->Stop(), 0);
}

}  // namespace
}  // namespace logscribe::testing
