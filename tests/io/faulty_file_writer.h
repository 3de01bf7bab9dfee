// FaultyFileWriter: a FileWriter for tests that appends with real writev(2)
// but injects the faults a writer must survive or report: short writes,
// transient EINTR/EAGAIN (retried, as the contract asks), a hard error part
// way through an append (the bytes before it really reach the file, leaving a
// torn line for the caller to take back) and fdatasync errors.
//
// Thread contract: the writer itself is thread-compatible (one writer thread
// uses it); its FaultyFileWriter::Control is thread-safe, so a test may read
// the counters and change the faults while a WriterThread runs the writer.
#pragma once

#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "file_writer.h"

namespace logscribe::testing {

// The faults a FaultyFileWriter injects.
struct WriterFaults {
  // At most this many bytes per writev(2); 0 means no limit.
  uint64_t max_bytes_per_call = 0;
  // Every n-th attempt fails as a writev(2) interrupted by EINTR or EAGAIN
  // would, writing nothing, and is retried; 0 means never.
  int transient_every = 0;
  // Hard failure: after `fail_after_bytes` bytes went to files with inode
  // `fail_ino` (0: any file), the op that crosses the mark writes up to it
  // and fails with `fail_errno`. `fail_times` such failures are injected.
  ino_t fail_ino = 0;
  uint64_t fail_after_bytes = UINT64_MAX;
  int fail_errno = ENOSPC;
  int fail_times = 0;
  // Sync() reports this errno for every fd when nonzero.
  int sync_errno = 0;
};

class FaultyFileWriter final : public FileWriter {
 public:
  using Faults = WriterFaults;

  struct Control {
    std::mutex mu;
    Faults faults;                  // guarded by mu
    uint64_t matched_bytes = 0;     // bytes to files matching fail_ino; guarded by mu
    std::atomic<int> append_calls{0};
    std::atomic<int> syscalls{0};
    std::atomic<int> transient_faults{0};
    std::atomic<int> hard_faults{0};
    std::atomic<int> sync_calls{0};
    std::atomic<int> synced_fds{0};

    void SetFaults(const Faults& f) {
      std::lock_guard<std::mutex> lock(mu);
      faults = f;
      matched_bytes = 0;
    }
  };

  explicit FaultyFileWriter(Faults faults = Faults()) : control_(std::make_shared<Control>()) {
    control_->faults = faults;
  }

  // Shared with the test; stays valid after the writer is destroyed.
  std::shared_ptr<Control> control() const { return control_; }

  const char* name() const override { return "faulty"; }

  void Append(std::span<WriteOp> ops) override {
    control_->append_calls.fetch_add(1);
    for (WriteOp& op : ops) AppendOne(op);
  }

  void Sync(std::span<const int> fds, std::span<int> errors) override {
    control_->sync_calls.fetch_add(1);
    int injected;
    {
      std::lock_guard<std::mutex> lock(control_->mu);
      injected = control_->faults.sync_errno;
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      control_->synced_fds.fetch_add(1);
      if (injected != 0) {
        errors[i] = injected;
        continue;
      }
      errors[i] = ::fdatasync(fds[i]) == 0 ? 0 : errno;
    }
  }

 private:
  // The iovecs covering bytes [from, from + len) of the op, into `out`.
  static void Slice(const WriteOp& op, uint64_t from, uint64_t len, std::vector<struct iovec>* out) {
    out->clear();
    uint64_t offset = 0;
    for (int i = 0; i < op.iovcnt && len > 0; ++i) {
      const uint64_t n = op.iov[i].iov_len;
      if (offset + n <= from) {
        offset += n;
        continue;
      }
      const uint64_t skip = from > offset ? from - offset : 0;
      const uint64_t take = std::min(n - skip, len);
      out->push_back({static_cast<char*>(op.iov[i].iov_base) + skip, take});
      from += take;
      len -= take;
      offset += n;
    }
  }

  void AppendOne(WriteOp& op) {
    op.written = 0;
    op.error = 0;
    bool matches = false;
    {
      std::lock_guard<std::mutex> lock(control_->mu);
      if (control_->faults.fail_ino == 0) {
        matches = true;
      } else {
        struct stat st;
        matches = ::fstat(op.fd, &st) == 0 && st.st_ino == control_->faults.fail_ino;
      }
    }
    while (op.written < op.bytes) {
      const int attempt = control_->syscalls.fetch_add(1) + 1;
      Faults f;
      uint64_t matched;
      {
        std::lock_guard<std::mutex> lock(control_->mu);
        f = control_->faults;
        matched = control_->matched_bytes;
      }
      if (f.transient_every > 0 && attempt % f.transient_every == 0) {
        control_->transient_faults.fetch_add(1);
        continue;  // EINTR or EAGAIN: the contract retries both
      }
      uint64_t want = op.bytes - op.written;
      if (f.max_bytes_per_call > 0) want = std::min(want, f.max_bytes_per_call);
      bool fail_here = false;
      if (matches && f.fail_times > 0 && matched + want > f.fail_after_bytes) {
        want = f.fail_after_bytes > matched ? f.fail_after_bytes - matched : 0;
        fail_here = true;
      }
      ssize_t n = 0;
      if (want > 0) {
        Slice(op, op.written, want, &iov_);
        n = ::writev(op.fd, iov_.data(), static_cast<int>(iov_.size()));
        if (n < 0) {
          if (errno == EINTR || errno == EAGAIN) continue;
          op.error = errno;
          return;
        }
      }
      op.written += static_cast<uint64_t>(n);
      {
        std::lock_guard<std::mutex> lock(control_->mu);
        if (matches) control_->matched_bytes += static_cast<uint64_t>(n);
        if (fail_here) --control_->faults.fail_times;
      }
      if (fail_here) {
        control_->hard_faults.fetch_add(1);
        op.error = f.fail_errno;
        return;
      }
      if (n == 0) {
        op.error = ENOSPC;
        return;
      }
    }
  }

  std::shared_ptr<Control> control_;
  std::vector<struct iovec> iov_;
};

}  // namespace logscribe::testing
