// Rotation by time, compression and retention with the real binary: bounded
// loads, then every acknowledged line is looked for in the plain and
// compressed files (or, with -max-backups, exactly the newest lines remain).
// Waits have deadlines; nothing asserts on how long anything took.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "compressed_reader.h"
#include "log_files.h"
#include "logscribe.grpc.pb.h"
#include "metrics_scrape.h"
#include "rotated_name.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

namespace fs = std::filesystem;
namespace v1 = logscribe::v1;

constexpr auto kDeadline = std::chrono::seconds(60);

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// What one log looks like on disk.
struct LogOnDisk {
  std::vector<std::string> rotations;  // plain names, oldest first
  int plain = 0;                       // rotations still plain (maybe beside a copy)
  int compressed = 0;                  // rotations with a complete compressed copy
  int temps = 0;                       // .tmp files
  std::vector<std::string> lines;      // every line, rotations oldest first, then the active file
  std::string problem;                 // a pair whose plain and compressed content differ
};

LogOnDisk Inspect(const std::string& dir, const std::string& filename) {
  LogOnDisk log;
  LogPieces pieces;
  const int dirfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd >= 0) {
    ListLogPieces(dirfd, filename, &pieces);  // the scribe's own rule, oldest first
    ::close(dirfd);
  }
  for (const Piece& p : pieces.pieces) {
    log.temps += static_cast<int>(p.temps.size());
    if (p.empty()) continue;
    log.rotations.push_back(p.base);
    const bool has_copy = !p.compressed.empty();
    log.plain += p.plain;
    log.compressed += has_copy;
    const std::string content = ReadAny(dir + "/" + (has_copy ? p.compressed.back() : p.base));
    if (p.plain && has_copy && ReadAny(dir + "/" + p.base) != content) {
      log.problem = p.base + " differs from its compressed copy";
    }
    for (auto& line : SplitLines(content)) log.lines.push_back(line);
  }
  for (auto& line : SplitLines(ReadFile(dir + "/" + filename + ".log"))) log.lines.push_back(line);
  return log;
}

// Where the lines on disk first differ from `want`, and the pieces they came
// from, for a failure message.
std::string FirstDifference(const LogOnDisk& log, const std::vector<std::string>& want) {
  size_t i = 0;
  while (i < log.lines.size() && i < want.size() && log.lines[i] == want[i]) ++i;
  std::string out = std::to_string(log.lines.size()) + " lines on disk, " + std::to_string(want.size()) +
                    " acknowledged; first difference at " + std::to_string(i) + ": disk '" +
                    (i < log.lines.size() ? log.lines[i] : "<end>") + "', acknowledged '" +
                    (i < want.size() ? want[i] : "<end>") + "'; pieces:";
  for (const std::string& r : log.rotations) out += " " + r;
  return out;
}

class RetentionTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (scribe_ != nullptr) {
      EXPECT_EQ(scribe_->Stop(), 0) << scribe_->output();
    }
  }

  void StartScribe(std::vector<std::string> extra) {
    std::vector<std::string> args = {"-path", root_.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string out;
    scribe_ = ScribeProcess::Start(LOGSCRIBE_BINARY, args, &out);
    ASSERT_NE(scribe_, nullptr) << out;
    channel_ = grpc::CreateChannel(scribe_->target(), grpc::InsecureChannelCredentials());
    stub_ = v1::LogScribe::NewStub(channel_);
  }

  // Sends `batches` LogBatch calls of `per_batch` ~100-byte lines to each of
  // `files` (path "svc"), one file per batch in turn; returns the lines
  // acknowledged, per file, in order. A call that fails ends the load.
  std::map<std::string, std::vector<std::string>> Load(const std::vector<std::string>& files, int batches,
                                                       int per_batch, const std::string& tag) {
    std::map<std::string, std::vector<std::string>> acked;
    const std::string pad(70, '.');
    for (int b = 0; b < batches; ++b) {
      for (const std::string& f : files) {
        v1::LogBatch batch;
        std::vector<std::string> lines;
        for (int i = 0; i < per_batch; ++i) {
          lines.push_back(tag + " " + f + " " + std::to_string(b) + "/" + std::to_string(i) + " " + pad);
          auto* e = batch.add_entries();
          e->set_path("svc");
          e->set_filename(f);
          e->set_line(lines.back());
        }
        v1::LogResponse resp;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
        const grpc::Status s = stub_->LogBatch(&ctx, batch, &resp);
        if (!s.ok()) {
          last_failure_ = s;
          return acked;
        }
        acked[f].insert(acked[f].end(), lines.begin(), lines.end());
      }
    }
    return acked;
  }

  std::string Dir() const { return root_.path() + "/svc"; }

  TempDir root_;
  std::unique_ptr<ScribeProcess> scribe_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LogScribe::Stub> stub_;
  grpc::Status last_failure_;  // of the call that ended the last Load early
};

class CompressionTest : public RetentionTest, public ::testing::WithParamInterface<std::string> {};

// Size rotation under load with -compress: once the background work settles,
// every rotation is one complete compressed file, and every acknowledged
// line is found exactly once, in order.
TEST_P(CompressionTest, EveryAcknowledgedLineIsInTheCompressedFiles) {
  StartScribe({"-size", "20KB", "-compress", GetParam(), "-writer-threads", "2"});
  EXPECT_NE(scribe_->output().find("compressed with " + GetParam()), std::string::npos) << scribe_->output();
  const std::vector<std::string> files = {"a", "b", "c"};
  auto acked = Load(files, 100, 40, "c1");
  for (const std::string& f : files) {
    ASSERT_EQ(acked[f].size(), 4000u) << f;
    LogOnDisk log;
    ASSERT_TRUE(WaitUntil([&] {
      log = Inspect(Dir(), f);
      return log.plain == 0 && log.temps == 0;
    })) << f << ": " << log.plain << " rotations still plain";
    EXPECT_GE(log.compressed, 10) << f;
    EXPECT_EQ(log.problem, "");
    EXPECT_EQ(log.lines, acked[f]) << f << ": " << FirstDifference(log, acked[f]);
  }
  const std::string ext = GetParam() == "zstd" ? ".zst" : ".gz";
  for (const std::string& name : ListFiles(Dir())) {
    const bool active = name == "a.log" || name == "b.log" || name == "c.log";
    EXPECT_TRUE(active || (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext)) << name;
  }
}

// The loadgen's verifier reads .zst and .gz rotated files, also while the
// scribe is still compressing them.
TEST_P(CompressionTest, LoadgenVerifiesThroughCompressedFiles) {
  StartScribe({"-size", "20KB", "-compress", GetParam()});
  std::string output;
  const int code = ScribeProcess::RunToExit(
      LOADGEN_BINARY,
      {"-target", scribe_->target(), "-json", "-quiet", "-lines", "40000", "-paths", "2", "-verify-root",
       root_.path()},
      &output);
  ASSERT_EQ(code, 0) << output;
  google::protobuf::Struct json;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(output, &json).ok()) << output;
  const auto& verify = json.fields().at("verify").struct_value().fields();
  EXPECT_EQ(verify.at("missing").number_value(), 0) << output;
  EXPECT_EQ(verify.at("duplicated").number_value(), 0) << output;
  EXPECT_EQ(verify.at("corrupted").number_value(), 0) << output;
  EXPECT_EQ(verify.at("lines_found").number_value(), 40000) << output;
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressionTest, ::testing::Values("zstd", "gzip"));

// -max-backups 3: at most three rotations of each log remain, the newest, so
// what is left on disk is exactly the last lines sent, in order.
TEST_F(RetentionTest, MaxBackupsKeepsTheNewestRotations) {
  StartScribe({"-size", "10KB", "-max-backups", "3"});
  EXPECT_NE(scribe_->output().find("the newest 3 per log kept"), std::string::npos) << scribe_->output();
  // An unrelated file that looks almost rotated must survive.
  fs::create_directories(Dir());
  WriteText(Dir() + "/x-20000101T000000.000Z.log.bak", "keep me\n");
  const std::vector<std::string> files = {"x", "y"};
  auto acked = Load(files, 60, 20, "r1");  // ~120 KB per file: ~12 rotations each
  for (const std::string& f : files) {
    ASSERT_EQ(acked[f].size(), 1200u);
    LogOnDisk log;
    ASSERT_TRUE(WaitUntil([&] {
      log = Inspect(Dir(), f);
      return log.rotations.size() <= 3;
    })) << f << ": " << log.rotations.size() << " rotations";
    EXPECT_EQ(log.rotations.size(), 3u) << f;
    ASSERT_LT(log.lines.size(), acked[f].size());
    ASSERT_FALSE(log.lines.empty());
    // A suffix of what was sent: the oldest rotations went.
    const std::vector<std::string> tail(acked[f].end() - static_cast<long>(log.lines.size()), acked[f].end());
    EXPECT_EQ(log.lines, tail) << f;
  }
  EXPECT_EQ(ReadFile(Dir() + "/x-20000101T000000.000Z.log.bak"), "keep me\n");
}

// Retention and compression together: the survivors are compressed.
TEST_F(RetentionTest, MaxBackupsWithCompression) {
  StartScribe({"-size", "10KB", "-max-backups", "2", "-compress", "gzip"});
  auto acked = Load({"z"}, 60, 20, "r2");
  ASSERT_EQ(acked["z"].size(), 1200u);
  LogOnDisk log;
  ASSERT_TRUE(WaitUntil([&] {
    log = Inspect(Dir(), "z");
    return log.rotations.size() <= 2 && log.plain == 0 && log.temps == 0;
  })) << log.rotations.size() << " rotations, " << log.plain << " plain";
  EXPECT_EQ(log.compressed, 2);
  const std::vector<std::string> tail(acked["z"].end() - static_cast<long>(log.lines.size()), acked["z"].end());
  // On failure: the files, and where the lines on disk skip some.
  std::string where;
  for (const auto& r : log.rotations) where += r + " ";
  for (const auto& e : fs::directory_iterator(Dir())) where += "\n  " + e.path().filename().string();
  for (size_t i = 1; i < log.lines.size(); ++i) {
    const size_t at = std::find(acked["z"].begin(), acked["z"].end(), log.lines[i - 1]) - acked["z"].begin();
    if (at + 1 >= acked["z"].size() || acked["z"][at + 1] != log.lines[i]) {
      where += "\n  gap after line " + std::to_string(i - 1) + ": " + log.lines[i - 1].substr(0, 12) + " -> " +
               log.lines[i].substr(0, 12);
    }
  }
  EXPECT_EQ(log.lines, tail) << where;
}

// -rotate-every 1s with no size limit: a file that keeps getting lines
// rotates, and so does one that got a single line and then nothing; no line
// is lost or repeated, and the empty files left behind are not rotated.
TEST_F(RetentionTest, RotateEveryRotatesBusyAndIdleFiles) {
  StartScribe({"-size", "-1B", "-rotate-every", "1s", "-compress", "zstd"});
  EXPECT_NE(scribe_->output().find("rotate every 1s"), std::string::npos) << scribe_->output();
  auto idle = Load({"idle"}, 1, 1, "t1");
  ASSERT_EQ(idle["idle"].size(), 1u);
  std::vector<std::string> busy;
  LogOnDisk log;
  for (int round = 0; round < 3000; ++round) {  // bounded: at most 3000 batches
    auto more = Load({"busy"}, 1, 5, "t" + std::to_string(round));
    ASSERT_EQ(more["busy"].size(), 5u);
    busy.insert(busy.end(), more["busy"].begin(), more["busy"].end());
    log = Inspect(Dir(), "busy");
    if (log.rotations.size() >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(log.rotations.size(), 2u) << "the busy file never rotated by time";
  ASSERT_TRUE(WaitUntil([&] {
    log = Inspect(Dir(), "busy");
    return log.plain == 0 && log.temps == 0;
  }));
  EXPECT_EQ(log.lines, busy);
  LogOnDisk quiet;
  ASSERT_TRUE(WaitUntil([&] {
    quiet = Inspect(Dir(), "idle");
    return quiet.rotations.size() == 1 && quiet.plain == 0;
  })) << "the idle file was not rotated";
  EXPECT_EQ(quiet.lines, idle["idle"]);
  EXPECT_EQ(ReadFile(Dir() + "/idle.log"), "");
}

// SIGKILL while the scribe compresses (slowed by -test-compress-delay): each
// rotation is then plain, or complete compressed, or both with the same
// content, never neither; a restart finishes the work and every acknowledged
// line is still there exactly once.
TEST_F(RetentionTest, KilledMidCompressionLosesNothing) {
  StartScribe({"-size", "8KB", "-compress", "zstd", "-test-compress-delay", "30ms"});
  const std::vector<std::string> files = {"k1", "k2"};
  auto acked = Load(files, 40, 20, "k");  // ~80 KB per file: ~10 rotations each
  for (const std::string& f : files) ASSERT_EQ(acked[f].size(), 800u);
  // Kill once a compression is under way and work is left.
  ASSERT_TRUE(WaitUntil([&] {
    const LogOnDisk a = Inspect(Dir(), "k1"), b = Inspect(Dir(), "k2");
    return a.temps + b.temps > 0 && a.plain + b.plain > 1;
  }));
  EXPECT_EQ(scribe_->Stop(SIGKILL), 128 + SIGKILL);
  scribe_.reset();
  int plain_left = 0;
  for (const std::string& f : files) {
    const LogOnDisk log = Inspect(Dir(), f);
    EXPECT_EQ(log.problem, "") << f;
    EXPECT_EQ(log.lines, acked[f]) << f;  // nothing missing, nothing twice
    plain_left += log.plain;
  }
  EXPECT_GT(plain_left, 0);
  // The restart (without the delay) finishes the compression.
  StartScribe({"-size", "8KB", "-compress", "zstd"});
  for (const std::string& f : files) {
    LogOnDisk log;
    ASSERT_TRUE(WaitUntil([&] {
      log = Inspect(Dir(), f);
      return log.plain == 0 && log.temps == 0;
    })) << f;
    EXPECT_EQ(log.lines, acked[f]) << f;
  }
}

// -max-root-bytes with the real binary: rotated pieces of any log go first;
// once only live files are left and the root is still over, writes are
// refused with RESOURCE_EXHAUSTED naming the flag, and nothing acknowledged
// before is lost from the live files.
TEST_F(RetentionTest, MaxRootBytesDeletesPiecesThenRefusesWrites) {
  StartScribe({"-size", "2KB", "-max-root-bytes", "3KB", "-max-age", "24h", "-pprof", "-pport", "0"});
  const int metrics_port = MetricsPort(*scribe_);
  ASSERT_GT(metrics_port, 0) << scribe_->output();
  EXPECT_NE(scribe_->output().find("root at most"), std::string::npos) << scribe_->output();
  auto a = Load({"a"}, 1, 18, "b1");  // ~1.8 KB each: under -size, no rotation
  auto c = Load({"c"}, 1, 18, "b1");
  ASSERT_EQ(a["a"].size(), 18u);
  ASSERT_EQ(c["c"].size(), 18u);
  // b rotates again and again: each rotation checks the budget.
  std::vector<std::string> b_acked;
  ASSERT_TRUE(WaitUntil([&] {
    auto more = Load({"b"}, 1, 10, "b2-" + std::to_string(b_acked.size()));
    b_acked.insert(b_acked.end(), more["b"].begin(), more["b"].end());
    return !last_failure_.ok();
  })) << "never refused";
  EXPECT_EQ(last_failure_.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << last_failure_.error_message();
  EXPECT_NE(last_failure_.error_message().find("-max-root-bytes"), std::string::npos)
      << last_failure_.error_message();
  // Only live files are left (a batch taken just before the refusal may have
  // rotated b once more: the next check deletes that piece too), and a and c
  // hold every line acknowledged to them.
  ASSERT_TRUE(WaitUntil([&] {
    for (const std::string& name : ListFiles(Dir())) {
      if (name != "a.log" && name != "b.log" && name != "c.log") return false;
    }
    return true;
  })) << ::testing::PrintToString(ListFiles(Dir()));
  EXPECT_EQ(SplitLines(ReadFile(Dir() + "/a.log")), a["a"]);
  EXPECT_EQ(SplitLines(ReadFile(Dir() + "/c.log")), c["c"]);
  // Every deletion counted with its reason; the refusal shows.
  std::map<std::string, double> m = Scrape(metrics_port);
  EXPECT_GE(m["logscribe_retention_deleted_total{reason=\"max_root_bytes\"}"], 1);
  EXPECT_EQ(m["logscribe_retention_deleted_total{reason=\"max_backups\"}"], 0);
  EXPECT_EQ(m.count("logscribe_retention_deleted_total{reason=\"max_age\"}"), 1u);
  EXPECT_EQ(m.count("logscribe_retention_deleted_total{reason=\"min_free_bytes\"}"), 1u);
  EXPECT_EQ(m["logscribe_over_budget"], 1);
  EXPECT_GT(m["logscribe_root_bytes"], 3000);
  // b keeps its newest lines; its pieces went to the budget.
  const std::vector<std::string> b_lines = SplitLines(ReadFile(Dir() + "/b.log"));
  ASSERT_LE(b_lines.size(), b_acked.size());
  EXPECT_EQ(b_lines, std::vector<std::string>(b_acked.end() - static_cast<long>(b_lines.size()), b_acked.end()));
}

TEST(RetentionFlags, BadValuesExitWithOneSentence) {
  TempDir root;
  for (const auto& [args, sentence] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"-compress", "lz4"}, "wants none, zstd or gzip"},
           {{"-compress", "zstd", "-compress-level", "20"}, "between 1 and 19 for zstd"},
           {{"-compress", "gzip", "-compress-level", "10"}, "between 1 and 9 for gzip"},
           {{"-compress-level", "3"}, "-compress-level needs -compress"},
           {{"-rotate-every", "10ms"}, "at least 100ms"},
           {{"-max-backups", "-1"}, "-max-backups must be between"},
           {{"-sink", "null", "-compress", "zstd"}, "-compress needs -sink file"},
           {{"-sink", "null", "-max-root-bytes", "1GB"}, "-max-root-bytes needs -sink file"},
           {{"-max-age", "soon"}, "-max-age"},
           {{"-min-free-bytes", "-1B"}, "-min-free-bytes"},
       }) {
    std::vector<std::string> full = {"-path", root.path(), "-port", "0"};
    full.insert(full.end(), args.begin(), args.end());
    std::string out;
    EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, full, &out), 2) << out;
    EXPECT_NE(out.find(sentence), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace logscribe::testing
