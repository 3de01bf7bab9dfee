#include "archive_thread.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "file_key.h"

namespace logscribe {
namespace {

// Past this many remembered failures, further ones are counted, not printed.
constexpr size_t kMaxReported = 1000;
constexpr auto kProgressAfter = std::chrono::seconds(1);
constexpr auto kProgressEvery = std::chrono::seconds(5);
// Budget checks: every kBudgetEvery, every kBudgetEveryWhenOver while writes
// are refused (so they resume soon after space is freed).
constexpr auto kBudgetEvery = std::chrono::seconds(10);
constexpr auto kBudgetEveryWhenOver = std::chrono::seconds(1);

std::string Join(const std::string& rel, const std::string& name) {
  return rel.empty() ? name : rel + "/" + name;
}

}  // namespace

const char* RetentionReasonName(RetentionReason reason) {
  switch (reason) {
    case RetentionReason::kMaxBackups: return "max_backups";
    case RetentionReason::kMaxAge: return "max_age";
    case RetentionReason::kMaxRootBytes: return "max_root_bytes";
    case RetentionReason::kMinFreeBytes: return "min_free_bytes";
  }
  return "?";
}

struct ArchiveThread::Progress {
  explicit Progress(std::chrono::steady_clock::time_point now) : started(now), next(now + kProgressAfter) {}
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point next;
  bool printed = false;
  uint64_t dirs = 0;
  uint64_t rotated = 0;
  uint64_t compressed = 0;
  uint64_t deleted = 0;
};

ArchiveThread::ArchiveThread(const LogRoot* root, ArchiveOptions options, ArchiveCounters* counters)
    : root_(root), options_(options), counters_(counters) {
  if (options_.codec != Codec::kNone) {
    compressor_ = std::make_unique<FileCompressor>(options_.codec, options_.level, options_.file_mode);
    compressor_->set_cancel(&stopping_);
    compressor_->set_block_delay(options_.compress_delay);
  }
  busy_ = options_.scan_at_start;
  budget_due_ = options_.budget();
}

ArchiveThread::~ArchiveThread() { Stop(); }

void ArchiveThread::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ls-archive");
    Run();
  });
}

void ArchiveThread::Enqueue(std::string_view key) {
  MutexLock lock(&mu_);
  if (!queued_.emplace(key).second) return;
  queue_.emplace_back(key);
  counters_->pending_logs.fetch_add(1, std::memory_order_relaxed);
  cv_.NotifyAll();
}

void ArchiveThread::Stop() {
  if (!thread_.joinable()) return;
  {
    MutexLock lock(&mu_);
    stopping_.store(true, std::memory_order_relaxed);
    cv_.NotifyAll();
  }
  thread_.join();
}

bool ArchiveThread::WaitIdleForTest(std::chrono::milliseconds timeout) {
  MutexLock lock(&mu_);
  return cv_.WaitFor(&mu_, timeout, [this]() REQUIRES(mu_) { return queue_.empty() && !busy_ && !budget_due_; });
}

void ArchiveThread::CheckBudgetSoon() {
  MutexLock lock(&mu_);
  if (!options_.budget()) return;
  budget_due_ = true;
  cv_.NotifyAll();
}

bool ArchiveThread::BudgetRefusal(Status* status) const {
  if (!over_budget_.load(std::memory_order_relaxed)) return false;
  MutexLock lock(&mu_);
  if (!over_budget_.load(std::memory_order_relaxed)) return false;
  *status = refusal_;
  return true;
}

void ArchiveThread::Run() {
  if (options_.scan_at_start) {
    Progress progress(options_.clock->SteadyNow());
    const int fd = [&] {
      int dirfd = -1;
      if (Status s = root_->OpenDirForReading("", &dirfd); !s.ok()) Report(s.message());
      return dirfd;
    }();
    if (fd >= 0) Walk(fd, "", 0, &progress);  // Walk closes fd
    if (progress.printed) {
      const double secs =
          std::chrono::duration<double>(options_.clock->SteadyNow() - progress.started).count();
      std::fprintf(options_.report,
                   "logscribe: start-up scan of %s %s after %.1fs: %llu directories, %llu rotated "
                   "files, %llu compressed, %llu deleted\n",
                   root_->path().c_str(), stopping() ? "stopped" : "done", secs,
                   static_cast<unsigned long long>(progress.dirs),
                   static_cast<unsigned long long>(progress.rotated),
                   static_cast<unsigned long long>(progress.compressed),
                   static_cast<unsigned long long>(progress.deleted));
      std::fflush(options_.report);
    }
  }
  if (legacy_seen_ > 0) {
    Report(std::to_string(legacy_seen_) + " plain files under " + root_->path() +
           " are named like rotated files of the old scheme (<name>-<stamp>Z[_NNN].log); they may be "
           "live logs of an old release's clients, so they are kept as they are: never compressed, "
           "deleted or counted by -max-backups (the disk budget counts their bytes)");
  }
  MutexLock lock(&mu_);
  busy_ = false;
  cv_.NotifyAll();
  for (;;) {
    auto ready = [this]() REQUIRES(mu_) { return stopping() || !queue_.empty() || budget_due_; };
    if (options_.budget()) {
      if (!cv_.WaitUntil(&mu_, next_budget_, ready)) budget_due_ = true;
    } else {
      cv_.Wait(&mu_, ready);
    }
    if (stopping()) break;
    if (!queue_.empty()) {
      std::string key = std::move(queue_.front());
      queue_.pop_front();
      queued_.erase(key);  // a rotation from now on queues it again
      counters_->pending_logs.fetch_sub(1, std::memory_order_relaxed);
      busy_ = true;
      mu_.Unlock();
      TidyKey(key);
      mu_.Lock();
      // A rotation made a new piece: check the budget soon, at most once a
      // second however many logs rotate (each check lists the whole root).
      if (options_.budget()) next_budget_ = std::min(next_budget_, last_budget_ + kBudgetEveryWhenOver);
    } else {
      busy_ = true;
      mu_.Unlock();
      EnforceBudget();
      mu_.Lock();
      budget_due_ = false;
      last_budget_ = std::chrono::steady_clock::now();
      next_budget_ = last_budget_ +
                     (over_budget_.load(std::memory_order_relaxed) ? kBudgetEveryWhenOver : kBudgetEvery);
    }
    busy_ = false;
    cv_.NotifyAll();
  }
}

void ArchiveThread::TidyKey(const std::string& key) {
  const std::string rel(KeyDir(key));
  int dirfd;
  if (Status s = root_->OpenDirForReading(rel, &dirfd); !s.ok()) {
    Report("cannot tidy the rotated files of " + key + ".log: " + s.message());
    return;
  }
  LogPieces log;
  if (Status s = ListLogPieces(dirfd, KeyFilename(key), &log); !s.ok()) {
    Report("cannot tidy the rotated files of " + key + ".log: " + s.message());
  } else {
    TidyLog(dirfd, rel, log, nullptr);
  }
  ::close(dirfd);
}

// Takes ownership of dirfd.
void ArchiveThread::Walk(int dirfd, const std::string& rel, size_t depth, Progress* progress) {
  std::map<std::string, LogPieces> logs;
  std::vector<std::string> subdirs;
  if (!ListDirPieces(dirfd, &logs, &subdirs, nullptr).ok()) {
    ::close(dirfd);
    return;
  }
  ++progress->dirs;
  ShowProgress(progress);
  for (auto& [filename, log] : logs) {
    if (stopping()) break;
    progress->rotated += log.pieces.size();
    legacy_seen_ += log.legacy.size();
    TidyLog(dirfd, rel, log, progress);
  }
  for (const std::string& sub : subdirs) {
    if (stopping() || depth >= kMaxPathDepth) break;
    // O_NOFOLLOW: a symlink planted in the root is not followed out of it.
    const int fd = ::openat(dirfd, sub.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) Walk(fd, Join(rel, sub), depth + 1, progress);
  }
  ::close(dirfd);
}

bool ArchiveThread::RemovePiece(int dirfd, const std::string& rel, const Piece& piece,
                                RetentionReason reason) {
  bool gone = true;
  auto remove = [&](const std::string& name) {
    if (::unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT) return;
    Report(Status::FromErrno(errno, "cannot remove " + Join(rel, name)).message());
    gone = false;
  };
  // The copies first: a piece half removed keeps its plain file, which a
  // later pass deletes again.
  for (const std::string& name : piece.temps) remove(name);
  for (const std::string& name : piece.compressed) remove(name);
  if (piece.plain) remove(piece.base);
  if (gone) {
    counters_->deleted_by_reason[static_cast<int>(reason)].fetch_add(1, std::memory_order_relaxed);
    if (reason == RetentionReason::kMaxBackups) {
      counters_->backups_deleted.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return gone;
}

void ArchiveThread::TidyLog(int dirfd, const std::string& rel, LogPieces& log, Progress* progress) {
  auto remove = [&](const std::string& name) {
    if (::unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT) return true;
    Report(Status::FromErrno(errno, "cannot remove " + Join(rel, name)).message());
    return false;
  };
  std::vector<Piece*> order;  // newest first
  for (auto it = log.pieces.rbegin(); it != log.pieces.rend(); ++it) {
    Piece& piece = *it;
    // 1. Compressions that never finished; the plain file is still there.
    for (const std::string& name : piece.temps) {
      if (remove(name)) counters_->leftovers_removed.fetch_add(1, std::memory_order_relaxed);
    }
    piece.temps.clear();
    if (piece.plain && !piece.compressed.empty()) {
      // 2. A complete compressed copy exists: the plain file is redundant.
      if (remove(piece.base)) {
        piece.plain = false;
        counters_->leftovers_removed.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (!piece.empty()) order.push_back(&piece);
  }
  if (options_.max_backups > 0 && order.size() > static_cast<size_t>(options_.max_backups)) {
    // 3. Retention: every variant of the older pieces goes.
    for (size_t i = static_cast<size_t>(options_.max_backups); i < order.size(); ++i) {
      if (RemovePiece(dirfd, rel, *order[i], RetentionReason::kMaxBackups) && progress != nullptr) {
        ++progress->deleted;
      }
    }
    order.resize(static_cast<size_t>(options_.max_backups));
  }
  if (compressor_ == nullptr) return;
  // 4. Compression, oldest first.
  for (auto it = order.rbegin(); it != order.rend() && !stopping(); ++it) {
    Piece& piece = **it;
    if (!piece.plain || !piece.compressed.empty()) continue;
    CompressResult result;
    const Status s = compressor_->Compress(dirfd, piece.base, &result);
    if (s.ok()) {
      counters_->files_compressed.fetch_add(1, std::memory_order_relaxed);
      counters_->bytes_before.fetch_add(result.bytes_in, std::memory_order_relaxed);
      counters_->bytes_after.fetch_add(result.bytes_out, std::memory_order_relaxed);
      if (progress != nullptr) ++progress->compressed;
    } else if (s.code() != StatusCode::kNotFound && s.code() != StatusCode::kCancelled) {
      counters_->compression_failures.fetch_add(1, std::memory_order_relaxed);
      // Printed once per file; it stays plain and is tried again at the log's
      // next rotation and at the next start-up.
      const std::string path = Join(rel, piece.base);
      if (reported_.size() < kMaxReported && reported_.insert(path).second) {
        Report("cannot compress " + path + ", left uncompressed: " + s.message());
      }
    }
    if (progress != nullptr) ShowProgress(progress);
  }
}

void ArchiveThread::EnforceBudget() {
  struct Candidate {
    std::string rel;
    Piece piece;
  };
  std::vector<Candidate> candidates;
  uint64_t total = 0;
  // Depth-first over the root, as the start-up walk; never follows a symlink.
  struct Dir {
    int fd;
    std::string rel;
    size_t depth;
  };
  std::vector<Dir> stack;
  int top = -1;
  if (Status s = root_->OpenDirForReading("", &top); !s.ok()) {
    Report("cannot check the disk budget: " + s.message());
    return;
  }
  auto free_bytes = [&]() -> uint64_t {
    if (options_.free_bytes_for_test) return options_.free_bytes_for_test();
    struct statvfs vfs;
    if (::fstatvfs(top, &vfs) != 0) return UINT64_MAX;
    return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  };
  const int first = ::dup(top);
  if (first >= 0) stack.push_back({first, "", 0});
  while (!stack.empty() && !stopping()) {
    Dir d = std::move(stack.back());
    stack.pop_back();
    std::map<std::string, LogPieces> logs;
    std::vector<std::string> subdirs;
    uint64_t other = 0;
    const Status listed = ListDirPieces(d.fd, &logs, &subdirs, &other);
    if (listed.ok()) {
      total += other;
      for (auto& [filename, log] : logs) {
        total += log.legacy_bytes;
        for (Piece& piece : log.pieces) {
          total += piece.bytes;
          candidates.push_back({d.rel, std::move(piece)});
        }
      }
      for (const std::string& sub : subdirs) {
        if (d.depth >= kMaxPathDepth) break;
        const int fd = ::openat(d.fd, sub.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) stack.push_back({fd, Join(d.rel, sub), d.depth + 1});
      }
    }
    ::close(d.fd);
  }
  for (Dir& d : stack) ::close(d.fd);
  if (stopping()) {
    ::close(top);
    return;
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return PieceOlderAcrossLogs(a.piece, b.piece); });
  uint64_t free = free_bytes();
  const auto now = options_.clock->Now();
  int dirfd = -1;
  std::string dir_rel;
  for (const Candidate& c : candidates) {
    if (stopping()) break;
    RetentionReason reason;
    if (options_.max_age.count() > 0 && now - StampTime(c.piece.stamp) > options_.max_age) {
      reason = RetentionReason::kMaxAge;
    } else if (options_.max_root_bytes > 0 && total > options_.max_root_bytes) {
      reason = RetentionReason::kMaxRootBytes;
    } else if (options_.min_free_bytes > 0 && free < options_.min_free_bytes) {
      reason = RetentionReason::kMinFreeBytes;
    } else {
      break;  // the rest are newer: none is past -max-age either
    }
    if (dirfd < 0 || dir_rel != c.rel) {
      if (dirfd >= 0) ::close(dirfd);
      dirfd = -1;
      dir_rel = c.rel;
      if (!root_->OpenDirForReading(c.rel, &dirfd).ok()) continue;
    }
    if (RemovePiece(dirfd, c.rel, c.piece, reason)) {
      total -= std::min(total, c.piece.bytes);
      free += c.piece.bytes;
    }
  }
  if (dirfd >= 0) ::close(dirfd);
  if (!options_.free_bytes_for_test) free = free_bytes();
  ::close(top);
  counters_->root_bytes.store(total, std::memory_order_relaxed);
  Status refusal;
  if (options_.max_root_bytes > 0 && total > options_.max_root_bytes) {
    refusal = Status::ResourceExhausted(
        "the log root holds " + std::to_string(total) + " bytes, more than -max-root-bytes " +
        std::to_string(options_.max_root_bytes) +
        ", and no rotated piece is left to delete (only live logs and files the scribe does not "
        "own); writes are refused until space is freed");
  } else if (options_.min_free_bytes > 0 && free < options_.min_free_bytes) {
    refusal = Status::ResourceExhausted(
        "the filesystem of the log root has " + std::to_string(free) +
        " bytes free, less than -min-free-bytes " + std::to_string(options_.min_free_bytes) +
        ", and no rotated piece is left to delete (only live logs and files the scribe does not "
        "own); writes are refused until space is freed");
  }
  MutexLock lock(&mu_);
  const bool over = !refusal.ok();
  if (over != over_budget_.load(std::memory_order_relaxed)) {
    Report(over ? refusal.message() : "the disk budget is met again; writes are accepted");
  }
  refusal_ = std::move(refusal);
  over_budget_.store(over, std::memory_order_relaxed);
  counters_->over_budget.store(over ? 1 : 0, std::memory_order_relaxed);
}

void ArchiveThread::ShowProgress(Progress* progress) {
  const auto now = options_.clock->SteadyNow();
  if (now < progress->next) return;
  progress->printed = true;
  progress->next = now + kProgressEvery;
  std::fprintf(options_.report,
               "logscribe: start-up scan of %s: %llu directories, %llu rotated files so far, "
               "%llu compressed, %llu deleted\n",
               root_->path().c_str(), static_cast<unsigned long long>(progress->dirs),
               static_cast<unsigned long long>(progress->rotated),
               static_cast<unsigned long long>(progress->compressed),
               static_cast<unsigned long long>(progress->deleted));
  std::fflush(options_.report);
}

void ArchiveThread::Report(const std::string& sentence) {
  std::fprintf(options_.report, "logscribe: %s\n", sentence.c_str());
  std::fflush(options_.report);
}

}  // namespace logscribe
