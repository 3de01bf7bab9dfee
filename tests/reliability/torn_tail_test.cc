// LogRoot::OpenForAppend after a crash: a file ending in part of a line (an
// append cut short) is cut back to its last whole line before anything is
// appended; a file that is not one of ours is left whole and ended.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "log_root.h"
#include "reliability_util.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

class TornTailTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(LogRoot::Open(dir_.path(), 0750, 0640, &root_).ok()); }

  // Writes `content` as key.log, opens it for appending, appends "next\n".
  // Returns the size OpenForAppend reported.
  uint64_t OpenAndAppend(const std::string& key, const std::string& content) {
    {
      std::FILE* f = std::fopen((dir_.path() + "/" + key + ".log").c_str(), "wb");
      std::fwrite(content.data(), 1, content.size(), f);
      std::fclose(f);
    }
    int fd = -1;
    uint64_t size = 0;
    const Status s = root_->OpenForAppend(key, &fd, &size);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return 0;
    EXPECT_EQ(::write(fd, "next\n", 5), 5);
    ::close(fd);
    return size;
  }
  std::string Content(const std::string& key) { return Slurp(dir_.path() + "/" + key + ".log"); }

  TempDir dir_;
  std::unique_ptr<LogRoot> root_;
};

TEST_F(TornTailTest, WholeLinesAreLeftAlone) {
  EXPECT_EQ(OpenAndAppend("a", "one\ntwo\n"), 8u);
  EXPECT_EQ(Content("a"), "one\ntwo\nnext\n");
}

TEST_F(TornTailTest, AnUnfinishedLastLineIsCut) {
  EXPECT_EQ(OpenAndAppend("a", "one\ntwo\nthr"), 8u);
  EXPECT_EQ(Content("a"), "one\ntwo\nnext\n");
}

TEST_F(TornTailTest, AFileOfOneUnfinishedLineIsEmptied) {
  EXPECT_EQ(OpenAndAppend("a", "no newline at all"), 0u);
  EXPECT_EQ(Content("a"), "next\n");
}

TEST_F(TornTailTest, TheCutReachesBackPastManyBlocks) {
  const std::string fragment(200 * 1024, 'x');  // longer than one read block
  EXPECT_EQ(OpenAndAppend("a", "whole\n" + fragment), 6u);
  EXPECT_EQ(Content("a"), "whole\nnext\n");
}

TEST_F(TornTailTest, AFileWithoutANewlineNearItsEndIsEndedNotCut) {
  const std::string foreign = "a line\n" + std::string((64u << 20) + 10, 'z');
  EXPECT_EQ(OpenAndAppend("a", foreign), foreign.size() + 1);
  const std::string content = Content("a");
  EXPECT_EQ(content.size(), foreign.size() + 6);
  EXPECT_EQ(content.substr(content.size() - 7), "z\nnext\n");
}

}  // namespace
}  // namespace logscribe::testing
