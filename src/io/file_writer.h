// FileWriter: how a writer thread appends bytes to its open files.
//
// Thread contract: thread-compatible; each writer thread owns its own
// FileWriter (an io_uring ring is not shared).
//
// Kinds: PosixFileWriter (writev(2) and fdatasync(2), always available),
// UringFileWriter (one io_uring submission for the appends of many files; the
// only file in the tree that includes liburing.h), NullFileWriter (pretends,
// for -sink null) and, in tests, fault-injecting fakes.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace logscribe {

// At most this many iovecs in one WriteOp (the kernel's UIO_MAXIOV).
inline constexpr int kMaxIov = 1024;

// One append to one file. The fd is open with O_APPEND; the iovecs (and the
// bytes they point at) stay valid until Append() returns.
struct WriteOp {
  int fd = -1;
  const struct iovec* iov = nullptr;
  int iovcnt = 0;      // 1..kMaxIov
  uint64_t bytes = 0;  // the sum of the iov lengths
  // Results, set by Append():
  uint64_t written = 0;  // bytes appended; == bytes on success
  int error = 0;         // errno of the failure, 0 on success
};

class FileWriter {
 public:
  virtual ~FileWriter() = default;

  // "writev", "io_uring" or "null".
  virtual const char* name() const = 0;

  // Performs every op, at most one per fd, and returns when each has either
  // written all its bytes or failed. Short writes are continued; EINTR and
  // EAGAIN are retried; any other error stops that op with written < bytes.
  virtual void Append(std::span<WriteOp> ops) = 0;

  // fdatasync(2) of each fd; errors[i] receives errno or 0.
  virtual void Sync(std::span<const int> fds, std::span<int> errors) = 0;
};

std::unique_ptr<FileWriter> MakePosixFileWriter();
std::unique_ptr<FileWriter> MakeNullFileWriter();

// An io_uring writer with a ring of `depth` entries, or null when io_uring is
// not usable here (seccomp, kernel.io_uring_disabled, an old kernel); then
// *why_not says why, in one sentence.
std::unique_ptr<FileWriter> MakeUringFileWriter(unsigned depth, std::string* why_not);

// The measured best of both: appends with writev(2) (on ext4, io_uring punts
// buffered appends to io-wq threads, which cost more CPU for the same bytes)
// and fdatasync through io_uring, where the syncs of many files run in
// parallel. Null when io_uring is unusable; *why_not says why.
std::unique_ptr<FileWriter> MakeAutoFileWriter(unsigned depth, std::string* why_not);

// Advances an iovec array past `n` bytes: *iov/*iovcnt are moved to the first
// byte not yet written; `scratch` holds the partly written first entry.
void AdvanceIov(const struct iovec** iov, int* iovcnt, uint64_t n, struct iovec* scratch);

}  // namespace logscribe
