#include "batch_builder.h"

#include <functional>

#include <gtest/gtest.h>

namespace logscribe {
namespace {

TEST(BatchBuilderTest, AddsTheNewlineOnce) {
  BatchBuilder b(LineFormat{});
  ASSERT_TRUE(b.Add("", "app", "one").ok());
  ASSERT_TRUE(b.Add("", "app", "two\n").ok());
  ASSERT_TRUE(b.Add("", "app", "").ok());
  ASSERT_TRUE(b.Add("", "app", "\n").ok());
  EXPECT_EQ(b.lines(), 4u);
  EXPECT_EQ(b.bytes(), 4u + 4u + 1u + 1u);
  auto chunks = b.Take();
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0]->data, "one\ntwo\n\n\n");
  EXPECT_EQ(chunks[0]->line_ends, (std::vector<uint32_t>{4, 8, 9, 10}));
}

TEST(BatchBuilderTest, GroupsLinesPerFileInArrivalOrder) {
  BatchBuilder b(LineFormat{});
  ASSERT_TRUE(b.Add("svc", "a", "a1").ok());
  ASSERT_TRUE(b.Add("svc", "b", "b1").ok());
  ASSERT_TRUE(b.Add("svc", "a", "a2").ok());
  ASSERT_TRUE(b.Add("svc//.", "a", "a3").ok());  // another spelling of svc/a
  ASSERT_TRUE(b.Add("", "a", "root-a").ok());
  ASSERT_TRUE(b.Add("svc", "b", "b2").ok());
  EXPECT_EQ(b.lines(), 6u);
  auto chunks = b.Take();
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0]->key, "svc/a");
  EXPECT_EQ(chunks[0]->data, "a1\na2\na3\n");
  EXPECT_EQ(chunks[1]->key, "svc/b");
  EXPECT_EQ(chunks[1]->data, "b1\nb2\n");
  EXPECT_EQ(chunks[2]->key, "a");
  EXPECT_EQ(chunks[2]->data, "root-a\n");
  uint64_t total = 0;
  for (const auto& c : chunks) {
    EXPECT_EQ(c->key_hash, std::hash<std::string_view>()(c->key));
    EXPECT_EQ(c->completion, nullptr);
    EXPECT_TRUE(c->status.ok());
    EXPECT_EQ(c->line_ends.back(), c->data.size());
    total += c->data.size();
  }
  EXPECT_EQ(total, 9u + 6u + 7u);
}

TEST(BatchBuilderTest, BytesMatchTheChunks) {
  BatchBuilder b(LineFormat{});
  uint64_t expected = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string line(i, 'x');
    ASSERT_TRUE(b.Add("d" + std::to_string(i % 7), "f", line).ok());
    expected += line.size() + 1;
  }
  EXPECT_EQ(b.bytes(), expected);
  uint64_t total = 0;
  size_t lines = 0;
  for (const auto& c : b.Take()) {
    total += c->data.size();
    lines += c->line_ends.size();
  }
  EXPECT_EQ(total, expected);
  EXPECT_EQ(lines, 100u);
}

TEST(BatchBuilderTest, MaxLineBytesIsInclusive) {
  LineFormat format;
  format.max_line_bytes = 5;
  BatchBuilder b(format);
  EXPECT_TRUE(b.Add("", "f", "12345").ok());
  const Status s = b.Add("", "f", "123456");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("line"), std::string::npos) << s.message();
  // The rejected line left nothing behind.
  EXPECT_EQ(b.lines(), 1u);
  EXPECT_EQ(b.bytes(), 6u);
  auto chunks = b.Take();
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0]->data, "12345\n");
}

TEST(BatchBuilderTest, InvalidKeyIsRejectedAndLeavesBuilderUnchanged) {
  BatchBuilder b(LineFormat{});
  ASSERT_TRUE(b.Add("ok", "f", "good").ok());
  EXPECT_EQ(b.Add("../etc", "f", "evil").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Add("ok", "", "evil").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Add("/abs", "f", "evil").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.lines(), 1u);
  // The next valid line of the earlier file still lands in its chunk.
  ASSERT_TRUE(b.Add("ok", "f", "good2").ok());
  auto chunks = b.Take();
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0]->key, "ok/f");
  EXPECT_EQ(chunks[0]->data, "good\ngood2\n");
}

TEST(BatchBuilderTest, ConsecutiveLinesOfOneFileAfterAnotherFileAreStillValidated) {
  BatchBuilder b(LineFormat{});
  ASSERT_TRUE(b.Add("a", "f", "1").ok());
  EXPECT_FALSE(b.Add("a/..", "f", "2").ok());
  EXPECT_FALSE(b.Add("a/..", "f", "3").ok());
  EXPECT_FALSE(b.Add("a", "f/g", "4").ok());
  EXPECT_EQ(b.lines(), 1u);
}

TEST(BatchBuilderTest, EscapeNewlines) {
  LineFormat format;
  format.escape_newlines = true;
  BatchBuilder b(format);
  ASSERT_TRUE(b.Add("", "f", "a\nb").ok());
  ASSERT_TRUE(b.Add("", "f", "trace\n  at x\n  at y\n").ok());
  ASSERT_TRUE(b.Add("", "f", "\n\n").ok());
  ASSERT_TRUE(b.Add("", "f", "").ok());
  ASSERT_TRUE(b.Add("", "f", "plain").ok());
  auto chunks = b.Take();
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0]->data, "a\\nb\ntrace\\n  at x\\n  at y\n\\n\n\nplain\n");
  EXPECT_EQ(chunks[0]->line_ends.size(), 5u);
  EXPECT_EQ(chunks[0]->line_ends,
            (std::vector<uint32_t>{5, 27, 30, 31, 37}));
}

TEST(BatchBuilderTest, EmbeddedNewlinesStayByDefault) {
  BatchBuilder b(LineFormat{});
  ASSERT_TRUE(b.Add("", "f", "trace\n  at x").ok());
  auto chunks = b.Take();
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0]->data, "trace\n  at x\n");
  EXPECT_EQ(chunks[0]->line_ends, (std::vector<uint32_t>{13}));
  EXPECT_EQ(b.lines(), 0u);
}

TEST(BatchBuilderTest, TakeAndClearStartAfresh) {
  BatchBuilder b(LineFormat{});
  ASSERT_TRUE(b.Add("", "f", "1").ok());
  auto first = b.Take();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(b.lines(), 0u);
  EXPECT_EQ(b.bytes(), 0u);
  EXPECT_TRUE(b.Take().empty());

  // The same file again goes to a new chunk, not to the one handed over.
  ASSERT_TRUE(b.Add("", "f", "2").ok());
  auto second = b.Take();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]->data, "2\n");
  EXPECT_EQ(first[0]->data, "1\n");

  ASSERT_TRUE(b.Add("", "f", "3").ok());
  ASSERT_TRUE(b.Add("", "g", "3").ok());
  b.Clear();
  EXPECT_EQ(b.lines(), 0u);
  EXPECT_EQ(b.bytes(), 0u);
  EXPECT_TRUE(b.Take().empty());
  ASSERT_TRUE(b.Add("", "f", "4").ok());
  auto third = b.Take();
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0]->data, "4\n");
}

TEST(BatchBuilderTest, ManyFilesKeepTheirOwnLines) {
  BatchBuilder b(LineFormat{});
  // Keys short enough for the small-string buffer and long ones: the lookup
  // table holds views into the chunks' keys.
  for (int i = 0; i < 300; ++i) {
    const std::string dir = (i / 50) % 2 ? "d" : std::string(40, 'd');
    ASSERT_TRUE(b.Add(dir, "f" + std::to_string(i % 50), std::to_string(i)).ok());
  }
  auto chunks = b.Take();
  ASSERT_EQ(chunks.size(), 100u);
  for (const auto& c : chunks) {
    const std::vector<std::string> lines = [&] {
      std::vector<std::string> out;
      uint32_t prev = 0;
      for (uint32_t end : c->line_ends) {
        out.push_back(c->data.substr(prev, end - prev - 1));
        prev = end;
      }
      return out;
    }();
    ASSERT_EQ(lines.size(), 3u) << c->key;
    const int first = std::stoi(lines[0]);
    EXPECT_EQ(std::stoi(lines[1]), first + 100);
    EXPECT_EQ(std::stoi(lines[2]), first + 200);
  }
}

}  // namespace
}  // namespace logscribe

namespace logscribe {
namespace {

// The two-pass form used for whole requests: Route every entry, Reserve, then
// AppendNext in the same order.
TEST(BatchBuilderTwoPassTest, MatchesAddLineForLine) {
  std::vector<std::string> paths, names, lines;
  for (int i = 0; i < 500; ++i) {
    paths.push_back(i % 3 ? "svc/a" : "svc//./a");  // two spellings, one file
    names.push_back("f" + std::to_string(i % 7));
    lines.push_back(i % 5 ? "line " + std::to_string(i) : "with\nnewline " + std::to_string(i) + "\n");
  }
  for (bool escape : {false, true}) {
    BatchBuilder one(LineFormat{1 << 20, escape});
    BatchBuilder two(LineFormat{1 << 20, escape});
    for (size_t i = 0; i < lines.size(); ++i) {
      ASSERT_TRUE(one.Add(paths[i], names[i], lines[i]).ok());
      ASSERT_TRUE(two.Route(paths[i], names[i], lines[i].size()).ok());
    }
    two.Reserve();
    for (const auto& l : lines) two.AppendNext(l);
    EXPECT_EQ(one.bytes(), two.bytes());
    EXPECT_EQ(one.lines(), two.lines());
    auto a = one.Take();
    auto b = two.Take();
    ASSERT_EQ(a.size(), 7u);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i]->key, b[i]->key);
      EXPECT_EQ(a[i]->data, b[i]->data);
      EXPECT_EQ(a[i]->line_ends, b[i]->line_ends);
    }
  }
}

TEST(BatchBuilderTwoPassTest, RouteValidatesAndCacheForgetsOldRequests) {
  BatchBuilder b(LineFormat{10, false});
  EXPECT_EQ(b.Route("..", "x", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Route("", "x", 11).code(), StatusCode::kInvalidArgument);
  b.Clear();
  // A cached raw name from one request must not be trusted in the next: the
  // same bytes at the same address may now be a different, invalid name.
  std::string path = "ok";
  ASSERT_TRUE(b.Route(path, "x", 1).ok());
  b.Reserve();
  b.AppendNext("1");
  ASSERT_EQ(b.Take().size(), 1u);
  path = "..";
  EXPECT_EQ(b.Route(path, "x", 1).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace logscribe
