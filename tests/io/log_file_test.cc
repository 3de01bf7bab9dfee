#include "log_file.h"
#include "rotated_name.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "io/test_util.h"

namespace logscribe {
namespace {

using namespace std::chrono;
using testing::Exists;
using testing::ListDir;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

class LogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status s = LogRoot::Open(tmp_.path(), 0755, 0644, &root_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  TempDir tmp_;
  std::unique_ptr<LogRoot> root_;
};

TEST_F(LogFileTest, OpenCreatesAnEmptyFile) {
  LogFile file("d/app", root_.get());
  EXPECT_FALSE(file.is_open());
  EXPECT_EQ(file.fd(), -1);
  ASSERT_TRUE(file.Open().ok());
  EXPECT_TRUE(file.is_open());
  EXPECT_GE(file.fd(), 0);
  EXPECT_EQ(file.size(), 0u);
  EXPECT_EQ(file.key(), "d/app");
  EXPECT_TRUE(Exists(tmp_ / "d/app.log"));
  // A second Open is a no-op on an open file.
  const int fd = file.fd();
  ASSERT_TRUE(file.Open().ok());
  EXPECT_EQ(file.fd(), fd);
}

TEST_F(LogFileTest, OpenPicksUpTheExistingSize) {
  WriteFile(tmp_ / "app.log", "012345678\n");
  LogFile file("app", root_.get());
  ASSERT_TRUE(file.Open().ok());
  EXPECT_EQ(file.size(), 10u);
  file.AddSize(5);
  EXPECT_EQ(file.size(), 15u);
}

TEST_F(LogFileTest, CloseReleasesTheDescriptor) {
  LogFile file("app", root_.get());
  ASSERT_TRUE(file.Open().ok());
  const int fd = file.fd();
  file.Close();
  EXPECT_FALSE(file.is_open());
  EXPECT_EQ(file.fd(), -1);
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
  file.Close();  // twice is harmless
}

TEST_F(LogFileTest, DestructorClosesTheDescriptor) {
  int fd;
  {
    LogFile file("app", root_.get());
    ASSERT_TRUE(file.Open().ok());
    fd = file.fd();
  }
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
}

TEST_F(LogFileTest, RotateStartsAFreshFile) {
  LogFile file("svc/app", root_.get());
  ASSERT_TRUE(file.Open().ok());
  ASSERT_TRUE(testing::WriteAll(file.fd(), "old\n"));
  file.AddSize(4);
  const auto t = sys_days{year{2024} / 6 / 1} + hours(1);
  ASSERT_TRUE(file.Rotate(t).ok());
  EXPECT_TRUE(file.is_open());
  EXPECT_EQ(file.size(), 0u);
  ASSERT_TRUE(testing::WriteAll(file.fd(), "new\n"));
  EXPECT_EQ(ReadFile(tmp_ / "svc/app.log"), "new\n");
  EXPECT_EQ(ReadFile(tmp_ / ("svc/" + PieceName("app", 1, t))), "old\n");
}

TEST_F(LogFileTest, FailedRotationKeepsTheFileOpen) {
  LogFile file("app", root_.get());
  ASSERT_TRUE(file.Open().ok());
  ASSERT_TRUE(testing::WriteAll(file.fd(), "line\n"));
  file.AddSize(5);
  // Someone removed the file: there is nothing to rename.
  ASSERT_EQ(::unlink((tmp_ / "app.log").c_str()), 0);
  EXPECT_FALSE(file.Rotate(system_clock::now()).ok());
  EXPECT_TRUE(file.is_open());
  EXPECT_EQ(file.size(), 5u);
}

TEST_F(LogFileTest, TruncateToTakesBackATornAppend) {
  LogFile file("app", root_.get());
  ASSERT_TRUE(file.Open().ok());
  ASSERT_TRUE(testing::WriteAll(file.fd(), "whole line\n"));
  file.AddSize(11);
  ASSERT_TRUE(testing::WriteAll(file.fd(), "torn li"));
  file.TruncateTo(file.size());
  EXPECT_EQ(file.size(), 11u);
  ASSERT_TRUE(testing::WriteAll(file.fd(), "next\n"));  // O_APPEND: lands at the new end
  EXPECT_EQ(ReadFile(tmp_ / "app.log"), "whole line\nnext\n");
}

TEST_F(LogFileTest, OpenThroughASymlinkFails) {
  TempDir outside;
  ASSERT_EQ(::symlink(outside.path().c_str(), (tmp_ / "evil").c_str()), 0);
  LogFile file("evil/app", root_.get());
  const Status s = file.Open();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_FALSE(file.is_open());
  EXPECT_TRUE(ListDir(outside.path()).empty());
}

TEST(LogFileNullRootTest, PretendsWithoutTouchingAnything) {
  LogFile file("d/app", nullptr);
  ASSERT_TRUE(file.Open().ok());
  EXPECT_TRUE(file.is_open());
  EXPECT_EQ(file.fd(), -1);
  EXPECT_EQ(file.size(), 0u);
  file.AddSize(100);
  EXPECT_EQ(file.size(), 100u);
  file.TruncateTo(10);  // nothing to cut
  ASSERT_TRUE(file.Rotate(system_clock::now()).ok());
  EXPECT_EQ(file.size(), 0u);
  EXPECT_TRUE(file.is_open());
  file.Close();
  EXPECT_FALSE(file.is_open());
}

}  // namespace
}  // namespace logscribe
