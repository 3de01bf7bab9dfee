// LogCursor and LineFilter: piece order, positions and resume across rotation
// and compression, time bounds, grep, the buffer bound, hostile layouts.
#include "log_cursor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "line_filter.h"
#include "log_listing.h"
#include "log_root.h"
#include "rotated_name.h"

namespace logscribe {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

std::string Lines(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += "line " + std::to_string(i) + "\n";
  return s;
}

void WriteFile(const fs::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary) << content;
}

void WriteZstd(const fs::path& p, const std::string& content) {
  std::string out(ZSTD_compressBound(content.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), content.data(), content.size(), 3));
  WriteFile(p, out);
}

void WriteGzip(const fs::path& p, const std::string& content) {
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
  gzclose(f);
}

class LogCursorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("log_cursor_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "d");
    ASSERT_TRUE(LogRoot::Open(dir_.string(), 0755, 0644, &root_).ok());
  }
  void TearDown() override {
    root_.reset();
    fs::remove_all(dir_);
  }
  // Pieces 1 (gzip), 2 (zstd), 3 (plain) and the live file: 40 lines.
  void Layout() {
    const auto t0 = Clock::now() - std::chrono::hours(3);
    WriteGzip(dir_ / "d" / (PieceName("app", 1, t0) + ".gz"), Lines(0, 10));
    WriteZstd(dir_ / "d" / (PieceName("app", 2, t0 + std::chrono::hours(1)) + ".zst"), Lines(10, 20));
    WriteFile(dir_ / "d" / PieceName("app", 3, t0 + std::chrono::hours(2)), Lines(20, 30));
    WriteFile(dir_ / "d" / "app.log", Lines(30, 40));
  }
  std::string ReadAll(LogCursor* c, size_t max_bytes = 1 << 20) {
    std::string got;
    for (bool end = false; !end;) {
      Status s = c->Next(max_bytes, 0, [&](std::string_view l) { got.append(l); return true; }, &end);
      EXPECT_TRUE(s.ok()) << s.message();
      if (!s.ok()) break;
    }
    return got;
  }

  fs::path dir_;
  std::unique_ptr<LogRoot> root_;
};

TEST_F(LogCursorTest, ReadsGzipZstdPlainAndLiveInOrderOnce) {
  Layout();
  LogCursor c(root_.get(), "d/app", CursorOptions());
  ASSERT_TRUE(c.Start(nullptr).ok());
  EXPECT_EQ(ReadAll(&c, 7), Lines(0, 40));
  EXPECT_TRUE(c.position().live);
  EXPECT_EQ(c.position().seq, 4u);
}

TEST_F(LogCursorTest, ResumesFromEveryPositionWithExactlyTheRest) {
  Layout();
  const std::string all = Lines(0, 40);
  std::vector<std::pair<CursorPosition, size_t>> positions;
  {
    LogCursor c(root_.get(), "d/app", CursorOptions());
    ASSERT_TRUE(c.Start(nullptr).ok());
    size_t consumed = 0;
    for (bool end = false; !end;) {
      ASSERT_TRUE(c.Next(1, 1, [&](std::string_view l) { consumed += l.size(); return true; }, &end).ok());
      positions.emplace_back(c.position(), consumed);
    }
  }
  ASSERT_GE(positions.size(), 40u);
  for (const auto& [pos, consumed] : positions) {
    LogCursor c(root_.get(), "d/app", CursorOptions());
    ASSERT_TRUE(c.Start(&pos).ok());
    EXPECT_EQ(ReadAll(&c), all.substr(consumed)) << "seq " << pos.seq << " offset " << pos.offset;
  }
}

TEST_F(LogCursorTest, LivePositionSurvivesRotationAndCompression) {
  Layout();
  LogCursor first(root_.get(), "d/app", CursorOptions());
  ASSERT_TRUE(first.Start(nullptr).ok());
  ReadAll(&first);
  const CursorPosition at_live_end = first.position();
  ASSERT_TRUE(at_live_end.live);
  // The live file becomes piece 4, compressed; a new live file begins.
  fs::remove(dir_ / "d" / "app.log");
  WriteZstd(dir_ / "d" / (PieceName("app", 4, Clock::now()) + ".zst"), Lines(30, 45));
  WriteFile(dir_ / "d" / "app.log", Lines(45, 50));
  LogCursor c(root_.get(), "d/app", CursorOptions());
  ASSERT_TRUE(c.Start(&at_live_end).ok());
  EXPECT_EQ(ReadAll(&c), Lines(40, 50));
  EXPECT_EQ(c.TakeGap(), 0u);
}

TEST_F(LogCursorTest, FollowingCursorCrossesARotationWithNoLineLostOrRepeated) {
  WriteFile(dir_ / "d" / "app.log", Lines(0, 5));
  LogCursor c(root_.get(), "d/app", CursorOptions());
  ASSERT_TRUE(c.Start(nullptr).ok());
  EXPECT_EQ(ReadAll(&c), Lines(0, 5));
  // Lines appended, then renamed (rotation), then a new live file.
  { std::ofstream(dir_ / "d" / "app.log", std::ios::app) << Lines(5, 8); }
  fs::rename(dir_ / "d" / "app.log", dir_ / "d" / PieceName("app", 1, Clock::now()));
  WriteFile(dir_ / "d" / "app.log", Lines(8, 12));
  EXPECT_EQ(ReadAll(&c), Lines(5, 12));
  EXPECT_EQ(c.position().seq, 2u);
}

TEST_F(LogCursorTest, DeletedPieceResumesAtTheNextAndReportsTheGap) {
  Layout();
  CursorPosition in_gzip{1, false, 20};
  fs::remove(dir_ / "d" / (PieceName("app", 1, Clock::now() - std::chrono::hours(3)) + ".gz"));
  for (const auto& e : fs::directory_iterator(dir_ / "d")) {
    if (e.path().extension() == ".gz") fs::remove(e.path());
  }
  LogCursor c(root_.get(), "d/app", CursorOptions());
  ASSERT_TRUE(c.Start(&in_gzip).ok());
  EXPECT_EQ(ReadAll(&c), Lines(10, 40));
  EXPECT_EQ(c.TakeGap(), 1u);
}

TEST_F(LogCursorTest, TimeBoundsSelectPiecesByTheirSpans) {
  Layout();
  CursorOptions o;
  // Pieces: 1 ends now-3h, 2 spans [now-3h, now-2h], 3 [now-2h, now-1h].
  const auto ns = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  };
  o.since_ns = ns(Clock::now() - std::chrono::minutes(150));  // after piece 1's end, inside piece 2
  o.until_ns = ns(Clock::now() - std::chrono::minutes(90));   // inside piece 3
  LogCursor c(root_.get(), "d/app", o);
  ASSERT_TRUE(c.Start(nullptr).ok());
  // Piece 2 spans [now-3h, now-2h], piece 3 [now-2h, now-1h]: both overlap;
  // piece 1 (ends now-3h) and the live file (starts now-1h) do not.
  EXPECT_EQ(ReadAll(&c), Lines(10, 30));
}

TEST_F(LogCursorTest, GrepFiltersAndPositionsCountSkippedLines) {
  Layout();
  LineFilter f;
  ASSERT_TRUE(f.Compile("line [0-9]*5$").ok());
  EXPECT_FALSE(f.substring());
  CursorOptions o;
  o.filter = &f;
  LogCursor c(root_.get(), "d/app", o);
  ASSERT_TRUE(c.Start(nullptr).ok());
  EXPECT_EQ(ReadAll(&c), "line 5\nline 15\nline 25\nline 35\n");
}

TEST(LineFilterTest, PlainPatternIsASubstringAndHostileOnesAreRefusedOrLinear) {
  LineFilter f;
  ASSERT_TRUE(f.Compile("error").ok());
  EXPECT_TRUE(f.substring());
  EXPECT_TRUE(f.Matches("an error here"));
  EXPECT_FALSE(f.Matches("fine"));
  Status s = f.Compile("(a*)*{1000}{1000}");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("grep"), std::string::npos);
  EXPECT_EQ(f.Compile(std::string(5000, 'a')).code(), StatusCode::kInvalidArgument);
  // Catastrophic for a backtracking engine; linear for RE2.
  ASSERT_TRUE(f.Compile("(a|a)*(a|a)*(a|a)*b").ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(f.Matches(std::string(100000, 'a')));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(LogCursorTest, LineLongerThanTheBufferIsRefusedNotBuffered) {
  WriteFile(dir_ / "d" / "app.log", std::string(300 << 10, 'x') + "\n");
  CursorOptions o;
  o.buffer_bytes = 128 << 10;
  LogCursor c(root_.get(), "d/app", o);
  ASSERT_TRUE(c.Start(nullptr).ok());
  bool end = false;
  Status s = c.Next(1 << 20, 0, [](std::string_view) { return true; }, &end);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
}

TEST_F(LogCursorTest, SymlinkedLiveFileIsNeverFollowed) {
  WriteFile(dir_ / "secret", "secret\n");
  fs::create_symlink(dir_ / "secret", dir_ / "d" / "app.log");
  LogCursor c(root_.get(), "d/app", CursorOptions());
  // Not a regular file: no log there at all, and nothing of the target read.
  EXPECT_EQ(c.Start(nullptr).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace logscribe
