#include "rotated_name.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

#include "io/test_util.h"

namespace logscribe {
namespace {

using namespace std::chrono;

const auto kT = sys_days{year{2024} / 3 / 5} + hours(6) + minutes(7) + seconds(8) + milliseconds(9);

TEST(RotatedNameTest, PieceNameFormat) {
  EXPECT_EQ(PieceName("app", 1, kT), "app.log.0000000001-20240305T060708.009Z");
  EXPECT_EQ(PieceName("app", 42, kT), "app.log.0000000042-20240305T060708.009Z");
  EXPECT_EQ(PieceName("app", 12345678901ull, kT), "app.log.12345678901-20240305T060708.009Z");
  // Sub-millisecond parts are cut, not rounded.
  EXPECT_EQ(PieceName("app", 1, kT + microseconds(999)), "app.log.0000000001-20240305T060708.009Z");
  EXPECT_EQ(PieceName("x", 1, system_clock::time_point()), "x.log.0000000001-19700101T000000.000Z");
  EXPECT_EQ(OldRotatedName("app", kT, 0), "app-20240305T060708.009Z.log");
  EXPECT_EQ(OldRotatedName("app", kT, 42), "app-20240305T060708.009Z_042.log");
}

// No piece name ends in ".log", whatever the filename, seq or compression: a
// live log (always "<filename>.log") is never a piece.
TEST(RotatedNameTest, NoPieceNameIsALiveLogName) {
  for (std::string_view filename : {"app", "a.log", "x-20240101T000000.000Z", "f.log.0000000001", "Z_123"}) {
    for (uint64_t seq : {1ull, 99ull, 18446744073709551615ull}) {
      const std::string name = PieceName(filename, seq, kT);
      for (std::string_view ext : {"", ".zst", ".gz", ".zst.tmp", ".gz.tmp"}) {
        const std::string full = name + std::string(ext);
        EXPECT_NE(full.substr(full.size() - 4), ".log") << full;
      }
    }
  }
}

TEST(RotatedNameTest, ReadsBackEveryNameOfBothSchemes) {
  for (std::string_view filename : {"app", "my-app", "a_b", "x-20240101T000000.000Z", "Z_123", "a.log",
                                    "q.log.0000000001-20240101T000000.000Z", "7"}) {
    for (uint64_t seq : {1ull, 42ull, 9999999999ull, 10000000000ull, 18446744073709551615ull}) {
      const std::string name = PieceName(filename, seq, kT);
      for (std::string_view ext : {"", ".zst", ".gz", ".zst.tmp", ".gz.tmp"}) {
        const std::string full = name + std::string(ext);
        RotatedNameParts p;
        ASSERT_TRUE(ParseRotatedName(full, &p)) << full;
        EXPECT_EQ(p.scheme, RotatedScheme::kPiece);
        EXPECT_EQ(p.filename, filename) << full;
        EXPECT_EQ(p.seq, seq) << full;
        EXPECT_EQ(p.stamp, "20240305T060708.009") << full;
        EXPECT_EQ(p.plain, name) << full;  // the identity survives compression
        EXPECT_EQ(p.temp, ext.find(".tmp") != std::string_view::npos) << full;
      }
    }
    for (int counter : {0, 1, 42, 999, 1000}) {
      const std::string name = OldRotatedName(filename, kT, counter);
      const std::string full = name + ".zst";
      RotatedNameParts p;
      ASSERT_TRUE(ParseRotatedName(full, &p)) << name;
      EXPECT_EQ(p.scheme, RotatedScheme::kOld);
      EXPECT_EQ(p.filename, filename) << name;
      EXPECT_EQ(p.counter, static_cast<uint32_t>(counter)) << name;
      EXPECT_EQ(p.plain, name);
      EXPECT_EQ(p.codec, Codec::kZstd);
    }
  }
}

TEST(RotatedNameTest, AnythingElseIsNotOurs) {
  for (const char* name : {
           "app.log",                                  // the active file
           "app-20240102T030405.678Z.log.tmp",         // .tmp only after a codec
           "app-20240102T030405.678Z.txt",
           "app-20240102T030405.678Z.log.bz2",
           "app-20240102T030405.678Z.log.zst.bak",
           "app-20240102T030405.678.log",              // no Z
           "app-20240102T030405Z.log",                 // no milliseconds
           "app-2024010xT030405.678Z.log",             // not a digit
           "app-20240102-030405.678Z.log",             // no T
           "app_20240102T030405.678Z.log",             // no '-'
           "-20240102T030405.678Z.log",                // no filename
           "app-20240102T030405.678Z_01.log",          // counter of two digits
           "app-20240102T030405.678Z_000.log",         // counter zero
           "app-20240102T030405.678Z_0a1.log",
           "app-20240102T030405.678Z-1.log",
           "20240102T030405.678Z.log",
           "app.log.000000001-20240102T030405.678Z",   // nine digits
           "app.log.00000000001-20240102T030405.678Z", // a padded number wider than written
           "app.log.0000000000-20240102T030405.678Z",  // piece zero
           "app.log.99999999999999999999-20240102T030405.678Z",  // past 2^64
           "app.log.0000000001-20240102T030405.678Z.tmp",
           "app.log.0000000001-20240102T030405.678Z.bz2",
           "app.log.0000000001-20240102T030405.678",
           "app.log.0000000001_20240102T030405.678Z",
           "app.lg.0000000001-20240102T030405.678Z",
           ".log.0000000001-20240102T030405.678Z",     // no filename
           "app.log0000000001-20240102T030405.678Z",
           "",
       }) {
    RotatedNameParts p;
    EXPECT_FALSE(ParseRotatedName(name, &p)) << name;
  }
}

// The client filenames the validation refuses: whatever makes `<f>.log`, or
// `<f>` itself, a rotated name of either scheme.
TEST(RotatedNameTest, ShapedLikeRotatedName) {
  for (const char* f : {"f-20200101T000000.000Z", "f-20200101T000000.000Z_001",
                        "f-20200101T000000.000Z.log", "f-20200101T000000.000Z.log.zst",
                        "f-20200101T000000.000Z_123.log.gz.tmp", "f.log.0000000001-20200101T000000.000Z",
                        "f.log.0000000001-20200101T000000.000Z.zst", "f.log.0000000001-20200101T000000.000Z.gz.tmp",
                        "a.log.0000000001-20200101T000000.000Z", "x-y-20200101T000000.000Z"}) {
    EXPECT_TRUE(ShapedLikeRotatedName(f)) << f;
  }
  for (const char* f : {"f", "f.log", "f-2020", "f-20200101T000000.000Z.txt", "f.log.1",
                        "f.log.0000000001-20200101T000000.000Z.log.bak", "f.zst", "f.gz.tmp"}) {
    EXPECT_FALSE(ShapedLikeRotatedName(f)) << f;
  }
}

TEST(RotatedNameTest, StampTimeReadsTheStampBack) {
  EXPECT_EQ(StampTime("20240305T060708.009"), time_point_cast<system_clock::duration>(kT));
  EXPECT_EQ(StampTime("19700101T000000.000"), system_clock::time_point());
}

Piece Of(std::string_view name) {
  RotatedNameParts p;
  EXPECT_TRUE(ParseRotatedName(name, &p)) << name;
  LogPieces log;
  log.Add(name, p, 1);
  return log.pieces.empty() ? Piece() : log.pieces[0];
}

// Within a log: old-scheme pieces first (stamp, counter), then by number
// whatever the clock said; across logs: by stamp.
TEST(RotatedNameTest, PieceOrder) {
  const Piece old1 = Of("x-20240102T030405.678Z.log.zst");
  const Piece old2 = Of("x-20240102T030405.678Z_002.log.zst");
  const Piece old3 = Of("x-20250102T030405.679Z.log.gz");
  const Piece p1 = Of("x.log.0000000001-20240102T030405.678Z");
  const Piece p2 = Of("x.log.0000000002-20230102T030405.678Z.zst");  // the clock went back
  EXPECT_TRUE(PieceOlder(old1, old2));
  EXPECT_TRUE(PieceOlder(old2, old3));
  EXPECT_TRUE(PieceOlder(old3, p1));
  EXPECT_TRUE(PieceOlder(p1, p2));
  EXPECT_FALSE(PieceOlder(p2, p1));
  EXPECT_FALSE(PieceOlder(p1, p1));
  EXPECT_TRUE(PieceOlderAcrossLogs(p2, p1));
  EXPECT_TRUE(PieceOlderAcrossLogs(p1, old3));
}

// One log's pieces, with every variant grouped under its identity, oldest
// first; old plain names apart; the next number after the highest on disk.
TEST(RotatedNameTest, ListLogPiecesGroupsVariants) {
  testing::TempDir dir;
  for (const std::string& n :
       {PieceName("app", 2, kT), PieceName("app", 2, kT) + ".zst", PieceName("app", 1, kT) + ".gz",
        PieceName("app", 5, kT) + ".zst.tmp", OldRotatedName("app", kT, 0),
        OldRotatedName("app", kT, 1) + ".zst", PieceName("other", 9, kT), std::string("app.log"),
        PieceName("app.log", 30, kT)}) {
    testing::WriteFile(dir / n, "x");
  }
  std::filesystem::create_directory(dir / PieceName("app", 40, kT));  // not a file: not a piece
  const int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
  LogPieces log;
  ASSERT_TRUE(ListLogPieces(fd, "app", &log).ok());
  ::close(fd);
  ASSERT_EQ(log.pieces.size(), 4u);
  EXPECT_EQ(log.pieces[0].base, OldRotatedName("app", kT, 1));
  EXPECT_FALSE(log.pieces[0].plain);
  EXPECT_EQ(log.pieces[1].base, PieceName("app", 1, kT));
  EXPECT_EQ(log.pieces[2].base, PieceName("app", 2, kT));
  EXPECT_TRUE(log.pieces[2].plain);
  EXPECT_EQ(log.pieces[2].compressed, std::vector<std::string>{PieceName("app", 2, kT) + ".zst"});
  EXPECT_EQ(log.pieces[2].bytes, 2u);
  EXPECT_TRUE(log.pieces[3].empty());
  EXPECT_EQ(log.pieces[3].temps.size(), 1u);
  EXPECT_EQ(log.legacy, std::vector<std::string>{OldRotatedName("app", kT, 0)});
  EXPECT_EQ(log.NextSeq(), 6u);
}

}  // namespace
}  // namespace logscribe
