// PosixFileWriter and NullFileWriter.
#include <cerrno>
#include <unistd.h>

#include "file_writer.h"

namespace logscribe {

void AdvanceIov(const struct iovec** iov, int* iovcnt, uint64_t n, struct iovec* scratch) {
  while (*iovcnt > 0 && n >= (*iov)->iov_len) {
    n -= (*iov)->iov_len;
    ++*iov;
    --*iovcnt;
  }
  if (*iovcnt > 0 && n > 0) {
    // *iov may already point into scratch; read the entry before overwriting.
    const struct iovec first = (*iov)[0];
    scratch[0].iov_base = static_cast<char*>(first.iov_base) + n;
    scratch[0].iov_len = first.iov_len - n;
    // The caller's array is const: the rest of it is copied behind scratch[0].
    for (int i = 1; i < *iovcnt; ++i) scratch[i] = (*iov)[i];
    *iov = scratch;
  }
}

namespace {

class PosixFileWriter final : public FileWriter {
 public:
  const char* name() const override { return "writev"; }

  void Append(std::span<WriteOp> ops) override {
    for (WriteOp& op : ops) {
      op.written = 0;
      op.error = 0;
      const struct iovec* iov = op.iov;
      int iovcnt = op.iovcnt;
      while (op.written < op.bytes) {
        const ssize_t n = ::writev(op.fd, iov, iovcnt);
        if (n < 0) {
          if (errno == EINTR || errno == EAGAIN) continue;
          op.error = errno;
          break;
        }
        if (n == 0) {  // no progress and no error: treat as a full disk rather than spin
          op.error = ENOSPC;
          break;
        }
        op.written += static_cast<uint64_t>(n);
        if (op.written < op.bytes) AdvanceIov(&iov, &iovcnt, static_cast<uint64_t>(n), scratch_);
      }
    }
  }

  void Sync(std::span<const int> fds, std::span<int> errors) override {
    for (size_t i = 0; i < fds.size(); ++i) {
      int rc;
      do {
        rc = ::fdatasync(fds[i]);
      } while (rc < 0 && errno == EINTR);
      errors[i] = rc < 0 ? errno : 0;
    }
  }

 private:
  struct iovec scratch_[kMaxIov];
};

class NullFileWriter final : public FileWriter {
 public:
  const char* name() const override { return "null"; }
  void Append(std::span<WriteOp> ops) override {
    for (WriteOp& op : ops) {
      op.written = op.bytes;
      op.error = 0;
    }
  }
  void Sync(std::span<const int>, std::span<int> errors) override {
    for (int& e : errors) e = 0;
  }
};

}  // namespace

std::unique_ptr<FileWriter> MakePosixFileWriter() { return std::make_unique<PosixFileWriter>(); }
std::unique_ptr<FileWriter> MakeNullFileWriter() { return std::make_unique<NullFileWriter>(); }

}  // namespace logscribe
