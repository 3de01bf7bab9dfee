// Helpers of the reliability tests: a child process run in the background
// (the loadgen), what /proc says about a process, the shape of the files under
// a scribe's root, and the numbers of the loadgen's JSON report.
//
// Thread contract: thread-compatible; one test thread drives each object.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace logscribe::testing {

// A process started with fork/exec whose stdout and stderr go to files. The
// destructor kills (SIGKILL) and reaps it if it still runs.
class BackgroundProcess {
 public:
  // Runs `binary args`; stdout to `out_path`, stderr to `err_path`. When
  // `nofile` is non-zero the child's RLIMIT_NOFILE (soft and hard) is set to it
  // before exec. Returns null when fork or exec fails.
  static std::unique_ptr<BackgroundProcess> Start(const std::string& binary,
                                                  const std::vector<std::string>& args,
                                                  const std::string& out_path,
                                                  const std::string& err_path, rlim_t nofile = 0);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int sig) const;
  // Waits up to `timeout` for the exit; the exit code (128+signal when killed
  // by one), or -1 on timeout (the process is left running).
  int Wait(std::chrono::milliseconds timeout);
  bool running() const { return !exited_; }

 private:
  BackgroundProcess() = default;
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

// From /proc/<pid>/status, in bytes: VmRSS (now) and VmHWM (peak). 0 when
// unreadable.
uint64_t ResidentBytes(pid_t pid);
uint64_t PeakResidentBytes(pid_t pid);
// Open descriptors of `pid` (entries of /proc/<pid>/fd); -1 when unreadable.
int OpenDescriptors(pid_t pid);
// Bytes `pid` passed to write-like system calls (wchar of /proc/<pid>/io).
uint64_t BytesWritten(pid_t pid);

// Every *.log file below `root`, as paths relative to it, sorted.
std::vector<std::string> LogFiles(const std::string& root);
// The non-empty *.log files below `root` whose last byte is not a newline.
std::vector<std::string> FilesEndingMidLine(const std::string& root);

// The number after "\"key\":" in a JSON text (the first such key), or nullopt.
std::optional<double> JsonNumber(const std::string& json, const std::string& key);

// The whole of a file; "" when missing.
std::string Slurp(const std::string& path);

// A tmpfs of `size_option` (e.g. "size=2m") mounted on `dir` for the life of
// the object. ok() is false (and why() says why) when mount(2) failed, e.g.
// when not root.
class TmpfsMount {
 public:
  TmpfsMount(const std::string& dir, const std::string& size_option);
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  bool ok() const { return mounted_; }
  const std::string& why() const { return why_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string why_;
};

// True when this binary (and so, in the same build, the scribe) runs under
// AddressSanitizer, whose quarantine and shadow memory make RSS meaningless.
constexpr bool kUnderAsan =
#if defined(__SANITIZE_ADDRESS__)
    true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    true;
#else
    false;
#endif
#else
    false;
#endif

}  // namespace logscribe::testing
