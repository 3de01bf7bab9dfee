// Disk full: the scribe's root is a 2 MiB tmpfs (mounted by the test, which
// needs root; skipped otherwise). Filling it must give clients
// RESOURCE_EXHAUSTED and no acknowledgement for lines not written, leave no
// torn line, keep memory flat, and freeing space must let the same scribe
// (and the same stream) go on without a restart.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "logscribe.grpc.pb.h"
#include "log_client.h"
#include "reliability_util.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = logscribe::v1;

constexpr size_t kLineBytes = 8000;

std::string Line(const std::string& tag, int i) {
  std::string line = tag + "-" + std::to_string(i) + " ";
  line.resize(kLineBytes, static_cast<char>('a' + i % 26));
  return line;
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_ = std::make_unique<TmpfsMount>(dir_.path(), "size=2m");
    if (!mount_->ok()) GTEST_SKIP() << "skipped: a tmpfs root needs root: " << mount_->why();
    // Room the test gives back later.
    std::ofstream(dir_.path() + "/filler.bin") << std::string(1 << 20, 'f');
  }
  void TearDown() override {
    if (scribe_ != nullptr) {
      EXPECT_EQ(scribe_->Stop(), 0) << scribe_->output();
    }
    scribe_.reset();
    mount_.reset();  // unmounted before dir_ is removed
  }

  void StartScribe() {
    std::string out;
    scribe_ = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", dir_.path(), "-size", "-1"}, &out);
    ASSERT_NE(scribe_, nullptr) << out;
    stub_ = v1::LogScribe::NewStub(
        grpc::CreateChannel(scribe_->target(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Log(const std::string& filename, const std::string& line) {
    return CallLog(stub_.get(), "full", filename, line);
  }

  TempDir dir_;
  std::unique_ptr<TmpfsMount> mount_;
  std::unique_ptr<ScribeProcess> scribe_;
  std::unique_ptr<v1::LogScribe::Stub> stub_;
};

TEST_F(DiskFullTest, FullDiskIsResourceExhaustedAndFreedSpaceResumesWithoutRestart) {
  StartScribe();
  // Unary lines until the disk is full.
  std::string acked_unary;
  grpc::Status s;
  int i = 0;
  for (; i < 1000; ++i) {
    s = Log("u", Line("u", i));
    if (!s.ok()) break;
    acked_unary += Line("u", i) + "\n";
  }
  ASSERT_FALSE(s.ok()) << "2 MiB took 1000 lines of 8000 bytes";
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_NE(s.error_message().find("No space"), std::string::npos) << s.error_message();
  const int unary_acked = i;

  // A stream: each batch is refused on its own, the stream goes on.
  grpc::ClientContext stream_ctx;
  stream_ctx.set_deadline(std::chrono::system_clock::now() + 60s);
  auto stream = stub_->LogStream(&stream_ctx);
  std::string acked_stream;
  int seq = 0;
  auto send_batch = [&](int lines) {
    v1::LogBatch batch;
    batch.set_seq(++seq);
    std::string text;
    for (int l = 0; l < lines; ++l) {
      auto* e = batch.add_entries();
      e->set_path("full");
      e->set_filename("s");
      e->set_line(Line("s" + std::to_string(seq), l));
      text += e->line() + "\n";
    }
    EXPECT_TRUE(stream->Write(batch));
    v1::LogAck ack;
    EXPECT_TRUE(stream->Read(&ack));
    EXPECT_EQ(ack.seq(), static_cast<uint64_t>(seq));
    if (ack.code() == 0) acked_stream += text;
    return ack;
  };
  for (int b = 0; b < 3; ++b) {
    const v1::LogAck ack = send_batch(20);
    EXPECT_EQ(ack.code(), static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED)) << ack.message();
  }

  // Many more refused requests: no growth of memory, no hang.
  const uint64_t rss_before = ResidentBytes(scribe_->pid());
  for (int r = 0; r < 200; ++r) {
    s = Log("u", Line("refused", r));
    if (s.ok()) acked_unary += Line("refused", r) + "\n";  // a page with room left may take one
  }
  for (int b = 0; b < 50; ++b) send_batch(20);
  const uint64_t rss_after = ResidentBytes(scribe_->pid());
  if (!kUnderAsan) {
    EXPECT_LT(rss_after, rss_before + (16u << 20)) << "RSS grew from " << rss_before << " to " << rss_after;
  }
  EXPECT_EQ(FilesEndingMidLine(dir_.path()), std::vector<std::string>{});

  // Free space: the same scribe and the same stream go on.
  ASSERT_EQ(::unlink((dir_.path() + "/filler.bin").c_str()), 0);
  s = Log("u", Line("u", i));
  EXPECT_TRUE(s.ok()) << s.error_message();
  if (s.ok()) acked_unary += Line("u", i) + "\n";
  const v1::LogAck ack = send_batch(20);
  EXPECT_EQ(ack.code(), 0) << ack.message();
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());

  // Exactly the acknowledged lines, in order, whole.
  EXPECT_EQ(Slurp(dir_.path() + "/full/u.log"), acked_unary);
  EXPECT_EQ(Slurp(dir_.path() + "/full/s.log"), acked_stream);
  EXPECT_EQ(FilesEndingMidLine(dir_.path()), std::vector<std::string>{});
  std::printf("disk full: %d unary lines of %zu bytes acked before ENOSPC; rss %llu -> %llu bytes over "
              "250 refused requests\n",
              unary_acked, kLineBytes, static_cast<unsigned long long>(rss_before),
              static_cast<unsigned long long>(rss_after));
}

// Full loadgen load onto the 2 MiB root: it fills at once; a second later 1 MiB
// is freed and writing resumes. Every acknowledged line must be on disk once.
TEST_F(DiskFullTest, LoadgenOnAFillingDiskLosesNoAcknowledgedLine) {
  StartScribe();
  auto loadgen = BackgroundProcess::Start(
      LOADGEN_BINARY,
      {"-target", scribe_->target(), "-connections", "2", "-duration", "3s", "-verify-root",
       dir_.path(), "-json", "-quiet"},
      "/tmp/logscribe-diskfull-loadgen-" + std::to_string(::getpid()) + ".json",
      "/tmp/logscribe-diskfull-loadgen-" + std::to_string(::getpid()) + ".err");
  ASSERT_NE(loadgen, nullptr);
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(::unlink((dir_.path() + "/filler.bin").c_str()), 0);
  const int code = loadgen->Wait(60s);
  const std::string base = "/tmp/logscribe-diskfull-loadgen-" + std::to_string(::getpid());
  const std::string json = Slurp(base + ".json");
  const std::string err = Slurp(base + ".err");
  ::unlink((base + ".json").c_str());
  ::unlink((base + ".err").c_str());
  EXPECT_EQ(code, 0) << json << "\n" << err;
  EXPECT_GT(JsonNumber(json, "lines_acked").value_or(0), 0) << json;
  EXPECT_GT(JsonNumber(json, "RESOURCE_EXHAUSTED").value_or(0), 0) << json;
  EXPECT_EQ(JsonNumber(json, "missing"), 0) << json;
  EXPECT_EQ(JsonNumber(json, "duplicated"), 0) << json;
  EXPECT_EQ(JsonNumber(json, "corrupted"), 0) << json;
  EXPECT_EQ(FilesEndingMidLine(dir_.path()), std::vector<std::string>{});
  std::printf("disk full under load: %s\n", json.c_str());
}

}  // namespace
}  // namespace logscribe::testing
