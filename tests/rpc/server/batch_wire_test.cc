// ParseLogBatchWire and ParseLogRequestWire on hand-built messages. The
// general agreement with protobuf is fuzz_batch_wire's job; these pin the
// limits and the refusals.
#include "batch_wire.h"

#include <gtest/gtest.h>

#include <string>

#include "logscribe.pb.h"

namespace logscribe {
namespace {

std::string Batch(int entries, uint64_t seq) {
  v1::LogBatch batch;
  for (int i = 0; i < entries; ++i) {
    auto* e = batch.add_entries();
    e->set_filename("f");
    e->set_line("line " + std::to_string(i));
  }
  batch.set_seq(seq);  // serialised after the entries
  return batch.SerializeAsString();
}

// One parse of a hand-built batch, with what it left behind.
struct Parsed {
  Parsed(int n, uint64_t seq_in, size_t max_entries)
      : wire(Batch(n, seq_in)),
        result(ParseLogBatchWire(wire, &builder, &entries, &seq, &why, max_entries)) {}
  std::string wire;
  BatchBuilder builder{LineFormat()};
  WireEntries entries;
  uint64_t seq = 0;
  Status why;
  WireParse result;
};

TEST(ParseLogBatchWire, AtTheEntryLimitTheBatchIsTaken) {
  Parsed p(5, 7, 5);
  EXPECT_EQ(p.result, WireParse::kOk) << p.why.ToString();
  EXPECT_EQ(p.seq, 7u);
  EXPECT_EQ(p.builder.lines(), 5u);
}

// One entry over the limit: refused with the count, the framing read to the
// end (seq after the entries is still found, so a stream can ack it), and
// nothing kept.
TEST(ParseLogBatchWire, PastTheEntryLimitTheBatchIsRefusedWhole) {
  Parsed p(6, 9, 5);
  EXPECT_EQ(p.result, WireParse::kRefused);
  EXPECT_EQ(p.why.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.why.message(), "6 entries in one batch, more than -max-batch-entries 5");
  EXPECT_EQ(p.seq, 9u);
  EXPECT_TRUE(p.entries.empty());
  EXPECT_EQ(p.builder.lines(), 0u);
}

TEST(ParseLogRequestWire, RefusesBadBytesAndNonUtf8Names) {
  BatchBuilder builder{LineFormat()};
  EXPECT_EQ(ParseLogRequestWire(std::string("\x0a\x64" "abc", 5), &builder).code(), StatusCode::kInvalidArgument);
  v1::LogRequest req;
  req.set_filename("ok");
  req.set_path(std::string("bad\xff"));
  req.set_line("x");
  std::string wire;
  ASSERT_TRUE(req.SerializePartialToString(&wire));
  const Status s = ParseLogRequestWire(wire, &builder);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "path must be valid UTF-8");
  builder.Clear();
  req.set_path("good");
  ASSERT_TRUE(req.SerializeToString(&wire));
  ASSERT_TRUE(ParseLogRequestWire(wire, &builder).ok());
  EXPECT_EQ(builder.lines(), 1u);
}

}  // namespace
}  // namespace logscribe
