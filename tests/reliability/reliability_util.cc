#include "reliability_util.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace logscribe::testing {
namespace {

namespace fs = std::filesystem;

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// The value of "<field>:" in /proc/<pid>/<file>, as a number (kB in status).
uint64_t ProcField(pid_t pid, const char* file, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size(), field) == 0 && line.size() > field.size() &&
        line[field.size()] == ':') {
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return 0;
}

}  // namespace

std::unique_ptr<BackgroundProcess> BackgroundProcess::Start(const std::string& binary,
                                                            const std::vector<std::string>& args,
                                                            const std::string& out_path,
                                                            const std::string& err_path,
                                                            rlim_t nofile) {
  const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0 || err < 0) {
    if (out >= 0) ::close(out);
    if (err >= 0) ::close(err);
    return nullptr;
  }
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    if (nofile != 0) {
      struct rlimit rl = {nofile, nofile};
      if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) ::_exit(126);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out);
  ::close(err);
  if (pid < 0) return nullptr;
  std::unique_ptr<BackgroundProcess> p(new BackgroundProcess());
  p->pid_ = pid;
  return p;
}

BackgroundProcess::~BackgroundProcess() {
  if (!exited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(10));
  }
}

void BackgroundProcess::Signal(int sig) const {
  if (!exited_ && pid_ > 0) ::kill(pid_, sig);
}

int BackgroundProcess::Wait(std::chrono::milliseconds timeout) {
  if (exited_) return code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      code_ = ExitCode(status);
      return code_;
    }
    if (r < 0) {
      exited_ = true;
      return -1;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

uint64_t ResidentBytes(pid_t pid) { return ProcField(pid, "status", "VmRSS") * 1024; }
uint64_t PeakResidentBytes(pid_t pid) { return ProcField(pid, "status", "VmHWM") * 1024; }
uint64_t BytesWritten(pid_t pid) { return ProcField(pid, "io", "wchar"); }

int OpenDescriptors(pid_t pid) {
  std::error_code ec;
  int n = 0;
  for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return ec ? -1 : n;
}

std::vector<std::string> LogFiles(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".log") {
      out.push_back(it->path().lexically_relative(root).string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> FilesEndingMidLine(const std::string& root) {
  std::vector<std::string> out;
  for (const std::string& rel : LogFiles(root)) {
    const int fd = ::open((root + "/" + rel).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st;
    char last = '\n';
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      if (::pread(fd, &last, 1, st.st_size - 1) != 1) last = '?';
    }
    ::close(fd);
    if (last != '\n') out.push_back(rel);
  }
  return out;
}

std::optional<double> JsonNumber(const std::string& json, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  const size_t at = json.find(needle);
  if (at == std::string::npos) return std::nullopt;
  const char* start = json.c_str() + at + needle.size();
  char* end = nullptr;
  const double v = std::strtod(start, &end);
  if (end == start) return std::nullopt;
  return v;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TmpfsMount::TmpfsMount(const std::string& dir, const std::string& size_option) : dir_(dir) {
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, size_option.c_str()) == 0) {
    mounted_ = true;
  } else {
    why_ = std::string("mount -t tmpfs -o ") + size_option + " " + dir + ": " + std::strerror(errno);
  }
}

TmpfsMount::~TmpfsMount() {
  if (!mounted_) return;
  if (::umount2(dir_.c_str(), 0) != 0) ::umount2(dir_.c_str(), MNT_DETACH);
}

}  // namespace logscribe::testing
