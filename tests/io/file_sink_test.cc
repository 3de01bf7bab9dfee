// FileSink end to end: lines go in through Submit() and are read back from
// the files under a real LogRoot, with each writer kind.
#include "file_sink.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <map>

#include <gtest/gtest.h>

#include "batch_builder.h"
#include "io/fake_clock.h"
#include "rotated_name.h"
#include "io/test_util.h"

namespace logscribe {
namespace {

using namespace std::chrono_literals;
using testing::Exists;
using testing::FakeClock;
using testing::kWaitLimit;
using testing::ListDir;
using testing::ReadFile;
using testing::RecordingCompletion;
using testing::SplitLines;
using testing::TempDir;

struct Entry {
  std::string path;
  std::string filename;
  std::string line;
};

// Builds the request with a BatchBuilder, as the RPC layer does, and submits it.
Status SubmitEntries(Sink* sink, const std::vector<Entry>& entries, Completion* completion) {
  BatchBuilder builder(LineFormat{});
  for (const Entry& e : entries) {
    if (Status s = builder.Add(e.path, e.filename, e.line); !s.ok()) return s;
  }
  const uint64_t bytes = builder.bytes();
  return sink->Submit(builder.Take(), bytes, completion);
}

Status SubmitLines(Sink* sink, const std::string& path, const std::string& filename,
                   const std::vector<std::string>& lines, Completion* completion) {
  std::vector<Entry> entries;
  for (const auto& l : lines) entries.push_back({path, filename, l});
  return SubmitEntries(sink, entries, completion);
}

// The files of one log in `dir`, oldest first: its pieces in their order
// (rotated_name.h), each checked to be a plain piece-scheme name; the
// current <filename>.log last.
std::vector<std::string> FilesOfLog(const std::string& dir, const std::string& filename) {
  std::vector<std::string> files;
  bool current = false;
  for (const std::string& name : ListDir(dir)) {
    if (name == filename + ".log") {
      current = true;
      continue;
    }
    RotatedNameParts p;
    if (!ParseRotatedName(name, &p) || p.filename != filename) continue;
    EXPECT_EQ(p.scheme, RotatedScheme::kPiece) << name;
    EXPECT_EQ(p.codec, Codec::kNone) << name;
    files.push_back(name);
  }
  // <filename>.log.<seq>: zero-padded numbers sort as strings.
  std::sort(files.begin(), files.end());
  if (current) files.push_back(filename + ".log");
  return files;
}

std::vector<std::string> AllLines(const std::string& dir, const std::vector<std::string>& files) {
  std::vector<std::string> lines;
  for (const auto& f : files) {
    for (auto& l : SplitLines(ReadFile(dir + "/" + f))) lines.push_back(std::move(l));
  }
  return lines;
}

// Descriptors this process holds on *.log files beneath `dir`.
int OpenLogFds(const std::string& dir) {
  int count = 0;
  for (const std::string& fd : ListDir("/proc/self/fd")) {
    char target[4096];
    const ssize_t n = ::readlink(("/proc/self/fd/" + fd).c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    const std::string t(target, static_cast<size_t>(n));
    if (t.rfind(dir + "/", 0) == 0 && t.size() > 4 && t.substr(t.size() - 4) == ".log") ++count;
  }
  return count;
}

std::string KindName(WriterKind kind) {
  switch (kind) {
    case WriterKind::kUring: return "uring";
    case WriterKind::kWritev: return "writev";
    case WriterKind::kAuto: return "auto";
  }
  return "?";
}

class FileSinkTest : public ::testing::TestWithParam<WriterKind> {
 protected:
  void SetUp() override {
    const Status s = LogRoot::Open(tmp_.path(), 0755, 0644, &root_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void TearDown() override {
    if (sink_ != nullptr) sink_->Stop();
  }

  // Creates the sink with the writer kind under test; skips when io_uring
  // was asked for and is unusable.
  void Create(FileSinkOptions options) {
    options.writer = GetParam();
    const Status s = FileSink::Create(root_.get(), options, &sink_);
    if (GetParam() == WriterKind::kUring && s.code() == StatusCode::kFailedPrecondition) {
      GTEST_SKIP() << s.message();
    }
    ASSERT_TRUE(s.ok()) << s.ToString();
    if (GetParam() == WriterKind::kWritev) {
      EXPECT_EQ(sink_->writer_name(), "writev");
    }
    if (GetParam() == WriterKind::kUring) {
      EXPECT_EQ(sink_->writer_name(), "io_uring");
      EXPECT_EQ(sink_->fallback_reason(), "");
    }
  }

  std::string Read(const std::string& rel) { return ReadFile(tmp_ / rel); }

  TempDir tmp_;
  std::unique_ptr<LogRoot> root_;
  std::unique_ptr<FileSink> sink_;
};

// A log deleted behind the scribe, or replaced by a rename onto its name,
// while the scribe holds it open: the next round's lines go to the name, not
// to the unreachable inode, so every line acknowledged after it is found.
TEST_P(FileSinkTest, ALogDeletedOrReplacedWhileOpenIsWrittenAfresh) {
  Create(FileSinkOptions());
  if (IsSkipped()) return;
  auto send = [&](const std::string& line) {
    RecordingCompletion c;
    ASSERT_TRUE(SubmitLines(sink_.get(), "d", "app", {line}, &c).ok());
    ASSERT_TRUE(c.WaitFor());
    ASSERT_TRUE(c.status().ok()) << c.status().ToString();
  };
  send("one");
  ASSERT_EQ(Read("d/app.log"), "one\n");
  ASSERT_TRUE(std::filesystem::remove(tmp_ / "d/app.log"));  // rm, or logrotate without create
  send("two");
  EXPECT_EQ(Read("d/app.log"), "two\n");
  testing::WriteFile(tmp_ / "d/other", "planted\n");
  std::filesystem::rename(tmp_ / "d/other", tmp_ / "d/app.log");  // mv onto the name
  send("three");
  EXPECT_EQ(Read("d/app.log"), "planted\nthree\n");
  EXPECT_EQ(sink_->counters().files_unlinked.load(), 2u);
  // Renamed away (still linked): the lines follow the file, as tail -F would.
  std::filesystem::rename(tmp_ / "d/app.log", tmp_ / "d/moved");
  send("four");
  EXPECT_EQ(ReadFile(tmp_ / "d/moved"), "planted\nthree\nfour\n");
  EXPECT_EQ(sink_->counters().files_unlinked.load(), 2u);
}

TEST_P(FileSinkTest, LinesLandInOrder) {
  FileSinkOptions options;
  options.writer_threads = 3;
  Create(options);
  if (IsSkipped()) return;
  std::vector<std::unique_ptr<RecordingCompletion>> completions;
  std::map<std::string, std::string> want;
  for (int i = 0; i < 400; ++i) {
    std::vector<Entry> entries;
    for (int j = 0; j < 5; ++j) {
      const std::string dir = "svc" + std::to_string((i + j) % 3);
      const std::string name = "f" + std::to_string(j % 4);
      const std::string line = "req " + std::to_string(i) + " entry " + std::to_string(j);
      entries.push_back({dir, name, line});
      want[dir + "/" + name + ".log"] += line + "\n";
    }
    completions.push_back(std::make_unique<RecordingCompletion>());
    ASSERT_TRUE(SubmitEntries(sink_.get(), entries, completions.back().get()).ok());
  }
  for (auto& c : completions) {
    ASSERT_TRUE(c->WaitFor());
    EXPECT_EQ(c->calls(), 1);
    EXPECT_TRUE(c->status().ok()) << c->status().ToString();
  }
  for (const auto& [file, content] : want) EXPECT_EQ(Read(file), content) << file;
  ASSERT_TRUE(sink_->Drain(kWaitLimit));
  const SinkStats stats = sink_->Stats();
  EXPECT_EQ(stats.lines_written, 2000u);
  uint64_t bytes = 0;
  for (const auto& [file, content] : want) bytes += content.size();
  EXPECT_EQ(stats.bytes_written, bytes);
  EXPECT_EQ(stats.files_opened, want.size());
  EXPECT_EQ(stats.rotations, 0u);
  EXPECT_EQ(stats.write_errors, 0u);
  EXPECT_EQ(stats.refused_batches, 0u);
  EXPECT_EQ(stats.queued_bytes, 0u);
}

// Several producers at once, each with its own files and one shared file:
// a producer's lines keep their order in every file.
TEST_P(FileSinkTest, ConcurrentProducersKeepTheirOrder) {
  FileSinkOptions options;
  options.writer_threads = 2;
  Create(options);
  if (IsSkipped()) return;
  constexpr int kProducers = 4;
  constexpr int kRequests = 300;
  std::vector<std::thread> producers;
  std::atomic<int> failures{0};
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      std::vector<std::unique_ptr<RecordingCompletion>> completions;
      for (int i = 0; i < kRequests; ++i) {
        const std::string tag = "p" + std::to_string(p) + " " + std::to_string(i);
        completions.push_back(std::make_unique<RecordingCompletion>());
        const Status s = SubmitEntries(sink_.get(),
                                       {{"own", "p" + std::to_string(p), tag},
                                        {"", "shared", tag},
                                        {"own", "p" + std::to_string(p), tag + " again"}},
                                       completions.back().get());
        if (!s.ok()) ++failures;
      }
      for (auto& c : completions) {
        if (!c->WaitFor() || !c->status().ok()) ++failures;
      }
    });
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(failures.load(), 0);
  const std::vector<std::string> shared = SplitLines(Read("shared.log"));
  EXPECT_EQ(shared.size(), static_cast<size_t>(kProducers * kRequests));
  std::vector<int> next(kProducers, 0);
  for (const std::string& line : shared) {
    const int p = line[1] - '0';
    ASSERT_GE(p, 0);
    ASSERT_LT(p, kProducers);
    EXPECT_EQ(line, "p" + std::to_string(p) + " " + std::to_string(next[p]++));
  }
  for (int p = 0; p < kProducers; ++p) {
    std::string want;
    for (int i = 0; i < kRequests; ++i) {
      const std::string tag = "p" + std::to_string(p) + " " + std::to_string(i);
      want += tag + "\n" + tag + " again\n";
    }
    EXPECT_EQ(Read("own/p" + std::to_string(p) + ".log"), want);
  }
}

// Rotation at -size: every line accounted for, in order; no line split across
// files; no file past the limit; each rotation was needed (the next file's
// first line would not have fitted).
TEST_P(FileSinkTest, RotatesAtSizeBoundaries) {
  FileSinkOptions options;
  options.per_writer.rotate_bytes = 100;
  options.per_writer.batch_bytes = 64;
  Create(options);
  if (IsSkipped()) return;
  std::vector<std::string> sent;
  std::vector<std::unique_ptr<RecordingCompletion>> completions;
  for (int i = 0; i < 150; ++i) {
    std::vector<std::string> lines;
    for (int j = 0; j < 1 + i % 5; ++j) {
      lines.push_back("r" + std::to_string(i) + "." + std::to_string(j) + std::string(i % 23, '='));
      sent.push_back(lines.back());
    }
    completions.push_back(std::make_unique<RecordingCompletion>());
    ASSERT_TRUE(SubmitLines(sink_.get(), "rot", "app", lines, completions.back().get()).ok());
  }
  for (auto& c : completions) {
    ASSERT_TRUE(c->WaitFor());
    EXPECT_TRUE(c->status().ok()) << c->status().ToString();
  }
  ASSERT_TRUE(sink_->Drain(kWaitLimit));
  const std::string dir = tmp_ / "rot";
  const std::vector<std::string> files = FilesOfLog(dir, "app");
  ASSERT_GE(files.size(), 2u);
  EXPECT_EQ(ListDir(dir).size(), files.size());
  EXPECT_EQ(AllLines(dir, files), sent);
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string data = ReadFile(dir + "/" + files[i]);
    EXPECT_FALSE(data.empty()) << files[i];
    EXPECT_LE(data.size(), 100u) << files[i];
    EXPECT_EQ(data.back(), '\n') << files[i];
    if (i + 1 < files.size()) {
      const std::string next = ReadFile(dir + "/" + files[i + 1]);
      const size_t first_line = next.find('\n') + 1;
      EXPECT_GT(data.size() + first_line, 100u) << files[i] << " was rotated too early";
    }
  }
  EXPECT_EQ(sink_->Stats().rotations, files.size() - 1);
}

// A line longer than -size goes alone into a fresh file, and the line after it
// starts another.
TEST_P(FileSinkTest, ALineLongerThanTheLimitGoesAlone) {
  FileSinkOptions options;
  options.per_writer.rotate_bytes = 50;
  Create(options);
  if (IsSkipped()) return;
  const std::string huge(200, 'H');
  RecordingCompletion c;
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "big", {"short one", huge, "short two"}, &c).ok());
  ASSERT_TRUE(c.WaitFor());
  ASSERT_TRUE(c.status().ok());
  const std::vector<std::string> files = FilesOfLog(tmp_.path(), "big");
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(Read(files[0]), "short one\n");
  EXPECT_EQ(Read(files[1]), huge + "\n");
  EXPECT_EQ(Read(files[2]), "short two\n");
  EXPECT_EQ(sink_->Stats().rotations, 2u);

  // Across requests too.
  RecordingCompletion d, e;
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "big2", {"first"}, &d).ok());
  ASSERT_TRUE(d.WaitFor());
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "big2", {huge}, &e).ok());
  ASSERT_TRUE(e.WaitFor());
  const std::vector<std::string> files2 = FilesOfLog(tmp_.path(), "big2");
  ASSERT_EQ(files2.size(), 2u);
  EXPECT_EQ(Read(files2[0]), "first\n");
  EXPECT_EQ(Read(files2[1]), huge + "\n");
}

// An empty file is never rotated, however long the first line.
TEST_P(FileSinkTest, NeverRotatesAnEmptyFile) {
  FileSinkOptions options;
  options.per_writer.rotate_bytes = 10;
  Create(options);
  if (IsSkipped()) return;
  testing::WriteFile(tmp_ / "empty.log", "");  // exists, but empty
  RecordingCompletion a, b;
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "fresh", {std::string(40, 'f')}, &a).ok());
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "empty", {std::string(40, 'e')}, &b).ok());
  ASSERT_TRUE(a.WaitFor());
  ASSERT_TRUE(b.WaitFor());
  EXPECT_EQ(sink_->Stats().rotations, 0u);
  EXPECT_EQ(ListDir(tmp_.path()), (std::vector<std::string>{"empty.log", "fresh.log"}));
  EXPECT_EQ(Read("fresh.log"), std::string(40, 'f') + "\n");
}

// A file that is already over the limit when first opened is rotated before
// the first new line is added.
TEST_P(FileSinkTest, AnOversizedExistingFileIsRotatedFirst) {
  FileSinkOptions options;
  options.per_writer.rotate_bytes = 20;
  Create(options);
  if (IsSkipped()) return;
  testing::WriteFile(tmp_ / "old.log", std::string(30, 'o') + "\n");
  RecordingCompletion c;
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "old", {"new"}, &c).ok());
  ASSERT_TRUE(c.WaitFor());
  const std::vector<std::string> files = FilesOfLog(tmp_.path(), "old");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(Read(files[0]), std::string(30, 'o') + "\n");
  EXPECT_EQ(Read(files[1]), "new\n");
}

TEST_P(FileSinkTest, UnlimitedSizeNeverRotates) {
  FileSinkOptions options;
  options.per_writer.rotate_bytes = kUnlimitedSize;
  Create(options);
  if (IsSkipped()) return;
  RecordingCompletion c;
  std::vector<std::string> lines(2000, std::string(100, 'u'));
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "u", lines, &c).ok());
  ASSERT_TRUE(c.WaitFor());
  EXPECT_TRUE(c.status().ok());
  EXPECT_EQ(ListDir(tmp_.path()), std::vector<std::string>{"u.log"});
  EXPECT_EQ(Read("u.log").size(), 2000u * 101u);
}

// Backpressure: with slow writers a request that would take the queued bytes
// past the limit is refused, counted, and not completed; once the queue
// drains, requests are accepted again.
// FileSinkOptions::clock reaches every writer and the archive thread: each
// time the clock passes -rotate-every, every log of both writers rotates with
// the clock's stamp, and -max-backups 1 then keeps only the newest rotation.
TEST_P(FileSinkTest, TheSinkClockDrivesRotationAndRetention) {
  FakeClock clock;
  FileSinkOptions options;
  options.writer_threads = 2;
  options.per_writer.rotate_every = std::chrono::hours(1);
  options.archive.max_backups = 1;
  options.clock = &clock;
  Create(options);
  if (IsSkipped()) return;
  EXPECT_EQ(clock.waiters(), 2u);
  const std::vector<std::string> logs = {"a", "b", "c", "d"};
  // Each log's files once the writers and the archive thread are done.
  // One rotated piece per log, number `seq`, stamped with the clock's now.
  auto files_are = [&](uint64_t seq) {
    for (const std::string& log : logs) {
      const std::vector<std::string> want = {PieceName(log, seq, clock.Now()), log + ".log"};
      if (FilesOfLog(tmp_ / "t", log) != want) return false;
    }
    return true;
  };
  auto wait_for_files = [&](uint64_t seq) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (!files_are(seq)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(1ms);  // polling for the writers, not letting time pass
    }
    return true;
  };
  for (int round = 0; round < 2; ++round) {
    std::vector<std::unique_ptr<RecordingCompletion>> completions;
    for (const std::string& log : logs) {
      completions.push_back(std::make_unique<RecordingCompletion>());
      ASSERT_TRUE(SubmitLines(sink_.get(), "t", log, {log + std::to_string(round)},
                              completions.back().get()).ok());
    }
    for (auto& c : completions) {
      ASSERT_TRUE(c->WaitFor());
      EXPECT_TRUE(c->status().ok()) << c->status().ToString();
    }
    clock.Advance(std::chrono::hours(1));
    const uint64_t seq = static_cast<uint64_t>(round) + 1;
    ASSERT_TRUE(wait_for_files(seq)) << "round " << round;
    for (const std::string& log : logs) {
      EXPECT_EQ(Read("t/" + PieceName(log, seq, clock.Now())), log + std::to_string(round) + "\n");
      EXPECT_EQ(Read("t/" + log + ".log"), "");
    }
  }
  EXPECT_EQ(sink_->Stats().rotations, 2 * logs.size());
  EXPECT_EQ(sink_->archive_counters().backups_deleted.load(), logs.size());
  sink_->Stop();
  EXPECT_EQ(clock.waiters(), 0u);
}

TEST_P(FileSinkTest, RefusesWhenTheQueueIsFullAndRecovers) {
  FileSinkOptions options;
  options.max_queued_bytes = 1000;
  options.per_writer.write_delay = 1s;
  Create(options);
  if (IsSkipped()) return;
  const std::vector<std::string> lines(6, std::string(99, 'q'));  // 600 bytes
  RecordingCompletion first, refused, second;
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "q", lines, &first).ok());
  EXPECT_EQ(sink_->Stats().queued_bytes, 600u);
  const Status s = SubmitLines(sink_.get(), "", "q", lines, &refused);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_EQ(sink_->Stats().refused_batches, 1u);
  EXPECT_EQ(sink_->Stats().queued_bytes, 600u);  // the refusal took nothing
  // Exactly up to the limit is still fine.
  const std::vector<std::string> fits(4, std::string(99, 'r'));  // 400 bytes
  RecordingCompletion exact;
  EXPECT_TRUE(SubmitLines(sink_.get(), "", "q", fits, &exact).ok());
  ASSERT_TRUE(first.WaitFor());
  ASSERT_TRUE(exact.WaitFor());
  EXPECT_TRUE(first.status().ok());
  EXPECT_TRUE(exact.status().ok());

  ASSERT_TRUE(sink_->Drain(kWaitLimit));
  EXPECT_EQ(sink_->Stats().queued_bytes, 0u);
  const Status again = SubmitLines(sink_.get(), "", "q", lines, &second);
  ASSERT_TRUE(again.ok()) << again.ToString();
  ASSERT_TRUE(second.WaitFor());
  EXPECT_TRUE(second.status().ok());
  EXPECT_EQ(refused.calls(), 0);
  EXPECT_EQ(sink_->Stats().refused_batches, 1u);
  EXPECT_EQ(SplitLines(Read("q.log")).size(), 16u);
}

// Admit() reserves room for a request before the RPC layer reads it: 1/16 of
// the queue before any request, then the largest recent one, decaying to a
// 4 KiB floor as small ones follow. Reserved bytes count against
// -queue-bytes until released.
TEST_P(FileSinkTest, AdmitReservesRoomForTheLargestRecentRequest) {
  FileSinkOptions options;
  options.max_queued_bytes = 1 << 20;
  options.per_writer.write_delay = 200ms;
  Create(options);
  if (IsSkipped()) return;
  std::vector<uint64_t> reserved;
  for (int i = 0; i < 16; ++i) {
    uint64_t r = 0;
    ASSERT_TRUE(sink_->Admit(&r).ok()) << i;
    EXPECT_EQ(r, 65536u);
    reserved.push_back(r);
  }
  EXPECT_EQ(sink_->Stats().queued_bytes, 1u << 20);
  uint64_t none = 1;
  const Status full = sink_->Admit(&none);
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted) << full.ToString();
  EXPECT_NE(full.message().find("being read"), std::string::npos) << full.message();
  EXPECT_EQ(none, 0u);
  EXPECT_EQ(sink_->Stats().refused_batches, 1u);
  for (uint64_t r : reserved) sink_->Release(r);
  EXPECT_EQ(sink_->Stats().queued_bytes, 0u);

  // A 200 KiB request raises the estimate to its size at once.
  RecordingCompletion big;
  const std::vector<std::string> big_lines(100, std::string(2047, 'b'));  // 204,800 bytes
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "a", big_lines, &big).ok());
  uint64_t r = 0;
  ASSERT_TRUE(sink_->Admit(&r).ok());
  EXPECT_EQ(r, 204800u);
  sink_->Release(r);

  // Small requests bring it down to the floor.
  std::vector<std::unique_ptr<RecordingCompletion>> small;
  for (int i = 0; i < 300; ++i) {
    small.push_back(std::make_unique<RecordingCompletion>());
    ASSERT_TRUE(SubmitLines(sink_.get(), "", "a", {std::string(99, 's')}, small.back().get()).ok()) << i;
  }
  ASSERT_TRUE(sink_->Admit(&r).ok());
  EXPECT_EQ(r, RequestAdmission::kMinReserveBytes);
  sink_->Release(r);
  ASSERT_TRUE(sink_->Drain(kWaitLimit));
  EXPECT_EQ(sink_->Stats().queued_bytes, 0u);
  EXPECT_EQ(SplitLines(Read("a.log")).size(), 400u);
}

// Once stopping, Admit() says so and reserves nothing.
TEST_P(FileSinkTest, AdmitIsUnavailableOnceStopped) {
  Create(FileSinkOptions());
  if (IsSkipped()) return;
  sink_->Stop();
  uint64_t r = 1;
  EXPECT_EQ(sink_->Admit(&r).code(), StatusCode::kUnavailable);
  EXPECT_EQ(r, 0u);
  EXPECT_EQ(sink_->Stats().queued_bytes, 0u);
}

// Many producers against a small queue: every request is either refused at
// Submit or written, and the bytes in the file match the accepted ones.
TEST_P(FileSinkTest, EveryRequestIsRefusedOrWritten) {
  FileSinkOptions options;
  options.max_queued_bytes = 4096;
  options.writer_threads = 2;
  options.per_writer.write_delay = 1ms;
  Create(options);
  if (IsSkipped()) return;
  std::atomic<uint64_t> accepted_lines{0}, refused{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < 4; ++p) {
    producers.emplace_back([&, p] {
      std::vector<std::unique_ptr<RecordingCompletion>> completions;
      for (int i = 0; i < 200; ++i) {
        auto c = std::make_unique<RecordingCompletion>();
        const std::vector<std::string> lines(4, "p" + std::to_string(p) + "-" + std::to_string(i) +
                                                   std::string(100, '.'));
        const Status s = SubmitLines(sink_.get(), "", "f" + std::to_string(p), lines, c.get());
        if (s.ok()) {
          accepted_lines += 4;
          completions.push_back(std::move(c));
        } else {
          EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
          ++refused;
        }
      }
      for (auto& c : completions) {
        EXPECT_TRUE(c->WaitFor());
        EXPECT_TRUE(c->status().ok());
      }
    });
  }
  for (auto& t : producers) t.join();
  ASSERT_TRUE(sink_->Drain(kWaitLimit));
  uint64_t lines = 0;
  for (int p = 0; p < 4; ++p) lines += SplitLines(Read("f" + std::to_string(p) + ".log")).size();
  EXPECT_EQ(lines, accepted_lines.load());
  const SinkStats stats = sink_->Stats();
  EXPECT_EQ(stats.refused_batches, refused.load());
  EXPECT_EQ(stats.lines_written, accepted_lines.load());
  EXPECT_EQ(stats.queued_bytes, 0u);
}

// ack received: told before Submit returns, on the submitting thread.
TEST_P(FileSinkTest, AckReceivedCompletesInsideSubmit) {
  FileSinkOptions options;
  options.ack = AckMode::kReceived;
  options.per_writer.write_delay = 50ms;
  Create(options);
  if (IsSkipped()) return;
  RecordingCompletion c;
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "recv", {"one", "two"}, &c).ok());
  EXPECT_EQ(c.calls(), 1);
  EXPECT_TRUE(c.status().ok());
  EXPECT_EQ(c.thread(), std::this_thread::get_id());
  // The lines are still written, and the completion is not told again.
  ASSERT_TRUE(sink_->Drain(kWaitLimit));
  EXPECT_EQ(Read("recv.log"), "one\ntwo\n");
  EXPECT_EQ(c.calls(), 1);
}

// ack written / fsync: told from a writer thread, once the lines are in the file.
TEST_P(FileSinkTest, AckWrittenAndFsyncCompleteAfterTheLinesAreInTheFile) {
  for (AckMode mode : {AckMode::kWritten, AckMode::kFsync}) {
    SCOPED_TRACE(mode == AckMode::kWritten ? "written" : "fsync");
    FileSinkOptions options;
    options.ack = mode;
    options.writer_threads = 2;
    Create(options);
    if (IsSkipped()) return;
    const std::string name = mode == AckMode::kWritten ? "written" : "fsync";
    std::vector<std::unique_ptr<RecordingCompletion>> completions;
    std::vector<std::string> seen(20);
    std::string want;
    for (int i = 0; i < 20; ++i) {
      auto c = std::make_unique<RecordingCompletion>();
      const std::string path = tmp_ / (name + std::to_string(i % 3) + ".log");
      c->on_complete = [&seen, i, path](const Status&) { seen[i] = ReadFile(path); };
      const std::string line = "line " + std::to_string(i);
      ASSERT_TRUE(SubmitLines(sink_.get(), "", name + std::to_string(i % 3), {line}, c.get()).ok());
      completions.push_back(std::move(c));
    }
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(completions[i]->WaitFor());
      EXPECT_TRUE(completions[i]->status().ok());
      EXPECT_NE(completions[i]->thread(), std::this_thread::get_id());
      EXPECT_NE(seen[i].find("line " + std::to_string(i) + "\n"), std::string::npos)
          << "completion " << i << " ran before its line was in the file";
    }
    sink_->Stop();
    sink_.reset();
  }
}

// max_open_files 2 with many files: every line lands, and no more than two
// log files are ever open at once.
TEST_P(FileSinkTest, FewOpenFilesServeManyFiles) {
  FileSinkOptions options;
  options.max_open_files = 2;
  options.writer_threads = 1;
  Create(options);
  if (IsSkipped()) return;
  constexpr int kFiles = 25;
  std::atomic<bool> done{false};
  std::atomic<int> max_seen{0};
  std::thread watcher([&] {
    while (!done.load()) {
      // /proc/self/fd is not read atomically: a file closed and another
      // opened while it is read could count thrice. Two passes in a row must
      // both see the excess.
      const int n = std::min(OpenLogFds(tmp_.path()), OpenLogFds(tmp_.path()));
      if (n > max_seen.load()) max_seen = n;
      std::this_thread::sleep_for(200us);
    }
  });
  std::vector<std::unique_ptr<RecordingCompletion>> completions;
  std::vector<std::string> want(kFiles);
  for (int i = 0; i < 600; ++i) {
    std::vector<Entry> entries;
    for (int j = 0; j < 3; ++j) {
      const int f = (i * 7 + j * 11) % kFiles;
      const std::string line = "i" + std::to_string(i) + " j" + std::to_string(j);
      entries.push_back({"many", "f" + std::to_string(f), line});
      want[f] += line + "\n";
    }
    completions.push_back(std::make_unique<RecordingCompletion>());
    ASSERT_TRUE(SubmitEntries(sink_.get(), entries, completions.back().get()).ok());
  }
  for (auto& c : completions) {
    ASSERT_TRUE(c->WaitFor());
    EXPECT_TRUE(c->status().ok()) << c->status().ToString();
  }
  done = true;
  watcher.join();
  for (int f = 0; f < kFiles; ++f) EXPECT_EQ(Read("many/f" + std::to_string(f) + ".log"), want[f]) << f;
  EXPECT_LE(max_seen.load(), 2);
  EXPECT_LE(OpenLogFds(tmp_.path()), 2);
  EXPECT_GT(sink_->Stats().files_opened, static_cast<uint64_t>(kFiles));
}

// A file reached through a symlink that leaves the root fails its completion
// with INVALID_ARGUMENT and writes nothing outside; other files are unaffected.
TEST_P(FileSinkTest, SymlinkEscapeFailsOnlyThatFile) {
  Create(FileSinkOptions{});
  if (IsSkipped()) return;
  TempDir outside;
  ASSERT_EQ(::symlink(outside.path().c_str(), (tmp_ / "evil").c_str()), 0);
  ASSERT_EQ(::symlink((outside / "t.log").c_str(), (tmp_ / "link.log").c_str()), 0);
  RecordingCompletion bad_dir, bad_file, good, mixed;
  ASSERT_TRUE(SubmitLines(sink_.get(), "evil", "x", {"escape"}, &bad_dir).ok());
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "link", {"escape"}, &bad_file).ok());
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "good", {"fine"}, &good).ok());
  ASSERT_TRUE(SubmitEntries(sink_.get(), {{"", "good", "fine2"}, {"evil/sub", "y", "escape"}}, &mixed).ok());
  for (auto* c : {&bad_dir, &bad_file, &good, &mixed}) ASSERT_TRUE(c->WaitFor());
  EXPECT_EQ(bad_dir.status().code(), StatusCode::kInvalidArgument) << bad_dir.status().ToString();
  EXPECT_EQ(bad_file.status().code(), StatusCode::kInvalidArgument) << bad_file.status().ToString();
  EXPECT_EQ(mixed.status().code(), StatusCode::kInvalidArgument) << mixed.status().ToString();
  EXPECT_TRUE(good.status().ok());
  EXPECT_EQ(Read("good.log"), "fine\nfine2\n");
  EXPECT_TRUE(ListDir(outside.path()).empty());
  EXPECT_GE(sink_->Stats().write_errors, 3u);
  // The refused key is tried afresh (and refused again) next time.
  RecordingCompletion again;
  ASSERT_TRUE(SubmitLines(sink_.get(), "evil", "x", {"escape"}, &again).ok());
  ASSERT_TRUE(again.WaitFor());
  EXPECT_EQ(again.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ListDir(outside.path()).empty());
}

// A FIFO where a log should be fails that file's lines without stalling the
// writer (and so every other file it owns, and Stop()).
TEST_P(FileSinkTest, AFifoFailsOnlyThatFile) {
  Create(FileSinkOptions{});
  if (IsSkipped()) return;
  ASSERT_EQ(::mkfifo((tmp_ / "pipe.log").c_str(), 0644), 0);
  RecordingCompletion fifo, good;
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "pipe", {"nowhere"}, &fifo).ok());
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "good", {"fine"}, &good).ok());
  ASSERT_TRUE(good.WaitFor());
  EXPECT_TRUE(good.status().ok());
  ASSERT_TRUE(fifo.WaitFor());
  EXPECT_FALSE(fifo.status().ok());
  EXPECT_EQ(Read("good.log"), "fine\n");
}

TEST_P(FileSinkTest, EmptyRequestCompletesAtOnce) {
  Create(FileSinkOptions{});
  if (IsSkipped()) return;
  RecordingCompletion c;
  ASSERT_TRUE(sink_->Submit({}, 0, &c).ok());
  EXPECT_EQ(c.calls(), 1);
  EXPECT_TRUE(c.status().ok());
  EXPECT_TRUE(ListDir(tmp_.path()).empty());
}

TEST_P(FileSinkTest, ANullCompletionIsAllowed) {
  Create(FileSinkOptions{});
  if (IsSkipped()) return;
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "nc", {"a", "b"}, nullptr).ok());
  ASSERT_TRUE(sink_->Drain(kWaitLimit));
  EXPECT_EQ(Read("nc.log"), "a\nb\n");
}

// Stop: everything accepted is written; afterwards Submit says UNAVAILABLE
// and does not tell the completion.
TEST_P(FileSinkTest, StopDrainsThenRefuses) {
  FileSinkOptions options;
  options.writer_threads = 2;
  options.per_writer.write_delay = 5ms;
  Create(options);
  if (IsSkipped()) return;
  std::vector<std::unique_ptr<RecordingCompletion>> completions;
  for (int i = 0; i < 100; ++i) {
    completions.push_back(std::make_unique<RecordingCompletion>());
    ASSERT_TRUE(SubmitLines(sink_.get(), "", "s" + std::to_string(i % 4), {std::to_string(i)},
                            completions.back().get()).ok());
  }
  sink_->Stop();
  for (auto& c : completions) {
    EXPECT_EQ(c->calls(), 1);
    EXPECT_TRUE(c->status().ok());
  }
  EXPECT_EQ(sink_->Stats().lines_written, 100u);
  EXPECT_EQ(OpenLogFds(tmp_.path()), 0);
  RecordingCompletion late;
  const Status s = SubmitLines(sink_.get(), "", "late", {"too late"}, &late);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(late.calls(), 0);
  EXPECT_FALSE(Exists(tmp_ / "late.log"));
  sink_->Stop();  // twice is fine
}

TEST_P(FileSinkTest, DrainTimesOutWhileWritersAreBusy) {
  FileSinkOptions options;
  options.per_writer.write_delay = 1s;
  Create(options);
  if (IsSkipped()) return;
  RecordingCompletion c;
  ASSERT_TRUE(SubmitLines(sink_.get(), "", "slow", {"x"}, &c).ok());
  EXPECT_FALSE(sink_->Drain(0ms));
  EXPECT_TRUE(sink_->Drain(kWaitLimit));
  EXPECT_EQ(c.calls(), 1);
}

INSTANTIATE_TEST_SUITE_P(Writers, FileSinkTest,
                         ::testing::Values(WriterKind::kWritev, WriterKind::kUring, WriterKind::kAuto),
                         [](const auto& info) { return KindName(info.param); });

TEST(FileSinkCreateTest, UringIsUsedOrTheReasonIsGiven) {
  TempDir tmp;
  std::unique_ptr<LogRoot> root;
  ASSERT_TRUE(LogRoot::Open(tmp.path(), 0755, 0644, &root).ok());
  std::string why;
  const bool uring_works = MakeUringFileWriter(8, &why) != nullptr;
  FileSinkOptions options;
  options.writer = WriterKind::kUring;
  std::unique_ptr<FileSink> sink;
  const Status s = FileSink::Create(root.get(), options, &sink);
  if (uring_works) {
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(sink->writer_name(), "io_uring");
  } else {
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(s.message().find("-writer uring"), std::string::npos);
  }
  options.writer = WriterKind::kAuto;
  std::unique_ptr<FileSink> auto_sink;
  ASSERT_TRUE(FileSink::Create(root.get(), options, &auto_sink).ok());
  EXPECT_EQ(auto_sink->writer_name(), uring_works ? "writev+io_uring-fsync" : "writev");
  EXPECT_EQ(auto_sink->fallback_reason().empty(), uring_works);
}

// The null sink: no root, nothing opened or written, everything completed.
TEST(NullSinkTest, CompletesEverything) {
  TempDir tmp;  // to show nothing appears anywhere we can see
  FileSinkOptions options;
  options.writer_threads = 2;
  options.max_open_files = 2;
  options.per_writer.rotate_bytes = 64;
  options.ack = AckMode::kFsync;
  std::unique_ptr<FileSink> sink;
  ASSERT_TRUE(FileSink::Create(nullptr, options, &sink).ok());
  EXPECT_EQ(sink->writer_name(), "null");
  std::vector<std::unique_ptr<RecordingCompletion>> completions;
  uint64_t bytes = 0;
  for (int i = 0; i < 500; ++i) {
    completions.push_back(std::make_unique<RecordingCompletion>());
    std::vector<Entry> entries;
    for (int j = 0; j < 4; ++j) {
      entries.push_back({"d" + std::to_string(j), "f" + std::to_string(i % 9), std::string(20, 'n')});
      bytes += 21;
    }
    ASSERT_TRUE(SubmitEntries(sink.get(), entries, completions.back().get()).ok());
  }
  for (auto& c : completions) {
    ASSERT_TRUE(c->WaitFor());
    EXPECT_EQ(c->calls(), 1);
    EXPECT_TRUE(c->status().ok()) << c->status().ToString();
  }
  ASSERT_TRUE(sink->Drain(kWaitLimit));
  const SinkStats stats = sink->Stats();
  EXPECT_EQ(stats.lines_written, 2000u);
  EXPECT_EQ(stats.bytes_written, bytes);
  EXPECT_EQ(stats.write_errors, 0u);
  EXPECT_EQ(stats.queued_bytes, 0u);
  sink->Stop();
  EXPECT_TRUE(ListDir(tmp.path()).empty());
  EXPECT_FALSE(Exists("d0"));
}

}  // namespace
}  // namespace logscribe
