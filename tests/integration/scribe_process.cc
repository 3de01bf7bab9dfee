#include "scribe_process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace logscribe::testing {
namespace {

pid_t Spawn(const std::string& binary, const std::vector<std::string>& args, int* out_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    // Start with no blocked signals, whatever the test runner had.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  *out_fd = fds[0];
  return pid;
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid` up to `timeout`; returns the exit code or -1 on timeout.
int WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return ExitCode(status);
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

std::unique_ptr<ScribeProcess> ScribeProcess::Start(const std::string& binary,
                                                    const std::vector<std::string>& args,
                                                    std::string* output) {
  std::vector<std::string> full = args;
  if (std::find(full.begin(), full.end(), "-port") == full.end()) {
    full.insert(full.end(), {"-port", "0", "-bind", "127.0.0.1"});
  }
  std::unique_ptr<ScribeProcess> p(new ScribeProcess());
  p->pid_ = Spawn(binary, full, &p->out_fd_);
  if (p->pid_ < 0) return nullptr;
  ScribeProcess* raw = p.get();
  p->reader_ = std::thread([raw] {
    char buf[4096];
    for (;;) {
      const ssize_t n = read(raw->out_fd_, buf, sizeof buf);
      if (n <= 0) break;
      std::lock_guard<std::mutex> lock(raw->mu_);
      raw->output_.append(buf, static_cast<size_t>(n));
    }
  });
  if (!p->WaitFor("listening on ", std::chrono::seconds(20))) {
    if (output != nullptr) *output = p->output();
    return nullptr;
  }
  const std::string out = p->output();
  const size_t at = out.find("listening on ");
  const size_t colon = out.find(':', at + 13);
  p->port_ = std::atoi(out.c_str() + colon + 1);
  return p;
}

bool ScribeProcess::WaitFor(const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      const size_t at = output_.find(needle);
      if (at != std::string::npos && output_.find('\n', at) != std::string::npos) return true;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

int ScribeProcess::Stop(int sig, std::chrono::seconds timeout) {
  int code = -1;
  if (!exited_) {
    kill(pid_, sig);
    code = WaitExit(pid_, timeout);
    if (code < 0) {
      kill(pid_, SIGKILL);
      WaitExit(pid_, std::chrono::seconds(10));
    }
    exited_ = true;
  }
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = -1;
  return code;
}

ScribeProcess::~ScribeProcess() { Stop(SIGKILL, std::chrono::seconds(10)); }

std::string ScribeProcess::output() const {
  std::lock_guard<std::mutex> lock(mu_);
  return output_;
}

int ScribeProcess::RunToExit(const std::string& binary, const std::vector<std::string>& args,
                             std::string* output, std::chrono::seconds timeout) {
  int fd;
  const pid_t pid = Spawn(binary, args, &fd);
  if (pid < 0) return -1;
  std::string out;
  std::thread reader([&] {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  });
  int code = WaitExit(pid, timeout);
  if (code < 0) {
    kill(pid, SIGKILL);
    WaitExit(pid, std::chrono::seconds(10));
  }
  reader.join();
  close(fd);
  if (output != nullptr) *output = out;
  return code;
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/logscribe-test-XXXXXX";
  path_ = mkdtemp(tmpl);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) lines.push_back(line);
  return lines;
}

std::vector<std::string> ListFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file()) out.push_back(std::filesystem::relative(it->path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace logscribe::testing
