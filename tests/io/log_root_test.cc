#include "log_root.h"
#include "rotated_name.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <algorithm>

#include "io/test_util.h"

namespace logscribe {
namespace {

using namespace std::chrono;
using testing::Exists;
using testing::ListDir;
using testing::ModeOf;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteAll;
using testing::WriteFile;

// Collects failures as sentences, so the same checks can run in a forked
// child (where gtest assertions would not reach the parent).
using Fail = std::function<void(const std::string&)>;

// Opens `key` and expects a refusal with INVALID_ARGUMENT.
void ExpectRefused(const LogRoot& root, const std::string& key, const Fail& fail) {
  int fd = -1;
  uint64_t size = 0;
  const Status s = root.OpenForAppend(key, &fd, &size);
  if (s.ok()) {
    fail("OpenForAppend(" + key + ") through a symlink was allowed");
    WriteAll(fd, "leaked\n");
    ::close(fd);
    return;
  }
  if (s.code() != StatusCode::kInvalidArgument) {
    fail("OpenForAppend(" + key + ") gave " + s.ToString() + ", want INVALID_ARGUMENT");
  }
}

// Plants symlinks inside `root_path` that lead to `outside` (and to "/"),
// both as directory components and as the final x.log, and checks that the
// root refuses every one of them and writes nothing outside.
void CheckSymlinkRefusal(const LogRoot& root, const std::string& root_path,
                         const std::string& outside, const Fail& fail) {
  WriteFile(outside + "/target.log", "secret\n");
  WriteFile(outside + "/x.log", "outside x\n");
  ::mkdir((root_path + "/a").c_str(), 0755);
  if (::symlink(outside.c_str(), (root_path + "/evil").c_str()) != 0 ||
      ::symlink(outside.c_str(), (root_path + "/a/evil").c_str()) != 0 ||
      ::symlink("/", (root_path + "/slash").c_str()) != 0 ||
      ::symlink((outside + "/target.log").c_str(), (root_path + "/x.log").c_str()) != 0 ||
      ::symlink((outside + "/target.log").c_str(), (root_path + "/a/y.log").c_str()) != 0 ||
      ::symlink((outside + "/none.log").c_str(), (root_path + "/dangling.log").c_str()) != 0 ||
      ::symlink("../../outside/target.log", (root_path + "/a/rel.log").c_str()) != 0) {
    fail("cannot plant symlinks");
    return;
  }

  // A symlinked directory component.
  ExpectRefused(root, "evil/x", fail);
  ExpectRefused(root, "evil/target", fail);
  ExpectRefused(root, "evil/sub/x", fail);
  ExpectRefused(root, "a/evil/x", fail);
  ExpectRefused(root, "a/evil/deeper/still/x", fail);
  ExpectRefused(root, "slash/tmp/x", fail);
  // A symlinked final x.log, to an existing file, a missing one, relatively.
  ExpectRefused(root, "x", fail);
  ExpectRefused(root, "a/y", fail);
  ExpectRefused(root, "dangling", fail);
  ExpectRefused(root, "a/rel", fail);
  // Twice, in case the first refusal left something behind that the second
  // would follow.
  ExpectRefused(root, "evil/sub/x", fail);
  ExpectRefused(root, "dangling", fail);

  // Rotation through a symlinked directory renames nothing outside.
  std::string rotated;
  const Status r = root.Rotate("evil/x", system_clock::now(), &rotated);
  if (r.ok()) fail("Rotate(evil/x) through a symlink was allowed: " + rotated);

  // Nothing was written, created or renamed outside.
  const std::vector<std::string> want = {"target.log", "x.log"};
  if (ListDir(outside) != want) {
    std::string got;
    for (const auto& n : ListDir(outside)) got += n + " ";
    fail("the outside directory changed: " + got);
  }
  if (ReadFile(outside + "/target.log") != "secret\n") fail("outside/target.log was written");
  if (ReadFile(outside + "/x.log") != "outside x\n") fail("outside/x.log was written");
  if (Exists("/tmp/x.log") && ReadFile("/tmp/x.log") == "leaked\n") fail("/tmp/x.log was written");
  // The symlinks themselves are still symlinks (nothing replaced them).
  struct stat st;
  if (::lstat((root_path + "/x.log").c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
    fail("root/x.log is no longer the planted symlink");
  }
}

// New files and directories get exactly the configured modes.
void CheckModes(const std::string& root_path, const Fail& fail) {
  const mode_t old = ::umask(077);
  std::unique_ptr<LogRoot> root;
  Status s = LogRoot::Open(root_path, 0751, 0604, &root);
  if (!s.ok()) {
    ::umask(old);
    fail("Open: " + s.ToString());
    return;
  }
  int fd = -1;
  uint64_t size = 0;
  s = root->OpenForAppend("m1/m2/m3/f", &fd, &size);
  ::umask(old);
  if (!s.ok()) {
    fail("OpenForAppend: " + s.ToString());
    return;
  }
  ::close(fd);
  for (const char* dir : {"/m1", "/m1/m2", "/m1/m2/m3"}) {
    const mode_t m = ModeOf(root_path + dir);
    if (m != 0751) fail(std::string(dir) + " has mode " + std::to_string(m) + ", want 0751");
  }
  const mode_t m = ModeOf(root_path + "/m1/m2/m3/f.log");
  if (m != 0604) fail("f.log has mode " + std::to_string(m) + ", want 0604");
}

class LogRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_path_ = tmp_ / "root";
    outside_ = tmp_ / "outside";
    ASSERT_EQ(::mkdir(outside_.c_str(), 0755), 0);
    const Status s = LogRoot::Open(root_path_, 0755, 0644, &root_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Opens `key`, appends `data`, closes.
  void Append(const std::string& key, std::string_view data) {
    int fd = -1;
    uint64_t size = 0;
    const Status s = root_->OpenForAppend(key, &fd, &size);
    ASSERT_TRUE(s.ok()) << s.ToString();
    WriteAll(fd, data);
    ::close(fd);
  }

  TempDir tmp_;
  std::string root_path_;
  std::string outside_;
  std::unique_ptr<LogRoot> root_;
};

TEST(LogRootOpenTest, CreatesMissingParentsAndLeavesNoProbe) {
  TempDir tmp;
  const std::string path = tmp / "a/b/c";
  std::unique_ptr<LogRoot> root;
  const Status s = LogRoot::Open(path, 0755, 0644, &root);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->path(), path);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_TRUE(ListDir(path).empty());
}

TEST(LogRootOpenTest, OpensAnExistingDirectoryWithoutTouchingIt) {
  TempDir tmp;
  WriteFile(tmp / "keep.log", "kept\n");
  std::unique_ptr<LogRoot> root;
  ASSERT_TRUE(LogRoot::Open(tmp.path(), 0755, 0644, &root).ok());
  EXPECT_EQ(ListDir(tmp.path()), std::vector<std::string>{"keep.log"});
  EXPECT_EQ(ReadFile(tmp / "keep.log"), "kept\n");
}

TEST(LogRootOpenTest, RejectsEmptyPath) {
  std::unique_ptr<LogRoot> root;
  const Status s = LogRoot::Open("", 0755, 0644, &root);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(root, nullptr);
}

TEST(LogRootOpenTest, RejectsARegularFile) {
  TempDir tmp;
  WriteFile(tmp / "file", "x");
  std::unique_ptr<LogRoot> root;
  const Status s = LogRoot::Open(tmp / "file", 0755, 0644, &root);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.message().empty());
  EXPECT_EQ(root, nullptr);
  EXPECT_EQ(ReadFile(tmp / "file"), "x");
  // Nor can a root live beneath a file.
  EXPECT_FALSE(LogRoot::Open(tmp / "file/sub", 0755, 0644, &root).ok());
}

TEST(LogRootOpenTest, RejectsAnUnwritableDirectory) {
  std::unique_ptr<LogRoot> root;
  const Status s = LogRoot::Open("/proc", 0755, 0644, &root);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not writable"), std::string::npos) << s.message();
  EXPECT_EQ(root, nullptr);
}

TEST_F(LogRootTest, OpenForAppendCreatesTheFileAndItsDirectories) {
  int fd = -1;
  uint64_t size = 99;
  const Status s = root_->OpenForAppend("svc/web/app", &fd, &size);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GE(fd, 0);
  EXPECT_EQ(size, 0u);
  EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_APPEND);
  EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
  WriteAll(fd, "hello\n");
  ::close(fd);
  EXPECT_EQ(ReadFile(root_path_ + "/svc/web/app.log"), "hello\n");
  EXPECT_EQ(ModeOf(root_path_ + "/svc/web/app.log"), 0644);
  EXPECT_EQ(ModeOf(root_path_ + "/svc"), 0755);
  EXPECT_EQ(ModeOf(root_path_ + "/svc/web"), 0755);
}

TEST_F(LogRootTest, OpenForAppendAtTheRoot) {
  Append("top", "one\n");
  EXPECT_EQ(ListDir(root_path_), std::vector<std::string>{"top.log"});
  EXPECT_EQ(ReadFile(root_path_ + "/top.log"), "one\n");
}

TEST_F(LogRootTest, ExistingFileKeepsItsModeAndIsAppendedTo) {
  WriteFile(root_path_ + "/x.log", "hello\n");
  ASSERT_EQ(::chmod((root_path_ + "/x.log").c_str(), 0600), 0);
  int fd = -1;
  uint64_t size = 0;
  ASSERT_TRUE(root_->OpenForAppend("x", &fd, &size).ok());
  EXPECT_EQ(size, 6u);
  WriteAll(fd, "more\n");
  ::close(fd);
  EXPECT_EQ(ReadFile(root_path_ + "/x.log"), "hello\nmore\n");
  EXPECT_EQ(ModeOf(root_path_ + "/x.log"), 0600);
}

TEST_F(LogRootTest, TwoDescriptorsOfOneFileBothAppend) {
  int fd1 = -1, fd2 = -1;
  uint64_t size = 0;
  ASSERT_TRUE(root_->OpenForAppend("d/x", &fd1, &size).ok());
  ASSERT_TRUE(root_->OpenForAppend("d/x", &fd2, &size).ok());
  WriteAll(fd1, "1\n");
  WriteAll(fd2, "2\n");
  WriteAll(fd1, "3\n");
  ::close(fd1);
  ::close(fd2);
  EXPECT_EQ(ReadFile(root_path_ + "/d/x.log"), "1\n2\n3\n");
}

TEST_F(LogRootTest, ModesIgnoreTheUmask) {
  root_.reset();  // one LogRoot per directory
  CheckModes(root_path_, [](const std::string& why) { ADD_FAILURE() << why; });
}

// Two scribes on one root would each take the other's files for their own
// (cut its lines being written, reuse its piece numbers): the second is
// refused while the first lives, and the lock goes with it.
TEST_F(LogRootTest, OneRootOneScribe) {
  std::unique_ptr<LogRoot> second;
  const Status s = LogRoot::Open(root_path_, 0755, 0644, &second);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("another logscribe is using the log root"), std::string::npos) << s.message();
  EXPECT_EQ(second, nullptr);
  root_.reset();
  ASSERT_TRUE(LogRoot::Open(root_path_, 0755, 0644, &second).ok());
  EXPECT_TRUE(ListDir(root_path_).empty());  // the lock leaves no file behind
}

TEST_F(LogRootTest, RefusesADirectoryWhereTheFileShouldBe) {
  ASSERT_EQ(::mkdir((root_path_ + "/x.log").c_str(), 0755), 0);
  int fd = -1;
  uint64_t size = 0;
  const Status s = root_->OpenForAppend("x", &fd, &size);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
}

// A FIFO planted where a log should be is refused at once: opening it for
// writing must not wait for a reader (that would hang the writer thread, and
// with it every file it owns and the scribe's shutdown).
TEST_F(LogRootTest, RefusesAFifoWithoutBlocking) {
  const std::string fifo = root_path_ + "/fifo.log";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Status status;
  std::thread opener([&] {
    int fd = -1;
    uint64_t size = 0;
    Status s = root_->OpenForAppend("fifo", &fd, &size);
    if (s.ok()) ::close(fd);
    std::lock_guard<std::mutex> lock(mu);
    status = std::move(s);
    done = true;
    cv.notify_all();
  });
  bool returned;
  {
    std::unique_lock<std::mutex> lock(mu);
    returned = cv.wait_for(lock, std::chrono::seconds(20), [&] { return done; });
  }
  if (!returned) {
    // Let the blocked open go so the thread can be joined.
    const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    opener.join();
    if (reader >= 0) ::close(reader);
    FAIL() << "OpenForAppend blocked on a FIFO until a reader appeared";
  }
  opener.join();
  EXPECT_FALSE(status.ok());
  // With a reader present the open itself succeeds; the type check refuses it.
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  int fd = -1;
  uint64_t size = 0;
  const Status s = root_->OpenForAppend("fifo", &fd, &size);
  ::close(reader);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
}

// Descriptors for regular files come back blocking: O_NONBLOCK on a regular
// file makes io_uring return EAGAIN instead of waiting, which would spin.
TEST_F(LogRootTest, DescriptorsAreBlocking) {
  WriteFile(root_path_ + "/old.log", "x\n");
  for (const char* key : {"old", "new", "d/new"}) {
    int fd = -1;
    uint64_t size = 0;
    ASSERT_TRUE(root_->OpenForAppend(key, &fd, &size).ok()) << key;
    EXPECT_EQ(::fcntl(fd, F_GETFL) & O_NONBLOCK, 0) << key;
    EXPECT_NE(::fcntl(fd, F_GETFL) & O_APPEND, 0) << key;
    ::close(fd);
  }
}

TEST_F(LogRootTest, RefusesAFileWhereADirectoryShouldBe) {
  WriteFile(root_path_ + "/d", "file, not dir");
  int fd = -1;
  uint64_t size = 0;
  const Status s = root_->OpenForAppend("d/x", &fd, &size);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(ReadFile(root_path_ + "/d"), "file, not dir");
}

TEST_F(LogRootTest, RefusesSymlinksLeadingOutside) {
  CheckSymlinkRefusal(*root_, root_path_, outside_,
                      [](const std::string& why) { ADD_FAILURE() << why; });
}

// Where the kernel lacks openat2(2) (or seccomp refuses it) the root walks the
// directories with O_NOFOLLOW instead. A forked child refuses openat2 with
// ENOSYS through seccomp and runs the same checks on that path.
TEST(LogRootFallbackTest, WithoutOpenat2SymlinksAreStillRefused) {
  TempDir tmp;
  const std::string root_path = tmp / "root";
  const std::string outside = tmp / "outside";
  ASSERT_EQ(::mkdir(outside.c_str(), 0755), 0);
  auto child = [&] {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
      std::fprintf(stderr, "cannot install the seccomp filter\n");
      std::_Exit(2);
    }
    ::alarm(120);  // a hung open (say, on the FIFO below) ends the child, failing the test
    int failures = 0;
    Fail fail = [&](const std::string& why) {
      std::fprintf(stderr, "FAILED: %s\n", why.c_str());
      ++failures;
    };
    std::unique_ptr<LogRoot> root;
    const Status s = LogRoot::Open(root_path, 0755, 0644, &root);
    if (!s.ok()) {
      fail("Open: " + s.ToString());
    } else {
      if (root->uses_openat2()) fail("the root still uses openat2");
      CheckSymlinkRefusal(*root, root_path, outside, fail);
      // A FIFO is refused without waiting for a reader.
      if (::mkfifo((root_path + "/fifo.log").c_str(), 0644) != 0) fail("mkfifo");
      int ffd = -1;
      uint64_t fsize = 0;
      if (root->OpenForAppend("fifo", &ffd, &fsize).ok()) fail("a FIFO was opened as a log");
      // The walk creates and opens ordinary files too.
      int fd = -1;
      uint64_t size = 0;
      const Status o = root->OpenForAppend("n1/n2/ok", &fd, &size);
      if (!o.ok()) {
        fail("OpenForAppend(n1/n2/ok): " + o.ToString());
      } else {
        WriteAll(fd, "fine\n");
        ::close(fd);
        if (ReadFile(root_path + "/n1/n2/ok.log") != "fine\n") fail("n1/n2/ok.log has wrong contents");
        std::string rotated;
        const Status r = root->Rotate("n1/n2/ok", system_clock::now(), &rotated);
        if (!r.ok()) fail("Rotate: " + r.ToString());
        else if (ReadFile(root_path + "/n1/n2/" + rotated) != "fine\n") fail("rotated file lost its lines");
      }
    }
    CheckModes(tmp / "modes", fail);
    std::fflush(stderr);
    std::_Exit(failures == 0 ? 0 : 1);
  };
  EXPECT_EXIT(child(), ::testing::ExitedWithCode(0), "");
}

TEST_F(LogRootTest, RotateRenamesAsideAndTheNextOpenStartsEmpty) {
  Append("svc/app", "one\n");
  const auto t = sys_days{year{2024} / 3 / 5} + hours(6) + minutes(7) + seconds(8) + milliseconds(9);
  std::string rotated;
  const Status s = root_->Rotate("svc/app", t, &rotated);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(rotated, "app.log.0000000001-20240305T060708.009Z");
  EXPECT_EQ(ReadFile(root_path_ + "/svc/" + rotated), "one\n");
  EXPECT_FALSE(Exists(root_path_ + "/svc/app.log"));

  int fd = -1;
  uint64_t size = 99;
  ASSERT_TRUE(root_->OpenForAppend("svc/app", &fd, &size).ok());
  EXPECT_EQ(size, 0u);
  ::close(fd);
  EXPECT_EQ(ListDir(root_path_ + "/svc"), (std::vector<std::string>{"app.log", rotated}));
}

// Each rotation takes the next piece number, also within one millisecond;
// the names of one log sort by number as plain strings.
TEST_F(LogRootTest, RotationsCountUpTheirPieceNumber) {
  const auto t = sys_days{year{2023} / 12 / 31} + hours(23) + minutes(59) + seconds(59) +
                 milliseconds(999);
  std::vector<std::string> names;
  for (int i = 0; i < 12; ++i) {
    Append("x", "gen " + std::to_string(i) + "\n");
    std::string rotated;
    const Status s = root_->Rotate("x", t, &rotated);
    ASSERT_TRUE(s.ok()) << s.ToString();
    names.push_back(rotated);
  }
  EXPECT_EQ(names[0], "x.log.0000000001-20231231T235959.999Z");
  EXPECT_EQ(names[1], "x.log.0000000002-20231231T235959.999Z");
  EXPECT_EQ(names[11], "x.log.0000000012-20231231T235959.999Z");
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end())) << "piece names must sort by number";
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(ReadFile(root_path_ + "/" + names[i]), "gen " + std::to_string(i) + "\n");
  }
}

// A new LogRoot (a restart) goes on after the highest piece number on disk,
// whichever variant holds it (plain, compressed, a .tmp), and old-scheme
// names do not matter.
TEST_F(LogRootTest, PieceNumbersAreRecoveredFromDisk) {
  const auto t = sys_days{year{2024} / 2 / 29} + hours(12);
  WriteFile(root_path_ + "/" + PieceName("x", 3, t), "three\n");
  WriteFile(root_path_ + "/" + PieceName("x", 7, t) + ".zst", "seven");
  WriteFile(root_path_ + "/" + PieceName("x", 9, t) + ".gz.tmp", "nine");
  WriteFile(root_path_ + "/" + PieceName("xy", 50, t), "another log\n");
  WriteFile(root_path_ + "/" + OldRotatedName("x", t, 60), "old scheme\n");
  Append("x", "current\n");
  std::string rotated;
  ASSERT_TRUE(root_->Rotate("x", t, &rotated).ok());
  EXPECT_EQ(rotated, PieceName("x", 10, t));
  EXPECT_EQ(ReadFile(root_path_ + "/" + rotated), "current\n");
  // Then from memory, even when the pieces are deleted meanwhile.
  std::filesystem::remove(root_path_ + "/" + rotated);
  Append("x", "next\n");
  ASSERT_TRUE(root_->Rotate("x", t, &rotated).ok());
  EXPECT_EQ(rotated, PieceName("x", 11, t));
}

TEST_F(LogRootTest, RotateNeverReplacesAnExistingFile) {
  const auto t = sys_days{year{2024} / 2 / 29} + hours(12);
  Append("x", "first\n");
  std::string first;
  ASSERT_TRUE(root_->Rotate("x", t, &first).ok());
  // Names planted after the number was learnt, and a directory.
  WriteFile(root_path_ + "/" + PieceName("x", 2, t), "planted 2\n");
  std::filesystem::create_directory(root_path_ + "/" + PieceName("x", 3, t));
  Append("x", "current\n");
  std::string rotated;
  ASSERT_TRUE(root_->Rotate("x", t, &rotated).ok());
  EXPECT_EQ(rotated, PieceName("x", 4, t));
  EXPECT_EQ(ReadFile(root_path_ + "/" + PieceName("x", 2, t)), "planted 2\n");
  EXPECT_EQ(ReadFile(root_path_ + "/" + first), "first\n");
  EXPECT_EQ(ReadFile(root_path_ + "/" + rotated), "current\n");
}

// A piece number whose compressed copy holds the name (its plain file gone)
// is skipped, even when the number came from memory.
TEST_F(LogRootTest, RotateSkipsANameWhoseCompressedCopyExists) {
  const auto t = sys_days{year{2024} / 7 / 1} + hours(3);
  Append("x", "first\n");
  std::string first;
  ASSERT_TRUE(root_->Rotate("x", t, &first).ok());
  WriteFile(root_path_ + "/" + PieceName("x", 2, t) + ".gz", "copy 2");
  WriteFile(root_path_ + "/" + PieceName("x", 3, t) + ".zst", "copy 3");
  Append("x", "current\n");
  std::string rotated;
  ASSERT_TRUE(root_->Rotate("x", t, &rotated).ok());
  EXPECT_EQ(rotated, PieceName("x", 4, t));
  EXPECT_EQ(ReadFile(root_path_ + "/" + rotated), "current\n");
  EXPECT_FALSE(Exists(root_path_ + "/" + PieceName("x", 2, t)));
  EXPECT_FALSE(Exists(root_path_ + "/" + PieceName("x", 3, t)));
}

// -max-files counts live logs only: pieces (which never end in ".log") and
// old-scheme rotations are not counted; live logs named like anything else
// are, and so are those in subdirectories; symlinks and directories are not.
TEST_F(LogRootTest, CountLogFilesCountsLiveLogsOnly) {
  const auto t = sys_days{year{2024} / 2 / 29} + hours(12);
  for (const std::string& rel :
       {std::string("a.log"), std::string("d/b.log"), std::string("d/e/c.log"), std::string("a.log.log"),
        std::string("f.log.0000000001.log"), PieceName("a", 1, t), PieceName("a", 2, t) + ".zst",
        PieceName("a", 3, t) + ".gz.tmp", "d/" + OldRotatedName("b", t, 0), "d/" + OldRotatedName("b", t, 1) + ".gz",
        std::string("notes.txt")}) {
    std::filesystem::create_directories(std::filesystem::path(root_path_ + "/" + rel).parent_path());
    WriteFile(root_path_ + "/" + rel, "x\n");
  }
  std::filesystem::create_directory(root_path_ + "/dir.log");
  std::filesystem::create_symlink(root_path_ + "/a.log", root_path_ + "/link.log");
  uint64_t count = 0;
  ASSERT_TRUE(root_->CountLogFiles(&count, nullptr).ok());
  EXPECT_EQ(count, 5u);
}

TEST_F(LogRootTest, RotateOfAMissingFileFailsAndCreatesNothing) {
  std::string rotated = "unchanged";
  EXPECT_FALSE(root_->Rotate("absent", system_clock::now(), &rotated).ok());
  EXPECT_FALSE(root_->Rotate("nodir/absent", system_clock::now(), &rotated).ok());
  EXPECT_EQ(rotated, "unchanged");
  EXPECT_TRUE(ListDir(root_path_).empty());
}

TEST_F(LogRootTest, RootStaysUsableFromManyThreads) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 50; ++i) {
        int fd = -1;
        uint64_t size = 0;
        const std::string key = "shared/d" + std::to_string(i % 5) + "/f" + std::to_string(t);
        if (!root_->OpenForAppend(key, &fd, &size).ok()) {
          ADD_FAILURE() << key;
          return;
        }
        WriteAll(fd, "x\n");
        ::close(fd);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) {
    for (int d = 0; d < 5; ++d) {
      EXPECT_EQ(ReadFile(root_path_ + "/shared/d" + std::to_string(d) + "/f" + std::to_string(t) +
                         ".log"),
                "x\nx\nx\nx\nx\nx\nx\nx\nx\nx\n");
    }
  }
}

}  // namespace
}  // namespace logscribe
