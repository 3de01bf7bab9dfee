// Reading logs back from the real scribe: logscribectl ls/cat/tail/grep, and
// LogReader.Read with follow, positions and a stalled client.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "logscribe.grpc.pb.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

namespace v1 = logscribe::v1;
namespace fs = std::filesystem;

std::string Line(int i) { return "line " + std::to_string(i) + " " + std::string(40, 'x'); }

// Writes lines [from, to) to path/filename in batches of `batch`; all acked OK.
void WriteLines(const std::string& target, const std::string& path, const std::string& filename, int from,
                int to, int batch = 50) {
  auto stub = v1::LogScribe::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  for (int i = from; i < to;) {
    v1::LogBatch b;
    for (int j = 0; j < batch && i < to; ++j, ++i) {
      auto* e = b.add_entries();
      e->set_path(path);
      e->set_filename(filename);
      e->set_line(Line(i));
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::LogResponse r;
    const grpc::Status s = stub->LogBatch(&ctx, b, &r);
    ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  }
}

std::string Expected(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += Line(i) + "\n";
  return s;
}

int Ctl(const std::string& target, std::vector<std::string> args, std::string* out) {
  args.insert(args.begin(), {"-target", target});
  return ScribeProcess::RunToExit(LOGSCRIBECTL_BINARY, args, out, std::chrono::seconds(20));
}

// The stdout of logscribectl is mixed with stderr by RunToExit: read lines only.
std::string OnlyLines(const std::string& out) {
  std::string s;
  for (const std::string& l : SplitLines(out)) {
    if (l.rfind("line ", 0) == 0 || l.find(" line ") != std::string::npos) s += l + "\n";
  }
  return s;
}

TEST(ReadTest, CatAcrossZstdGzipAndPlainPiecesReturnsEveryLineOnceInOrder) {
  TempDir root;
  for (const char* codec : {"zstd", "gzip", "none"}) {
    auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path(), "-size", "2KB", "-compress", codec});
    ASSERT_NE(scribe, nullptr);
    const int base = codec[0] == 'z' ? 0 : codec[0] == 'g' ? 200 : 400;
    WriteLines(scribe->target(), "svc", "app", base, base + 200);
    if (codec[0] != 'n') {
      // Let the archive thread compress what rotated (bounded wait).
      for (int i = 0; i < 100; ++i) {
        bool plain = false;
        for (const std::string& f : ListFiles(root.path())) {
          if (f.find(".log.") != std::string::npos && f.find(".zst") == std::string::npos &&
              f.find(".gz") == std::string::npos) plain = true;
        }
        if (!plain) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    if (codec[0] != 'n') {
      EXPECT_EQ(scribe->Stop(), 0);
      continue;
    }
    bool zst = false, gz = false;
    for (const std::string& f : ListFiles(root.path())) {
      zst |= f.find(".zst") != std::string::npos;
      gz |= f.find(".gz") != std::string::npos;
    }
    EXPECT_TRUE(zst && gz);
    std::string out;
    ASSERT_EQ(Ctl(scribe->target(), {"cat", "svc", "app"}, &out), 0) << out;
    EXPECT_EQ(OnlyLines(out), Expected(0, 600));
    ASSERT_EQ(Ctl(scribe->target(), {"tail", "-n", "3", "svc", "app"}, &out), 0) << out;
    EXPECT_EQ(OnlyLines(out), Expected(597, 600));
    ASSERT_EQ(Ctl(scribe->target(), {"grep", "^line 4[0-9]9 ", "svc", "app"}, &out), 0) << out;
    std::string want;
    for (int i = 409; i < 500; i += 10) want += Line(i) + "\n";
    EXPECT_EQ(OnlyLines(out), want);
    ASSERT_EQ(Ctl(scribe->target(), {"ls", "svc"}, &out), 0) << out;
    EXPECT_NE(out.find("svc/app"), std::string::npos);
    EXPECT_NE(out.find(".zst"), std::string::npos);
    EXPECT_NE(out.find(".gz"), std::string::npos);
  }
}

TEST(ReadTest, HostileNamesAreRefusedAndSymlinksNeverFollowed) {
  TempDir root;
  TempDir outside;
  auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path()});
  ASSERT_NE(scribe, nullptr);
  WriteLines(scribe->target(), "a", "app", 0, 3);
  { std::ofstream(outside.path() + "/secret.log") << "secret\n"; }
  fs::create_symlink(outside.path() + "/secret.log", root.path() + "/a/evil.log");
  fs::create_symlink(outside.path(), root.path() + "/link");
  std::string out;
  EXPECT_EQ(Ctl(scribe->target(), {"cat", "../x", "app"}, &out), 1);
  EXPECT_NE(out.find("INVALID_ARGUMENT"), std::string::npos) << out;
  EXPECT_EQ(Ctl(scribe->target(), {"cat", "/etc", "passwd"}, &out), 1);
  EXPECT_NE(out.find("INVALID_ARGUMENT"), std::string::npos) << out;
  EXPECT_EQ(Ctl(scribe->target(), {"cat", "a", "../../etc/passwd"}, &out), 1);
  EXPECT_EQ(Ctl(scribe->target(), {"cat", "a", "evil"}, &out), 1);
  EXPECT_EQ(out.find("secret"), std::string::npos) << out;
  EXPECT_EQ(Ctl(scribe->target(), {"cat", "link", "secret"}, &out), 1);
  EXPECT_EQ(out.find("secret\n"), std::string::npos) << out;
  EXPECT_EQ(Ctl(scribe->target(), {"ls"}, &out), 0);
  EXPECT_EQ(out.find("secret"), std::string::npos) << out;
  EXPECT_EQ(Ctl(scribe->target(), {"cat", "a"}, &out), 2);  // bad command line
}

TEST(ReadTest, FollowAcrossRotationsAndCompressionLosesAndRepeatsNothing) {
  TempDir root;
  auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path(), "-size", "4KB", "-compress", "zstd"});
  ASSERT_NE(scribe, nullptr);
  WriteLines(scribe->target(), "f", "app", 0, 10);
  auto stub = v1::LogReader::NewStub(grpc::CreateChannel(scribe->target(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::ReadRequest q;
  q.set_path("f");
  q.set_filename("app");
  q.set_follow(true);
  auto reader = stub->Read(&ctx, q);
  constexpr int kLines = 3000;
  std::thread loader([&] { WriteLines(scribe->target(), "f", "app", 10, kLines, 25); });
  std::string got;
  const std::string want = Expected(0, kLines);
  v1::ReadChunk chunk;
  while (got.size() < want.size() && reader->Read(&chunk)) {
    for (const auto& l : chunk.lines()) got += l;
  }
  loader.join();
  ctx.TryCancel();
  reader->Finish();
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << scribe->output().substr(scribe->output().size() > 3000 ? scribe->output().size() - 3000 : 0);
  int pieces = 0;
  for (const std::string& f : ListFiles(root.path())) pieces += f.find(".log.") != std::string::npos;
  EXPECT_GT(pieces, 5);
}

TEST(ReadTest, StalledFollowerIsCutOffWritersKeepTheirPaceAndResumeGetsExactlyTheRest) {
  TempDir root;
  auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path(), "-size", "256KB",
                                                         "-read-stall-timeout", "300ms"});
  ASSERT_NE(scribe, nullptr);
  WriteLines(scribe->target(), "s", "app", 0, 10);
  // A small, fixed flow-control window, so that a client that reads nothing
  // stalls the stream long before the log's end.
  grpc::ChannelArguments args;
  args.SetInt("grpc.http2.bdp_probe", 0);
  args.SetInt("grpc.http2.lookahead_bytes", 64 << 10);
  auto stub = v1::LogReader::NewStub(
      grpc::CreateCustomChannel(scribe->target(), grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::ReadRequest q;
  q.set_path("s");
  q.set_filename("app");
  q.set_follow(true);
  auto reader = stub->Read(&ctx, q);
  // The follower reads nothing while 60000 lines (about 3 MB) are written:
  // every batch is still acknowledged.
  constexpr int kLines = 60000;
  const auto start = std::chrono::steady_clock::now();
  WriteLines(scribe->target(), "s", "app", 10, kLines, 500);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::string got;
  std::string position;
  v1::ReadChunk chunk;
  while (reader->Read(&chunk)) {
    for (const auto& l : chunk.lines()) got += l;
    position = chunk.position();
  }
  const grpc::Status s = reader->Finish();
  EXPECT_FALSE(s.ok());  // cut off, not left buffering
  const std::string want = Expected(0, kLines);
  ASSERT_LT(got.size(), want.size());
  ASSERT_EQ(got, want.substr(0, got.size()));
  ASSERT_FALSE(position.empty());
  // Resume from the last position: exactly the rest.
  grpc::ClientContext ctx2;
  ctx2.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  q.set_follow(false);
  q.set_position(position);
  auto again = stub->Read(&ctx2, q);
  while (again->Read(&chunk)) {
    for (const auto& l : chunk.lines()) got += l;
  }
  EXPECT_TRUE(again->Finish().ok());
  EXPECT_EQ(got, want);
}

TEST(ReadTest, CtlTailFollowPrintsNewLinesWithPrefixAndEndsCleanlyOnSigint) {
  TempDir root;
  auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path(), "-size", "4KB"});
  ASSERT_NE(scribe, nullptr);
  WriteLines(scribe->target(), "t", "app", 0, 20);
  const std::string out_path = root.path() + "/../ctl_follow_" + std::to_string(::getpid()) + ".out";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const std::string target = scribe->target();
  std::vector<std::string> argv_s = {LOGSCRIBECTL_BINARY, "-target", target, "tail", "-f", "-n", "5", "-prefix", "t", "app"};
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, LOGSCRIBECTL_BINARY, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  // The last 5 lines first, then what is written while it follows.
  for (int i = 0; i < 200 && SplitLines(ReadFile(out_path)).size() < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  WriteLines(scribe->target(), "t", "app", 20, 300, 10);
  std::string want;
  for (int i = 15; i < 300; ++i) want += "t/app " + Line(i) + "\n";
  std::string got;
  for (int i = 0; i < 200 && got != want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    got = ReadFile(out_path);
  }
  ::kill(pid, SIGINT);
  int status = 0;
  for (int i = 0; i < 100 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ADD_FAILURE() << "logscribectl tail -f did not end on SIGINT";
  }
  std::filesystem::remove(out_path);
  EXPECT_EQ(got, want);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(ReadTest, TooManyReadersAreRefused) {
  TempDir root;
  auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path(), "-max-readers", "1"});
  ASSERT_NE(scribe, nullptr);
  WriteLines(scribe->target(), "m", "app", 0, 3);
  auto stub = v1::LogReader::NewStub(grpc::CreateChannel(scribe->target(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::ReadRequest q;
  q.set_path("m");
  q.set_filename("app");
  q.set_follow(true);
  auto follower = stub->Read(&ctx, q);
  v1::ReadChunk chunk;
  ASSERT_TRUE(follower->Read(&chunk));  // it holds the one slot
  grpc::ClientContext ctx2;
  ctx2.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  q.set_follow(false);
  auto second = stub->Read(&ctx2, q);
  while (second->Read(&chunk)) {
  }
  EXPECT_EQ(second->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ctx.TryCancel();
  follower->Finish();
}

}  // namespace
}  // namespace logscribe::testing
