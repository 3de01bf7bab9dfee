// logscribe-cat's pieces on their own: the line splitter, the checkpoint
// file, the Outbox's window, acks and resume position, and the reading and
// finding of rotated (and compressed) generations.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <utility>
#include <vector>

#include "checkpoint.h"
#include "generation_reader.h"
#include "line_splitter.h"
#include "outbox.h"
#include "rotation_finder.h"
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


void WriteFile(const std::string& path, const std::string& data, int64_t mtime_s) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  const timespec times[2] = {{mtime_s, 0}, {mtime_s, 0}};
  futimens(fd, times);
  close(fd);
}

std::string Gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

std::string ReadAll(GenerationReader* r) {
  std::string out;
  char buf[1000];
  ssize_t n;
  while ((n = r->Read(buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return n < 0 ? "error: " + r->error() : out;
}

std::string Text(const std::string& tag, int lines) {
  std::string s;
  for (int i = 0; i < lines; ++i) s += tag + " line " + std::to_string(i) + "\n";
  return s;
}

TEST(CatRotatedName, TheShapesLogrotateGives) {
  for (const char* name : {"app.log.1", "app.log.12.gz", "app.log-20261208", "app.log-20261208.zst",
                           "app.log-2026120813", "app.1.log", "app-20261208.log", "app.log_1", "app.log.1.xz"}) {
    EXPECT_TRUE(IsRotatedName("app.log", name)) << name;
  }
  for (const char* name : {"app.log", "app.ckpt", "app.logx", "app.log.tmp", "app.log.old", "other.log.1",
                           "app.log.1 x", "xapp.log.1", "app.log."}) {
    EXPECT_FALSE(IsRotatedName("app.log", name)) << name;
  }
  EXPECT_EQ(CompressionOf("a.log.1.gz"), Compression::kGzip);
  EXPECT_EQ(CompressionOf("a.log.1.zst"), Compression::kZstd);
  EXPECT_EQ(CompressionOf("a.log.1.xz"), Compression::kUnreadable);
  EXPECT_EQ(CompressionOf("a.log.1"), Compression::kNone);
}

TEST(CatGenerationReader, PlainGzipTwoMembersZstdAndACutStream) {
  logscribe::testing::TempDir dir;
  const std::string a = Text("a", 3000), b = Text("b", 10);
  WriteFile(dir.path() + "/p", a, 1);
  WriteFile(dir.path() + "/g.gz", Gzip(a) + Gzip(b), 1);
  WriteFile(dir.path() + "/z.zst", Zstd(a), 1);
  const std::string gz = Gzip(a);
  WriteFile(dir.path() + "/cut.gz", gz.substr(0, gz.size() / 2), 1);
  auto p = GenerationReader::Open(dir.path() + "/p");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(ReadAll(p.get()), a);
  auto g = GenerationReader::Open(dir.path() + "/g.gz");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(ReadAll(g.get()), a + b);
  auto z = GenerationReader::Open(dir.path() + "/z.zst");
  ASSERT_NE(z, nullptr);
  ASSERT_TRUE(z->SkipTo(1000));
  EXPECT_EQ(ReadAll(z.get()), a.substr(1000));
  auto cut = GenerationReader::Open(dir.path() + "/cut.gz");
  ASSERT_NE(cut, nullptr);
  EXPECT_EQ(ReadAll(cut.get()).substr(0, 6), "error:");
  auto short_skip = GenerationReader::Open(dir.path() + "/g.gz");
  EXPECT_FALSE(short_skip->SkipTo(a.size() + b.size() + 1));
  EXPECT_EQ(GenerationReader::Open(dir.path() + "/missing"), nullptr);
}

TEST(CatRotationFinder, OldestFirstOncePerGenerationWithoutHalfCompressedOnes) {
  logscribe::testing::TempDir dir;
  const std::string f = dir.path() + "/app.log";
  WriteFile(f, Text("live", 5), 50);
  WriteFile(f + ".3.gz", Gzip(Text("g0", 100)), 10);
  WriteFile(f + ".2", Text("g1", 100), 20);
  WriteFile(f + ".1", Text("g2", 100), 30);
  WriteFile(f + ".1.gz", Gzip(Text("g2", 100)), 30);  // caught in the middle of compressing .1
  const std::string g3 = Gzip(Text("g3", 1000));
  WriteFile(f + ".0.gz", g3.substr(0, 12), 40);  // still being written
  WriteFile(f + ".4", "", 5);                     // empty
  WriteFile(dir.path() + "/app.ckpt", "logscribe-cat checkpoint 1\n", 45);
  const std::vector<RotatedFile> r = FindRotations(f);
  std::vector<std::string> names;
  for (const RotatedFile& x : r) names.push_back(x.path.substr(dir.path().size() + 1));
  EXPECT_EQ(names, (std::vector<std::string>{"app.log.3.gz", "app.log.2", "app.log.1"}));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].head, Text("g0", 100).substr(0, 256));
  struct stat st;
  ASSERT_EQ(stat((f + ".2").c_str(), &st), 0);
  EXPECT_EQ(FindGeneration(r, st.st_ino, Text("g1", 100).substr(0, 40)), 1);
  EXPECT_EQ(FindGeneration(r, 0, Text("g0", 3)), 0);
  EXPECT_EQ(FindGeneration(r, 0, "nothing like it"), -1);
  const std::string head = Text("g2", 100).substr(0, 256);
  EXPECT_EQ(FindGenerationByFingerprint(r, 0, 256, Fingerprint(head)), 2);
  EXPECT_EQ(FindGenerationByFingerprint(r, 0, 256, Fingerprint(head) + 1), -1);
}

}  // namespace
}  // namespace logscribe::cat
