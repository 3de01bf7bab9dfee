#include "file_key.h"

#include <string>

#include <gtest/gtest.h>

namespace logscribe {
namespace {

std::string KeyOf(std::string_view path, std::string_view filename) {
  std::string key = "stale contents";
  const Status s = ValidateFileKey(path, filename, &key);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return key;
}

Status Check(std::string_view path, std::string_view filename) {
  std::string key;
  return ValidateFileKey(path, filename, &key);
}

// Expects INVALID_ARGUMENT whose message names `field`.
void ExpectRejected(std::string_view path, std::string_view filename, std::string_view field) {
  const Status s = Check(path, filename);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument)
      << "path='" << path << "' filename='" << filename << "': " << s.ToString();
  EXPECT_EQ(s.message().rfind(std::string(field) + ":", 0), 0u) << s.message();
}

TEST(FileKeyTest, EmptyPathIsTheRoot) {
  EXPECT_EQ(KeyOf("", "app"), "app");
  EXPECT_EQ(KeyOf(".", "app"), "app");
  EXPECT_EQ(KeyOf("./", "app"), "app");
  EXPECT_EQ(KeyOf(".//", "app"), "app");
}

TEST(FileKeyTest, CanonicalizesEmptyAndDotComponents) {
  EXPECT_EQ(KeyOf("a", "x"), "a/x");
  EXPECT_EQ(KeyOf("a/b", "x"), "a/b/x");
  EXPECT_EQ(KeyOf("a//./b", "x"), "a/b/x");
  EXPECT_EQ(KeyOf("a/b/", "x"), "a/b/x");
  EXPECT_EQ(KeyOf("./a/././b//", "x"), "a/b/x");
  // Two spellings of one file give one key.
  EXPECT_EQ(KeyOf("svc//logs/.", "x"), KeyOf("svc/logs", "x"));
}

TEST(FileKeyTest, DotsThatAreNotDotOrDotDotAreOrdinaryNames) {
  EXPECT_EQ(KeyOf("...", "x"), ".../x");
  EXPECT_EQ(KeyOf(".hidden/..a", "x"), ".hidden/..a/x");
  EXPECT_EQ(KeyOf("", "..."), "...");
  EXPECT_EQ(KeyOf("", ".x"), ".x");
}

// A filename that would make a file shaped like a rotated name, of the old
// scheme or the piece scheme, is refused, saying why: on disk it could be
// taken for another log's rotation and deleted with its acknowledged lines.
TEST(FileKeyTest, FilenamesShapedLikeRotatedNamesAreRefused) {
  for (const char* f : {"f-20200101T000000.000Z", "f-20200101T000000.000Z_001", "f-20200101T000000.000Z_999",
                        "f-20200101T000000.000Z.log", "f-20200101T000000.000Z.log.zst",
                        "f-20200101T000000.000Z.log.gz", "f-20200101T000000.000Z.log.zst.tmp",
                        "g-f-20200101T000000.000Z", "f.log.0000000001-20200101T000000.000Z",
                        "f.log.0000000001-20200101T000000.000Z.zst", "f.log.0000000001-20200101T000000.000Z.gz",
                        "f.log.0000000001-20200101T000000.000Z.gz.tmp"}) {
    ExpectRejected("a", f, "filename");
    EXPECT_NE(Check("a", f).message().find("shaped like the name of a rotated file"), std::string::npos);
  }
  // Near misses stay ordinary names.
  EXPECT_EQ(KeyOf("a", "f-20200101T000000.000Z.txt"), "a/f-20200101T000000.000Z.txt");
  EXPECT_EQ(KeyOf("a", "f-20200101"), "a/f-20200101");
  EXPECT_EQ(KeyOf("a", "f.log.1"), "a/f.log.1");
  // A directory may be named anything: only files are pieces.
  EXPECT_EQ(KeyOf("f-20200101T000000.000Z.log", "x"), "f-20200101T000000.000Z.log/x");
}

TEST(FileKeyTest, KeyReplacesOldContents) {
  std::string key(500, 'z');
  ASSERT_TRUE(ValidateFileKey("a", "b", &key).ok());
  EXPECT_EQ(key, "a/b");
}

TEST(FileKeyTest, NonAsciiBytesAreAllowed) {
  EXPECT_EQ(KeyOf("d\xc3\xa9j\xc3\xa0", "\xe6\x97\xa5\xe5\xbf\x97"), "d\xc3\xa9j\xc3\xa0/\xe6\x97\xa5\xe5\xbf\x97");
  EXPECT_EQ(KeyOf("", "\x80\xff"), "\x80\xff");
}

TEST(FileKeyTest, RejectsBadFilenames) {
  ExpectRejected("", "", "filename");
  ExpectRejected("", "a/b", "filename");
  ExpectRejected("", "/", "filename");
  ExpectRejected("", ".", "filename");
  ExpectRejected("", "..", "filename");
  ExpectRejected("", std::string(kMaxFilenameBytes + 1, 'f'), "filename");
  EXPECT_TRUE(Check("", std::string(kMaxFilenameBytes, 'f')).ok());
}

TEST(FileKeyTest, RejectsControlCharactersAndNulInBothFields) {
  for (int c = 0x00; c < 0x20; ++c) {
    const std::string bad = std::string("a") + static_cast<char>(c) + "b";
    ExpectRejected("", bad, "filename");
    ExpectRejected(bad, "x", "path");
  }
  ExpectRejected("", "a\x7f", "filename");
  ExpectRejected("a\x7f", "x", "path");
  const std::string with_nul("a\0b", 3);
  ExpectRejected("", with_nul, "filename");
  ExpectRejected(with_nul, "x", "path");
  ExpectRejected("a\nb", "x", "path");
  // The message says which byte.
  EXPECT_NE(Check("", "ab\x01").message().find("0x01"), std::string::npos);
  EXPECT_NE(Check("", "ab\x01").message().find("byte 2"), std::string::npos);
}

TEST(FileKeyTest, RejectsAbsoluteAndEscapingPaths) {
  ExpectRejected("/", "x", "path");
  ExpectRejected("//", "x", "path");
  ExpectRejected("/etc", "x", "path");
  ExpectRejected("..", "x", "path");
  ExpectRejected("a/..", "x", "path");
  ExpectRejected("a/../b", "x", "path");
  ExpectRejected("../a", "x", "path");
  ExpectRejected("a/./../../b", "x", "path");
  ExpectRejected("a//..//", "x", "path");
}

TEST(FileKeyTest, PathLimitsAreInclusive) {
  // Length, with few long components so the depth stays small.
  std::string longpath = std::string(250, 'a') + "/" + std::string(250, 'b') + "/" +
                         std::string(250, 'c') + "/" + std::string(250, 'd');
  longpath += "/" + std::string(kMaxPathBytes - longpath.size() - 1, 'e');
  ASSERT_EQ(longpath.size(), kMaxPathBytes);
  EXPECT_TRUE(Check(longpath, "x").ok());
  ExpectRejected(longpath + "f", "x", "path");

  // Depth.
  std::string deep;
  for (size_t i = 0; i < kMaxPathDepth; ++i) deep += "d/";
  EXPECT_TRUE(Check(deep, "x").ok());
  ExpectRejected(deep + "d", "x", "path");
  // Dropped components do not count towards the depth.
  EXPECT_TRUE(Check(deep + "./././", "x").ok());

  // Component length.
  EXPECT_TRUE(Check(std::string(kMaxComponentBytes, 'c'), "x").ok());
  ExpectRejected(std::string(kMaxComponentBytes + 1, 'c'), "x", "path");
  ExpectRejected("ok/" + std::string(kMaxComponentBytes + 1, 'c') + "/ok", "x", "path");
}

TEST(FileKeyTest, KeyDirAndKeyFilename) {
  EXPECT_EQ(KeyDir("x"), "");
  EXPECT_EQ(KeyFilename("x"), "x");
  EXPECT_EQ(KeyDir("a/x"), "a");
  EXPECT_EQ(KeyFilename("a/x"), "x");
  EXPECT_EQ(KeyDir("a/b/c/x"), "a/b/c");
  EXPECT_EQ(KeyFilename("a/b/c/x"), "x");
  const std::string key = KeyOf("svc//logs", "app");
  EXPECT_EQ(KeyDir(key), "svc/logs");
  EXPECT_EQ(KeyFilename(key), "app");
}

}  // namespace
}  // namespace logscribe
