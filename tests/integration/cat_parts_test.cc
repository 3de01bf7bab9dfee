// logscribe-cat's pieces on their own: the line splitter, the checkpoint
// file, and the Outbox's window, acks and resume position.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "checkpoint.h"
#include "line_splitter.h"
#include "outbox.h"
#include "scribe_process.h"

namespace logscribe::cat {
namespace {

std::vector<std::pair<std::string, uint64_t>> Feed(LineSplitter* s, const std::vector<std::string>& chunks,
                                                   bool flush) {
  std::vector<std::pair<std::string, uint64_t>> out;
  const LineSplitter::Emit emit = [&](std::string_view line, uint64_t consumed) {
    out.emplace_back(std::string(line), consumed);
    return true;
  };
  for (const std::string& c : chunks) s->Consume(c, emit);
  if (flush) s->Flush(emit);
  return out;
}

TEST(CatLineSplitter, LinesPartialsAndPieces) {
  LineSplitter s(4);
  const auto got = Feed(&s, {"ab\n\nabcd\nabcdefghij", "k\nxy"}, false);
  const std::vector<std::pair<std::string, uint64_t>> want = {
      {"ab", 3}, {"", 1}, {"abcd", 5}, {"abcd", 4}, {"efgh", 4}, {"ijk", 4}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(s.Partial(), "xy");
  EXPECT_EQ(s.split_lines(), 1u);
  const auto rest = Feed(&s, {}, true);
  EXPECT_EQ(rest, (std::vector<std::pair<std::string, uint64_t>>{{"xy", 2}}));
  EXPECT_EQ(s.Partial(), "");
}

TEST(CatLineSplitter, APartialThatReachesTheLimitIsCut) {
  LineSplitter s(3);
  const auto got = Feed(&s, {"a", "b", "c", "d", "\n"}, false);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, uint64_t>>{{"abc", 3}, {"d", 2}}));
}

TEST(CatCheckpoint, RoundTripMissingAndMalformed) {
  testing::TempDir dir;
  const std::string file = dir.path() + "/ck";
  CheckpointRecord r;
  EXPECT_EQ(ReadCheckpoint(file, &r).code(), StatusCode::kNotFound);
  CheckpointRecord w{"/var/log/app.log", Position{1, 2, 3, 3, 0xfedcba9876543210ull}};
  ASSERT_TRUE(WriteCheckpoint(file, w).ok());
  ASSERT_TRUE(ReadCheckpoint(file, &r).ok());
  EXPECT_EQ(r.follow, w.follow);
  EXPECT_EQ(r.position, w.position);
  {
    FILE* f = std::fopen(file.c_str(), "w");
    std::fputs("something else\n", f);
    std::fclose(f);
  }
  const Status bad = ReadCheckpoint(file, &r);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.code(), StatusCode::kNotFound);
}

Position At(uint64_t offset) { return Position{1, 7, offset, 0, 0}; }

logscribe::v1::LogAck Ack(uint64_t seq, int code = 0) {
  logscribe::v1::LogAck a;
  a.set_seq(seq);
  a.set_code(code);
  return a;
}

TEST(CatOutbox, WindowAcksAndResumePosition) {
  Outbox::Options o;
  o.path = "p";
  o.filename = "f";
  o.batch_lines = 2;
  o.inflight = 2;
  o.checkpointed = true;
  Outbox box(o);
  for (uint64_t i = 0; i < 6; ++i) box.Add("l" + std::to_string(i), At(i * 3), At(i * 3 + 3));
  // Three full batches; the window lets two out.
  const uint64_t s1 = box.BeginStream();
  std::shared_ptr<const logscribe::v1::LogBatch> b;
  ASSERT_EQ(box.WaitNext(s1, &b), Outbox::Next::kSend);
  EXPECT_EQ(b->seq(), 1u);
  ASSERT_EQ(box.WaitNext(s1, &b), Outbox::Next::kSend);
  EXPECT_EQ(b->seq(), 2u);
  EXPECT_EQ(box.ResumePosition(), At(0));
  // Out of order: 2 first does not move the resume position.
  EXPECT_TRUE(box.OnAck(s1, Ack(2)));
  EXPECT_EQ(box.ResumePosition(), At(0));
  EXPECT_FALSE(box.OnAck(s1, Ack(1)));
  uint64_t through = 0;
  EXPECT_EQ(box.ResumePosition(&through), At(12));
  EXPECT_EQ(through, 2u);
  // Acknowledged but not checkpointed: the window is still full... a refusal
  // of nothing sent changes nothing; once retired, batch 3 goes out.
  box.Retire(through);
  ASSERT_EQ(box.WaitNext(s1, &b), Outbox::Next::kSend);
  EXPECT_EQ(b->seq(), 3u);
  // A refused batch breaks the stream; on the next one it is sent again.
  box.OnAck(s1, Ack(3, 8));
  EXPECT_EQ(box.WaitNext(s1, &b), Outbox::Next::kBroken);
  const uint64_t s2 = box.BeginStream();
  ASSERT_EQ(box.WaitNext(s2, &b), Outbox::Next::kSend);
  EXPECT_EQ(b->seq(), 3u);
  EXPECT_EQ(box.stats().batches_resent, 1u);
  // A move closes the open batch and, with nothing left, is the position.
  box.Add("x", At(18), At(20));
  box.Move(Position{1, 8, 0, 0, 0});
  box.OnAck(s2, Ack(3));
  ASSERT_EQ(box.WaitNext(s2, &b), Outbox::Next::kSend);
  EXPECT_EQ(b->seq(), 4u);
  box.OnAck(s2, Ack(4));
  EXPECT_EQ(box.ResumePosition(&through), (Position{1, 8, 0, 0, 0}));
  box.Retire(through);
  box.CloseInput();
  EXPECT_TRUE(box.Drained());
  EXPECT_EQ(box.WaitNext(s2, &b), Outbox::Next::kDone);
  EXPECT_EQ(box.stats().lines_acked, 7u);
}

TEST(CatOutbox, InvalidArgumentIsFatal) {
  Outbox::Options o;
  o.batch_lines = 1;
  Outbox box(o);
  box.Add("a", Position(), Position());
  const uint64_t s = box.BeginStream();
  std::shared_ptr<const logscribe::v1::LogBatch> b;
  ASSERT_EQ(box.WaitNext(s, &b), Outbox::Next::kSend);
  box.OnAck(s, Ack(1, 3));
  ASSERT_TRUE(box.fatal().has_value());
  EXPECT_EQ(box.WaitNext(s, &b), Outbox::Next::kAbort);
}

}  // namespace
}  // namespace logscribe::cat
