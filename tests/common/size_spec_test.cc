#include "size_spec.h"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace logscribe {
namespace {

using std::chrono::nanoseconds;

uint64_t Size(std::string_view text) {
  std::string error = "untouched";
  const std::optional<uint64_t> v = ParseSize(text, &error);
  EXPECT_TRUE(v.has_value()) << "'" << text << "': " << error;
  return v.value_or(0);
}

std::string SizeError(std::string_view text) {
  std::string error;
  const std::optional<uint64_t> v = ParseSize(text, &error);
  EXPECT_FALSE(v.has_value()) << "'" << text << "' parsed as " << v.value_or(0);
  EXPECT_FALSE(error.empty()) << "'" << text << "' gave no sentence";
  return error;
}

TEST(ParseSizeTest, PlainNumbersAreBytes) {
  EXPECT_EQ(Size("1"), 1u);
  EXPECT_EQ(Size("100"), 100u);
  EXPECT_EQ(Size("100B"), 100u);
  EXPECT_EQ(Size("100b"), 100u);
}

TEST(ParseSizeTest, DecimalUnitsArePowersOf1000) {
  EXPECT_EQ(Size("1KB"), 1000u);
  EXPECT_EQ(Size("1MB"), 1000000u);
  EXPECT_EQ(Size("1GB"), 1000000000u);
  EXPECT_EQ(Size("1TB"), 1000000000000u);
  EXPECT_EQ(Size("3mb"), 3000000u);
  EXPECT_EQ(Size("3Mb"), 3000000u);
}

TEST(ParseSizeTest, BinaryUnitsArePowersOf1024) {
  EXPECT_EQ(Size("1KiB"), 1024u);
  EXPECT_EQ(Size("512KiB"), 524288u);
  EXPECT_EQ(Size("1MiB"), 1048576u);
  EXPECT_EQ(Size("1GiB"), 1073741824u);
  EXPECT_EQ(Size("1TiB"), 1099511627776u);
  EXPECT_EQ(Size("2kib"), 2048u);
  EXPECT_EQ(Size("2MIB"), 2097152u);
}

TEST(ParseSizeTest, MinusOneMeansNever) {
  EXPECT_EQ(Size("-1"), kUnlimitedSize);
  EXPECT_EQ(Size("-1B"), kUnlimitedSize);
  EXPECT_EQ(Size("-1b"), kUnlimitedSize);
}

TEST(ParseSizeTest, FractionsRoundDown) {
  EXPECT_EQ(Size("1.5MB"), 1500000u);
  EXPECT_EQ(Size("1.5KiB"), 1536u);
  EXPECT_EQ(Size("1.9B"), 1u);
  EXPECT_EQ(Size("0.5KB"), 500u);
  EXPECT_EQ(Size("2.75GB"), 2750000000u);
  EXPECT_EQ(Size("1.0009KB"), 1000u);
}

// A decimal fraction names an exact number of bytes when its digits allow: it
// must not lose a byte to binary rounding on the way.
TEST(ParseSizeTest, FractionsAreExact) {
  EXPECT_EQ(Size("0.001KB"), 1u);
  EXPECT_EQ(Size("0.13MB"), 130000u);
  EXPECT_EQ(Size("0.001MB"), 1000u);
  EXPECT_EQ(Size("1.001MB"), 1001000u);
  EXPECT_EQ(Size("0.26GB"), 260000000u);
  EXPECT_EQ(Size("0.25KiB"), 256u);
  // Every value with up to three decimals, in every decimal unit.
  const std::pair<const char*, uint64_t> units[] = {{"KB", 1}, {"MB", 1000}, {"GB", 1000000}};
  int wrong = 0;
  for (int whole = 0; whole < 20; ++whole) {
    for (int frac = 0; frac < 1000; ++frac) {
      if (whole == 0 && frac == 0) continue;
      char text[32];
      for (const auto& [unit, per_thousandth] : units) {
        std::snprintf(text, sizeof text, "%d.%03d%s", whole, frac, unit);
        const uint64_t want = (static_cast<uint64_t>(whole) * 1000 + frac) * per_thousandth;
        const std::optional<uint64_t> got = ParseSize(text);
        if (got != want && ++wrong <= 5) {
          ADD_FAILURE() << text << " parsed as " << got.value_or(0) << ", want " << want;
        }
      }
    }
  }
  EXPECT_EQ(wrong, 0);
}

TEST(ParseSizeTest, VeryLongNumbers) {
  EXPECT_EQ(Size("1." + std::string(40, '0') + "MB"), 1000000u);
  EXPECT_EQ(Size("0." + std::string(40, '9') + "KB"), 999u);
  EXPECT_EQ(Size(std::string(10, '0') + "1KB"), 1000u);
  SizeError(std::string(5000, '9'));
  SizeError(std::string(5000, '9') + "." + std::string(5000, '9') + "MB");
  SizeError("0." + std::string(5000, '0') + "1KB");
}

TEST(ParseSizeTest, Rejections) {
  SizeError("");
  SizeError("0");
  SizeError("0B");
  SizeError("0.4B");
  SizeError("-2");
  SizeError("-1KB");
  SizeError("-0");
  SizeError("MB");
  SizeError("abc");
  SizeError(".");
  SizeError(" 1MB");
  SizeError("1 MB");
  SizeError("1MBx");
  SizeError("1XB");
  SizeError("1PB");
  SizeError("1e3");
  SizeError("20000000TB");
  SizeError("99999999999999999999999");
  EXPECT_NE(SizeError("7parsecs").find("unknown unit"), std::string::npos);
  EXPECT_NE(SizeError("0").find("at least 1 byte"), std::string::npos);
  EXPECT_NE(SizeError("20000000TB").find("too large"), std::string::npos);
  EXPECT_FALSE(ParseSize("bogus").has_value());  // a null error pointer is fine
}

TEST(ParseSizeTest, LargestValues) {
  EXPECT_EQ(Size("16000000TB"), 16000000ull * 1000000000000ull);
  EXPECT_EQ(Size("1000000TiB"), 1000000ull * 1099511627776ull);
}

TEST(FormatSizeTest, PicksTheExactUnit) {
  EXPECT_EQ(FormatSize(kUnlimitedSize), "unlimited");
  EXPECT_EQ(FormatSize(0), "0B");
  EXPECT_EQ(FormatSize(1), "1B");
  EXPECT_EQ(FormatSize(999), "999B");
  EXPECT_EQ(FormatSize(1000), "1KB");
  EXPECT_EQ(FormatSize(1024), "1KiB");
  EXPECT_EQ(FormatSize(1536), "1536B");
  EXPECT_EQ(FormatSize(1000000), "1MB");
  EXPECT_EQ(FormatSize(1048576), "1MiB");
  EXPECT_EQ(FormatSize(1500000), "1500KB");
  EXPECT_EQ(FormatSize(1073741824), "1GiB");
  EXPECT_EQ(FormatSize(1000000000000ull), "1TB");
  EXPECT_EQ(FormatSize(1099511627776ull), "1TiB");
}

TEST(FormatSizeTest, RoundTripsThroughParseSize) {
  const uint64_t values[] = {1,          7,           999,          1000,        1001,
                             1024,       4096,        65536,        1000000,     1048576,
                             1 << 20 | 1, 123456789,  1000000000,   1ull << 30,  5ull << 40,
                             3000000000000ull, 1ull << 50, kUnlimitedSize};
  for (uint64_t v : values) {
    const std::string text = v == kUnlimitedSize ? "-1B" : FormatSize(v);
    EXPECT_EQ(ParseSize(text), v) << text;
  }
}

nanoseconds Duration(std::string_view text) {
  std::string error;
  const auto d = ParseDuration(text, &error);
  EXPECT_TRUE(d.has_value()) << "'" << text << "': " << error;
  return d.value_or(nanoseconds(-1));
}

TEST(ParseDurationTest, Units) {
  using namespace std::chrono_literals;
  EXPECT_EQ(Duration("5s"), 5s);
  EXPECT_EQ(Duration("5"), 5s);
  EXPECT_EQ(Duration("500ms"), 500ms);
  EXPECT_EQ(Duration("250us"), 250us);
  EXPECT_EQ(Duration("7ns"), 7ns);
  EXPECT_EQ(Duration("2m"), 2min);
  EXPECT_EQ(Duration("1h"), 1h);
  EXPECT_EQ(Duration("1.5s"), 1500ms);
  EXPECT_EQ(Duration("0.5ms"), 500us);
  EXPECT_EQ(Duration("0"), 0s);
  EXPECT_EQ(Duration("0.001s"), 1ms);
  EXPECT_EQ(Duration("0.13s"), 130ms);
  EXPECT_EQ(Duration("2500000h"), std::chrono::hours(2500000));
  EXPECT_EQ(Duration("1." + std::string(30, '0') + "1s"), 1s);
}

TEST(ParseDurationTest, Rejections) {
  std::string error;
  const std::string huge(5000, '9');
  for (const std::string& bad : {std::string(), std::string("-1s"), std::string("-5"), std::string("s"),
                                std::string("5x"), std::string("5 s"), std::string("5sec"),
                                std::string("1d"), std::string("3000000h"), std::string("ms"),
                                huge, huge + "." + huge + "s"}) {
    error.clear();
    EXPECT_FALSE(ParseDuration(bad, &error).has_value()) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  EXPECT_FALSE(ParseDuration("nope").has_value());
}

}  // namespace
}  // namespace logscribe
