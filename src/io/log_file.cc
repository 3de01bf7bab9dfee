#include "log_file.h"

#include <unistd.h>

#include <cerrno>

namespace logscribe {

Status LogFile::Open() {
  if (open_) return Status::Ok();
  if (root_ == nullptr) {
    open_ = true;
    size_ = 0;
    return Status::Ok();
  }
  if (Status s = root_->OpenForAppend(key_, &fd_, &size_); !s.ok()) return s;
  open_ = true;
  return Status::Ok();
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
  return Open();
}

void LogFile::TruncateTo(uint64_t size) {
  if (fd_ < 0) return;
  if (::ftruncate(fd_, static_cast<off_t>(size)) == 0) size_ = size;
}

}  // namespace logscribe
