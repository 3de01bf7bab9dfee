// WriterThread driven directly, so a fault-injecting FileWriter can stand in
// for the real ones: write failures must fail exactly the chunks whose lines
// they held and leave no torn line behind.
#include "writer_thread.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "io/faulty_file_writer.h"
#include "io/test_util.h"

namespace logscribe {
namespace {

using testing::FaultyFileWriter;
using testing::ListDir;
using testing::MakeChunk;
using testing::ReadFile;
using testing::RecordingCompletion;
using testing::SplitLines;
using testing::TempDir;

ino_t InodeOf(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

class WriterThreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status s = LogRoot::Open(tmp_.path(), 0755, 0644, &root_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void TearDown() override {
    if (writer_ != nullptr) writer_->Stop();
  }

  // Builds the writer (not started) around a FaultyFileWriter.
  void Make(WriterOptions options, FaultyFileWriter::Faults faults = {}) {
    auto fake = std::make_unique<FaultyFileWriter>(faults);
    control_ = fake->control();
    writer_ = std::make_unique<WriterThread>(root_.get(), std::move(fake), options, &counters_);
  }

  // Enqueues one chunk, counting it the way FileSink::Submit does.
  void Enqueue(std::unique_ptr<FileChunk> chunk, RecordingCompletion* c) {
    if (c != nullptr) c->Arm(1);
    chunk->completion = c;
    counters_.queued_bytes.fetch_add(chunk->data.size());
    counters_.queued_chunks.fetch_add(1);
    writer_->Enqueue(chunk.release());
  }

  bool WaitIdle() {
    const auto deadline = std::chrono::steady_clock::now() + testing::kWaitLimit;
    while (counters_.queued_chunks.load() > 0) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  std::string Read(const std::string& key) { return ReadFile(tmp_ / (key + ".log")); }

  TempDir tmp_;
  std::unique_ptr<LogRoot> root_;
  WriterCounters counters_;
  std::shared_ptr<FaultyFileWriter::Control> control_;
  std::unique_ptr<WriterThread> writer_;
};

// Three chunks of one file in one round, each its own append (batch_bytes 1):
// the disk fills part way through the second. The first is written; the
// second and the third, never written, fail with RESOURCE_EXHAUSTED; the torn
// bytes of the second are taken back. Another file in the same round is fine.
TEST_F(WriterThreadTest, EnospcFailsExactlyTheChunksItHeld) {
  testing::WriteFile(tmp_ / "f.log", "");
  WriterOptions options;
  options.batch_bytes = 1;
  FaultyFileWriter::Faults faults;
  faults.fail_ino = InodeOf(tmp_ / "f.log");
  faults.fail_after_bytes = 6 + 4;  // all of A, then 4 bytes of B
  faults.fail_times = 1;
  Make(options, faults);

  RecordingCompletion a, b, c, g;
  Enqueue(MakeChunk("f", {"a1", "a2"}), &a);
  Enqueue(MakeChunk("f", {"b1", "b2", "b3"}), &b);
  Enqueue(MakeChunk("g", {"g1"}), &g);
  Enqueue(MakeChunk("f", {"c1"}), &c);
  writer_->Start();  // everything queued before the start forms one round
  for (auto* x : {&a, &b, &c, &g}) ASSERT_TRUE(x->WaitFor());
  EXPECT_TRUE(a.status().ok()) << a.status().ToString();
  EXPECT_EQ(b.status().code(), StatusCode::kResourceExhausted) << b.status().ToString();
  EXPECT_EQ(c.status().code(), StatusCode::kResourceExhausted) << c.status().ToString();
  EXPECT_TRUE(g.status().ok());
  EXPECT_EQ(control_->hard_faults.load(), 1);
  EXPECT_EQ(Read("f"), "a1\na2\n");
  EXPECT_EQ(Read("g"), "g1\n");
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(counters_.lines_written.load(), 3u);
  EXPECT_GE(counters_.write_errors.load(), 1u);
  EXPECT_EQ(counters_.queued_bytes.load(), 0u);

  // The disk has room again: the file carries on from its last whole line.
  RecordingCompletion d;
  Enqueue(MakeChunk("f", {"d1"}), &d);
  ASSERT_TRUE(d.WaitFor());
  EXPECT_TRUE(d.status().ok());
  EXPECT_EQ(Read("f"), "a1\na2\nd1\n");
}

// When the failing bytes share one append with earlier chunks, the whole
// append is taken back and all of its chunks fail: none is acknowledged
// with its lines missing, none leaves a torn line.
TEST_F(WriterThreadTest, AFailedAppendFailsEveryChunkInIt) {
  testing::WriteFile(tmp_ / "f.log", "");
  FaultyFileWriter::Faults faults;
  faults.fail_ino = InodeOf(tmp_ / "f.log");
  faults.fail_after_bytes = 8;
  faults.fail_times = 1;
  Make(WriterOptions{}, faults);
  RecordingCompletion a, b;
  Enqueue(MakeChunk("f", {"aaaa", "aaaa"}), &a);
  Enqueue(MakeChunk("f", {"bbbb"}), &b);
  writer_->Start();
  ASSERT_TRUE(a.WaitFor());
  ASSERT_TRUE(b.WaitFor());
  EXPECT_EQ(a.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(b.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Read("f"), "");
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(counters_.lines_written.load(), 0u);
}

// One request spread over two files: its completion fails when the part of
// either file fails, and succeeds otherwise.
TEST_F(WriterThreadTest, ACompletionOverTwoFilesReportsTheFailedPart) {
  testing::WriteFile(tmp_ / "bad.log", "");
  FaultyFileWriter::Faults faults;
  faults.fail_ino = InodeOf(tmp_ / "bad.log");
  faults.fail_after_bytes = 0;
  faults.fail_times = 1000;
  faults.fail_errno = EDQUOT;
  Make(WriterOptions{}, faults);
  RecordingCompletion mixed, clean;
  mixed.Arm(2);
  auto good_part = MakeChunk("good", {"g"}, &mixed);
  auto bad_part = MakeChunk("bad", {"b"}, &mixed);
  clean.Arm(1);
  auto clean_part = MakeChunk("good", {"h"}, &clean);
  for (auto* chunk : {good_part.get(), bad_part.get(), clean_part.get()}) {
    counters_.queued_bytes.fetch_add(chunk->data.size());
    counters_.queued_chunks.fetch_add(1);
  }
  writer_->Enqueue(good_part.release());
  writer_->Enqueue(bad_part.release());
  writer_->Enqueue(clean_part.release());
  writer_->Start();
  ASSERT_TRUE(mixed.WaitFor());
  ASSERT_TRUE(clean.WaitFor());
  EXPECT_EQ(mixed.calls(), 1);
  EXPECT_EQ(mixed.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(mixed.status().message().find("bad.log"), std::string::npos) << mixed.status().message();
  EXPECT_TRUE(clean.status().ok());
  EXPECT_EQ(Read("good"), "g\nh\n");
  EXPECT_EQ(Read("bad"), "");
}

// Short writes and EINTR/EAGAIN from the writer are invisible: every line
// lands once, in order, and rotation still happens at line boundaries.
TEST_F(WriterThreadTest, ShortWritesAndTransientFaultsLoseNothing) {
  WriterOptions options;
  options.rotate_bytes = 100;
  options.batch_bytes = 64;
  FaultyFileWriter::Faults faults;
  faults.max_bytes_per_call = 5;
  faults.transient_every = 4;
  Make(options, faults);
  writer_->Start();
  std::vector<std::string> sent;
  std::vector<std::unique_ptr<RecordingCompletion>> completions;
  for (int i = 0; i < 60; ++i) {
    std::vector<std::string> lines;
    for (int j = 0; j < 1 + i % 4; ++j) {
      lines.push_back("req" + std::to_string(i) + "-line" + std::to_string(j));
      sent.push_back(lines.back());
    }
    completions.push_back(std::make_unique<RecordingCompletion>());
    Enqueue(MakeChunk("x", lines), completions.back().get());
  }
  for (auto& c : completions) {
    ASSERT_TRUE(c->WaitFor());
    EXPECT_TRUE(c->status().ok()) << c->status().ToString();
  }
  EXPECT_GT(control_->transient_faults.load(), 0);
  ASSERT_TRUE(WaitIdle());
  writer_->Stop();
  // Files in rotation order: piece names sort by number as plain strings
  // (rotated_name.h), the current one last.
  std::vector<std::string> names = ListDir(tmp_.path());
  ASSERT_FALSE(names.empty());
  ASSERT_EQ(names.front(), "x.log");
  names.erase(names.begin());
  std::sort(names.begin(), names.end());
  names.push_back("x.log");
  std::vector<std::string> got;
  for (const std::string& n : names) {
    const std::string data = ReadFile(tmp_ / n);
    EXPECT_LE(data.size(), 100u) << n;
    EXPECT_FALSE(data.empty()) << n;
    for (auto& line : SplitLines(data)) got.push_back(line);
  }
  EXPECT_EQ(got, sent);
  EXPECT_EQ(counters_.rotations.load(), names.size() - 1);
}

// ack fsync: the writer syncs before it completes; a failed sync fails the
// chunks though their lines are in the file.
TEST_F(WriterThreadTest, SyncHappensBeforeTheCompletion) {
  WriterOptions options;
  options.sync = true;
  Make(options);
  RecordingCompletion c;
  int syncs_at_completion = -1;
  c.on_complete = [&](const Status&) { syncs_at_completion = control_->sync_calls.load(); };
  Enqueue(MakeChunk("s", {"durable"}), &c);
  writer_->Start();
  ASSERT_TRUE(c.WaitFor());
  EXPECT_TRUE(c.status().ok());
  EXPECT_GE(syncs_at_completion, 1);
  EXPECT_GE(control_->synced_fds.load(), 1);
  EXPECT_EQ(Read("s"), "durable\n");
}

TEST_F(WriterThreadTest, NoSyncWithoutAckFsync) {
  Make(WriterOptions{});
  RecordingCompletion c;
  Enqueue(MakeChunk("s", {"line"}), &c);
  writer_->Start();
  ASSERT_TRUE(c.WaitFor());
  EXPECT_TRUE(c.status().ok());
  EXPECT_EQ(control_->sync_calls.load(), 0);
}

TEST_F(WriterThreadTest, AFailedSyncFailsTheCompletion) {
  WriterOptions options;
  options.sync = true;
  FaultyFileWriter::Faults faults;
  faults.sync_errno = EIO;
  Make(options, faults);
  RecordingCompletion c;
  Enqueue(MakeChunk("s", {"maybe durable"}), &c);
  writer_->Start();
  ASSERT_TRUE(c.WaitFor());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable) << c.status().ToString();
  ASSERT_TRUE(WaitIdle());
  EXPECT_GE(counters_.write_errors.load(), 1u);
}

// With sync on, a file is synced before it is rotated away.
TEST_F(WriterThreadTest, SyncBeforeRotation) {
  WriterOptions options;
  options.sync = true;
  options.rotate_bytes = 10;
  Make(options);
  RecordingCompletion c;
  Enqueue(MakeChunk("r", {"12345678", "abcdefgh", "ABCDEFGH"}), &c);
  writer_->Start();
  ASSERT_TRUE(c.WaitFor());
  EXPECT_TRUE(c.status().ok());
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(counters_.rotations.load(), 2u);
  // Two syncs before the two rotations, one for the round.
  EXPECT_GE(control_->synced_fds.load(), 3);
  EXPECT_EQ(Read("r"), "ABCDEFGH\n");
  EXPECT_EQ(ListDir(tmp_.path()).size(), 3u);
}

// Stop() writes out everything already queued before it returns.
TEST_F(WriterThreadTest, StopDrainsTheInbox) {
  Make(WriterOptions{});
  writer_->Start();
  std::vector<std::unique_ptr<RecordingCompletion>> completions;
  std::string expected;
  for (int i = 0; i < 500; ++i) {
    completions.push_back(std::make_unique<RecordingCompletion>());
    Enqueue(MakeChunk("k" + std::to_string(i % 7), {"line " + std::to_string(i)}),
            completions.back().get());
  }
  writer_->Stop();
  for (auto& c : completions) {
    EXPECT_EQ(c->calls(), 1);
    EXPECT_TRUE(c->status().ok());
  }
  EXPECT_EQ(counters_.queued_chunks.load(), 0u);
  EXPECT_EQ(counters_.queued_bytes.load(), 0u);
  EXPECT_EQ(counters_.lines_written.load(), 500u);
  for (int k = 0; k < 7; ++k) {
    std::string want;
    for (int i = k; i < 500; i += 7) want += "line " + std::to_string(i) + "\n";
    EXPECT_EQ(Read("k" + std::to_string(k)), want);
  }
}

// One open file for many keys: the writer closes and reopens as it goes,
// every line lands and each file keeps its order.
TEST_F(WriterThreadTest, OneOpenFileServesManyKeys) {
  WriterOptions options;
  options.max_open_files = 1;
  Make(options);
  std::vector<std::unique_ptr<RecordingCompletion>> completions;
  for (int i = 0; i < 300; ++i) {
    completions.push_back(std::make_unique<RecordingCompletion>());
    Enqueue(MakeChunk("m/" + std::to_string(i % 5), {std::to_string(i)}), completions.back().get());
  }
  writer_->Start();
  for (auto& c : completions) {
    ASSERT_TRUE(c->WaitFor());
    EXPECT_TRUE(c->status().ok());
  }
  for (int k = 0; k < 5; ++k) {
    std::string want;
    for (int i = k; i < 300; i += 5) want += std::to_string(i) + "\n";
    EXPECT_EQ(Read("m/" + std::to_string(k)), want);
  }
  ASSERT_TRUE(WaitIdle());
  EXPECT_GE(counters_.files_opened.load(), 5u);
}

}  // namespace
}  // namespace logscribe
