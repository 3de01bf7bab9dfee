// FileCompressor and CompressedReader: round trips, the crash-safe sequence's
// visible states, cancellation, and damaged input.
#include "file_compressor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "compressed_reader.h"
#include "io/test_util.h"

namespace logscribe {
namespace {

using testing::Exists;
using testing::ListDir;
using testing::ModeOf;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

constexpr const char* kName = "app-20240102T030405.678Z.log";

// Numbered lines, `bytes` long or a little more.
std::string Lines(size_t bytes) {
  std::string s;
  for (int i = 0; s.size() < bytes; ++i) s += "line " + std::to_string(i) + " of a rotated log file\n";
  return s;
}

Status ReadBack(const std::string& path, std::string* content) {
  std::unique_ptr<CompressedReader> r;
  if (Status s = CompressedReader::Open(path, &r); !s.ok()) return s;
  return r->ReadAll(content);
}

class FileCompressorTest : public ::testing::TestWithParam<Codec> {
 protected:
  void SetUp() override {
    dirfd_ = ::open(tmp_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dirfd_, 0);
  }
  void TearDown() override { ::close(dirfd_); }
  std::string Compressed() const { return tmp_ / (std::string(kName) + std::string(CodecExtension(GetParam()))); }

  TempDir tmp_;
  int dirfd_ = -1;
};

TEST_P(FileCompressorTest, CompressesBesideAndRemovesThePlainFile) {
  const std::string content = Lines(3 << 20);  // many blocks
  WriteFile(tmp_ / kName, content);
  struct timespec old_times[2] = {{1600000000, 0}, {1600000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (tmp_ / kName).c_str(), old_times, 0), 0);
  FileCompressor c(GetParam(), 0, 0604);
  CompressResult result;
  const Status s = c.Compress(dirfd_, kName, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ListDir(tmp_.path()), std::vector<std::string>{std::string(kName) + std::string(CodecExtension(GetParam()))});
  EXPECT_EQ(result.bytes_in, content.size());
  struct stat st;
  ASSERT_EQ(::stat(Compressed().c_str(), &st), 0);
  EXPECT_EQ(result.bytes_out, static_cast<uint64_t>(st.st_size));
  EXPECT_LT(result.bytes_out, content.size() / 4);
  EXPECT_EQ(st.st_mtim.tv_sec, 1600000000);  // the time of the log's last line
  EXPECT_EQ(ModeOf(Compressed()), 0604u);
  std::string back;
  ASSERT_TRUE(ReadBack(Compressed(), &back).ok());
  EXPECT_EQ(back, content);
}

TEST_P(FileCompressorTest, OneCompressorServesManyFilesAndTinyOnes) {
  FileCompressor c(GetParam(), 1, 0640);
  for (size_t size : {size_t{1}, size_t{100}, size_t{200000}, size_t{5}}) {
    const std::string content = Lines(size);
    WriteFile(tmp_ / kName, content);
    CompressResult result;
    ASSERT_TRUE(c.Compress(dirfd_, kName, &result).ok());
    std::string back;
    ASSERT_TRUE(ReadBack(Compressed(), &back).ok());
    EXPECT_EQ(back, content);
    ASSERT_EQ(::unlink(Compressed().c_str()), 0);
  }
}

TEST_P(FileCompressorTest, AGoneFileIsNotFound) {
  FileCompressor c(GetParam(), 0, 0640);
  CompressResult result;
  EXPECT_EQ(c.Compress(dirfd_, kName, &result).code(), StatusCode::kNotFound);
  EXPECT_TRUE(ListDir(tmp_.path()).empty());
}

// A .tmp left by a crash is never complete: it is replaced.
TEST_P(FileCompressorTest, AStaleTempIsReplaced) {
  const std::string content = Lines(10000);
  WriteFile(tmp_ / kName, content);
  WriteFile(Compressed() + ".tmp", "half a compressed file");
  FileCompressor c(GetParam(), 0, 0640);
  CompressResult result;
  ASSERT_TRUE(c.Compress(dirfd_, kName, &result).ok());
  EXPECT_FALSE(Exists(Compressed() + ".tmp"));
  std::string back;
  ASSERT_TRUE(ReadBack(Compressed(), &back).ok());
  EXPECT_EQ(back, content);
}

// A complete compressed copy already there (a crash between the rename and
// the unlink) stays as it is; the plain file goes.
TEST_P(FileCompressorTest, AnExistingCopyIsKept) {
  WriteFile(tmp_ / kName, Lines(1000));
  WriteFile(Compressed(), "the complete copy");
  FileCompressor c(GetParam(), 0, 0640);
  CompressResult result;
  ASSERT_TRUE(c.Compress(dirfd_, kName, &result).ok());
  EXPECT_EQ(ReadFile(Compressed()), "the complete copy");
  EXPECT_FALSE(Exists(tmp_ / kName));
  EXPECT_FALSE(Exists(Compressed() + ".tmp"));
}

TEST_P(FileCompressorTest, CancelKeepsThePlainFileAndRemovesTheTemp) {
  const std::string content = Lines(1 << 20);
  WriteFile(tmp_ / kName, content);
  std::atomic<bool> cancel{true};
  FileCompressor c(GetParam(), 0, 0640);
  c.set_cancel(&cancel);
  CompressResult result;
  EXPECT_EQ(c.Compress(dirfd_, kName, &result).code(), StatusCode::kCancelled);
  EXPECT_EQ(ListDir(tmp_.path()), std::vector<std::string>{kName});
  EXPECT_EQ(ReadFile(tmp_ / kName), content);
}

TEST_P(FileCompressorTest, ANonRegularFileIsRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo((tmp_ / kName).c_str(), 0600), 0);
  FileCompressor c(GetParam(), 0, 0640);
  CompressResult result;
  EXPECT_EQ(c.Compress(dirfd_, kName, &result).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ListDir(tmp_.path()), std::vector<std::string>{kName});
}

TEST_P(FileCompressorTest, ATruncatedCopyReadsAsDataLoss) {
  WriteFile(tmp_ / kName, Lines(300000));
  FileCompressor c(GetParam(), 0, 0640);
  CompressResult result;
  ASSERT_TRUE(c.Compress(dirfd_, kName, &result).ok());
  ASSERT_EQ(::truncate(Compressed().c_str(), static_cast<off_t>(result.bytes_out - 3)), 0);
  std::string back;
  EXPECT_EQ(ReadBack(Compressed(), &back).code(), StatusCode::kDataLoss);
  WriteFile(Compressed(), "");
  back.clear();
  EXPECT_EQ(ReadBack(Compressed(), &back).code(), StatusCode::kDataLoss);
}

// Two pieces compressed on their own and joined (`cat a.gz b.gz`: what
// logrotate can leave) read as one; cut short, the reader says truncated,
// not damaged; a descriptor read from its offset on.
TEST_P(FileCompressorTest, MembersReadOneAfterAnotherAndACutIsTruncated) {
  const std::string first = Lines(200 << 10), second = "and a second member\n";
  std::string joined;
  for (const std::string* part : {&first, &second}) {
    WriteFile(tmp_ / kName, *part);
    FileCompressor c(GetParam(), 0, 0644);
    CompressResult result;
    ASSERT_TRUE(c.Compress(dirfd_, kName, &result).ok());
    joined += ReadFile(Compressed());
    ASSERT_EQ(::unlink(Compressed().c_str()), 0);
  }
  WriteFile(Compressed(), joined);
  std::string back;
  const Status s = ReadBack(Compressed(), &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, first + second);

  WriteFile(Compressed(), joined.substr(0, joined.size() - 3));
  std::unique_ptr<CompressedReader> r;
  ASSERT_TRUE(CompressedReader::Open(Compressed(), &r).ok());
  back.clear();
  EXPECT_EQ(r->ReadAll(&back).code(), StatusCode::kDataLoss);
  EXPECT_TRUE(r->truncated());

  WriteFile(Compressed(), joined + "not a member");
  ASSERT_TRUE(CompressedReader::Open(Compressed(), &r).ok());
  back.clear();
  EXPECT_EQ(r->ReadAll(&back).code(), StatusCode::kDataLoss);
  EXPECT_FALSE(r->truncated());

  WriteFile(Compressed(), "xyz" + joined);
  const int fd = ::open(Compressed().c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::lseek(fd, 3, SEEK_SET), 3);
  ASSERT_TRUE(CompressedReader::FromFd(fd, GetParam(), "joined", &r).ok());
  EXPECT_EQ(r->fd(), fd);
  back.clear();
  ASSERT_TRUE(r->ReadAll(&back).ok());
  EXPECT_EQ(back, first + second);
}

INSTANTIATE_TEST_SUITE_P(Codecs, FileCompressorTest, ::testing::Values(Codec::kZstd, Codec::kGzip),
                         [](const auto& info) { return std::string(CodecName(info.param)); });

TEST(CompressedReaderTest, PlainFilesReadAsTheyAre) {
  TempDir tmp;
  WriteFile(tmp / "a.log", "one\ntwo\n");
  std::string back;
  ASSERT_TRUE(ReadBack(tmp / "a.log", &back).ok());
  EXPECT_EQ(back, "one\ntwo\n");
  EXPECT_EQ(ReadBack(tmp / "missing.log", &back).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace logscribe
