// Filenames shaped like rotated names, with the real binaries: every front
// door (Log, LogBatch, LogStream, and the mediator in front of them) refuses
// them with INVALID_ARGUMENT; and live logs with such names already on disk
// (as an old release let clients make them) keep every acknowledged line
// through -max-backups, -compress zstd|gzip, -rotate-every, the disk budget
// and a restart with leftovers on disk.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "compressed_reader.h"
#include "log_files.h"
#include "logscribe.grpc.pb.h"
#include "mediator_cluster.h"
#include "rotated_name.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

namespace fs = std::filesystem;
namespace v1 = logscribe::v1;

constexpr auto kDeadline = std::chrono::seconds(60);

// Every shape of rotated name a client could pick: old scheme with and
// without _NNN, with .log, .log.zst, .log.gz, .tmp, with another log's name
// as prefix; the piece scheme plain, compressed and temporary.
std::vector<std::string> HostileFilenames() {
  return {
      "f-20200101T000000.000Z",
      "f-20200101T000000.000Z_001",
      "f-20200101T000000.000Z_999",
      "f-20200101T000000.000Z_1000",
      "f-20200101T000000.000Z.log",
      "f-20200101T000000.000Z.log.zst",
      "f-20200101T000000.000Z.log.gz",
      "f-20200101T000000.000Z.log.zst.tmp",
      "f-20200101T000000.000Z_002.log.gz.tmp",
      "g-f-20200101T000000.000Z",
      "f.log-20200101T000000.000Z",
      "f.log.0000000001-20200101T000000.000Z",
      "f.log.0000000001-20200101T000000.000Z.zst",
      "f.log.0000000001-20200101T000000.000Z.gz",
      "f.log.0000000002-20200101T000000.000Z.zst.tmp",
      "f.log.0000000003-20991231T235959.999Z",
  };
}

// Every line of log `filename` in `dir`: its pieces oldest first, then the live file.
std::vector<std::string> LinesOfLog(const std::string& dir, const std::string& filename) {
  std::vector<std::string> lines;
  LogPieces pieces;
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ListLogPieces(fd, filename, &pieces);
    ::close(fd);
  }
  for (const Piece& p : pieces.pieces) {
    if (p.empty()) continue;
    for (auto& l : SplitLines(ReadAny(dir + "/" + (p.compressed.empty() ? p.base : p.compressed.back())))) {
      lines.push_back(l);
    }
  }
  for (auto& l : SplitLines(ReadFile(dir + "/" + filename + ".log"))) lines.push_back(l);
  return lines;
}

void ExpectRefused(const grpc::Status& s, const std::string& filename, const std::string& door) {
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << door << " " << filename << ": "
                                                                << s.error_message();
  EXPECT_NE(s.error_message().find("shaped like the name of a rotated file"), std::string::npos)
      << door << " " << filename << ": " << s.error_message();
}

// Sends every hostile name through Log, LogBatch and LogStream of `stub`.
void ExpectEveryDoorRefuses(v1::LogScribe::Stub* stub, const std::string& where) {
  for (const std::string& f : HostileFilenames()) {
    v1::LogRequest req;
    req.set_path("svc");
    req.set_filename(f);
    req.set_line("must not be written");
    {
      v1::LogResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
      ExpectRefused(stub->Log(&ctx, req, &resp), f, where + " Log");
    }
    v1::LogBatch batch;
    auto* good = batch.add_entries();
    good->set_path("svc");
    good->set_filename("fine");
    good->set_line("refused with its batch");
    *batch.add_entries() = req;
    {
      v1::LogResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
      ExpectRefused(stub->LogBatch(&ctx, batch, &resp), f, where + " LogBatch");
    }
    {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
      auto stream = stub->LogStream(&ctx);
      batch.set_seq(7);
      ASSERT_TRUE(stream->Write(batch));
      stream->WritesDone();
      v1::LogAck ack;
      if (stream->Read(&ack)) {
        EXPECT_EQ(ack.seq(), 7u);
        EXPECT_EQ(ack.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT))
            << where << " LogStream " << f << ": " << ack.message();
        EXPECT_NE(ack.message().find("shaped like the name of a rotated file"), std::string::npos)
            << ack.message();
      } else {
        ExpectRefused(stream->Finish(), f, where + " LogStream");
        continue;
      }
      stream->Finish();
    }
  }
}

TEST(HostileNames, EveryFrontDoorOfTheScribeRefusesThem) {
  TempDir root;
  std::string out;
  auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path()}, &out);
  ASSERT_NE(scribe, nullptr) << out;
  auto stub = v1::LogScribe::NewStub(grpc::CreateChannel(scribe->target(), grpc::InsecureChannelCredentials()));
  ExpectEveryDoorRefuses(stub.get(), "scribe");
  EXPECT_EQ(scribe->Stop(), 0) << scribe->output();
  // Nothing reached the disk, not even the good entry of a refused batch.
  EXPECT_TRUE(ListFiles(root.path()).empty());
}

TEST(HostileNames, TheMediatorRefusesThemToo) {
  MediatorCluster cluster;
  std::string out;
  ASSERT_TRUE(cluster.StartMediator({}, 0, &out)) << out;
  ASSERT_TRUE(cluster.StartScribe("s1", {}, &out)) << out;
  ASSERT_TRUE(cluster.WaitForScribes({"s1"}));
  auto stub = cluster.LogStub();
  ExpectEveryDoorRefuses(stub.get(), "mediator");
  EXPECT_TRUE(ListFiles(cluster.root("s1")).empty());
  // Route, the mediator's own use of a name, refuses it as well.
  auto admin = cluster.AdminStub();
  v1::RouteRequest req;
  req.set_path("svc");
  req.set_filename("f-20200101T000000.000Z");
  v1::RouteResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
  ExpectRefused(admin->Route(&ctx, req, &resp), "f-20200101T000000.000Z", "Route");
}

// A second scribe on a root already in use would take the first one's files
// for its own: it refuses to start, with one sentence.
TEST(HostileNames, ASecondScribeOnTheSameRootRefusesToStart) {
  TempDir root;
  std::string out;
  auto first = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path()}, &out);
  ASSERT_NE(first, nullptr) << out;
  std::string second;
  EXPECT_NE(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-path", root.path(), "-port", "0"}, &second), 0);
  EXPECT_NE(second.find("another logscribe is using the log root"), std::string::npos) << second;
  EXPECT_EQ(first->Stop(), 0) << first->output();
}

// A root an old release left: live logs with every hostile name, full of
// acknowledged lines, beside old-scheme rotations and leftovers of f.
class HostileLiveLogs : public ::testing::TestWithParam<std::vector<std::string>> {
 protected:
  void Plant() {
    fs::create_directories(Dir());
    for (const std::string& f : HostileFilenames()) {
      std::ofstream(Dir() + "/" + f + ".log") << "acknowledged 1 in " << f << "\nacknowledged 2 in " << f << "\n";
    }
    // Old-scheme leftovers of f itself: a plain rotation, a complete copy
    // with its plain twin, a cut-short compression.
    std::ofstream(Dir() + "/f-20200101T000001.000Z.log") << "old rotation of f\n";
    std::ofstream(Dir() + "/f-20200101T000002.000Z.log") << "old twin\n";
    std::ofstream(Dir() + "/f-20200101T000002.000Z.log.zst.tmp") << "half";
  }
  void ExpectPlantedIntact() {
    for (const std::string& f : HostileFilenames()) {
      EXPECT_EQ(ReadFile(Dir() + "/" + f + ".log"),
                "acknowledged 1 in " + f + "\nacknowledged 2 in " + f + "\n")
          << f << " under " << ::testing::PrintToString(GetParam());
    }
    EXPECT_EQ(ReadFile(Dir() + "/f-20200101T000001.000Z.log"), "old rotation of f\n");
    EXPECT_EQ(ReadFile(Dir() + "/f-20200101T000002.000Z.log"), "old twin\n");
  }
  void Start() {
    std::vector<std::string> args = {"-path", root_.path(), "-size", "2KB"};
    args.insert(args.end(), GetParam().begin(), GetParam().end());
    std::string out;
    scribe_ = ScribeProcess::Start(LOGSCRIBE_BINARY, args, &out);
    ASSERT_NE(scribe_, nullptr) << out;
    stub_ = v1::LogScribe::NewStub(grpc::CreateChannel(scribe_->target(), grpc::InsecureChannelCredentials()));
  }
  // `n` acknowledged lines to svc/f, one LogBatch of 5 each.
  std::vector<std::string> Load(int n, const std::string& tag) {
    std::vector<std::string> acked;
    for (int i = 0; i < n; i += 5) {
      v1::LogBatch batch;
      std::vector<std::string> lines;
      for (int j = i; j < i + 5; ++j) {
        lines.push_back(tag + " " + std::to_string(j) + " " + std::string(60, '.'));
        auto* e = batch.add_entries();
        e->set_path("svc");
        e->set_filename("f");
        e->set_line(lines.back());
      }
      v1::LogResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
      if (!stub_->LogBatch(&ctx, batch, &resp).ok()) break;
      acked.insert(acked.end(), lines.begin(), lines.end());
    }
    return acked;
  }
  std::string Dir() const { return root_.path() + "/svc"; }
  bool Keeps(const std::string& flag) const {
    for (const std::string& a : GetParam()) {
      if (a == flag) return false;
    }
    return true;
  }

  TempDir root_;
  std::unique_ptr<ScribeProcess> scribe_;
  std::unique_ptr<v1::LogScribe::Stub> stub_;
};

TEST_P(HostileLiveLogs, SurviveRotationRetentionCompressionAndRestart) {
  Plant();
  Start();
  ExpectEveryDoorRefuses(stub_.get(), "scribe");
  const std::vector<std::string> first = Load(200, "run1");  // ~14 KB: several rotations
  ASSERT_EQ(first.size(), 200u);
  // With -rotate-every, let an idle rotation happen too.
  if (!Keeps("-rotate-every")) {
    ASSERT_TRUE(WaitUntil([&] { return ReadFile(Dir() + "/f.log").empty(); })) << "no rotation by time";
  }
  EXPECT_EQ(scribe_->Stop(), 0) << scribe_->output();
  ExpectPlantedIntact();
  // The restart finds the leftovers on disk and the old live logs again.
  Start();
  const std::vector<std::string> second = Load(100, "run2");
  ASSERT_EQ(second.size(), 100u);
  std::vector<std::string> acked = first;
  acked.insert(acked.end(), second.begin(), second.end());
  // Let the background work settle: no plain piece left to compress.
  ASSERT_TRUE(WaitUntil([&] {
    const std::vector<std::string> lines = LinesOfLog(Dir(), "f");
    if (Keeps("-max-backups") && Keeps("-max-root-bytes")) return lines == acked;
    return !lines.empty() && lines.size() < acked.size();
  })) << ::testing::PrintToString(LinesOfLog(Dir(), "f").size());
  EXPECT_EQ(scribe_->Stop(), 0) << scribe_->output();
  ExpectPlantedIntact();
  const std::vector<std::string> lines = LinesOfLog(Dir(), "f");
  ASSERT_FALSE(lines.empty());
  // What retention left is the newest lines, in order, ending with the last acknowledged.
  const std::vector<std::string> tail(acked.end() - static_cast<long>(lines.size()), acked.end());
  EXPECT_EQ(lines, tail);
}

INSTANTIATE_TEST_SUITE_P(
    Settings, HostileLiveLogs,
    ::testing::Values(std::vector<std::string>{"-max-backups", "1"},
                      std::vector<std::string>{"-compress", "zstd"},
                      std::vector<std::string>{"-compress", "gzip", "-max-backups", "2"},
                      std::vector<std::string>{"-rotate-every", "200ms", "-compress", "zstd"},
                      std::vector<std::string>{"-max-root-bytes", "8KB", "-max-age", "1h"}));

}  // namespace
}  // namespace logscribe::testing
