// -rotate-every in the writer thread: a file whose content is old enough is
// rotated before the round's next append, an idle open file is rotated
// between rounds, an empty file never is, and each rotation reaches the
// archive thread.
#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "archive_thread.h"
#include "compressed_reader.h"
#include "io/test_util.h"
#include "rotated_name.h"
#include "writer_thread.h"

namespace logscribe {
namespace {

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
      archive_ = std::make_unique<ArchiveThread>(root_.get(), archive, &archive_counters_);
      archive_->Start();
    }
    WriterOptions options;
    options.rotate_every = every;
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

  // Waits (bounded) until `pred` holds.
  template <typename Pred>
  bool WaitUntil(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + testing::kWaitLimit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
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
  std::unique_ptr<LogRoot> root_;
  WriterCounters counters_;
  ArchiveCounters archive_counters_;
  std::unique_ptr<ArchiveThread> archive_;
  std::unique_ptr<WriterThread> writer_;
};

// A file found on disk whose birth time is older than the period is rotated
// before the first new line goes in: the old lines and the new never share
// a file.
TEST_F(TimeRotationTest, AnOldFileIsRotatedBeforeTheNextAppend) {
  WriteFile(tmp_ / "old.log", "from an earlier run\n");
  struct statx stx;
  if (::statx(AT_FDCWD, (tmp_ / "old.log").c_str(), 0, STATX_BTIME, &stx) != 0 ||
      (stx.stx_mask & STATX_BTIME) == 0) {
    GTEST_SKIP() << "this filesystem records no birth time";
  }
  Start(std::chrono::milliseconds(200));
  // Let the file's age pass the period; the writer has not opened it yet, so
  // only the round can rotate it.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Write("old", {"new line"});
  EXPECT_EQ(ReadFile(tmp_ / "old.log"), "new line\n");
  const std::vector<std::string> rotated = Rotated();
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(ReadFile(tmp_ / rotated[0]), "from an earlier run\n");
  EXPECT_GE(TimeRotations(), 1u);
  EXPECT_EQ(counters_.rotations_by_reason[static_cast<int>(RotateReason::kSize)].load(), 0u);
}

// A file that gets no more lines is rotated anyway, once; the fresh empty
// file is never rotated.
TEST_F(TimeRotationTest, AnIdleFileIsRotatedOnceAndAnEmptyOneNever) {
  Start(std::chrono::milliseconds(100));
  Write("d/quiet", {"one", "two"});
  ASSERT_TRUE(WaitUntil([&] { return Rotated("d").size() == 1; }));
  const std::vector<std::string> rotated = Rotated("d");
  EXPECT_EQ(ReadFile(tmp_ / ("d/" + rotated[0])), "one\ntwo\n");
  EXPECT_EQ(ReadFile(tmp_ / "d/quiet.log"), "");
  // Several periods and idle checks later, the empty file is still the only other one.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(ListDir(tmp_ / "d").size(), 2u);
  EXPECT_EQ(TimeRotations(), 1u);
}

// Lines keep coming: every line ends up in exactly one file, in order, and
// the file rotated by time more than once; with compression every rotated
// file becomes a .zst.
TEST_F(TimeRotationTest, ABusyFileRotatesByTimeAndLosesNothing) {
  ArchiveOptions archive;
  archive.codec = Codec::kZstd;
  Start(std::chrono::milliseconds(100), archive);
  std::vector<std::string> sent;
  for (int i = 0; TimeRotations() < 3; ++i) {
    ASSERT_LT(i, 100000) << "no time rotation";
    sent.push_back("line " + std::to_string(i));
    Write("busy", {sent.back()});
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  writer_->Stop();
  ASSERT_TRUE(archive_->WaitIdleForTest(std::chrono::milliseconds(60000)));
  std::vector<std::string> names = ListDir(tmp_.path());
  ASSERT_EQ(names.front(), "busy.log");
  names.erase(names.begin());
  std::vector<std::string> got;
  for (const std::string& n : names) {
    ASSERT_TRUE(n.size() > 4 && n.substr(n.size() - 4) == ".zst") << n;
    std::unique_ptr<CompressedReader> r;
    std::string content;
    ASSERT_TRUE(CompressedReader::Open(tmp_ / n, &r).ok());
    ASSERT_TRUE(r->ReadAll(&content).ok());
    EXPECT_FALSE(content.empty()) << n;
    for (auto& line : testing::SplitLines(content)) got.push_back(line);
  }
  for (auto& line : testing::SplitLines(ReadFile(tmp_ / "busy.log"))) got.push_back(line);
  EXPECT_EQ(got, sent);
  EXPECT_EQ(archive_counters_.files_compressed.load(), names.size());
}

}  // namespace
}  // namespace logscribe
