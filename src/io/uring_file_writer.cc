// UringFileWriter: the appends of one writer round go to the kernel in one
// io_uring submission. The only file in the tree that includes liburing.h.
//
// io_uring facts this code respects:
//  - Two unlinked writes to one file may complete in any order, so Append()
//    gets at most one op per fd and keeps at most one SQE in flight per op.
//  - The kernel does not finish a short write: the remainder is resubmitted.
//  - The iovecs (and bytes) of an SQE stay alive until its CQE: they belong to
//    the caller until Append() returns, and Append() returns only after every
//    CQE of its ops was reaped.
#include <liburing.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "file_writer.h"

namespace logscribe {
namespace {

class UringFileWriter final : public FileWriter {
 public:
  // With `appends_via_writev`, Append() uses writev(2) and only Sync() uses the
  // ring (the "auto" writer: see MakeAutoFileWriter).
  UringFileWriter(unsigned depth, bool appends_via_writev)
      : depth_(depth), posix_(appends_via_writev ? MakePosixFileWriter() : nullptr) {}
  ~UringFileWriter() override {
    if (initialized_) io_uring_queue_exit(&ring_);
  }

  int Init() {
    const int rc = io_uring_queue_init(depth_, &ring_, 0);
    initialized_ = rc == 0;
    return rc;
  }

  const char* name() const override { return posix_ ? "writev+io_uring-fsync" : "io_uring"; }

  void Append(std::span<WriteOp> ops) override {
    if (posix_) return posix_->Append(ops);
    states_.resize(ops.size());
    for (size_t i = 0; i < ops.size(); ++i) {
      ops[i].written = 0;
      ops[i].error = 0;
      states_[i].iov = ops[i].iov;
      states_[i].iovcnt = ops[i].iovcnt;
      if (ops[i].bytes > 0) pending_.push_back(i);
    }
    Run(ops, [&](io_uring_sqe* sqe, size_t i) {
      io_uring_prep_writev(sqe, ops[i].fd, states_[i].iov, static_cast<unsigned>(states_[i].iovcnt),
                           static_cast<uint64_t>(-1));
    }, [&](size_t i, int res) {
      WriteOp& op = ops[i];
      if (res == -EINTR || res == -EAGAIN) return true;
      if (res < 0) {
        op.error = -res;
        return false;
      }
      if (res == 0) {
        op.error = ENOSPC;
        return false;
      }
      op.written += static_cast<uint64_t>(res);
      if (op.written >= op.bytes) return false;
      AdvanceIov(&states_[i].iov, &states_[i].iovcnt, static_cast<uint64_t>(res),
                 states_[i].scratch.data());
      return true;
    });
  }

  void Sync(std::span<const int> fds, std::span<int> errors) override {
    for (size_t i = 0; i < fds.size(); ++i) {
      errors[i] = 0;
      pending_.push_back(i);
    }
    Run(fds, [&](io_uring_sqe* sqe, size_t i) {
      io_uring_prep_fsync(sqe, fds[i], IORING_FSYNC_DATASYNC);
    }, [&](size_t i, int res) {
      if (res == -EINTR || res == -EAGAIN) return true;
      errors[i] = res < 0 ? -res : 0;
      return false;
    });
  }

 private:
  struct OpState {
    const struct iovec* iov = nullptr;
    int iovcnt = 0;
    std::vector<struct iovec> scratch = std::vector<struct iovec>(kMaxIov);
  };

  // Submits pending_ (indices into the caller's ops), at most depth_ in flight,
  // and reaps until none is left. `on_cqe` returns true to resubmit the op.
  template <typename Ops, typename Prep, typename OnCqe>
  void Run(Ops& ops, Prep prep, OnCqe on_cqe) {
    (void)ops;
    unsigned in_flight = 0;
    while (!pending_.empty() || in_flight > 0) {
      while (!pending_.empty() && in_flight < depth_) {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        if (sqe == nullptr) break;
        const size_t i = pending_.back();
        pending_.pop_back();
        prep(sqe, i);
        io_uring_sqe_set_data64(sqe, i);
        ++in_flight;
      }
      int rc = io_uring_submit_and_wait(&ring_, 1);
      if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
        // The ring itself failed: nothing we submitted can be trusted to run.
        // Fail what has not been reaped; the writer thread reports it per file.
        FailAll(on_cqe, -rc, &in_flight);
        return;
      }
      io_uring_cqe* cqe;
      unsigned head;
      unsigned seen = 0;
      io_uring_for_each_cqe(&ring_, head, cqe) {
        ++seen;
        const size_t i = static_cast<size_t>(io_uring_cqe_get_data64(cqe));
        --in_flight;
        if (on_cqe(i, cqe->res)) pending_.push_back(i);
      }
      io_uring_cq_advance(&ring_, seen);
    }
  }

  template <typename OnCqe>
  void FailAll(OnCqe on_cqe, int err, unsigned* in_flight) {
    // Wait for what the kernel already has, so no buffer is freed under it.
    while (*in_flight > 0) {
      io_uring_cqe* cqe;
      if (io_uring_wait_cqe(&ring_, &cqe) < 0) break;
      const size_t i = static_cast<size_t>(io_uring_cqe_get_data64(cqe));
      io_uring_cqe_seen(&ring_, cqe);
      --*in_flight;
      on_cqe(i, -err);
    }
    for (size_t i : pending_) on_cqe(i, -err);
    pending_.clear();
  }

  const unsigned depth_;
  const std::unique_ptr<FileWriter> posix_;
  bool initialized_ = false;
  io_uring ring_{};
  std::vector<OpState> states_;
  std::vector<size_t> pending_;
};

}  // namespace

namespace {

std::unique_ptr<FileWriter> MakeRing(unsigned depth, bool appends_via_writev, std::string* why_not) {
  auto writer = std::make_unique<UringFileWriter>(depth, appends_via_writev);
  if (int rc = writer->Init(); rc < 0) {
    if (why_not != nullptr) {
      *why_not = std::string("io_uring_queue_init failed: ") + std::strerror(-rc);
      if (rc == -EPERM) *why_not += " (blocked by seccomp or kernel.io_uring_disabled)";
      if (rc == -ENOSYS) *why_not += " (the kernel has no io_uring)";
    }
    return nullptr;
  }
  return writer;
}

}  // namespace

std::unique_ptr<FileWriter> MakeUringFileWriter(unsigned depth, std::string* why_not) {
  return MakeRing(depth, /*appends_via_writev=*/false, why_not);
}

std::unique_ptr<FileWriter> MakeAutoFileWriter(unsigned depth, std::string* why_not) {
  return MakeRing(depth, /*appends_via_writev=*/true, why_not);
}

}  // namespace logscribe
