// -rotate-every in the writer thread: a file whose content is old enough is
// rotated before the round's next append, an idle open file is rotated
// between rounds, an empty file never is, and each rotation reaches the
// archive thread. Time comes from a FakeClock the tests move: nothing sleeps,
// so periods are realistic (an hour) and their edges exact.
#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "archive_thread.h"
#include "compressed_reader.h"
#include "io/fake_clock.h"
#include "io/test_util.h"
#include "rotated_name.h"
#include "writer_thread.h"

namespace logscribe {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::FakeClock;
using testing::ListDir;
using testing::MakeChunk;
using testing::ReadFile;
using testing::RecordingCompletion;
using testing::TempDir;
using testing::WriteFile;

class TimeRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status s = LogRoot::Open(tmp_.path(), 0755, 0644, &root_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void TearDown() override {
    if (writer_ != nullptr) writer_->Stop();
    if (archive_ != nullptr) archive_->Stop();
  }

  void Start(std::chrono::nanoseconds every, ArchiveOptions archive = {}) {
    if (archive.enabled()) {
      archive.scan_at_start = false;
      archive.clock = &clock_;
      archive_ = std::make_unique<ArchiveThread>(root_.get(), archive, &archive_counters_);
      archive_->Start();
    }
    WriterOptions options;
    options.rotate_every = every;
    options.clock = &clock_;
    writer_ = std::make_unique<WriterThread>(root_.get(), MakePosixFileWriter(), options, &counters_,
                                             archive_.get());
    writer_->Start();
  }

  // Writes lines to `key` and waits for their completion.
  void Write(const std::string& key, const std::vector<std::string>& lines) {
    RecordingCompletion c;
    c.Arm(1);
    auto chunk = MakeChunk(key, lines, &c);
    counters_.queued_bytes.fetch_add(chunk->data.size());
    counters_.queued_chunks.fetch_add(1);
    writer_->Enqueue(chunk.release());
    ASSERT_TRUE(c.WaitFor());
    ASSERT_TRUE(c.status().ok()) << c.status().ToString();
  }

  // Moves the clock on and returns once the writer has looked at the new
  // time: an empty chunk queued behind the clock's wake-up has completed.
  // Its file (probe/p.log) stays empty, so it never rotates.
  void AdvanceAndSettle(std::chrono::nanoseconds d) {
    clock_.Advance(d);
    Write("probe/p", {});
  }

  uint64_t TimeRotations() const {
    return counters_.rotations_by_reason[static_cast<int>(RotateReason::kTime)].load();
  }

  // The rotated pieces in `dir` (rotated_name.h), sorted.
  std::vector<std::string> Rotated(const std::string& dir = "") {
    std::vector<std::string> out;
    for (const std::string& n : ListDir(dir.empty() ? tmp_.path() : tmp_ / dir)) {
      if (RotatedNameParts p; ParseRotatedName(n, &p)) out.push_back(n);
    }
    return out;
  }

  TempDir tmp_;
  FakeClock clock_;
  std::unique_ptr<LogRoot> root_;
  WriterCounters counters_;
  ArchiveCounters archive_counters_;
  std::unique_ptr<ArchiveThread> archive_;
  std::unique_ptr<WriterThread> writer_;
};

// A file found on disk whose birth time is older than the period is rotated
// before the first new line goes in: the old lines and the new never share
// a file. The rotated name carries the clock's time of the rotation.
TEST_F(TimeRotationTest, AnOldFileIsRotatedBeforeTheNextAppend) {
  WriteFile(tmp_ / "old.log", "from an earlier run\n");
  struct statx stx;
  if (::statx(AT_FDCWD, (tmp_ / "old.log").c_str(), 0, STATX_BTIME, &stx) != 0 ||
      (stx.stx_mask & STATX_BTIME) == 0) {
    GTEST_SKIP() << "this filesystem records no birth time";
  }
  Start(hours(1));
  // The file's age passes the period; the writer has not opened it yet, so
  // only the round can rotate it.
  clock_.Advance(hours(2));
  Write("old", {"new line"});
  EXPECT_EQ(ReadFile(tmp_ / "old.log"), "new line\n");
  const std::vector<std::string> rotated = Rotated();
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(rotated[0], PieceName("old", 1, clock_.Now()));
  EXPECT_EQ(ReadFile(tmp_ / rotated[0]), "from an earlier run\n");
  EXPECT_EQ(TimeRotations(), 1u);
  EXPECT_EQ(counters_.rotations_by_reason[static_cast<int>(RotateReason::kSize)].load(), 0u);
}

// A file that gets no more lines is rotated anyway, once, when its first
// line is exactly one period old and not a minute before; the fresh empty
// file is never rotated, however long it waits.
TEST_F(TimeRotationTest, AnIdleFileIsRotatedOnceAndAnEmptyOneNever) {
  Start(hours(1));
  Write("d/quiet", {"one", "two"});
  AdvanceAndSettle(minutes(59));
  EXPECT_TRUE(Rotated("d").empty());
  EXPECT_EQ(TimeRotations(), 0u);
  AdvanceAndSettle(minutes(1));
  const std::vector<std::string> rotated = Rotated("d");
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(rotated[0], PieceName("quiet", 1, clock_.Now()));
  EXPECT_EQ(ReadFile(tmp_ / ("d/" + rotated[0])), "one\ntwo\n");
  EXPECT_EQ(ReadFile(tmp_ / "d/quiet.log"), "");
  EXPECT_EQ(TimeRotations(), 1u);
  // Many periods and idle checks later, the empty file is still the only other one.
  for (int i = 0; i < 5; ++i) AdvanceAndSettle(hours(1));
  EXPECT_EQ(ListDir(tmp_ / "d").size(), 2u);
  EXPECT_EQ(TimeRotations(), 1u);
}

// Lines keep coming and the clock passes the period three times: each
// rotated file holds exactly the lines of its period, in order, stamped with
// the time it was rotated; with compression every rotated file becomes a .zst.
TEST_F(TimeRotationTest, ABusyFileRotatesByTimeAndLosesNothing) {
  ArchiveOptions archive;
  archive.codec = Codec::kZstd;
  Start(hours(1), archive);
  constexpr int kPeriods = 3;
  constexpr int kLinesPerPeriod = 10;
  std::vector<std::vector<std::string>> sent(kPeriods + 1);
  std::vector<std::string> want_names;
  for (int p = 0; p <= kPeriods; ++p) {
    for (int i = 0; i < kLinesPerPeriod; ++i) {
      sent[p].push_back("line " + std::to_string(p * kLinesPerPeriod + i));
      Write("busy", {sent[p].back()});
    }
    if (p == kPeriods) break;
    clock_.Advance(hours(1));
    want_names.push_back(PieceName("busy", static_cast<uint64_t>(p) + 1, clock_.Now()) + ".zst");
  }
  writer_->Stop();
  ASSERT_TRUE(archive_->WaitIdleForTest(std::chrono::milliseconds(60000)));
  EXPECT_EQ(TimeRotations(), static_cast<uint64_t>(kPeriods));
  std::vector<std::string> names = ListDir(tmp_.path());
  ASSERT_EQ(names.front(), "busy.log");  // "busy.log" sorts before its pieces
  names.erase(names.begin());
  EXPECT_EQ(names, want_names);
  for (size_t p = 0; p < names.size() && p < sent.size(); ++p) {
    std::unique_ptr<CompressedReader> r;
    std::string content;
    ASSERT_TRUE(CompressedReader::Open(tmp_ / names[p], &r).ok()) << names[p];
    ASSERT_TRUE(r->ReadAll(&content).ok()) << names[p];
    EXPECT_EQ(testing::SplitLines(content), sent[p]) << names[p];
  }
  EXPECT_EQ(testing::SplitLines(ReadFile(tmp_ / "busy.log")), sent[kPeriods]);
  EXPECT_EQ(archive_counters_.files_compressed.load(), static_cast<uint64_t>(kPeriods));
}

// The writer listens to its clock only while it runs.
TEST_F(TimeRotationTest, TheWriterIsWokenByItsClockOnlyWhileItRuns) {
  EXPECT_EQ(clock_.waiters(), 0u);
  Start(hours(1));
  EXPECT_EQ(clock_.waiters(), 1u);
  writer_->Stop();
  EXPECT_EQ(clock_.waiters(), 0u);
}

}  // namespace
}  // namespace logscribe
