#include "rotated_name.h"

#include <chrono>

#include <gtest/gtest.h>

#include "log_root.h"

namespace logscribe {
namespace {

TEST(RotatedNameTest, ReadsBackEveryNameRotateGives) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  for (int counter : {0, 1, 42, 999, 1000, 9999}) {
    for (std::string_view filename : {"app", "my-app", "a_b", "x-20240101T000000.000Z", "Z_123"}) {
      const std::string name = RotatedName(filename, t, counter);
      RotatedNameParts p;
      ASSERT_TRUE(ParseRotatedName(name, &p)) << name;
      EXPECT_EQ(p.filename, filename) << name;
      EXPECT_EQ(p.stamp, "20231114T221320.123") << name;
      EXPECT_EQ(p.counter, static_cast<uint32_t>(counter)) << name;
      EXPECT_EQ(p.plain, name);
      EXPECT_EQ(p.codec, Codec::kNone);
      EXPECT_FALSE(p.temp);
    }
  }
}

TEST(RotatedNameTest, CompressedAndTemporaryVariants) {
  RotatedNameParts p;
  ASSERT_TRUE(ParseRotatedName("app-20240102T030405.678Z_002.log.zst", &p));
  EXPECT_EQ(p.filename, "app");
  EXPECT_EQ(p.counter, 2u);
  EXPECT_EQ(p.codec, Codec::kZstd);
  EXPECT_FALSE(p.temp);
  EXPECT_EQ(p.plain, "app-20240102T030405.678Z_002.log");
  ASSERT_TRUE(ParseRotatedName("app-20240102T030405.678Z.log.gz.tmp", &p));
  EXPECT_EQ(p.codec, Codec::kGzip);
  EXPECT_TRUE(p.temp);
  EXPECT_EQ(p.plain, "app-20240102T030405.678Z.log");
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
           "",
       }) {
    RotatedNameParts p;
    EXPECT_FALSE(ParseRotatedName(name, &p)) << name;
  }
}

TEST(RotatedNameTest, OrderIsStampThenCounter) {
  RotatedNameParts a, b, c;
  ASSERT_TRUE(ParseRotatedName("x-20240102T030405.678Z.log.zst", &a));
  ASSERT_TRUE(ParseRotatedName("x-20240102T030405.678Z_002.log", &b));
  ASSERT_TRUE(ParseRotatedName("x-20240102T030405.679Z.log.gz", &c));
  EXPECT_TRUE(a.OlderThan(b));
  EXPECT_TRUE(b.OlderThan(c));
  EXPECT_FALSE(c.OlderThan(a));
  EXPECT_FALSE(a.OlderThan(a));
}

}  // namespace
}  // namespace logscribe
