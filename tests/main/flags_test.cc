#include "flags.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

namespace logscribe {
namespace {

// A flag set with one flag of every kind, and argv built from a list.
class FlagsTest : public ::testing::Test {
 protected:
  FlagsTest() : flags_("scribe") {
    flags_.AddString("path", &path_, "log root. Default: /var/log/scribe");
    flags_.AddString("size", &size_, "rotation size. Default: 1MB");
    flags_.AddInt("port", &port_, "port. Default: 1463");
    flags_.AddBool("console", &console_, "echo lines. Default: false");
    flags_.AddRepeated("tag", &tags_, "a tag. Default: none");
    flags_.AddCustom(
        "mode",
        [this](std::string_view v) -> std::string {
          if (v != "fast" && v != "safe") return "'" + std::string(v) + "' is not fast or safe";
          mode_ = std::string(v);
          return "";
        },
        "fast or safe. Default: safe");
  }

  bool Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "scribe");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    error_ = "stale";
    return flags_.Parse(static_cast<int>(args.size()), argv.data(), &error_);
  }

  FlagSet flags_;
  std::string path_ = "/var/log/scribe";
  std::string size_ = "1MB";
  int64_t port_ = 1463;
  bool console_ = false;
  std::vector<std::string> tags_;
  std::string mode_ = "safe";
  std::string error_;
};

TEST_F(FlagsTest, NoArgumentsKeepTheDefaults) {
  ASSERT_TRUE(Parse({}));
  EXPECT_EQ(error_, "");
  EXPECT_EQ(path_, "/var/log/scribe");
  EXPECT_EQ(port_, 1463);
  EXPECT_FALSE(console_);
  EXPECT_FALSE(flags_.WasSet("path"));
  EXPECT_TRUE(flags_.positional().empty());
}

TEST_F(FlagsTest, UnexpectedArgumentNamesTheFirstPositional) {
  ASSERT_TRUE(Parse({"-port", "1"}));
  EXPECT_EQ(flags_.UnexpectedArgument(), "");
  ASSERT_TRUE(Parse({"stray", "-port", "2", "more"}));
  EXPECT_EQ(flags_.UnexpectedArgument(), "unexpected argument 'stray' (see -help)");
}

TEST_F(FlagsTest, SingleAndDoubleDashWithSpaceOrEquals) {
  ASSERT_TRUE(Parse({"-path", "/a"})) << error_;
  EXPECT_EQ(path_, "/a");
  ASSERT_TRUE(Parse({"--path", "/b"})) << error_;
  EXPECT_EQ(path_, "/b");
  ASSERT_TRUE(Parse({"-path=/c"})) << error_;
  EXPECT_EQ(path_, "/c");
  ASSERT_TRUE(Parse({"--path=/d"})) << error_;
  EXPECT_EQ(path_, "/d");
  EXPECT_TRUE(flags_.WasSet("path"));
  EXPECT_FALSE(flags_.WasSet("port"));
}

TEST_F(FlagsTest, ValueMayContainEqualsAndBeEmpty) {
  ASSERT_TRUE(Parse({"-path=a=b"})) << error_;
  EXPECT_EQ(path_, "a=b");
  ASSERT_TRUE(Parse({"-path="})) << error_;
  EXPECT_EQ(path_, "");
  ASSERT_TRUE(Parse({"-path", ""})) << error_;
  EXPECT_EQ(path_, "");
}

TEST_F(FlagsTest, ValuesMayBeginWithADash) {
  ASSERT_TRUE(Parse({"-size", "-1B"})) << error_;
  EXPECT_EQ(size_, "-1B");
  ASSERT_TRUE(Parse({"--size", "-1"})) << error_;
  EXPECT_EQ(size_, "-1");
  ASSERT_TRUE(Parse({"-port", "-5"})) << error_;
  EXPECT_EQ(port_, -5);
  ASSERT_TRUE(Parse({"-path", "--weird"})) << error_;
  EXPECT_EQ(path_, "--weird");
  ASSERT_TRUE(Parse({"-size=-1B"})) << error_;
  EXPECT_EQ(size_, "-1B");
}

TEST_F(FlagsTest, IntFlags) {
  ASSERT_TRUE(Parse({"-port", "8080"})) << error_;
  EXPECT_EQ(port_, 8080);
  ASSERT_TRUE(Parse({"-port=9223372036854775807"})) << error_;
  EXPECT_EQ(port_, INT64_MAX);
  for (const char* bad : {"abc", "12x", "", "1.5", "99999999999999999999"}) {
    EXPECT_FALSE(Parse({"-port", bad})) << bad;
    EXPECT_NE(error_.find("-port"), std::string::npos) << error_;
    EXPECT_NE(error_.find("whole number"), std::string::npos) << error_;
  }
}

TEST_F(FlagsTest, BoolFlagsStandAloneOrTakeAValue) {
  ASSERT_TRUE(Parse({"-console"})) << error_;
  EXPECT_TRUE(console_);
  ASSERT_TRUE(Parse({"-console=false"})) << error_;
  EXPECT_FALSE(console_);
  ASSERT_TRUE(Parse({"--console=true"})) << error_;
  EXPECT_TRUE(console_);
  ASSERT_TRUE(Parse({"-console=0"})) << error_;
  EXPECT_FALSE(console_);
  ASSERT_TRUE(Parse({"-console=yes"})) << error_;
  EXPECT_TRUE(console_);
  EXPECT_FALSE(Parse({"-console=maybe"}));
  EXPECT_NE(error_.find("true or false"), std::string::npos) << error_;
}

TEST_F(FlagsTest, AStandAloneBoolDoesNotEatTheNextArgument) {
  ASSERT_TRUE(Parse({"-console", "-path", "/p", "rest"})) << error_;
  EXPECT_TRUE(console_);
  EXPECT_EQ(path_, "/p");
  EXPECT_EQ(flags_.positional(), std::vector<std::string>{"rest"});
}

TEST_F(FlagsTest, RepeatedFlagsAppendAndOthersTakeTheLast) {
  ASSERT_TRUE(Parse({"-tag", "a", "--tag=b", "-tag", "-c", "-path", "/1", "-path=/2"})) << error_;
  EXPECT_EQ(tags_, (std::vector<std::string>{"a", "b", "-c"}));
  EXPECT_EQ(path_, "/2");
}

TEST_F(FlagsTest, CustomFlagsReportTheParserSentence) {
  ASSERT_TRUE(Parse({"-mode", "fast"})) << error_;
  EXPECT_EQ(mode_, "fast");
  EXPECT_FALSE(Parse({"-mode=slow"}));
  EXPECT_EQ(error_, "-mode: 'slow' is not fast or safe");
  EXPECT_TRUE(flags_.WasSet("mode"));
}

TEST_F(FlagsTest, UnknownFlagIsAnError) {
  EXPECT_FALSE(Parse({"-nope"}));
  EXPECT_NE(error_.find("unknown flag -nope"), std::string::npos) << error_;
  EXPECT_FALSE(Parse({"--nope=1"}));
  EXPECT_NE(error_.find("-nope"), std::string::npos) << error_;
  // Names are exact: no prefixes, no case folding.
  EXPECT_FALSE(Parse({"-pat", "x"}));
  EXPECT_FALSE(Parse({"-PATH", "x"}));
}

TEST_F(FlagsTest, MissingValueIsAnError) {
  EXPECT_FALSE(Parse({"-path"}));
  EXPECT_NE(error_.find("-path needs a value"), std::string::npos) << error_;
  EXPECT_FALSE(Parse({"-console", "--port"}));
  EXPECT_NE(error_.find("-port needs a value"), std::string::npos) << error_;
}

TEST_F(FlagsTest, HelpIsNotAnError) {
  for (const char* help : {"-h", "-help", "--help", "--h", "-help=1"}) {
    EXPECT_FALSE(Parse({help})) << help;
    EXPECT_EQ(error_, "") << help;
  }
  // Even after other flags, and before bad ones.
  EXPECT_FALSE(Parse({"-path", "/x", "-help", "-nope"}));
  EXPECT_EQ(error_, "");
}

TEST_F(FlagsTest, PositionalArgumentsAndDoubleDash) {
  ASSERT_TRUE(Parse({"first", "-path", "/p", "-", "second", "--", "-port", "--x"})) << error_;
  EXPECT_EQ(flags_.positional(),
            (std::vector<std::string>{"first", "-", "second", "-port", "--x"}));
  EXPECT_EQ(port_, 1463);
  EXPECT_EQ(path_, "/p");
}

TEST_F(FlagsTest, UsageListsEveryFlagWithItsHelp) {
  const std::string usage = flags_.Usage();
  EXPECT_EQ(usage.rfind("Usage of scribe:", 0), 0u) << usage;
  for (const char* line : {"-path string", "-size string", "-port int", "-console\n",
                           "-tag string (repeatable)", "-mode string", "Default: 1463",
                           "fast or safe. Default: safe"}) {
    EXPECT_NE(usage.find(line), std::string::npos) << line << "\n" << usage;
  }
}

// --- -config FILE -----------------------------------------------------------

// A file under /tmp holding `text`, removed at the end of the test.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text) {
    char name[] = "/tmp/logscribe-flags-XXXXXX";
    const int fd = mkstemp(name);
    path_ = name;
    if (fd >= 0) {
      (void)!write(fd, text.data(), text.size());
      close(fd);
    }
  }
  ~ConfigFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_F(FlagsTest, ConfigFileSetsEveryKindOfFlag) {
  ConfigFile file(
      "# a scribe\n"
      "\n"
      "path /srv/logs\n"
      "size=10MB\n"
      "  -port   9000   # trailing comment\n"
      "--console\n"
      "tag a\n"
      "tag = b c\n"
      "mode \"safe\"\n");
  ASSERT_TRUE(Parse({"-config", file.path()})) << error_;
  EXPECT_EQ(path_, "/srv/logs");
  EXPECT_EQ(size_, "10MB");
  EXPECT_EQ(port_, 9000);
  EXPECT_TRUE(console_);
  EXPECT_EQ(tags_, (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(mode_, "safe");
  EXPECT_TRUE(flags_.WasSet("port"));
  EXPECT_FALSE(flags_.WasSet("config"));
  EXPECT_EQ(flags_.config_file(), file.path());
}

TEST_F(FlagsTest, CommandLineWinsWhereverConfigStands) {
  ConfigFile file("port 9000\nsize 10MB\ntag from-file\nconsole=true\n");
  // Before and after -config: the command line wins either way.
  ASSERT_TRUE(Parse({"-port", "1", "-config", file.path(), "-console=false", "-tag", "cli"})) << error_;
  EXPECT_EQ(port_, 1);
  EXPECT_EQ(size_, "10MB");  // only in the file
  EXPECT_FALSE(console_);
  EXPECT_EQ(tags_, std::vector<std::string>{"cli"});  // replaces, not appends
}

TEST_F(FlagsTest, QuotedValuesKeepSpacesAndHashes) {
  ConfigFile file("path \"/srv/my logs #1\"  # comment\nsize=1#2\n");
  ASSERT_TRUE(Parse({"--config=" + file.path()})) << error_;
  EXPECT_EQ(path_, "/srv/my logs #1");
  EXPECT_EQ(size_, "1#2");  // '#' inside a word is not a comment
}

TEST_F(FlagsTest, ConfigErrorsNameTheFileAndLine) {
  {
    ConfigFile file("port 1\nnosuch 2\n");
    EXPECT_FALSE(Parse({"-config", file.path()}));
    EXPECT_EQ(error_, file.path() + ":2: unknown flag nosuch");
  }
  {
    ConfigFile file("port many\n");
    EXPECT_FALSE(Parse({"-config", file.path()}));
    EXPECT_NE(error_.find(file.path() + ":1: -port wants a whole number"), std::string::npos) << error_;
  }
  {
    ConfigFile file("\n\nmode slow\n");
    EXPECT_FALSE(Parse({"-config", file.path()}));
    EXPECT_NE(error_.find(":3: -mode: 'slow' is not fast or safe"), std::string::npos) << error_;
  }
  {
    ConfigFile file("path\n");
    EXPECT_FALSE(Parse({"-config", file.path()}));
    EXPECT_NE(error_.find(":1: flag path needs a value"), std::string::npos) << error_;
  }
  {
    ConfigFile file("config /etc/other.conf\n");
    EXPECT_FALSE(Parse({"-config", file.path()}));
    EXPECT_NE(error_.find("cannot be used inside"), std::string::npos) << error_;
  }
  {
    ConfigFile file("path \"open\n");
    EXPECT_FALSE(Parse({"-config", file.path()}));
    EXPECT_NE(error_.find("unterminated quote"), std::string::npos) << error_;
  }
  EXPECT_FALSE(Parse({"-config", "/nonexistent/scribe.conf"}));
  EXPECT_NE(error_.find("cannot read -config /nonexistent/scribe.conf"), std::string::npos) << error_;
  EXPECT_FALSE(Parse({"-config"}));
  EXPECT_EQ(error_, "flag -config needs a value");
}

TEST_F(FlagsTest, ConfigMayBeGivenOnce) {
  ConfigFile a("port 1\n"), b("port 2\n");
  EXPECT_FALSE(Parse({"-config", a.path(), "-config", b.path()}));
  EXPECT_EQ(error_, "-config may be given once");
}

TEST_F(FlagsTest, UsageMentionsConfig) {
  EXPECT_NE(flags_.Usage().find("-config string"), std::string::npos);
}

TEST(FlagSetTest, AProgramsOwnConfigFlagTakesPrecedence) {
  FlagSet flags("x");
  std::string config;
  flags.AddString("config", &config, "the program's own");
  const char* argv[] = {"x", "-config", "/nonexistent", nullptr};
  std::string error;
  ASSERT_TRUE(flags.Parse(3, argv, &error)) << error;
  EXPECT_EQ(config, "/nonexistent");
}

TEST(FlagSetTest, WasSetOfAnUnknownNameIsFalse) {
  FlagSet flags("x");
  EXPECT_FALSE(flags.WasSet("anything"));
}

// --- groups and typed whole numbers ------------------------------------------

TEST(FlagGroupsTest, UsagePrintsGroupsInTheGivenOrderWhateverTheOrderOfRegistration) {
  FlagSet flags("server");
  std::string a, b, c;
  flags.OrderGroups({"Network", "Files", "Limits"});
  flags.Group("Limits");
  flags.AddString("max", &a, "a limit");
  flags.Group("Network");
  flags.AddString("port", &b, "a port");
  flags.Group("Files");
  flags.AddString("path", &c, "a path");
  const std::string usage = flags.Usage();
  const size_t network = usage.find("\nNetwork:\n  -port string");
  const size_t files = usage.find("\nFiles:\n  -path string");
  const size_t limits = usage.find("\nLimits:\n  -max string");
  const size_t config = usage.find("\nConfiguration:\n  -config string");
  ASSERT_NE(network, std::string::npos) << usage;
  ASSERT_NE(files, std::string::npos) << usage;
  ASSERT_NE(limits, std::string::npos) << usage;
  ASSERT_NE(config, std::string::npos) << usage;
  EXPECT_LT(network, files);
  EXPECT_LT(files, limits);
  EXPECT_LT(limits, config);
}

TEST(FlagGroupsTest, WholeNumbersAreHeldToWhatTheirTypeCanHold) {
  FlagSet flags("server");
  int small = 0;
  uint64_t count = 0;
  flags.AddInt("small", &small, "an int");
  flags.AddInt("count", &count, "a count");
  auto parse = [&flags](std::vector<std::string> args, std::string* error) {
    args.insert(args.begin(), "server");
    std::vector<const char*> argv;
    for (const auto& arg : args) argv.push_back(arg.c_str());
    return flags.Parse(static_cast<int>(args.size()), argv.data(), error);
  };
  std::string error;
  ASSERT_TRUE(parse({"-small", "-7", "-count", "9000000000"}, &error)) << error;
  EXPECT_EQ(small, -7);
  EXPECT_EQ(count, 9000000000u);
  EXPECT_FALSE(parse({"-small", "3000000000"}, &error));
  EXPECT_EQ(error, "-small must be at most 2147483647");
  EXPECT_FALSE(parse({"-count", "-1"}, &error));
  EXPECT_EQ(error, "-count must be at least 0");
  EXPECT_EQ(small, -7);  // a refused value leaves the target alone
}

}  // namespace
}  // namespace logscribe
