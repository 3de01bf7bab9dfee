#include "file_follower.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace logscribe::cat {
namespace {

constexpr size_t kReadBytes = 64 * 1024;

std::string DirOf(const std::string& file) {
  const size_t slash = file.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return file.substr(0, slash);
}

// Whether the file open at `fd` starts with the bytes `at` was fingerprinted on.
bool HeadMatches(int fd, const Position& at) {
  std::string head(at.head_len, '\0');
  size_t got = 0;
  while (got < head.size()) {
    const ssize_t n = pread(fd, head.data() + got, head.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return Fingerprint(head) == at.head_hash;
}

// A regular file in `dir` with inode `ino`; "" when there is none.
std::string FindByInode(const std::string& dir, uint64_t ino) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return "";
  std::string found;
  while (dirent* e = readdir(d)) {
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_ino) == ino) {
      found = dir == "/" ? "/" + std::string(e->d_name) : dir + "/" + e->d_name;
      break;
    }
  }
  closedir(d);
  return found;
}

}  // namespace

FileFollower::~FileFollower() {
  if (fd_ >= 0) close(fd_);
}

void FileFollower::RequestStop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = true;
  wake_.notify_all();
}

bool FileFollower::stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_;
}

bool FileFollower::SleepPoll() {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait_for(lock, options_.poll_interval, [&] { return stop_; });
  return !stop_;
}

Position FileFollower::PositionAt(uint64_t offset) {
  Position p;
  p.dev = dev_;
  p.ino = ino_;
  p.offset = offset;
  p.head_len = static_cast<uint32_t>(std::min<uint64_t>(offset, kFingerprintBytes));
  if (p.head_len == kFingerprintBytes && head_hash_cached_) {
    p.head_hash = head_hash_;
  } else {
    p.head_hash = Fingerprint(std::string_view(head_).substr(0, p.head_len));
    if (p.head_len == kFingerprintBytes) {
      head_hash_ = p.head_hash;
      head_hash_cached_ = true;
    }
  }
  return p;
}

bool FileFollower::EmitLine(std::string_view line, uint64_t consumed) {
  const Position before = PositionAt(consumed_);
  consumed_ += consumed;
  outbox_->Add(line, before, PositionAt(consumed_));
  return true;
}

void FileFollower::Adopt(int fd, uint64_t offset) {
  struct stat st;
  fstat(fd, &st);
  fd_ = fd;
  dev_ = static_cast<uint64_t>(st.st_dev);
  ino_ = static_cast<uint64_t>(st.st_ino);
  read_ = consumed_ = offset;
  splitter_.Reset();
  head_hash_cached_ = false;
  head_.assign(std::min<uint64_t>(offset, kFingerprintBytes), '\0');
  size_t got = 0;
  while (got < head_.size()) {
    const ssize_t n = pread(fd, head_.data() + got, head_.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  head_.resize(got);
  if (offset > 0) lseek(fd, static_cast<off_t>(offset), SEEK_SET);
  outbox_->Move(PositionAt(offset));
}

bool FileFollower::OpenPath() {
  const int fd = open(options_.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (!waiting_announced_) {
      std::fprintf(stderr, "logscribe-cat: waiting for %s to appear (%s)\n", options_.path.c_str(),
                   std::strerror(errno));
      waiting_announced_ = true;
    }
    return false;
  }
  if (waiting_announced_) std::fprintf(stderr, "logscribe-cat: %s appeared\n", options_.path.c_str());
  waiting_announced_ = false;
  rotated_file_ = false;
  Adopt(fd, 0);
  return true;
}

void FileFollower::Resume(const Position& at) {
  const char* path = options_.path.c_str();
  struct stat st;
  // The inode and the fingerprint identify the file; st_dev is not compared,
  // as device numbers may change across reboots.
  if (stat(path, &st) == 0 && static_cast<uint64_t>(st.st_ino) == at.ino) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      struct stat now;
      if (fstat(fd, &now) == 0 && static_cast<uint64_t>(now.st_size) >= at.offset && HeadMatches(fd, at)) {
        std::fprintf(stderr, "logscribe-cat: resuming %s at byte %llu\n", path,
                     static_cast<unsigned long long>(at.offset));
        Adopt(fd, at.offset);
        return;
      }
      close(fd);
      std::fprintf(stderr,
                   "logscribe-cat: %s was truncated or rewritten since the checkpoint (byte %llu); reading it "
                   "from the start\n",
                   path, static_cast<unsigned long long>(at.offset));
    }
    OpenPath();
    return;
  }
  const std::string rotated = FindByInode(DirOf(options_.path), at.ino);
  if (!rotated.empty()) {
    const int fd = open(rotated.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat now;
    if (fd >= 0 && fstat(fd, &now) == 0 && static_cast<uint64_t>(now.st_size) >= at.offset && HeadMatches(fd, at)) {
      std::fprintf(stderr, "logscribe-cat: resuming the rotated %s at byte %llu, then %s from the start\n",
                   rotated.c_str(), static_cast<unsigned long long>(at.offset), path);
      Adopt(fd, at.offset);
      rotated_file_ = true;
      return;
    }
    if (fd >= 0) close(fd);
  }
  std::fprintf(stderr,
               "logscribe-cat: the checkpoint's file (inode %llu) is no longer in %s; reading %s from the "
               "start (lines written to it after byte %llu and not sent are lost)\n",
               static_cast<unsigned long long>(at.ino), DirOf(options_.path).c_str(), path,
               static_cast<unsigned long long>(at.offset));
  OpenPath();
}

ssize_t FileFollower::ReadSome() {
  if (buf_.empty()) buf_.resize(kReadBytes);
  ssize_t n;
  do {
    n = read(fd_, buf_.data(), buf_.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    std::fprintf(stderr, "logscribe-cat: read of %s: %s\n", options_.path.c_str(), std::strerror(errno));
    return -1;
  }
  if (n == 0) return 0;
  const std::string_view data(buf_.data(), static_cast<size_t>(n));
  if (read_ < kFingerprintBytes && head_.size() == read_) {
    head_.append(data.substr(0, kFingerprintBytes - read_));
  }
  read_ += static_cast<uint64_t>(n);
  splitter_.Consume(data, [this](std::string_view line, uint64_t consumed) { return EmitLine(line, consumed); });
  return n;
}

void FileFollower::FinishGeneration() {
  splitter_.Flush([this](std::string_view line, uint64_t consumed) { return EmitLine(line, consumed); });
  close(fd_);
  fd_ = -1;
  rotated_file_ = false;
}

bool FileFollower::Run() {
  if (resume_) {
    Resume(*resume_);
  } else {
    OpenPath();
  }
  while (!stopping()) {
    if (fd_ < 0) {
      if (!OpenPath() && !SleepPoll()) break;
      continue;
    }
    const ssize_t n = ReadSome();
    if (n > 0) continue;
    if (n < 0) {
      // An I/O error on the descriptor: start over with whatever is at the path.
      FinishGeneration();
      if (!SleepPoll()) break;
      continue;
    }
    // At the end of the current generation.
    if (rotated_file_) {
      FinishGeneration();
      continue;
    }
    struct stat at_path;
    if (stat(options_.path.c_str(), &at_path) != 0) {
      if (!SleepPoll()) break;  // gone for now: keep the old descriptor, wait for a new file
      continue;
    }
    if (static_cast<uint64_t>(at_path.st_dev) != dev_ || static_cast<uint64_t>(at_path.st_ino) != ino_) {
      // Rotated: what the writer added to the old file before it switched comes first.
      while (ReadSome() > 0) {
      }
      std::fprintf(stderr, "logscribe-cat: %s was rotated; reading the new file from the start\n",
                   options_.path.c_str());
      FinishGeneration();
      continue;
    }
    struct stat st;
    if (fstat(fd_, &st) == 0 && static_cast<uint64_t>(st.st_size) < read_) {
      std::fprintf(stderr, "logscribe-cat: %s was truncated (%llu bytes, %llu read); reading it from the start\n",
                   options_.path.c_str(), static_cast<unsigned long long>(st.st_size),
                   static_cast<unsigned long long>(read_));
      splitter_.Flush([this](std::string_view line, uint64_t consumed) { return EmitLine(line, consumed); });
      const int fd = fd_;
      fd_ = -1;
      lseek(fd, 0, SEEK_SET);
      Adopt(fd, 0);
      continue;
    }
    if (!SleepPoll()) break;
  }
  outbox_->CloseInput();
  return true;
}

}  // namespace logscribe::cat
