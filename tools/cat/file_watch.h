// FileWatch: wakes the follower when the followed file or its directory
// changes (inotify), when asked to stop, or after a fallback interval, so a
// followed file is read as soon as it is written, and a rotation or a
// truncation is looked at when it happens rather than at the next poll.
//
// Thread contract: Wait() and Watch*() on the input thread only; Wake() from
// any thread.
//
// Watches: the generation being read (its inode, through /proc/self/fd, so
// the watch follows it when it is renamed: IN_MODIFY, IN_MOVE_SELF,
// IN_DELETE_SELF, IN_ATTRIB) and the directory of the followed path
// (IN_CREATE, IN_MOVED_TO: a new file at the path or a rotated copy). When
// inotify is unavailable (no instances left), Wait() simply sleeps the
// fallback interval: following still works, at the pace of that poll.
#pragma once

#include <chrono>
#include <string>

namespace logscribe::cat {

class FileWatch {
 public:
  explicit FileWatch(const std::string& dir);
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  // Watches the file open at `fd` from now on (instead of the previous one).
  void WatchFile(int fd);
  // Waits for an event, Wake() or `fallback`; drains the events seen.
  void Wait(std::chrono::nanoseconds fallback);
  void Wake();
  bool inotify_works() const { return inotify_ >= 0; }

 private:
  int inotify_ = -1;
  int file_wd_ = -1;
  int wake_[2] = {-1, -1};  // a self-pipe: Wake() writes, Wait() polls
};

}  // namespace logscribe::cat
