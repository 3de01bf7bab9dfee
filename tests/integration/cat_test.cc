// logscribe-cat against the real logscribe (and logmediator): stdin, a
// followed file that is rotated and truncated, SIGKILL and resume from the
// checkpoint, a scribe killed and restarted on its port, an unreachable
// target that appears, a permanent refusal, and bad flags.
//
// Every load is bounded in lines; waits have deadlines and assert nothing
// about time.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cat_process.h"
#include "mediator_cluster.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

using namespace std::chrono_literals;

// A loopback port bound and not listening: connections to it are refused,
// and nothing else (a connection's own source port included) can take it
// until *fd is closed.
int ReservePort(int* fd) {
  *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(*fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(*fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// `got` must be `want` with at most one stretch sent twice: want[0..k) then
// want[j..) for some j <= k, k - j <= max_dup. Returns "" or what is wrong.
std::string CheckResent(const std::vector<std::string>& got, const std::vector<std::string>& want,
                        size_t max_dup) {
  size_t k = 0;
  while (k < got.size() && k < want.size() && got[k] == want[k]) ++k;
  if (k == got.size()) return k == want.size() ? "" : "missing " + std::to_string(want.size() - k) + " lines at the end";
  size_t j = 0;
  while (j < k && want[j] != got[k]) ++j;
  if (j == k) return "line " + std::to_string(k) + " (" + got[k] + ") is not a resent one";
  if (k - j > max_dup) return std::to_string(k - j) + " lines sent twice, more than " + std::to_string(max_dup);
  if (got.size() - k != want.size() - j) {
    return "after the resend: " + std::to_string(got.size() - k) + " lines, want " + std::to_string(want.size() - j);
  }
  for (size_t i = 0; i < want.size() - j; ++i) {
    if (got[k + i] != want[j + i]) return "after the resend, line " + std::to_string(k + i) + " differs";
  }
  return "";
}

TEST(Cat, StdinLinesArriveExactlyAndInOrder) {
  TempDir root;
  auto scribe = StartScribe(root.path());
  ASSERT_NE(scribe, nullptr);
  std::vector<std::string> want;
  std::string input;
  for (int i = 0; i < 3000; ++i) {
    std::string line;
    if (i % 97 == 0) {
      line = "";  // empty lines stay lines
    } else if (i % 101 == 0) {
      line = "bytes \xff\xfe\x80 not UTF-8 \x01\r";
    } else if (i % 499 == 0) {
      line = "long-" + std::to_string(i) + "-" + std::string(20000, 'x');
    } else {
      line = "line " + std::to_string(i);
    }
    want.push_back(line);
    input += line + "\n";
  }
  // Longer than -max-line-bytes: three pieces of 65536, 65536 and the rest.
  const std::string huge = std::string(65536, 'a') + std::string(65536, 'b') + std::string(100, 'c');
  input += huge + "\n";
  want.push_back(huge.substr(0, 65536));
  want.push_back(huge.substr(65536, 65536));
  want.push_back(huge.substr(131072));
  // A last line without its newline is sent at EOF.
  input += "no newline at the end";
  want.push_back("no newline at the end");

  CatProcess cat({"-target", scribe->target(), "-path", "node", "-file", "app", "-batch-lines", "64",
                  "-max-line-bytes", "64KiB"});
  ASSERT_TRUE(cat.started());
  std::thread writer([&] {
    cat.Write(input);
    cat.CloseStdin();
  });
  EXPECT_EQ(cat.Wait(), 0) << cat.output();
  writer.join();
  EXPECT_EQ(Lines(root.path() + "/node/app.log"), want);
  EXPECT_NE(cat.output().find("1 lines split"), std::string::npos) << cat.output();
}

TEST(Cat, FollowSurvivesRotationAndTruncation) {
  TempDir root, src;
  auto scribe = StartScribe(root.path());
  ASSERT_NE(scribe, nullptr);
  const std::string file = src.path() + "/app.log";
  const std::string got_file = root.path() + "/node/app.log";
  // The file does not exist yet: it is waited for.
  CatProcess cat({"-target", scribe->target(), "-path", "node", "-follow", file, "-poll-interval", "20ms",
                  "-batch-lines", "50", "-flush-interval", "50ms"});
  ASSERT_TRUE(cat.started());
  ASSERT_TRUE(cat.WaitFor("waiting for")) << cat.output();

  std::vector<std::string> want;
  // Writes lines g<gen>-<i>, some in two halves, with pauses so the
  // follower sees partial lines and catches up while the writer runs.
  auto write_generation = [&](int gen, int lines) {
    const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    for (int i = 0; i < lines; ++i) {
      const std::string line = "g" + std::to_string(gen) + "-" + std::to_string(i) + " payload";
      want.push_back(line);
      const std::string data = line + "\n";
      if (i % 50 == 0) {
        ASSERT_EQ(write(fd, data.data(), 4), 4);
        std::this_thread::sleep_for(3ms);
        ASSERT_EQ(write(fd, data.data() + 4, data.size() - 4), static_cast<ssize_t>(data.size() - 4));
      } else {
        ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
      }
      if (i % 200 == 0) std::this_thread::sleep_for(2ms);
    }
    close(fd);
  };
  write_generation(0, 2000);
  // Rotation by rename while lines may still be unread, then a new file.
  ASSERT_EQ(rename(file.c_str(), (file + ".1").c_str()), 0);
  write_generation(1, 1500);
  ASSERT_TRUE(WaitUntil([&] { return Lines(got_file).size() == want.size(); })) << cat.output();
  // Truncation to 0, then writing on: the follower starts over at 0. It
  // must see the file shrink before it grows past the old size again, as
  // with tail -F; it says when it did.
  ASSERT_EQ(truncate(file.c_str(), 0), 0);
  ASSERT_TRUE(cat.WaitFor("was truncated")) << cat.output();
  write_generation(2, 1000);
  // A last line without newline is not sent while it may still grow...
  Append(file, "unfinished");
  ASSERT_TRUE(WaitUntil([&] { return Lines(got_file).size() == want.size(); })) << cat.output();
  // ...but is when its file is rotated away.
  ASSERT_EQ(rename(file.c_str(), (file + ".2").c_str()), 0);
  want.push_back("unfinished");
  write_generation(3, 10);
  ASSERT_TRUE(WaitUntil([&] { return Lines(got_file).size() >= want.size(); }))
      << cat.output() << Lines(got_file).size() << " of " << want.size() << ", last: " << Lines(got_file).back();
  EXPECT_EQ(cat.Kill(SIGTERM), 0) << cat.output();
  EXPECT_EQ(Lines(got_file), want);
}

TEST(Cat, SigkillThenRestartFromTheCheckpointLosesNothing) {
  TempDir root, src;
  // A slow scribe, so the kill lands while batches are in flight.
  auto scribe = StartScribe(root.path(), {"-test-write-delay", "5ms"});
  ASSERT_NE(scribe, nullptr);
  const std::string file = src.path() + "/app.log";
  const std::string checkpoint = src.path() + "/app.checkpoint";
  const std::string got_file = root.path() + "/node/app.log";
  constexpr int kInflight = 4, kBatchLines = 50;
  std::vector<std::string> want;
  std::string data;
  for (int i = 0; i < 20000; ++i) {
    want.push_back("line " + std::to_string(i));
    data += want.back() + "\n";
  }
  Append(file, data);
  const std::vector<std::string> args = {"-target", scribe->target(), "-path", "node", "-follow", file,
                                         "-checkpoint", checkpoint, "-inflight", std::to_string(kInflight),
                                         "-batch-lines", std::to_string(kBatchLines), "-poll-interval", "20ms"};
  {
    CatProcess cat(args);
    ASSERT_TRUE(cat.started());
    ASSERT_TRUE(WaitUntil([&] { return Lines(got_file).size() >= 3000; })) << cat.output();
    EXPECT_EQ(cat.Kill(SIGKILL), 128 + SIGKILL);
  }
  // While it is down the file grows and is rotated once.
  data.clear();
  for (int i = 20000; i < 21000; ++i) {
    want.push_back("line " + std::to_string(i));
    data += want.back() + "\n";
  }
  Append(file, data);
  ASSERT_EQ(rename(file.c_str(), (file + ".1").c_str()), 0);
  data.clear();
  for (int i = 21000; i < 22000; ++i) {
    want.push_back("line " + std::to_string(i));
    data += want.back() + "\n";
  }
  Append(file, data);

  CatProcess cat(args);
  ASSERT_TRUE(cat.started());
  ASSERT_TRUE(cat.WaitFor("was rotated while logscribe-cat was down: resuming")) << cat.output();
  ASSERT_TRUE(WaitUntil([&] { return !Lines(got_file).empty() && Lines(got_file).back() == want.back(); }))
      << cat.output();
  EXPECT_EQ(cat.Kill(SIGTERM), 0) << cat.output();
  const std::vector<std::string> got = Lines(got_file);
  EXPECT_EQ(CheckResent(got, want, kInflight * kBatchLines), "") << cat.output();
  EXPECT_GE(got.size(), want.size());
}

TEST(Cat, ScribeKilledAndRestartedOnItsPortLosesNothing) {
  TempDir root;
  // Slow, so the kill lands while batches are in flight.
  auto scribe = StartScribe(root.path(), {"-test-write-delay", "2ms"});
  ASSERT_NE(scribe, nullptr);
  const int port = scribe->port();
  const std::string got_file = root.path() + "/node/app.log";
  constexpr int kInflight = 4, kBatchLines = 100;
  CatProcess cat({"-target", scribe->target(), "-path", "node", "-file", "app", "-inflight",
                  std::to_string(kInflight), "-batch-lines", std::to_string(kBatchLines), "-flush-interval",
                  "20ms", "-backoff-max", "500ms", "-drain-timeout", "60s"});
  ASSERT_TRUE(cat.started());
  std::vector<std::string> want;
  auto send = [&](int from, int to) {
    for (int i = from; i < to; i += 100) {
      std::string chunk;
      for (int k = i; k < std::min(to, i + 100); ++k) {
        want.push_back("line " + std::to_string(k));
        chunk += want.back() + "\n";
      }
      cat.Write(chunk);
      std::this_thread::sleep_for(1ms);
    }
  };
  send(0, 5000);
  ASSERT_TRUE(WaitUntil([&] { return Lines(got_file).size() >= 3000; })) << cat.output();
  EXPECT_EQ(scribe->Stop(SIGKILL), 128 + SIGKILL);
  send(5000, 8000);  // sent while the scribe is down
  ASSERT_TRUE(cat.WaitFor("lost the stream")) << cat.output();
  scribe = StartScribe(root.path(), {"-port", std::to_string(port), "-bind", "127.0.0.1"});
  ASSERT_NE(scribe, nullptr);
  send(8000, 10000);
  cat.CloseStdin();
  EXPECT_EQ(cat.Wait(), 0) << cat.output();
  EXPECT_NE(cat.output().find("again after"), std::string::npos) << cat.output();
  std::map<std::string, int> count;
  for (const std::string& line : Lines(got_file)) ++count[line];
  int duplicates = 0;
  for (const std::string& line : want) {
    EXPECT_GE(count[line], 1) << line;
    duplicates += std::max(0, count[line] - 1);
  }
  EXPECT_EQ(count.size(), want.size());
  EXPECT_LE(duplicates, kInflight * kBatchLines);
}

TEST(Cat, UnreachableTargetIsRetriedUntilItAppears) {
  TempDir root;
  int reserved = -1;
  const int port = ReservePort(&reserved);
  CatProcess cat({"-target", "127.0.0.1:" + std::to_string(port), "-path", "node", "-file", "late",
                  "-backoff-max", "300ms"});
  ASSERT_TRUE(cat.started());
  std::string input;
  for (int i = 0; i < 100; ++i) input += "early " + std::to_string(i) + "\n";
  cat.Write(input);
  ASSERT_TRUE(cat.WaitFor("cannot stream to")) << cat.output();
  close(reserved);
  auto scribe = StartScribe(root.path(), {"-port", std::to_string(port), "-bind", "127.0.0.1"});
  ASSERT_NE(scribe, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return Lines(root.path() + "/node/late.log").size() == 100; })) << cat.output();
  cat.CloseStdin();
  EXPECT_EQ(cat.Wait(), 0) << cat.output();
  // One line for the outage and one for the recovery, not one per attempt.
  const std::string out = cat.output();
  size_t lines = 0;
  for (size_t at = out.find("cannot stream to"); at != std::string::npos; at = out.find("cannot stream to", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << out;
}

// The threads of `pid` other than its main one that do not block `sig`.
std::string ThreadsNotBlocking(pid_t pid, int sig) {
  std::string which;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(tasks.c_str());
  if (d == nullptr) return "<no " + tasks + ">";
  std::vector<std::string> tids;
  while (const dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') tids.emplace_back(e->d_name);
  }
  closedir(d);
  for (const std::string& tid : tids) {
    if (tid == std::to_string(pid)) continue;  // main: inside sigtimedwait, it waits for them
    const std::string status = ReadFile(tasks + "/" + tid + "/status");
    const size_t at = status.find("SigBlk:\t");
    if (at == std::string::npos) continue;  // exited meanwhile
    const unsigned long long blocked = std::strtoull(status.c_str() + at + 8, nullptr, 16);
    if ((blocked & (1ull << (sig - 1))) == 0) which += " " + tid;
  }
  return which;
}

// SIGTERM goes to any thread that does not block it: were gRPC's threads
// started before the stop signals were blocked, a SIGTERM arriving while
// main is not in sigtimedwait would kill the process, with no drain and no
// last checkpoint.
TEST(Cat, EveryThreadButMainBlocksTheStopSignals) {
  TempDir root;
  auto scribe = StartScribe(root.path());
  ASSERT_NE(scribe, nullptr);
  CatProcess cat({"-target", scribe->target(), "-path", "node", "-file", "sig"});
  ASSERT_TRUE(cat.started());
  cat.Write("one\n");
  ASSERT_TRUE(WaitUntil([&] { return Lines(root.path() + "/node/sig.log").size() == 1; })) << cat.output();
  EXPECT_EQ(ThreadsNotBlocking(cat.pid(), SIGTERM), "");
  EXPECT_EQ(ThreadsNotBlocking(cat.pid(), SIGINT), "");
  EXPECT_EQ(cat.Kill(SIGTERM), 0) << cat.output();
}

TEST(Cat, APermanentRefusalEndsWithStatus1) {
  TempDir root;
  auto scribe = StartScribe(root.path(), {"-max-line-bytes", "100"});
  ASSERT_NE(scribe, nullptr);
  CatProcess cat({"-target", scribe->target(), "-path", "node", "-file", "f"});
  ASSERT_TRUE(cat.started());
  cat.Write(std::string(200, 'x') + "\n");
  EXPECT_EQ(cat.Wait(), 1) << cat.output();
  EXPECT_NE(cat.output().find("INVALID_ARGUMENT"), std::string::npos) << cat.output();
}

TEST(Cat, BadFlagsExitWith2) {
  const std::vector<std::vector<std::string>> cases = {
      {"-bogus"},
      {"-inflight", "0"},
      {"-batch-lines", "many"},
      {"-target", "no-port"},
      {"-file", "a/b"},
      {"-path", "../up"},
      {"-checkpoint", "/tmp/x.ckpt"},  // without -follow
      {"-flush-interval", "soon"},
      {"-max-buffer-bytes", "1KiB"},
      {"-crt", "/nonexistent.crt", "-pk", "/nonexistent.key"},
      {"unexpected"},
  };
  for (const auto& args : cases) {
    std::string out;
    EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_CAT_BINARY, args, &out), 2) << args[0] << ": " << out;
    EXPECT_NE(out.find("logscribe-cat: "), std::string::npos) << out;
  }
  std::string out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_CAT_BINARY, {"-help"}, &out), 0);
  EXPECT_NE(out.find("-follow"), std::string::npos) << out;
}

TEST(Cat, ThroughTheMediator) {
  MediatorCluster cluster;
  ASSERT_TRUE(cluster.StartMediator());
  ASSERT_TRUE(cluster.StartScribe("s1"));
  ASSERT_TRUE(cluster.WaitForScribes({"s1"}));
  CatProcess cat({"-target", cluster.mediator()->target(), "-path", "node", "-file", "m"});
  ASSERT_TRUE(cat.started());
  std::vector<std::string> want;
  std::string input;
  for (int i = 0; i < 2000; ++i) {
    want.push_back("via mediator " + std::to_string(i));
    input += want.back() + "\n";
  }
  cat.Write(input);
  cat.CloseStdin();
  EXPECT_EQ(cat.Wait(), 0) << cat.output();
  EXPECT_EQ(cluster.Lines("s1", "node/m.log"), want);
}

}  // namespace
}  // namespace logscribe::testing
