// logscribe-loadgen as a user runs it: the real binary against the real
// scribe (rotating small files), every acknowledged line checked on disk.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "scribe_process.h"

namespace logscribe::testing {
namespace {

class LoadgenSmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string out;
    scribe_ = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root_.path(), "-size", "100KB"}, &out);
    ASSERT_NE(scribe_, nullptr) << out;
  }
  void TearDown() override {
    if (scribe_ != nullptr) {
      EXPECT_EQ(scribe_->Stop(), 0) << scribe_->output();
    }
  }

  // Runs the loadgen binary with -json -quiet; parses its output into *json.
  int Loadgen(std::vector<std::string> args, google::protobuf::Struct* json, std::string* output) {
    args.insert(args.begin(), {"-target", scribe_->target(), "-json", "-quiet"});
    const int code = ScribeProcess::RunToExit(LOADGEN_BINARY, args, output);
    if (json != nullptr) {
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(*output, json).ok()) << *output;
    }
    return code;
  }

  static double Field(const google::protobuf::Struct& s, const std::string& key) {
    auto it = s.fields().find(key);
    EXPECT_NE(it, s.fields().end()) << key;
    return it == s.fields().end() ? -1 : it->second.number_value();
  }
  static google::protobuf::Struct Object(const google::protobuf::Struct& s, const std::string& key) {
    auto it = s.fields().find(key);
    EXPECT_NE(it, s.fields().end()) << key;
    return it == s.fields().end() ? google::protobuf::Struct() : it->second.struct_value();
  }

  TempDir root_;
  std::unique_ptr<ScribeProcess> scribe_;
};

TEST_F(LoadgenSmokeTest, EveryModeIsAckedAndFoundOnDiskOnce) {
  for (const auto& [mode, lines] : {std::pair{"unary", "2000"}, {"batch", "20000"}, {"stream", "20000"}}) {
    SCOPED_TRACE(mode);
    google::protobuf::Struct json;
    std::string output;
    ASSERT_EQ(Loadgen({"-mode", mode, "-lines", lines, "-connections", "2", "-paths", "3", "-verify-root",
                       root_.path()},
                      &json, &output),
              0)
        << output;
    EXPECT_EQ(Field(json, "lines_acked"), std::stod(lines));
    EXPECT_EQ(Field(json, "lines_failed"), 0);
    const google::protobuf::Struct verify = Object(json, "verify");
    EXPECT_EQ(Field(verify, "missing"), 0);
    EXPECT_EQ(Field(verify, "duplicated"), 0);
    EXPECT_EQ(Field(verify, "corrupted"), 0);
    EXPECT_EQ(Field(verify, "lines_found"), std::stod(lines));
  }
  // 100-byte lines in 100KB files: the scribe rotated, and the rotated files were read.
  int rotated = 0;
  for (const std::string& f : ListFiles(root_.path())) rotated += f.find("Z") != std::string::npos;
  EXPECT_GT(rotated, 0);
}

TEST_F(LoadgenSmokeTest, TimedOpenLoopRunReportsItsRate) {
  google::protobuf::Struct json;
  std::string output;
  ASSERT_EQ(Loadgen({"-duration", "1s", "-rate", "20000", "-batch-lines", "100", "-verify-root", root_.path()}, &json,
                    &output),
            0)
      << output;
  EXPECT_NEAR(Field(json, "lines_sent"), 20000, 2000);
  EXPECT_EQ(Field(json, "lines_acked"), Field(json, "lines_sent"));
}

TEST_F(LoadgenSmokeTest, BadFlagsExitTwoWithOneSentence) {
  std::string output;
  EXPECT_EQ(ScribeProcess::RunToExit(LOADGEN_BINARY, {"-mode", "tcp"}, &output), 2);
  EXPECT_EQ(output, "logscribe-loadgen: -mode: wants unary, batch or stream, not 'tcp'\n");
}

}  // namespace
}  // namespace logscribe::testing
