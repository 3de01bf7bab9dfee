// logscribe-cat -follow under Debian's real logrotate: copytruncate (with and
// without compression), the default create mode with and without
// delaycompress, rotations while logscribe-cat is down, and a restart while it
// reads a copy. A writer appends between rotations; every line is counted on
// the scribe's side: none lost, none twice.
//
// Every load is bounded in lines (6 rotations of 3,000 lines); waits have
// deadlines and assert nothing about time. logrotate runs with its own config
// and -s state file in a temporary directory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cat_process.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

constexpr int kRotations = 6;
constexpr int kLinesPerRound = 3000;

// Runs logrotate -f on `conf` with state file `state`; its exit code.
int Logrotate(const std::string& conf, const std::string& state, std::string* out) {
  return ScribeProcess::RunToExit(LOGROTATE_BINARY, {"-f", "-s", state, conf}, out);
}

// A directory with the followed app.log, a logrotate config for it and its
// state file, and a scribe to ship to.
class RotationBed {
 public:
  explicit RotationBed(const std::string& directives) {
    file_ = logs_.path() + "/app.log";
    conf_ = work_.path() + "/logrotate.conf";
    state_ = work_.path() + "/state";
    checkpoint_ = work_.path() + "/app.ckpt";
    const std::string text = file_ + " {\n  rotate 20\n  missingok\n" + directives + "}\n";
    const int fd = open(conf_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
    Append(file_, "");
    scribe_ = StartScribe(root_.path());
  }

  bool ok() const { return scribe_ != nullptr; }
  const std::string& file() const { return file_; }
  const std::string& checkpoint() const { return checkpoint_; }
  std::string got_file() const { return root_.path() + "/node/app.log"; }

  std::vector<std::string> CatArgs(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"-target", scribe_->target(), "-path", "node", "-follow", file_,
                                     "-checkpoint", checkpoint_, "-batch-lines", "200", "-flush-interval", "20ms"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Appends `lines` lines of round `round`, 100 to a write, reopening the
  // path for each write as a writer whose file is rotated under it would.
  void Write(int round, int lines) {
    std::string chunk;
    for (int i = 0; i < lines; ++i) {
      const std::string line = "r" + std::to_string(round) + "-" + std::to_string(i) + " the quick brown fox";
      want_.push_back(line);
      chunk += line + "\n";
      if (i % 100 == 99 || i == lines - 1) {
        Append(file_, chunk);
        chunk.clear();
      }
    }
  }

  // One line shipped: logscribe-cat has opened the file (without a
  // checkpoint it starts at the start of whatever the path holds then).
  std::string Started() {
    Write(-1, 1);
    return WaitAndCount();
  }

  void Rotate() {
    std::string out;
    ASSERT_EQ(Logrotate(conf_, state_, &out), 0) << out;
  }

  // Waits until the scribe holds as many lines as were written, then checks
  // that each arrived exactly once. "" or what is wrong.
  std::string WaitAndCount() const {
    WaitUntil([&] { return Lines(got_file()).size() >= want_.size(); }, 30s);
    std::map<std::string, int> seen;
    for (const std::string& l : Lines(got_file())) ++seen[l];
    size_t lost = 0, twice = 0, strange = 0;
    for (const std::string& l : want_) {
      auto it = seen.find(l);
      if (it == seen.end()) {
        ++lost;
        continue;
      }
      if (it->second > 1) twice += static_cast<size_t>(it->second - 1);
      seen.erase(it);
    }
    strange = seen.size();
    if (lost == 0 && twice == 0 && strange == 0) return "";
    return std::to_string(want_.size()) + " written: " + std::to_string(lost) + " lost, " + std::to_string(twice) +
           " twice, " + std::to_string(strange) + " not written by the test";
  }

 private:
  TempDir root_, logs_, work_;
  std::string file_, conf_, state_, checkpoint_;
  std::unique_ptr<ScribeProcess> scribe_;
  std::vector<std::string> want_;
};

void RotateUnderWriter(const std::string& directives) {
  RotationBed bed(directives);
  ASSERT_TRUE(bed.ok());
  CatProcess cat(bed.CatArgs());
  ASSERT_TRUE(cat.started());
  ASSERT_EQ(bed.Started(), "") << cat.output();
  for (int round = 0; round < kRotations; ++round) {
    bed.Write(round, kLinesPerRound);
    bed.Rotate();
  }
  bed.Write(kRotations, kLinesPerRound);
  EXPECT_EQ(bed.WaitAndCount(), "") << cat.output();
  EXPECT_EQ(cat.Kill(SIGTERM), 0) << cat.output();
}

TEST(CatRotation, CopytruncateLosesNothing) { RotateUnderWriter("  copytruncate\n"); }

TEST(CatRotation, CopytruncateCompressedAtOnceLosesNothing) {
  RotateUnderWriter("  copytruncate\n  compress\n");
}

TEST(CatRotation, CreateWithDelaycompressLosesNothing) {
  RotateUnderWriter("  create\n  compress\n  delaycompress\n");
}

TEST(CatRotation, CreateCompressedAtOnceLosesNothing) { RotateUnderWriter("  create\n  compress\n"); }

// logscribe-cat frozen (SIGSTOP) while the file is rotated `rotations`
// times and written again past its offset: when it thaws, the inotify events
// and the bytes before its offset tell it what happened (its size cannot),
// and it reads the rest of its file, every file rotated since, then the
// live one.
void RotateWhileFrozen(const std::string& directives, int rotations, const std::string& said) {
  RotationBed bed(directives);
  ASSERT_TRUE(bed.ok());
  CatProcess cat(bed.CatArgs());
  ASSERT_TRUE(cat.started());
  ASSERT_EQ(bed.Started(), "") << cat.output();
  bed.Write(0, 1000);
  ASSERT_EQ(bed.WaitAndCount(), "") << cat.output();
  ASSERT_EQ(kill(cat.pid(), SIGSTOP), 0);
  bed.Write(1, 1000);
  for (int r = 0; r < rotations; ++r) {
    bed.Rotate();
    bed.Write(2 + r, kLinesPerRound);  // more than was read: the file grows back past the offset
  }
  ASSERT_EQ(kill(cat.pid(), SIGCONT), 0);
  EXPECT_EQ(bed.WaitAndCount(), "") << cat.output();
  EXPECT_NE(cat.output().find(said), std::string::npos) << cat.output();
  EXPECT_EQ(cat.Kill(SIGTERM), 0) << cat.output();
}

TEST(CatRotation, CopytruncatedAndRegrownPastTheOffsetIsSeen) {
  RotateWhileFrozen("  copytruncate\n", 1, "reading the rest from its copy");
}

TEST(CatRotation, TwoCopytruncatesBeforeItLooksLoseNothing) {
  RotateWhileFrozen("  copytruncate\n  compress\n  delaycompress\n", 2, "reading the rotated");
}

TEST(CatRotation, TwoRenamesBeforeItLooksLoseNothing) {
  RotateWhileFrozen("  create\n  compress\n", 2, "was rotated more than once");
}

// logscribe-cat is stopped, the file rotated twice while it is down (the
// checkpoint's file ends up renamed, copied or compressed), then restarted:
// the rest of the checkpoint's file, the middle one and the live one arrive.
void RotateWhileDown(const std::string& directives) {
  RotationBed bed(directives);
  ASSERT_TRUE(bed.ok());
  {
    CatProcess cat(bed.CatArgs());
    ASSERT_TRUE(cat.started());
    ASSERT_EQ(bed.Started(), "") << cat.output();
    bed.Write(0, kLinesPerRound);
    bed.Rotate();
    bed.Write(1, kLinesPerRound);
    ASSERT_EQ(bed.WaitAndCount(), "") << cat.output();
    EXPECT_EQ(cat.Kill(SIGTERM), 0) << cat.output();
  }
  bed.Write(2, kLinesPerRound);  // after the checkpoint, before the rotation
  bed.Rotate();
  bed.Write(3, kLinesPerRound);
  bed.Rotate();
  bed.Write(4, kLinesPerRound);
  CatProcess cat(bed.CatArgs());
  ASSERT_TRUE(cat.started());
  EXPECT_EQ(bed.WaitAndCount(), "") << cat.output();
  EXPECT_NE(cat.output().find("was rotated while logscribe-cat was down"), std::string::npos) << cat.output();
  EXPECT_EQ(cat.Kill(SIGTERM), 0) << cat.output();
}

TEST(CatRotation, CopytruncateWhileDownLosesNothing) { RotateWhileDown("  copytruncate\n"); }

TEST(CatRotation, CreateCompressedWhileDownLosesNothing) { RotateWhileDown("  create\n  compress\n"); }

// The checkpoint's inode, from its text.
std::string CheckpointIno(const std::string& file) {
  const std::string text = ReadFile(file);
  const size_t at = text.find("\nino ");
  if (at == std::string::npos) return "";
  return text.substr(at + 5, text.find('\n', at + 5) - at - 5);
}

// Stopped while it reads the rest of a generation from logrotate's copy, it
// resumes in the copy: the checkpoint names the copy's inode.
TEST(CatRotation, RestartWhileReadingACopyLosesNothing) {
  RotationBed bed("  copytruncate\n");
  ASSERT_TRUE(bed.ok());
  std::string live_ino;
  {
    CatProcess cat(bed.CatArgs());
    ASSERT_TRUE(cat.started());
    ASSERT_EQ(bed.Started(), "") << cat.output();
    bed.Write(0, 100);
    ASSERT_EQ(bed.WaitAndCount(), "") << cat.output();
    EXPECT_EQ(cat.Kill(SIGTERM), 0) << cat.output();
    live_ino = CheckpointIno(bed.checkpoint());
  }
  // A long stretch written while it is down, copied and truncated, so the
  // restart finds the checkpoint's file in the copy; small batches, one in
  // flight and a small buffer keep it in the copy long enough to stop it there.
  bed.Write(1, 20000);
  bed.Rotate();
  bed.Write(2, kLinesPerRound);
  struct stat copy;
  ASSERT_EQ(stat((bed.file() + ".1").c_str(), &copy), 0);
  const std::string copy_ino = std::to_string(copy.st_ino);
  ASSERT_NE(copy_ino, live_ino);
  {
    CatProcess cat(bed.CatArgs({"-batch-lines", "20", "-inflight", "1", "-max-line-bytes", "1KiB",
                                 "-batch-bytes", "4KiB", "-max-buffer-bytes", "16KiB"}));
    ASSERT_TRUE(cat.started());
    ASSERT_TRUE(WaitUntil([&] { return CheckpointIno(bed.checkpoint()) == copy_ino; }, 30s)) << cat.output();
    EXPECT_EQ(cat.Kill(SIGTERM), 0) << cat.output();
    ASSERT_EQ(CheckpointIno(bed.checkpoint()), copy_ino) << "the stop came after the copy was read; "
                                                         << cat.output();
  }
  bed.Write(3, 100);
  CatProcess cat(bed.CatArgs());
  ASSERT_TRUE(cat.started());
  EXPECT_EQ(bed.WaitAndCount(), "") << cat.output();
  EXPECT_NE(cat.output().find("resuming " + bed.file() + ".1 at byte"), std::string::npos) << cat.output();
  EXPECT_EQ(cat.Kill(SIGTERM), 0) << cat.output();
}

// Not run by ctest (DISABLED_): the figure for copytruncate under a writer
// that never pauses, over ROTATIONS (default 20) rotations 200 ms apart.
// tests/reliability/cat_copytruncate_shortfall.sh runs it. Lines written
// between logrotate's copy and its truncate and not read by then are lost by
// logrotate itself; it prints how many, and the bytes logscribe-cat reported.
TEST(CatRotation, DISABLED_ContinuousWritesShortfallOverRotations) {
  const char* env = std::getenv("ROTATIONS");
  const int rotations = env != nullptr ? std::atoi(env) : 20;
  RotationBed bed("  copytruncate\n");
  ASSERT_TRUE(bed.ok());
  CatProcess cat(bed.CatArgs());
  ASSERT_TRUE(cat.started());
  ASSERT_EQ(bed.Started(), "") << cat.output();
  std::atomic<bool> stop{false};
  std::vector<std::string> written;
  std::thread writer([&] {
    const int fd = open(bed.file().c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    for (int i = 0; !stop.load() && i < 10000000; ++i) {
      const std::string line = "c-" + std::to_string(i) + " the quick brown fox jumps over the lazy dog\n";
      if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) break;
      written.push_back(line.substr(0, line.size() - 1));
      if (i % 20 == 19) std::this_thread::sleep_for(50us);
    }
    close(fd);
  });
  for (int r = 0; r < rotations; ++r) {
    std::this_thread::sleep_for(200ms);
    bed.Rotate();
  }
  stop = true;
  writer.join();
  WaitUntil([&] { return Lines(bed.got_file()).size() >= written.size(); }, 20s);
  std::map<std::string, int> seen;
  for (const std::string& l : Lines(bed.got_file())) ++seen[l];
  // What is on disk, in the live file and the (plain) copies: a lost line
  // found there was lost by logscribe-cat, not by logrotate.
  std::map<std::string, int> on_disk;
  const std::string dir = bed.file().substr(0, bed.file().rfind('/'));
  for (const std::string& name : ListFiles(dir)) {
    for (const std::string& l : Lines(dir + "/" + name)) ++on_disk[l];
  }
  size_t lost = 0, twice = 0, lost_on_disk = 0;
  long first_lost = -1, last_lost = -1;
  for (size_t i = 0; i < written.size(); ++i) {
    const std::string& l = written[i];
    auto it = seen.find(l);
    if (it == seen.end()) {
      ++lost;
      if (on_disk.count(l) != 0) ++lost_on_disk;
      if (first_lost < 0) first_lost = static_cast<long>(i);
      last_lost = static_cast<long>(i);
    } else if (it->second > 1) {
      twice += static_cast<size_t>(it->second - 1);
    }
  }
  // The bytes logscribe-cat said were lost.
  const std::string out = cat.output();
  unsigned long long reported = 0;
  int reports = 0;
  for (size_t at = 0; (at = out.find("logscribe-cat: ", at)) != std::string::npos; ++at) {
    const std::string line = out.substr(at, out.find('\n', at) - at);
    if (line.find("are lost") == std::string::npos) continue;
    reported += std::strtoull(line.c_str() + 15, nullptr, 10);
    ++reports;
  }
  std::printf("copytruncate x%d under a continuous writer: %zu lines written, %zu lost (%.4f%%; %zu of them still "
              "on disk), %zu twice; logscribe-cat reported %llu bytes lost in %d messages\n",
              rotations, written.size(), lost, written.empty() ? 0.0 : 100.0 * lost / written.size(), lost_on_disk,
              twice, reported, reports);
  if (lost > 0) std::printf("first lost line #%ld, last #%ld\n", first_lost, last_lost);
  EXPECT_EQ(twice, 0u);
  EXPECT_EQ(lost_on_disk, 0u) << "lines logrotate kept and logscribe-cat did not send";
  EXPECT_EQ(cat.Kill(SIGTERM), 0) << out;
}

}  // namespace
}  // namespace logscribe::testing
