// ScribeProcess: runs the real logscribe binary for a test, on 127.0.0.1 and a
// port it picks itself (-port 0), and stops it however the test ends.
//
// Thread contract: thread-compatible; one test thread drives it.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace logscribe::testing {

class ScribeProcess {
 public:
  // Starts `binary` with `args` plus "-port 0 -bind 127.0.0.1" unless the
  // args name their own -port. Waits up to 20 s for the "listening on" line.
  // Returns null (and the output so far in *output) if it never came.
  static std::unique_ptr<ScribeProcess> Start(const std::string& binary,
                                              const std::vector<std::string>& args,
                                              std::string* output = nullptr);
  ~ScribeProcess();

  int port() const { return port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }

  // Sends `sig` and waits up to `timeout` for the exit; returns the exit code
  // (128+signal when killed by one, -1 on timeout, after which it is killed).
  int Stop(int sig = SIGTERM, std::chrono::seconds timeout = std::chrono::seconds(60));
  // Everything the process printed so far (stdout and stderr).
  std::string output() const;
  // Waits (bounded) until the output holds `needle` on a finished line; a
  // server prints after answering, so tests wait rather than race it.
  bool WaitFor(const std::string& needle, std::chrono::milliseconds timeout);

  // Runs `binary args` to its end (bounded by `timeout`), returning its exit
  // code and output; for start-up failures.
  static int RunToExit(const std::string& binary, const std::vector<std::string>& args,
                       std::string* output, std::chrono::seconds timeout = std::chrono::seconds(30));

 private:
  ScribeProcess() = default;

  pid_t pid_ = -1;
  int port_ = 0;
  int out_fd_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string output_;  // guarded by mu_
  bool exited_ = false;
};

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Reads a whole file; "" when missing.
std::string ReadFile(const std::string& path);
// The lines of `text`, newlines removed.
std::vector<std::string> SplitLines(const std::string& text);
// Lists regular files below `dir`, recursively, as paths relative to it, sorted.
std::vector<std::string> ListFiles(const std::string& dir);

}  // namespace logscribe::testing
