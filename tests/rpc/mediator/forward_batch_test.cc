// EncodeForwardBatch against protobuf's own parser: the bytes the mediator
// writes must read back as the LogBatch it would have built.
#include "forward_batch.h"

#include <gtest/gtest.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include <memory>
#include <string>
#include <vector>

#include "logscribe.pb.h"

namespace logscribe {
namespace {

// A part as the batch builder makes it: each line ends in '\n' (added unless
// the line had one).
std::unique_ptr<ForwardPart> Part(std::string key, const std::vector<std::string>& lines) {
  auto part = std::make_unique<ForwardPart>();
  part->chunk = std::make_unique<FileChunk>();
  part->chunk->key = std::move(key);
  for (const std::string& line : lines) {
    part->chunk->data += line;
    if (line.empty() || line.back() != '\n') part->chunk->data += '\n';
    part->chunk->line_ends.push_back(static_cast<uint32_t>(part->chunk->data.size()));
  }
  return part;
}

v1::LogBatch Decode(grpc::ByteBuffer* bytes) {
  v1::LogBatch batch;
  EXPECT_TRUE(grpc::SerializationTraits<v1::LogBatch>::Deserialize(bytes, &batch).ok());
  return batch;
}

TEST(ForwardBatch, ReadsBackAsTheSameEntriesInOrder) {
  auto a = Part("app/web/access", {"GET /", "", std::string(300, 'x'), "two\nlines"});
  auto b = Part("root-file", {"only"});
  grpc::ByteBuffer bytes = EncodeForwardBatch(1234567, {a.get(), b.get()});
  const v1::LogBatch batch = Decode(&bytes);
  EXPECT_EQ(batch.seq(), 1234567u);
  ASSERT_EQ(batch.entries_size(), 5);
  const char* lines[] = {"GET /", "", nullptr, "two\nlines", "only"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(batch.entries(i).path(), "app/web");
    EXPECT_EQ(batch.entries(i).filename(), "access");
    EXPECT_EQ(batch.entries(i).line(), lines[i] ? lines[i] : std::string(300, 'x')) << i;
  }
  EXPECT_EQ(batch.entries(4).path(), "");
  EXPECT_EQ(batch.entries(4).filename(), "root-file");
  EXPECT_EQ(batch.entries(4).line(), "only");
}

TEST(ForwardBatch, MatchesProtobufsOwnBytes) {
  // Same field order and the same omission of empty fields: byte for byte.
  auto a = Part("d/f", {"x", "", "yz"});
  grpc::ByteBuffer bytes = EncodeForwardBatch(7, {a.get()});
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(bytes.Dump(&slices).ok());
  std::string ours;
  for (const grpc::Slice& s : slices) ours.append(reinterpret_cast<const char*>(s.begin()), s.size());
  v1::LogBatch expected;
  for (const char* line : {"x", "", "yz"}) {
    v1::LogRequest* e = expected.add_entries();
    e->set_filename("f");
    e->set_path("d");
    e->set_line(line);
  }
  expected.set_seq(7);
  EXPECT_EQ(ours, expected.SerializeAsString());
}

TEST(ForwardBatch, ForwardedLinesWriteWhatTheClientsLinesWould) {
  // The chunk holds each line with one newline at its end (the client's own,
  // or added). What goes on must make the scribe write the same bytes: "a\n"
  // goes as "a" (the scribe adds the newline back), "c\n\n" must keep both.
  auto a = Part("f", {"a\n", "b", "c\n\n"});
  grpc::ByteBuffer bytes = EncodeForwardBatch(1, {a.get()});
  const v1::LogBatch batch = Decode(&bytes);
  ASSERT_EQ(batch.entries_size(), 3);
  EXPECT_EQ(batch.entries(0).line(), "a");
  EXPECT_EQ(batch.entries(1).line(), "b");
  EXPECT_EQ(batch.entries(2).line(), "c\n\n");
}

TEST(ForwardBatch, LargeLinesAndSeqUseMultiByteLengths) {
  auto a = Part("p/q", {std::string(70000, 'z')});
  grpc::ByteBuffer bytes = EncodeForwardBatch(uint64_t{1} << 40, {a.get()});
  const v1::LogBatch batch = Decode(&bytes);
  EXPECT_EQ(batch.seq(), uint64_t{1} << 40);
  ASSERT_EQ(batch.entries_size(), 1);
  EXPECT_EQ(batch.entries(0).line().size(), 70000u);
}

TEST(ForwardBatch, NoPartsIsJustTheSeq) {
  grpc::ByteBuffer bytes = EncodeForwardBatch(3, {});
  const v1::LogBatch batch = Decode(&bytes);
  EXPECT_EQ(batch.seq(), 3u);
  EXPECT_EQ(batch.entries_size(), 0);
}

}  // namespace
}  // namespace logscribe
