// ArchiveThread: recovery of interrupted compressions, retention, the
// start-up walk, and the files it must never touch.
#include "archive_thread.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <gtest/gtest.h>

#include "compressed_reader.h"
#include "io/fake_clock.h"
#include "rotated_name.h"
#include "io/test_util.h"

namespace logscribe {
namespace {

using testing::Exists;
using testing::FakeClock;
using testing::ListDir;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

constexpr auto kWait = std::chrono::milliseconds(60000);

// A piece-scheme name rotated at 2024-01-02 03:04:<second>; its piece number
// orders it by second, then counter.
std::string Rot(const std::string& filename, int second, int counter = 0) {
  const auto t = std::chrono::sys_days{std::chrono::year{2024} / 1 / 2} + std::chrono::hours(3) +
                 std::chrono::minutes(4) + std::chrono::seconds(second);
  return PieceName(filename, static_cast<uint64_t>(second * 100 + counter + 1), t);
}

// The same rotation as an old release named it.
std::string OldRot(const std::string& filename, int second, int counter = 0) {
  const auto t = std::chrono::sys_days{std::chrono::year{2024} / 1 / 2} + std::chrono::hours(3) +
                 std::chrono::minutes(4) + std::chrono::seconds(second);
  return OldRotatedName(filename, t, counter);
}

std::string Content(const std::string& name) { return "lines of " + name + "\n"; }

std::string ReadAny(const std::string& path) {
  std::unique_ptr<CompressedReader> r;
  std::string content;
  if (!CompressedReader::Open(path, &r).ok() || !r->ReadAll(&content).ok()) return "<unreadable>";
  return content;
}

class ArchiveThreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status s = LogRoot::Open(root_dir_.path(), 0755, 0644, &root_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    report_ = std::tmpfile();
  }
  void TearDown() override {
    if (archive_ != nullptr) archive_->Stop();
    std::fclose(report_);
  }

  void Start(ArchiveOptions options) {
    options.report = report_;
    archive_ = std::make_unique<ArchiveThread>(root_.get(), options, &counters_);
    archive_->Start();
    ASSERT_TRUE(archive_->WaitIdleForTest(kWait));
  }
  void Tidy(const std::string& key) {
    archive_->Enqueue(key);
    ASSERT_TRUE(archive_->WaitIdleForTest(kWait));
  }
  std::string Put(const std::string& rel, const std::string& content = "") {
    const std::string path = root_dir_ / rel;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    WriteFile(path, content.empty() ? Content(std::filesystem::path(rel).filename().string()) : content);
    return path;
  }
  // A complete compressed copy of `rel` beside it, the plain file kept.
  void PutCompressedTwin(const std::string& rel, Codec codec) {
    const std::string dir = std::filesystem::path(root_dir_ / rel).parent_path().string();
    const std::string name = std::filesystem::path(rel).filename().string();
    TempDir scratch;
    WriteFile(scratch / name, ReadFile(root_dir_ / rel));
    const int fd = ::open(scratch.path().c_str(), O_RDONLY | O_DIRECTORY);
    FileCompressor c(codec, 0, 0644);
    CompressResult r;
    ASSERT_TRUE(c.Compress(fd, name, &r).ok());
    ::close(fd);
    const std::string ext(CodecExtension(codec));
    std::filesystem::copy_file(scratch / (name + ext), dir + "/" + name + ext);
  }
  std::string Report() {
    std::fflush(report_);
    std::rewind(report_);
    std::string s;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, report_)) s.append(buf, n);
    return s;
  }

  TempDir root_dir_;
  std::unique_ptr<LogRoot> root_;
  ArchiveCounters counters_;
  FILE* report_ = nullptr;
  std::unique_ptr<ArchiveThread> archive_;
};

// What a crash can leave, found by the start-up walk: a .tmp beside its plain
// file (deleted; the plain compressed again), a plain file beside its complete
// copy (the plain deleted), a copy alone (kept). Every rotation ends up as one
// complete compressed file holding its lines.
TEST_F(ArchiveThreadTest, StartUpFinishesWhatACrashLeft) {
  const std::string a = Rot("app", 1), b = Rot("app", 2), c = Rot("app", 3);
  Put("svc/" + a);
  Put("svc/" + a + ".zst.tmp", "half");
  Put("svc/" + b);
  PutCompressedTwin("svc/" + b, Codec::kZstd);
  Put("svc/" + c);
  PutCompressedTwin("svc/" + c, Codec::kGzip);  // made under another -compress setting
  ASSERT_TRUE(std::filesystem::remove(root_dir_ / ("svc/" + c)));
  Put("svc/app.log", "the active file\n");
  ArchiveOptions options;
  options.codec = Codec::kZstd;
  Start(options);
  EXPECT_EQ(ListDir(root_dir_ / "svc"),
            (std::vector<std::string>{"app.log", a + ".zst", b + ".zst", c + ".gz"}));
  EXPECT_EQ(ReadAny(root_dir_ / ("svc/" + a + ".zst")), Content(a));
  EXPECT_EQ(ReadAny(root_dir_ / ("svc/" + b + ".zst")), Content(b));
  EXPECT_EQ(ReadAny(root_dir_ / ("svc/" + c + ".gz")), Content(c));
  EXPECT_EQ(ReadFile(root_dir_ / "svc/app.log"), "the active file\n");
  EXPECT_EQ(counters_.files_compressed.load(), 1u);
  EXPECT_EQ(counters_.leftovers_removed.load(), 2u);
  EXPECT_EQ(counters_.compression_failures.load(), 0u);
}

// Without -compress the same leftovers are cleaned and nothing is compressed.
TEST_F(ArchiveThreadTest, LeftoversAreCleanedEvenWithoutCompression) {
  const std::string a = Rot("app", 1), b = Rot("app", 2);
  Put(a);
  Put(a + ".gz.tmp", "half");
  Put(b);
  PutCompressedTwin(b, Codec::kGzip);
  ArchiveOptions options;
  options.max_backups = 10;
  Start(options);
  EXPECT_EQ(ListDir(root_dir_.path()), (std::vector<std::string>{a, b + ".gz"}));
}

// Names that are not exactly a rotated name of the log are never touched,
// whatever they look like; rotations of other logs are left to their own.
TEST_F(ArchiveThreadTest, RetentionKeepsTheNewestAndTouchesNothingElse) {
  std::vector<std::string> unrelated = {
      "app.log", "app-notes.log", "app-20240102T030401.000Z.txt", "app-20240102T030401.000Z.log.bak",
      "app-20240102.log", "app-20240102T030401.000Z_01.log", "App-20240102T030401.000Z.log",
      "other-20240102T030401.000Z.log", "other-20240102T030402.000Z.log",
      "app2-20240102T030401.000Z.log", "xapp-20240102T030401.000Z.log", "README",
      // Old-scheme plain names of app itself: maybe live logs of an old release.
      "app-20240102T030400.000Z.log", "app-20240102T030400.000Z_001.log",
      // Piece-scheme look-alikes that are not exactly the shape.
      "app.log.000000001-20240102T030401.000Z", "app.log.00000000001-20240102T030401.000Z",
      "app.log.0000000000-20240102T030401.000Z", "app.log.0000000001-20240102T030401.000Z.log",
      "app.log.0000000001-20240102T030401.000", "app.log.0000000001-20240102T030401.000Z.bz2",
      "app.log.0000000001-20240102T030401.000Z.tmp", "xapp.log.0000000001-20240102T030401.000Z",
      "app.log.x0000000001-20240102T030401.000Z",
  };
  for (const std::string& name : unrelated) Put("d/" + name);
  // Six rotations of app, in a shuffled mix of forms; within one second the
  // counter orders them.
  const std::vector<std::string> app = {Rot("app", 1), Rot("app", 2), Rot("app", 2, 1),
                                        Rot("app", 2, 2), Rot("app", 3), Rot("app", 10)};
  Put("d/" + app[5]);
  Put("d/" + app[0]);
  Put("d/" + app[3]);
  PutCompressedTwin("d/" + app[3], Codec::kZstd);
  ASSERT_TRUE(std::filesystem::remove(root_dir_ / ("d/" + app[3])));
  Put("d/" + app[1]);
  PutCompressedTwin("d/" + app[1], Codec::kGzip);
  Put("d/" + app[2]);
  Put("d/" + app[4]);
  ArchiveOptions options;
  options.max_backups = 3;
  options.scan_at_start = false;
  Start(options);
  Tidy("d/app");
  std::vector<std::string> want = unrelated;
  want.push_back(app[3] + ".zst");
  want.push_back(app[4]);
  want.push_back(app[5]);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ListDir(root_dir_ / "d"), want);
  EXPECT_EQ(counters_.backups_deleted.load(), 3u);
  // A second pass changes nothing.
  Tidy("d/app");
  EXPECT_EQ(ListDir(root_dir_ / "d"), want);
  EXPECT_EQ(counters_.backups_deleted.load(), 3u);
}

// Retention runs before compression: the rotations about to be deleted are
// not compressed first.
TEST_F(ArchiveThreadTest, RetentionThenCompression) {
  for (int s = 1; s <= 5; ++s) Put(Rot("app", s));
  ArchiveOptions options;
  options.codec = Codec::kGzip;
  options.max_backups = 2;
  options.scan_at_start = false;
  Start(options);
  Tidy("app");
  EXPECT_EQ(ListDir(root_dir_.path()), (std::vector<std::string>{Rot("app", 4) + ".gz", Rot("app", 5) + ".gz"}));
  EXPECT_EQ(counters_.files_compressed.load(), 2u);
  EXPECT_EQ(counters_.backups_deleted.load(), 3u);
  EXPECT_EQ(ReadAny(root_dir_ / (Rot("app", 5) + ".gz")), Content(Rot("app", 5)));
  EXPECT_GT(counters_.bytes_before.load(), 0u);
  EXPECT_GT(counters_.bytes_after.load(), 0u);
}

// The walk goes through every directory of the root, applies retention per
// log, and follows no symlink out of the root.
TEST_F(ArchiveThreadTest, TheWalkCoversTheTreeButNoSymlink) {
  for (int s = 1; s <= 3; ++s) {
    Put("a/" + Rot("x", s));
    Put("a/b/c/" + Rot("x", s));
    Put("a/b/c/" + Rot("y", s));
  }
  TempDir outside;
  for (int s = 1; s <= 3; ++s) WriteFile(outside / Rot("x", s), "outside\n");
  std::filesystem::create_directory_symlink(outside.path(), root_dir_ / "a/link");
  WriteFile(outside / "target.log", "outside\n");
  std::filesystem::create_symlink(outside / "target.log", root_dir_ / ("a/" + Rot("x", 9)));
  ArchiveOptions options;
  options.max_backups = 1;
  Start(options);
  std::vector<std::string> want_a = {"b", "link", Rot("x", 3), Rot("x", 9)};
  std::sort(want_a.begin(), want_a.end());
  EXPECT_EQ(ListDir(root_dir_ / "a"), want_a);
  EXPECT_EQ(ListDir(root_dir_ / "a/b/c"), (std::vector<std::string>{Rot("x", 3), Rot("y", 3)}));
  EXPECT_EQ(ListDir(outside.path()).size(), 4u);
  EXPECT_EQ(counters_.backups_deleted.load(), 6u);
}

// A file that cannot be compressed stays plain, is counted and reported
// once, and is tried again on the log's next turn.
TEST_F(ArchiveThreadTest, AFailedCompressionLeavesThePlainFile) {
  const std::string a = Rot("app", 1);
  Put(a);
  // A directory where the .tmp must go: creating it fails, for root too.
  ASSERT_TRUE(std::filesystem::create_directory(root_dir_ / (a + ".zst.tmp")));
  WriteFile(root_dir_ / (a + ".zst.tmp/keep"), "x");
  ArchiveOptions options;
  options.codec = Codec::kZstd;
  Start(options);
  EXPECT_EQ(counters_.compression_failures.load(), 1u);
  EXPECT_EQ(ReadFile(root_dir_ / a), Content(a));
  Tidy("app");
  EXPECT_EQ(counters_.compression_failures.load(), 2u);
  const std::string report = Report();
  EXPECT_NE(report.find("cannot compress " + a), std::string::npos) << report;
  EXPECT_EQ(report.find("cannot compress"), report.rfind("cannot compress")) << report;
  std::filesystem::remove_all(root_dir_ / (a + ".zst.tmp"));
  Tidy("app");
  EXPECT_EQ(ListDir(root_dir_.path()), std::vector<std::string>{a + ".zst"});
  EXPECT_EQ(counters_.files_compressed.load(), 1u);
}

// A start-up walk that lasts over a second on the archive's clock prints
// progress lines and a last line with its totals; one that lasts less prints
// nothing. A ticking FakeClock makes the walk long without sleeping.
TEST_F(ArchiveThreadTest, ALongStartUpWalkReportsItsProgress) {
  for (const std::string dir : {"a", "b"}) {
    for (int s = 1; s <= 2; ++s) Put(dir + "/" + Rot("x", s));
  }
  FakeClock clock;
  ArchiveOptions options;
  options.max_backups = 1;
  options.clock = &clock;
  Start(options);
  EXPECT_EQ(Report(), "");  // the clock did not move: the walk took no time
  archive_->Stop();
  for (const std::string dir : {"a", "b"}) Put(dir + "/" + Rot("x", 1));
  clock.set_tick(std::chrono::seconds(1));  // every reading is a second later
  Start(options);
  const std::string report = Report();
  EXPECT_NE(report.find("start-up scan of " + root_dir_.path() + ": "), std::string::npos) << report;
  EXPECT_NE(report.find("start-up scan of " + root_dir_.path() +
                        " done after "), std::string::npos) << report;
  EXPECT_NE(report.find("s: 3 directories, 4 rotated files, 0 compressed, 2 deleted\n"), std::string::npos)
      << report;
  EXPECT_EQ(counters_.backups_deleted.load(), 4u);
}

TEST_F(ArchiveThreadTest, AKeyQueuedTwiceIsTidiedOnceAndStopIsPrompt) {
  ArchiveOptions options;
  options.codec = Codec::kZstd;
  options.scan_at_start = false;
  Start(options);
  for (int i = 0; i < 100; ++i) archive_->Enqueue("same/key");
  EXPECT_LE(counters_.pending_logs.load(), 1);
  ASSERT_TRUE(archive_->WaitIdleForTest(kWait));
  EXPECT_EQ(counters_.pending_logs.load(), 0);
  archive_->Stop();
}

// A root laid out by an old release: its plain rotations cannot be told from
// live logs an old client named that way, so they stay exactly as they are
// (not compressed, not deleted, not counted by -max-backups); its compressed
// rotations and their .tmp can only be the scribe's own: the .tmp is removed,
// the copies count as the oldest pieces of their log.
TEST_F(ArchiveThreadTest, AnOldRootKeepsItsPlainRotationsAndAdoptsItsCopies) {
  const std::vector<std::string> old_plain = {OldRot("app", 1), OldRot("app", 2), OldRot("app", 2, 1),
                                              OldRot("app", 3)};
  for (const std::string& n : old_plain) Put("d/" + n);
  Put("d/" + OldRot("app", 4));
  PutCompressedTwin("d/" + OldRot("app", 4), Codec::kZstd);  // its plain stays: it may be live
  Put("d/" + OldRot("app", 5));
  PutCompressedTwin("d/" + OldRot("app", 5), Codec::kGzip);
  ASSERT_TRUE(std::filesystem::remove(root_dir_ / ("d/" + OldRot("app", 5))));
  Put("d/" + OldRot("app", 6) + ".zst.tmp", "half");
  Put("d/" + Rot("app", 1));  // new pieces are newer than every old one, whatever the stamps
  Put("d/" + Rot("app", 2));
  Put("d/app.log", "live\n");
  ArchiveOptions options;
  options.codec = Codec::kZstd;
  options.max_backups = 3;
  Start(options);
  std::vector<std::string> want = old_plain;
  want.push_back(OldRot("app", 4));  // kept: may be live; its copy was the oldest piece and went
  want.push_back(OldRot("app", 5) + ".gz");
  want.push_back(Rot("app", 1) + ".zst");
  want.push_back(Rot("app", 2) + ".zst");
  want.push_back("app.log");
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ListDir(root_dir_ / "d"), want);
  for (const std::string& n : old_plain) EXPECT_EQ(ReadFile(root_dir_ / ("d/" + n)), Content(n)) << n;
  EXPECT_EQ(ReadFile(root_dir_ / "d/app.log"), "live\n");
  EXPECT_EQ(counters_.backups_deleted.load(), 1u);
  EXPECT_EQ(counters_.leftovers_removed.load(), 1u);
  EXPECT_EQ(counters_.files_compressed.load(), 2u);
  EXPECT_NE(Report().find("5 plain files under"), std::string::npos) << Report();
}

// Live logs named by hostile clients (of an old release, or on disk by any
// means): every shape of rotated name, with and without _NNN, with the
// suffixes of compression, with other logs' prefixes, and piece-scheme
// shapes. A live log always ends in ".log", so none is a piece of any log:
// with retention, both codecs and a disk budget that wants everything gone,
// each keeps every line.
class HostileLiveLogTest : public ArchiveThreadTest, public ::testing::WithParamInterface<Codec> {};

TEST_P(HostileLiveLogTest, NoLiveLogIsTakenForARotation) {
  const std::vector<std::string> hostile = {
      OldRot("f", 1), OldRot("f", 1, 1), OldRot("f", 1, 999), OldRot("f", 2) + ".log",
      OldRot("f", 3) + ".zst.log", OldRot("f", 3) + ".gz.log", OldRot("f", 3) + ".zst.tmp.log",
      OldRot("f.log", 4), OldRot("f-" + OldRot("f", 1), 5), Rot("f", 1) + ".log", Rot("f", 2) + ".zst.log",
      Rot("f", 3) + ".gz.tmp.log", Rot("f.log", 4) + ".log", "f.log.log", "f.log.zst.log", "f.log.gz.log",
      "f-.log", "f_001.log", "f.log.0000000001.log",
  };
  for (const std::string& n : hostile) Put("h/" + n, "acknowledged in " + n + "\n");
  for (int s = 1; s <= 4; ++s) Put("h/" + Rot("f", s));
  Put("h/" + OldRot("f", 9));
  PutCompressedTwin("h/" + OldRot("f", 9), Codec::kGzip);
  Put("h/f.log", "live f\n");
  ArchiveOptions options;
  options.codec = GetParam();
  options.max_backups = 1;
  options.max_root_bytes = 1;  // everything that may go, goes
  options.max_age = std::chrono::hours(1);
  Start(options);
  for (const std::string& n : hostile) {
    EXPECT_EQ(ReadFile(root_dir_ / ("h/" + n)), "acknowledged in " + n + "\n") << n;
  }
  EXPECT_EQ(ReadFile(root_dir_ / "h/f.log"), "live f\n");
  EXPECT_EQ(ReadFile(root_dir_ / ("h/" + OldRot("f", 9))), Content(OldRot("f", 9)));
  // Every piece went (retention, then the budget), nothing else.
  EXPECT_EQ(ListDir(root_dir_ / "h").size(), hostile.size() + 2);
  Status refusal;
  EXPECT_TRUE(archive_->BudgetRefusal(&refusal));
  EXPECT_EQ(refusal.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refusal.message().find("-max-root-bytes"), std::string::npos) << refusal.message();
}

INSTANTIATE_TEST_SUITE_P(Codecs, HostileLiveLogTest, ::testing::Values(Codec::kNone, Codec::kZstd, Codec::kGzip));

// -max-age: pieces of every log rotated longer ago than the limit go, the
// newer stay; live files and files not ours never go, however old.
TEST_F(ArchiveThreadTest, MaxAgeDeletesOldPiecesOfEveryLog) {
  const auto now = std::chrono::system_clock::now();
  const std::string old_a = PieceName("a", 1, now - std::chrono::hours(48));
  const std::string old_b = PieceName("b", 7, now - std::chrono::hours(30)) + ".zst";
  const std::string old_c = OldRot("c", 1) + ".gz";  // 2024: old-scheme copies count too
  const std::string new_a = PieceName("a", 2, now - std::chrono::minutes(5));
  Put("x/" + old_a);
  Put("y/" + old_b, "compressed bytes");
  Put(old_c, "compressed bytes");
  Put("x/" + new_a);
  Put("x/a.log", "live\n");
  Put(OldRot("c", 2), "legacy\n");
  Put("notes.txt", "not ours\n");
  ArchiveOptions options;
  options.max_age = std::chrono::hours(24);
  Start(options);
  EXPECT_EQ(ListDir(root_dir_ / "x"), (std::vector<std::string>{"a.log", new_a}));
  EXPECT_TRUE(ListDir(root_dir_ / "y").empty());
  EXPECT_FALSE(Exists(root_dir_ / old_c));
  EXPECT_EQ(ReadFile(root_dir_ / OldRot("c", 2)), "legacy\n");
  EXPECT_EQ(ReadFile(root_dir_ / "notes.txt"), "not ours\n");
  EXPECT_EQ(counters_.deleted_by_reason[static_cast<int>(RetentionReason::kMaxAge)].load(), 3u);
  Status refusal;
  EXPECT_FALSE(archive_->BudgetRefusal(&refusal));
}

// -max-root-bytes: the oldest pieces across all logs go first, until the
// root fits; the newest stay.
TEST_F(ArchiveThreadTest, MaxRootBytesDeletesTheOldestPiecesAcrossLogs) {
  const std::string block(1000, 'x');
  std::vector<std::string> order;  // oldest first, alternating logs and directories
  for (int s = 1; s <= 6; ++s) {
    const std::string rel = (s % 2 ? "p/" : "q/") + Rot(s % 2 ? "one" : "two", s);
    Put(rel, block);
    order.push_back(rel);
  }
  Put("p/one.log", block);
  ArchiveOptions options;
  options.max_root_bytes = 3500;  // live 1000 + the newest two pieces
  Start(options);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(Exists(root_dir_ / order[i]), i >= 4) << order[i];
  EXPECT_TRUE(Exists(root_dir_ / "p/one.log"));
  EXPECT_EQ(counters_.deleted_by_reason[static_cast<int>(RetentionReason::kMaxRootBytes)].load(), 4u);
  EXPECT_EQ(counters_.root_bytes.load(), 3000u);
  Status refusal;
  EXPECT_FALSE(archive_->BudgetRefusal(&refusal));
}

// -min-free-bytes with a filesystem that never has enough: every piece goes,
// then writes are refused with the flag named; once space is back, a check
// lifts the refusal.
TEST_F(ArchiveThreadTest, MinFreeBytesRefusesWritesOnlyWhenNoPieceIsLeft) {
  std::atomic<uint64_t> free_bytes{10};
  for (int s = 1; s <= 3; ++s) Put(Rot("app", s));
  Put("app.log", "live\n");
  ArchiveOptions options;
  options.min_free_bytes = 1000;
  options.free_bytes_for_test = [&] { return free_bytes.load(); };
  Start(options);
  EXPECT_EQ(ListDir(root_dir_.path()), std::vector<std::string>{"app.log"});
  EXPECT_EQ(counters_.deleted_by_reason[static_cast<int>(RetentionReason::kMinFreeBytes)].load(), 3u);
  Status refusal;
  ASSERT_TRUE(archive_->BudgetRefusal(&refusal));
  EXPECT_EQ(refusal.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refusal.message().find("-min-free-bytes 1000"), std::string::npos) << refusal.message();
  EXPECT_EQ(counters_.over_budget.load(), 1u);
  free_bytes = 1 << 20;
  archive_->CheckBudgetSoon();
  ASSERT_TRUE(archive_->WaitIdleForTest(kWait));
  EXPECT_FALSE(archive_->BudgetRefusal(&refusal));
  EXPECT_EQ(counters_.over_budget.load(), 0u);
  EXPECT_EQ(ReadFile(root_dir_ / "app.log"), "live\n");
  EXPECT_NE(Report().find("writes are accepted"), std::string::npos) << Report();
}

}  // namespace
}  // namespace logscribe
