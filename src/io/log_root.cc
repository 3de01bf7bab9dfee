#include "log_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "codec.h"
#include "file_key.h"
#include "rotated_name.h"

namespace logscribe {
namespace {

long Openat2(int dirfd, const char* path, uint64_t flags, uint64_t mode, uint64_t resolve) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  return ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

constexpr uint64_t kResolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

bool KernelHasOpenat2(int root_fd) {
  const long fd = Openat2(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, kResolve);
  if (fd >= 0) {
    ::close(static_cast<int>(fd));
    return true;
  }
  return errno != ENOSYS && errno != EPERM;  // EPERM: a seccomp filter that refuses it
}

// mkdir -p for the root itself (not beneath anything: the operator chose it).
Status MakeRootDirs(const std::string& path, mode_t mode) {
  std::string prefix;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    prefix = path.substr(0, end);
    pos = end + 1;
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return Status::FromErrno(errno, "cannot create log root directory " + prefix);
    }
  }
  return Status::Ok();
}

// A scribe killed during an append can leave its file ending in part of a
// line. Appending after it would glue the next (acknowledged) line to that
// fragment, so the fragment, never acknowledged, is cut back to the last
// newline (or to nothing when the file holds no newline). Only the last
// kMaxTornTailScan bytes are searched, far more than a line; a file with no
// newline that near its end is not one of ours and is ended with a newline
// instead of being cut.
constexpr uint64_t kMaxTornTailScan = 64ull << 20;

// Sets *after to one past the last '\n' in bytes [floor, end) of fd, or to
// floor when there is none.
Status FindLastNewline(int fd, const std::string& rel, uint64_t floor, uint64_t end, uint64_t* after) {
  char block[64 << 10];
  while (end > floor) {
    const uint64_t start = std::max<uint64_t>(floor, end > sizeof block ? end - sizeof block : 0);
    const ssize_t n = ::pread(fd, block, end - start, static_cast<off_t>(start));
    if (n != static_cast<ssize_t>(end - start)) {
      return Status::FromErrno(n < 0 ? errno : EIO, "cannot read the end of " + rel);
    }
    for (uint64_t i = end - start; i > 0; --i) {
      if (block[i - 1] == '\n') {
        *after = start + i;
        return Status::Ok();
      }
    }
    end = start;
  }
  *after = floor;
  return Status::Ok();
}

Status EndOnALineBoundary(int fd, const std::string& rel, uint64_t* size) {
  if (*size == 0) return Status::Ok();
  char last;
  if (::pread(fd, &last, 1, static_cast<off_t>(*size - 1)) != 1) {
    return Status::FromErrno(errno, "cannot read the end of " + rel);
  }
  if (last == '\n') return Status::Ok();
  const uint64_t floor = *size > kMaxTornTailScan ? *size - kMaxTornTailScan : 0;
  uint64_t keep;
  if (Status s = FindLastNewline(fd, rel, floor, *size - 1, &keep); !s.ok()) return s;
  if (keep == floor && floor > 0) {
    if (::write(fd, "\n", 1) != 1) return Status::FromErrno(errno, "cannot end the last line of " + rel);
    ++*size;
    return Status::Ok();
  }
  if (::ftruncate(fd, static_cast<off_t>(keep)) != 0) {
    return Status::FromErrno(errno, "cannot cut the unfinished last line of " + rel);
  }
  std::fprintf(stderr,
               "logscribe: %s ended in an unfinished line (a write cut short by a crash?); "
               "cut back %llu bytes to the last complete line\n",
               rel.c_str(), static_cast<unsigned long long>(*size - keep));
  *size = keep;
  return Status::Ok();
}

}  // namespace

LogRoot::LogRoot(std::string path, int fd, int lock_fd, mode_t dir_mode, mode_t file_mode, bool has_openat2)
    : path_(std::move(path)), root_fd_(fd), lock_fd_(lock_fd), dir_mode_(dir_mode), file_mode_(file_mode),
      has_openat2_(has_openat2) {}

LogRoot::~LogRoot() {
  ::close(lock_fd_);
  ::close(root_fd_);
}

Status LogRoot::Open(const std::string& path, mode_t dir_mode, mode_t file_mode,
                     std::unique_ptr<LogRoot>* out) {
  if (path.empty()) return Status::InvalidArgument("the log root (-path) must not be empty");
  if (Status s = MakeRootDirs(path, dir_mode); !s.ok()) return s;
  const int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "cannot open log root " + path);
  // Prove the root writable now rather than on the first request.
  const std::string probe = ".logscribe-probe-" + std::to_string(::getpid());
  const int pfd = ::openat(fd, probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (pfd < 0) {
    const int err = errno;
    ::close(fd);
    return Status::FromErrno(err, "log root " + path + " is not writable");
  }
  ::close(pfd);
  ::unlinkat(fd, probe.c_str(), 0);
  // One scribe per root: each takes every rotated name, piece number and
  // unfinished last line under it for its own, so a second one would cut
  // the first's lines being written, reuse its piece numbers and delete by
  // its own budget. The lock goes with the process, however it ends.
  const int lock_fd = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (lock_fd >= 0) ::close(lock_fd);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::FailedPrecondition("another logscribe is using the log root " + path +
                                        " (it holds a lock on the directory); one root, one scribe");
    }
    return Status::FromErrno(err, "cannot lock the log root " + path);
  }
  out->reset(new LogRoot(path, fd, lock_fd, dir_mode, file_mode, KernelHasOpenat2(fd)));
  return Status::Ok();
}

Status LogRoot::OpenDir(std::string_view dir, bool create, int* dirfd) const {
  if (dir.empty()) {
    *dirfd = ::fcntl(root_fd_, F_DUPFD_CLOEXEC, 0);
    if (*dirfd < 0) return Status::FromErrno(errno, "cannot open log root");
    return Status::Ok();
  }
  const std::string dir_str(dir);
  if (has_openat2_) {
    const long fd = Openat2(root_fd_, dir_str.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0, kResolve);
    if (fd >= 0) {
      *dirfd = static_cast<int>(fd);
      return Status::Ok();
    }
    if (errno != ENOENT || !create) return Status::FromErrno(errno, "cannot open directory " + dir_str);
  }
  // Walk one component at a time; O_NOFOLLOW | O_DIRECTORY refuses symlinks.
  int cur = root_fd_;
  size_t pos = 0;
  while (pos < dir.size()) {
    size_t end = dir.find('/', pos);
    if (end == std::string_view::npos) end = dir.size();
    const std::string component(dir.substr(pos, end - pos));
    pos = end + 1;
    bool made = false;
    if (create) {
      if (::mkdirat(cur, component.c_str(), dir_mode_) == 0) made = true;
      else if (errno != EEXIST) {
        const int err = errno;
        if (cur != root_fd_) ::close(cur);
        return Status::FromErrno(err, "cannot create directory " + dir_str);
      }
    }
    const int next = ::openat(cur, component.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int err = errno;
    if (cur != root_fd_) ::close(cur);
    if (next < 0) {
      if (err == ELOOP) {
        return Status::InvalidArgument("path: " + dir_str + " leads through a symlink");
      }
      return Status::FromErrno(err, "cannot open directory " + dir_str);
    }
    if (made) ::fchmod(next, dir_mode_);  // mkdirat's mode is cut by the umask
    cur = next;
  }
  *dirfd = cur;
  return Status::Ok();
}

Status LogRoot::OpenDirForReading(std::string_view dir, int* fd_out) const {
  int dirfd;
  if (Status s = OpenDir(dir, /*create=*/false, &dirfd); !s.ok()) return s;
  // OpenDir may give an O_PATH descriptor, which can be neither listed nor fsynced.
  const int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const int err = errno;
  ::close(dirfd);
  if (fd < 0) return Status::FromErrno(err, "cannot open directory " + std::string(dir));
  *fd_out = fd;
  return Status::Ok();
}

bool LogRoot::TakeFileSlot() const {
  if (max_files_ == 0) {
    files_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  uint64_t n = files_.load(std::memory_order_relaxed);
  do {
    if (n >= max_files_) return false;
  } while (!files_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  return true;
}

void LogRoot::ReleaseFileSlot() const { files_.fetch_sub(1, std::memory_order_relaxed); }

Status LogRoot::TooManyFiles(const std::string& rel) const {
  return Status::ResourceExhausted("the log root holds " + std::to_string(max_files_) +
                                   " log files (-max-files); not creating " + rel);
}

Status LogRoot::CountLogFiles(uint64_t* count, const std::function<void(uint64_t)>& progress) const {
  *count = 0;
  auto next_report = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  uint64_t entries = 0;
  // Depth-first over directory descriptors; never follows a symlink.
  std::vector<int> stack;
  const int top = ::openat(root_fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (top < 0) return Status::FromErrno(errno, "cannot read " + path_);
  stack.push_back(top);
  while (!stack.empty()) {
    const int dfd = stack.back();
    stack.pop_back();
    DIR* dir = ::fdopendir(dfd);
    if (dir == nullptr) {
      ::close(dfd);
      continue;
    }
    while (const struct dirent* e = ::readdir(dir)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      if ((++entries & 4095) == 0 && progress && std::chrono::steady_clock::now() >= next_report) {
        progress(*count);
        next_report = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      }
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN) {
        struct stat st;
        if (::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
      }
      if (type == DT_DIR) {
        const int sub = ::openat(::dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) stack.push_back(sub);
        continue;
      }
      if (type != DT_REG || name.size() <= 4 || name.substr(name.size() - 4) != ".log") continue;
      RotatedNameParts parts;
      if (!ParseRotatedName(name, &parts)) ++*count;
    }
    ::closedir(dir);
  }
  return Status::Ok();
}

Status LogRoot::OpenForAppend(std::string_view key, int* fd_out, uint64_t* size, bool after_rotation) const {
  const std::string rel = std::string(key) + ".log";
  // O_NONBLOCK so a FIFO planted here fails (ENXIO) or opens at once instead of
  // waiting for a reader; cleared below once the file is known to be regular.
  // O_RDWR: the end of the file is read back (EndOnALineBoundary).
  constexpr int kFlags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
  int fd = -1;
  bool created = false;
  bool slot = false;  // a -max-files slot is held for the file about to be created
  auto take_slot = [&] {
    if (!slot && !after_rotation) {
      if (!TakeFileSlot()) return false;
      slot = true;
    }
    return true;
  };
  if (has_openat2_) {
    long r = Openat2(root_fd_, rel.c_str(), kFlags, 0, kResolve);
    if (r < 0 && errno == ENOENT) {
      // The file or a directory is missing: make the directories, then create
      // the file exclusively so its mode can be set exactly once.
      if (!take_slot()) return TooManyFiles(rel);
      int dirfd;
      if (Status s = OpenDir(KeyDir(key), /*create=*/true, &dirfd); !s.ok()) {
        if (slot) ReleaseFileSlot();
        return s;
      }
      ::close(dirfd);
      r = Openat2(root_fd_, rel.c_str(), kFlags | O_CREAT | O_EXCL, file_mode_, kResolve);
      if (r >= 0) created = true;
      else if (errno == EEXIST) r = Openat2(root_fd_, rel.c_str(), kFlags, 0, kResolve);
      if (slot && !created) ReleaseFileSlot();
    }
    if (r < 0) {
      if (errno == EXDEV || errno == ELOOP) {
        return Status::InvalidArgument("path: " + rel + " resolves outside the log root");
      }
      return Status::FromErrno(errno, "cannot open " + rel);
    }
    fd = static_cast<int>(r);
  } else {
    // Directories are made only for a file that may be created.
    int dirfd;
    Status s = OpenDir(KeyDir(key), /*create=*/false, &dirfd);
    if (!s.ok() && s.code() == StatusCode::kUnavailable) {  // ENOENT: a directory is missing
      if (!take_slot()) return TooManyFiles(rel);
      s = OpenDir(KeyDir(key), /*create=*/true, &dirfd);
    }
    if (!s.ok()) {
      if (slot) ReleaseFileSlot();
      return s;
    }
    const std::string name = std::string(KeyFilename(key)) + ".log";
    fd = ::openat(dirfd, name.c_str(), kFlags);
    if (fd < 0 && errno == ENOENT) {
      if (!take_slot()) {
        ::close(dirfd);
        return TooManyFiles(rel);
      }
      fd = ::openat(dirfd, name.c_str(), kFlags | O_CREAT | O_EXCL, file_mode_);
      if (fd >= 0) created = true;
      else if (errno == EEXIST) fd = ::openat(dirfd, name.c_str(), kFlags);
    }
    if (slot && !created) ReleaseFileSlot();
    const int err = errno;
    ::close(dirfd);
    if (fd < 0) {
      if (err == ELOOP) return Status::InvalidArgument("path: " + rel + " is a symlink");
      return Status::FromErrno(err, "cannot open " + rel);
    }
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::FromErrno(err, "cannot stat " + rel);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("path: " + rel + " is not a regular file");
  }
  // A nonblocking regular file makes io_uring fail writes with EAGAIN rather than wait.
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::FromErrno(err, "cannot set flags of " + rel);
  }
  if (created) ::fchmod(fd, file_mode_);  // the umask may have cut the mode
  uint64_t file_size = static_cast<uint64_t>(st.st_size);
  if (Status s = EndOnALineBoundary(fd, rel, &file_size); !s.ok()) {
    ::close(fd);
    return s;
  }
  *fd_out = fd;
  *size = file_size;
  return Status::Ok();
}

namespace {

// Whether `base` (a piece name) has a compressed copy in `dirfd`.
bool CompressedCopyExists(int dirfd, const std::string& base) {
  for (Codec codec : {Codec::kZstd, Codec::kGzip}) {
    const std::string copy = base + std::string(CodecExtension(codec));
    if (::faccessat(dirfd, copy.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0) return true;
  }
  return false;
}

}  // namespace

Status LogRoot::Rotate(std::string_view key, std::chrono::system_clock::time_point now,
                       std::string* rotated_name) const {
  int dirfd;
  if (Status s = OpenDirForReading(KeyDir(key), &dirfd); !s.ok()) return s;
  const std::string filename(KeyFilename(key));
  const std::string current = filename + ".log";
  uint64_t seq = 0;
  {
    MutexLock lock(&seq_mu_);
    auto it = next_seq_.find(std::string(key));
    if (it != next_seq_.end()) seq = it->second;
  }
  if (seq == 0) {
    // First rotation of this log in this process: continue after every piece
    // on disk, compressed or not.
    LogPieces pieces;
    if (Status s = ListLogPieces(dirfd, filename, &pieces); !s.ok()) {
      ::close(dirfd);
      return s;
    }
    seq = pieces.NextSeq();
  }
  Status result = Status::Internal("rotation of " + std::string(key) + " found no free name");
  // A taken name (a stray file, a directory) moves on to the next number.
  for (int attempt = 0; attempt < 1000; ++attempt, ++seq) {
    std::string target = PieceName(filename, seq, now);
    // A name whose plain file is gone may still have its compressed copy
    // (compressed and unlinked meanwhile): taking it would make this piece
    // look like the copy's leftover, to be deleted. Numbers come from memory
    // or from a listing of the directory, which a compression under way can
    // hide a piece from; this check does not depend on it.
    if (CompressedCopyExists(dirfd, target)) continue;
    if (::renameat2(dirfd, current.c_str(), dirfd, target.c_str(), RENAME_NOREPLACE) == 0) {
      *rotated_name = std::move(target);
      result = Status::Ok();
      break;
    }
    if (errno == EEXIST) continue;
    if (errno == EINVAL) {
      // A filesystem without RENAME_NOREPLACE: check, then rename. Only this
      // writer thread rotates this file and only it makes its piece names.
      if (::faccessat(dirfd, target.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0) continue;
      if (::renameat(dirfd, current.c_str(), dirfd, target.c_str()) == 0) {
        *rotated_name = std::move(target);
        result = Status::Ok();
        break;
      }
    }
    result = Status::FromErrno(errno, "cannot rotate " + std::string(key) + ".log");
    break;
  }
  ::close(dirfd);
  if (result.ok()) {
    MutexLock lock(&seq_mu_);
    next_seq_[std::string(key)] = seq + 1;
  }
  return result;
}

}  // namespace logscribe
