// CatProcess: logscribe-cat as a child process for the cat tests, and the
// helpers they share (a scribe started for them, waits with deadlines).
//
// Thread contract: thread-compatible; one test thread drives it (a reader
// thread of its own collects the output).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "scribe_process.h"

namespace logscribe::testing {

using namespace std::chrono_literals;

// logscribe-cat as a child process: its stdin is a pipe the test writes (or
// closes), its stdout and stderr are collected.
class CatProcess {
 public:
  explicit CatProcess(const std::vector<std::string>& args) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      dup2(out[1], STDERR_FILENO);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(LOGSCRIBE_CAT_BINARY));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execv(LOGSCRIBE_CAT_BINARY, argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_fd_ = in[1];
    out_fd_ = out[0];
    reader_ = std::thread([this] {
      char buf[4096];
      ssize_t n;
      while ((n = read(out_fd_, buf, sizeof buf)) > 0) {
        std::lock_guard<std::mutex> lock(mu_);
        output_.append(buf, static_cast<size_t>(n));
      }
    });
  }
  ~CatProcess() {
    if (!exited_) Kill(SIGKILL);
    CloseStdin();
    if (reader_.joinable()) reader_.join();
    if (out_fd_ >= 0) close(out_fd_);
  }

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  void Write(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = write(stdin_fd_, data.data() + done, data.size() - done);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }
  void CloseStdin() {
    if (stdin_fd_ >= 0) close(stdin_fd_);
    stdin_fd_ = -1;
  }
  // Waits up to `timeout` for the exit; its code (128+signal), -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = 60s) {
    if (exited_) return code_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return code_;
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }
  int Kill(int sig) {
    kill(pid_, sig);
    const int code = Wait();
    if (code < 0) {
      kill(pid_, SIGKILL);
      return Wait();
    }
    return code;
  }
  std::string output() const {
    std::lock_guard<std::mutex> lock(mu_);
    return output_;
  }
  bool WaitFor(const std::string& needle, std::chrono::milliseconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (output().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int out_fd_ = -1;
  bool exited_ = false;
  int code_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string output_;
};

// Polls `done` every 20 ms until it holds or `limit` passed.
inline bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 60s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

inline std::vector<std::string> Lines(const std::string& file) { return SplitLines(ReadFile(file)); }

inline void Append(const std::string& file, const std::string& data) {
  const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(fd);
}

inline std::unique_ptr<ScribeProcess> StartScribe(const std::string& root, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"-path", root, "-size", "-1B"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string out;
  auto p = ScribeProcess::Start(LOGSCRIBE_BINARY, args, &out);
  EXPECT_NE(p, nullptr) << out;
  return p;
}

}  // namespace logscribe::testing
