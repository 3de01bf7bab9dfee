#include "file_watch.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace logscribe::cat {

FileWatch::FileWatch(const std::string& dir) {
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
  inotify_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_ < 0) {
    std::fprintf(stderr, "logscribe-cat: inotify unavailable (%s); polling instead\n", std::strerror(errno));
    return;
  }
  if (inotify_add_watch(inotify_, dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
    std::fprintf(stderr, "logscribe-cat: cannot watch %s (%s); polling for new files there\n", dir.c_str(),
                 std::strerror(errno));
  }
}

FileWatch::~FileWatch() {
  if (inotify_ >= 0) close(inotify_);
  for (int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

void FileWatch::WatchFile(int fd) {
  if (inotify_ < 0) return;
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  const int wd = inotify_add_watch(inotify_, proc.c_str(), IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
  // The same inode watched again gets the same descriptor: keep it.
  if (file_wd_ >= 0 && file_wd_ != wd) inotify_rm_watch(inotify_, file_wd_);
  file_wd_ = wd;
}

void FileWatch::Wait(std::chrono::nanoseconds fallback) {
  pollfd fds[2] = {{wake_[0], POLLIN, 0}, {inotify_, POLLIN, 0}};
  const int n = inotify_ >= 0 ? 2 : 1;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(fallback).count();
  const int rc = poll(fds, static_cast<nfds_t>(n), static_cast<int>(ms < 1 ? 1 : ms > 3600000 ? 3600000 : ms));
  if (rc <= 0) return;
  // Which events came does not matter: the follower looks at the file after
  // each wake-up (size, the bytes before its offset, the inode at the path).
  char buf[4096];
  while (inotify_ >= 0 && read(inotify_, buf, sizeof buf) > 0) {
  }
  while (wake_[0] >= 0 && read(wake_[0], buf, sizeof buf) > 0) {
  }
}

void FileWatch::Wake() {
  if (wake_[1] >= 0) {
    const char c = 1;
    (void)!write(wake_[1], &c, 1);
  }
}

}  // namespace logscribe::cat
