#include "log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace logscribe {

Status LogFile::Open(bool after_rotation) {
  if (open_) return Status::Ok();
  if (root_ == nullptr) {
    open_ = true;
    size_ = 0;
    return Status::Ok();
  }
  if (Status s = root_->OpenForAppend(key_, &fd_, &size_, after_rotation || recreate_); !s.ok()) return s;
  open_ = true;
  recreate_ = false;
  born_ = clock_->Now();
  struct statx stx;
  if (size_ > 0 && ::statx(fd_, "", AT_EMPTY_PATH, STATX_BTIME, &stx) == 0 &&
      (stx.stx_mask & STATX_BTIME) != 0) {
    const auto btime = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(stx.stx_btime.tv_sec) + std::chrono::nanoseconds(stx.stx_btime.tv_nsec)));
    born_ = std::min(born_, btime);
  }
  return Status::Ok();
}

bool LogFile::CloseIfUnlinked() {
  if (fd_ < 0) return false;
  struct stat st;
  if (::fstat(fd_, &st) != 0 || st.st_nlink > 0) return false;
  Close();
  recreate_ = true;
  return true;
}

void LogFile::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  open_ = false;
}

Status LogFile::Rotate(std::chrono::system_clock::time_point now) {
  if (root_ == nullptr) {
    size_ = 0;
    return Status::Ok();
  }
  std::string rotated;
  if (Status s = root_->Rotate(key_, now, &rotated); !s.ok()) return s;
  Close();
  return Open(/*after_rotation=*/true);
}

void LogFile::TruncateTo(uint64_t size) {
  if (fd_ < 0) return;
  if (::ftruncate(fd_, static_cast<off_t>(size)) == 0) size_ = size;
}

}  // namespace logscribe
