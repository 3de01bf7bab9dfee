// One typed suite runs against every FileWriter: writev, io_uring (skipped
// where the kernel refuses it) and a fault-injecting fake whose short writes
// and transient errors the contract says must not show.
#include "file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "io/faulty_file_writer.h"
#include "io/test_util.h"

namespace logscribe {
namespace {

using testing::FaultyFileWriter;
using testing::ReadFile;
using testing::TempDir;

struct WritevKind {
  static std::unique_ptr<FileWriter> Make(std::string*) { return MakePosixFileWriter(); }
  static constexpr const char* kName = "writev";
};
struct UringKind {
  // A small ring, so that many ops must wait for room.
  static std::unique_ptr<FileWriter> Make(std::string* why) { return MakeUringFileWriter(4, why); }
  static constexpr const char* kName = "io_uring";
};
struct FaultyKind {
  static std::unique_ptr<FileWriter> Make(std::string*) {
    FaultyFileWriter::Faults f;
    f.max_bytes_per_call = 7;
    f.transient_every = 3;
    return std::make_unique<FaultyFileWriter>(f);
  }
  static constexpr const char* kName = "faulty";
};

// An op over `pieces`, whose iovecs point into the strings.
struct OpBuilder {
  OpBuilder() = default;
  explicit OpBuilder(std::vector<std::string> p) : pieces(std::move(p)) {}

  std::vector<std::string> pieces;
  std::vector<struct iovec> iov;

  WriteOp Build(int fd) {
    iov.clear();
    WriteOp op;
    op.fd = fd;
    for (std::string& p : pieces) {
      iov.push_back({p.data(), p.size()});
      op.bytes += p.size();
    }
    op.iov = iov.data();
    op.iovcnt = static_cast<int>(iov.size());
    return op;
  }
  std::string Joined() const { return std::accumulate(pieces.begin(), pieces.end(), std::string()); }
};

template <typename Kind>
class FileWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    writer_ = Kind::Make(&why);
    if (writer_ == nullptr) GTEST_SKIP() << Kind::kName << " is unavailable here: " << why;
  }
  void TearDown() override {
    for (int fd : fds_) ::close(fd);
  }

  int OpenAppend(const std::string& name) {
    const int fd = ::open((tmp_ / name).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0) << name;
    fds_.push_back(fd);
    return fd;
  }

  TempDir tmp_;
  std::unique_ptr<FileWriter> writer_;
  std::vector<int> fds_;
};

using WriterKinds = ::testing::Types<WritevKind, UringKind, FaultyKind>;
class KindNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return T::kName == std::string("io_uring") ? "uring" : T::kName;
  }
};
TYPED_TEST_SUITE(FileWriterTest, WriterKinds, KindNames);

TYPED_TEST(FileWriterTest, NameSaysWhichKind) {
  EXPECT_STREQ(this->writer_->name(), TypeParam::kName);
}

TYPED_TEST(FileWriterTest, AppendsOneOp) {
  const int fd = this->OpenAppend("a.log");
  OpBuilder b{{"hello ", "world", "\n"}};
  WriteOp op = b.Build(fd);
  op.written = 12345;
  op.error = 99;
  this->writer_->Append({&op, 1});
  EXPECT_EQ(op.error, 0);
  EXPECT_EQ(op.written, op.bytes);
  EXPECT_EQ(ReadFile(this->tmp_ / "a.log"), "hello world\n");
}

TYPED_TEST(FileWriterTest, AppendsAtTheEndOfAnExistingFile) {
  testing::WriteFile(this->tmp_ / "a.log", "before\n");
  const int fd = this->OpenAppend("a.log");
  OpBuilder b{{"after\n"}};
  WriteOp op = b.Build(fd);
  this->writer_->Append({&op, 1});
  EXPECT_EQ(op.error, 0);
  EXPECT_EQ(ReadFile(this->tmp_ / "a.log"), "before\nafter\n");
}

TYPED_TEST(FileWriterTest, AppendsToManyFilesInOneCall) {
  constexpr int kFiles = 13;  // more than the io_uring ring holds
  std::vector<OpBuilder> builders(kFiles);
  std::vector<WriteOp> ops;
  for (int i = 0; i < kFiles; ++i) {
    for (int j = 0; j <= i; ++j) {
      builders[i].pieces.push_back("file " + std::to_string(i) + " piece " + std::to_string(j) + "\n");
    }
  }
  for (int i = 0; i < kFiles; ++i) ops.push_back(builders[i].Build(this->OpenAppend("f" + std::to_string(i) + ".log")));
  this->writer_->Append(ops);
  for (int i = 0; i < kFiles; ++i) {
    EXPECT_EQ(ops[i].error, 0) << i;
    EXPECT_EQ(ops[i].written, ops[i].bytes) << i;
    EXPECT_EQ(ReadFile(this->tmp_ / ("f" + std::to_string(i) + ".log")), builders[i].Joined()) << i;
  }
}

TYPED_TEST(FileWriterTest, TakesKMaxIovEntries) {
  OpBuilder b;
  for (int i = 0; i < kMaxIov; ++i) b.pieces.push_back(std::string(1 + i % 17, static_cast<char>('a' + i % 26)));
  const int fd = this->OpenAppend("many.log");
  WriteOp op = b.Build(fd);
  ASSERT_EQ(op.iovcnt, kMaxIov);
  this->writer_->Append({&op, 1});
  EXPECT_EQ(op.error, 0);
  EXPECT_EQ(op.written, op.bytes);
  EXPECT_EQ(ReadFile(this->tmp_ / "many.log"), b.Joined());
}

TYPED_TEST(FileWriterTest, LargeAppend) {
  std::mt19937 rng(7);
  OpBuilder b;
  for (int i = 0; i < 3; ++i) {
    std::string s(3 << 20, '\0');
    for (char& c : s) c = static_cast<char>('a' + rng() % 26);
    b.pieces.push_back(std::move(s));
  }
  const int fd = this->OpenAppend("big.log");
  WriteOp op = b.Build(fd);
  this->writer_->Append({&op, 1});
  EXPECT_EQ(op.error, 0);
  EXPECT_EQ(op.written, op.bytes);
  EXPECT_TRUE(ReadFile(this->tmp_ / "big.log") == b.Joined());
}

TYPED_TEST(FileWriterTest, SuccessiveCallsKeepTheirOrder) {
  const int fd = this->OpenAppend("seq.log");
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    OpBuilder b{{"line ", std::to_string(i), "\n"}};
    WriteOp op = b.Build(fd);
    this->writer_->Append({&op, 1});
    ASSERT_EQ(op.error, 0);
    expected += b.Joined();
  }
  EXPECT_EQ(ReadFile(this->tmp_ / "seq.log"), expected);
}

TYPED_TEST(FileWriterTest, AnEmptyCallDoesNothing) {
  this->writer_->Append({});
  this->writer_->Sync({}, {});
}

TYPED_TEST(FileWriterTest, AFullDeviceFailsWithEnospc) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  this->fds_.push_back(fd);
  OpBuilder b{{"doomed\n"}};
  WriteOp op = b.Build(fd);
  this->writer_->Append({&op, 1});
  EXPECT_EQ(op.error, ENOSPC);
  EXPECT_LT(op.written, op.bytes);
}

TYPED_TEST(FileWriterTest, OneFailedOpDoesNotStopTheOthers) {
  const int bad = ::open((this->tmp_ / "ro.log").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(bad, 0);
  this->fds_.push_back(bad);
  OpBuilder b1{{"first\n"}}, b2{{"never\n"}}, b3{{"third\n"}};
  std::vector<WriteOp> ops = {b1.Build(this->OpenAppend("1.log")), b2.Build(bad),
                              b3.Build(this->OpenAppend("3.log"))};
  this->writer_->Append(ops);
  EXPECT_EQ(ops[0].error, 0);
  EXPECT_EQ(ops[0].written, ops[0].bytes);
  EXPECT_EQ(ops[1].error, EBADF);
  EXPECT_EQ(ops[1].written, 0u);
  EXPECT_EQ(ops[2].error, 0);
  EXPECT_EQ(ops[2].written, ops[2].bytes);
  EXPECT_EQ(ReadFile(this->tmp_ / "1.log"), "first\n");
  EXPECT_EQ(ReadFile(this->tmp_ / "ro.log"), "");
  EXPECT_EQ(ReadFile(this->tmp_ / "3.log"), "third\n");
}

// A non-blocking pipe with a slow reader makes the kernel take a little at a
// time and say EAGAIN in between: every byte must still arrive, in order.
TYPED_TEST(FileWriterTest, ShortWritesAndEagainAreContinued) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  this->fds_.push_back(p[1]);
  ::fcntl(p[1], F_SETPIPE_SZ, 4096);
  ASSERT_EQ(::fcntl(p[1], F_SETFL, ::fcntl(p[1], F_GETFL) | O_NONBLOCK), 0);
  OpBuilder b;
  for (int i = 0; i < 64; ++i) b.pieces.push_back(std::string(1000 + 37 * i, static_cast<char>('A' + i % 26)));
  const std::string want = b.Joined();
  std::string got;
  std::thread reader([&] {
    char buf[1500];
    for (;;) {
      const ssize_t n = ::read(p[0], buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  WriteOp op = b.Build(p[1]);
  this->writer_->Append({&op, 1});
  ::close(p[1]);
  this->fds_.pop_back();
  reader.join();
  ::close(p[0]);
  EXPECT_EQ(op.error, 0);
  EXPECT_EQ(op.written, op.bytes);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
}

TYPED_TEST(FileWriterTest, SyncReportsEachDescriptor) {
  const int good1 = this->OpenAppend("s1.log");
  const int good2 = this->OpenAppend("s2.log");
  OpBuilder b{{"synced\n"}};
  WriteOp op = b.Build(good1);
  this->writer_->Append({&op, 1});
  ASSERT_EQ(op.error, 0);
  const int fds[] = {good1, -1, good2};
  int errors[] = {77, 77, 77};
  this->writer_->Sync(fds, errors);
  EXPECT_EQ(errors[0], 0);
  EXPECT_EQ(errors[1], EBADF);
  EXPECT_EQ(errors[2], 0);
  EXPECT_EQ(ReadFile(this->tmp_ / "s1.log"), "synced\n");
}

TYPED_TEST(FileWriterTest, SyncOfManyDescriptors) {
  std::vector<int> fds;
  for (int i = 0; i < 11; ++i) fds.push_back(this->OpenAppend("m" + std::to_string(i) + ".log"));
  std::vector<int> errors(fds.size(), -1);
  this->writer_->Sync(fds, errors);
  for (int e : errors) EXPECT_EQ(e, 0);
}

TYPED_TEST(FileWriterTest, ReusableAfterAFailure) {
  const int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(full, 0);
  this->fds_.push_back(full);
  OpBuilder doomed{{"x\n"}};
  WriteOp op = doomed.Build(full);
  this->writer_->Append({&op, 1});
  EXPECT_NE(op.error, 0);
  OpBuilder fine{{"fine\n"}};
  WriteOp ok = fine.Build(this->OpenAppend("after.log"));
  this->writer_->Append({&ok, 1});
  EXPECT_EQ(ok.error, 0);
  EXPECT_EQ(ReadFile(this->tmp_ / "after.log"), "fine\n");
}

// --- the fake itself: its faults must really happen, or the suite proves nothing

TEST(FaultyFileWriterTest, InjectsShortWritesAndTransientFaults) {
  FaultyFileWriter::Faults f;
  f.max_bytes_per_call = 3;
  f.transient_every = 2;
  FaultyFileWriter writer(f);
  TempDir tmp;
  const int fd = ::open((tmp / "x.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  OpBuilder b{{"abcdefghij\n"}};
  WriteOp op = b.Build(fd);
  writer.Append({&op, 1});
  ::close(fd);
  EXPECT_EQ(op.error, 0);
  EXPECT_EQ(ReadFile(tmp / "x.log"), "abcdefghij\n");
  // Writes of 3+3+3+2 bytes, a pretended EINTR/EAGAIN between each two.
  EXPECT_EQ(writer.control()->syscalls.load(), 7);
  EXPECT_EQ(writer.control()->transient_faults.load(), 3);
}

TEST(FaultyFileWriterTest, HardFailureLeavesAPartialWrite) {
  FaultyFileWriter::Faults f;
  f.fail_after_bytes = 4;
  f.fail_times = 1;
  FaultyFileWriter writer(f);
  TempDir tmp;
  const int fd = ::open((tmp / "x.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  OpBuilder b{{"ab\n", "cd\n"}};
  WriteOp op = b.Build(fd);
  writer.Append({&op, 1});
  EXPECT_EQ(op.error, ENOSPC);
  EXPECT_EQ(op.written, 4u);
  EXPECT_EQ(ReadFile(tmp / "x.log"), "ab\nc");
  // Only once.
  WriteOp again = b.Build(fd);
  writer.Append({&again, 1});
  EXPECT_EQ(again.error, 0);
  ::close(fd);
  EXPECT_EQ(ReadFile(tmp / "x.log"), "ab\ncab\ncd\n");
}

// --- AdvanceIov

struct IovFixture {
  std::vector<std::string> pieces;
  std::vector<struct iovec> iov;
  explicit IovFixture(std::vector<std::string> p) : pieces(std::move(p)) {
    for (auto& s : pieces) iov.push_back({s.data(), s.size()});
  }
};

std::string Flatten(const struct iovec* iov, int iovcnt) {
  std::string out;
  for (int i = 0; i < iovcnt; ++i) out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  return out;
}

TEST(AdvanceIovTest, EveryOffsetLeavesTheRest) {
  IovFixture f({"abc", "", "defg", "h", "ijklmn"});
  const std::string all = "abcdefghijklmn";
  for (uint64_t n = 0; n <= all.size(); ++n) {
    const struct iovec* iov = f.iov.data();
    int iovcnt = static_cast<int>(f.iov.size());
    struct iovec scratch[8];
    AdvanceIov(&iov, &iovcnt, n, scratch);
    EXPECT_EQ(Flatten(iov, iovcnt), all.substr(n)) << n;
    if (n == all.size()) {
      EXPECT_EQ(iovcnt, 0);
    }
  }
}

TEST(AdvanceIovTest, RepeatedAdvancesThroughScratch) {
  IovFixture f({"abc", "defg", "h", "ijklmn"});
  const std::string all = "abcdefghijklmn";
  for (uint64_t step = 1; step <= 5; ++step) {
    const struct iovec* iov = f.iov.data();
    int iovcnt = static_cast<int>(f.iov.size());
    struct iovec scratch[8];
    uint64_t done = 0;
    while (iovcnt > 0) {
      const uint64_t n = std::min<uint64_t>(step, all.size() - done);
      AdvanceIov(&iov, &iovcnt, n, scratch);
      done += n;
      ASSERT_EQ(Flatten(iov, iovcnt), all.substr(done)) << "step " << step << " done " << done;
    }
    EXPECT_EQ(done, all.size());
  }
  // The caller's array is untouched.
  EXPECT_EQ(Flatten(f.iov.data(), static_cast<int>(f.iov.size())), all);
}

TEST(AdvanceIovTest, AFullKMaxIovArray) {
  std::vector<std::string> pieces;
  std::string all;
  for (int i = 0; i < kMaxIov; ++i) {
    pieces.push_back(std::string(1 + i % 5, static_cast<char>('a' + i % 26)));
    all += pieces.back();
  }
  IovFixture f(pieces);
  const struct iovec* iov = f.iov.data();
  int iovcnt = kMaxIov;
  std::vector<struct iovec> scratch(kMaxIov);
  uint64_t done = 0;
  for (uint64_t n : {1ull, 1000ull, 7ull, 1ull, 1234ull}) {
    AdvanceIov(&iov, &iovcnt, n, scratch.data());
    done += n;
    ASSERT_EQ(Flatten(iov, iovcnt), all.substr(done));
  }
}

TEST(NullFileWriterTest, PretendsEverythingSucceeds) {
  auto writer = MakeNullFileWriter();
  EXPECT_STREQ(writer->name(), "null");
  OpBuilder b{{"nowhere\n", "at all\n"}};
  WriteOp op = b.Build(-1);
  op.error = 5;
  writer->Append({&op, 1});
  EXPECT_EQ(op.error, 0);
  EXPECT_EQ(op.written, op.bytes);
  const int fds[] = {-1, -1};
  int errors[] = {9, 9};
  writer->Sync(fds, errors);
  EXPECT_EQ(errors[0], 0);
  EXPECT_EQ(errors[1], 0);
}

TEST(MakeUringFileWriterTest, EitherAWriterOrAReason) {
  std::string why;
  auto writer = MakeUringFileWriter(64, &why);
  if (writer != nullptr) {
    EXPECT_STREQ(writer->name(), "io_uring");
  } else {
    EXPECT_FALSE(why.empty());
  }
  // A null reason pointer is allowed.
  auto again = MakeUringFileWriter(8, nullptr);
  EXPECT_EQ(again != nullptr, writer != nullptr);
}

}  // namespace
}  // namespace logscribe
