#include "bounded_inflate.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

namespace logscribe {
namespace {

std::string Deflate(const std::string& in, DeflateFormat format) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, format == DeflateFormat::kGzip ? 31 : 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

// Grants room up to a limit and counts what it granted.
class CountingBudget final : public InflateBudget {
 public:
  explicit CountingBudget(uint64_t limit) : limit_(limit) {}
  Status Reserve(uint64_t bytes) override {
    if (granted_ + bytes > limit_) return Status::ResourceExhausted("budget spent");
    granted_ += bytes;
    return Status::Ok();
  }
  uint64_t granted() const { return granted_; }

 private:
  const uint64_t limit_;
  uint64_t granted_ = 0;
};

std::string Varied(size_t n) {
  std::string s;
  uint64_t x = 7;
  while (s.size() < n) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    s.push_back(static_cast<char>(x >> 56));
  }
  return s;
}

TEST(BoundedInflate, InflatesGzipAndZlibByteExactFromManyPieces) {
  const std::string plain = Varied(300000) + std::string(500000, 'a');
  for (DeflateFormat format : {DeflateFormat::kGzip, DeflateFormat::kZlib}) {
    const std::string packed = Deflate(plain, format);
    std::vector<std::string_view> pieces;
    for (size_t i = 0; i < packed.size(); i += 1000) pieces.push_back(std::string_view(packed).substr(i, 1000));
    pieces.insert(pieces.begin() + 1, std::string_view());  // an empty slice changes nothing
    CountingBudget budget(1 << 30);
    InflatedBytes out;
    ASSERT_TRUE(BoundedInflate(format, pieces, 1 << 20, &budget, &out).ok());
    EXPECT_TRUE(out.view() == plain);
    EXPECT_EQ(out.reserved(), budget.granted());
    EXPECT_GE(out.reserved(), plain.size());
    EXPECT_LE(out.capacity(), size_t{1} << 20);
  }
}

TEST(BoundedInflate, ABombIsRefusedAtTheLimitHoldingNoMoreThanIt) {
  const std::string bomb = Deflate(std::string(16 << 20, '\0'), DeflateFormat::kGzip);  // ~16 KB
  const std::string_view piece = bomb;
  CountingBudget budget(1 << 30);
  InflatedBytes out;
  const Status s = BoundedInflate(DeflateFormat::kGzip, {&piece, 1}, 1 << 20, &budget, &out);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("more than 1048576 bytes"), std::string::npos) << s.message();
  EXPECT_LE(out.capacity(), size_t{1} << 20);
  EXPECT_LE(budget.granted(), uint64_t{1} << 20);
}

TEST(BoundedInflate, ExactlyTheLimitIsAccepted) {
  const std::string plain(1 << 20, 'q');
  const std::string packed = Deflate(plain, DeflateFormat::kZlib);
  const std::string_view piece = packed;
  InflatedBytes out;
  ASSERT_TRUE(BoundedInflate(DeflateFormat::kZlib, {&piece, 1}, plain.size(), nullptr, &out).ok());
  EXPECT_EQ(out.size(), plain.size());
}

TEST(BoundedInflate, TheBudgetsRefusalEndsIt) {
  const std::string packed = Deflate(std::string(4 << 20, 'x'), DeflateFormat::kGzip);
  const std::string_view piece = packed;
  CountingBudget budget(1 << 20);
  InflatedBytes out;
  const Status s = BoundedInflate(DeflateFormat::kGzip, {&piece, 1}, 64 << 20, &budget, &out);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "budget spent");
  EXPECT_LE(out.capacity(), size_t{1} << 20);
  EXPECT_EQ(out.reserved(), budget.granted());
}

TEST(BoundedInflate, CorruptTruncatedOrTrailingInputIsInvalid) {
  const std::string packed = Deflate(Varied(10000), DeflateFormat::kGzip);
  const std::string corrupt = "not gzip at all";
  const std::string truncated = packed.substr(0, packed.size() / 2);
  const std::string trailing = packed + "xyz";
  const std::string wrong_format = Deflate("hello", DeflateFormat::kZlib);
  for (const std::string* in : {&corrupt, &truncated, &trailing, &wrong_format}) {
    const std::string_view piece = *in;
    InflatedBytes out;
    const Status s = BoundedInflate(DeflateFormat::kGzip, {&piece, 1}, 1 << 20, nullptr, &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.message();
    EXPECT_NE(s.message().find("not valid gzip"), std::string::npos) << s.message();
  }
  InflatedBytes out;
  EXPECT_EQ(BoundedInflate(DeflateFormat::kGzip, {}, 1 << 20, nullptr, &out).code(), StatusCode::kInvalidArgument);
}

TEST(BoundedInflate, ClearKeepsASmallBufferAndFreesALargeOne) {
  const std::string packed = Deflate(std::string(3 << 20, 'k'), DeflateFormat::kGzip);
  const std::string_view piece = packed;
  InflatedBytes out;
  ASSERT_TRUE(BoundedInflate(DeflateFormat::kGzip, {&piece, 1}, 8 << 20, nullptr, &out).ok());
  out.Clear(1 << 20);
  EXPECT_EQ(out.capacity(), 0u);
  const std::string small = Deflate("small", DeflateFormat::kGzip);
  const std::string_view small_piece = small;
  ASSERT_TRUE(BoundedInflate(DeflateFormat::kGzip, {&small_piece, 1}, 8 << 20, nullptr, &out).ok());
  EXPECT_EQ(out.view(), "small");
  out.Clear(1 << 20);
  EXPECT_GT(out.capacity(), 0u);
  EXPECT_EQ(out.size(), 0u);
  EXPECT_EQ(out.reserved(), 0u);
}

}  // namespace
}  // namespace logscribe
