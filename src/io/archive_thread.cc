#include "archive_thread.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "file_key.h"
#include "rotated_name.h"

namespace logscribe {
namespace {

// Past this many remembered failures, further ones are counted, not printed.
constexpr size_t kMaxReported = 1000;
constexpr auto kProgressAfter = std::chrono::seconds(1);
constexpr auto kProgressEvery = std::chrono::seconds(5);

std::string Join(const std::string& rel, const std::string& name) {
  return rel.empty() ? name : rel + "/" + name;
}

// A regular file (not a symlink, FIFO...), asked only when readdir cannot say.
bool IsRegular(int dirfd, const struct dirent* e) {
  if (e->d_type == DT_REG) return true;
  if (e->d_type != DT_UNKNOWN) return false;
  struct stat st;
  return ::fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

bool IsDirectory(int dirfd, const struct dirent* e) {
  if (e->d_type == DT_DIR) return true;
  if (e->d_type != DT_UNKNOWN) return false;
  struct stat st;
  return ::fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

struct ArchiveThread::Rotated {
  std::string name;
  std::string plain;  // the name up to ".log"
  std::string filename;
  std::string stamp;
  uint32_t counter = 0;
  Codec codec = Codec::kNone;
  bool temp = false;

  static bool From(std::string name, Rotated* out) {
    RotatedNameParts p;
    if (!ParseRotatedName(name, &p)) return false;
    out->plain = std::string(p.plain);
    out->filename = std::string(p.filename);
    out->stamp = std::string(p.stamp);
    out->counter = p.counter;
    out->codec = p.codec;
    out->temp = p.temp;
    out->name = std::move(name);
    return true;
  }
};

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
}

ArchiveThread::~ArchiveThread() { Stop(); }

void ArchiveThread::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ls-archive");
    Run();
  });
}

void ArchiveThread::Enqueue(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!queued_.emplace(key).second) return;
  queue_.emplace_back(key);
  counters_->pending_logs.fetch_add(1, std::memory_order_relaxed);
  cv_.notify_all();
}

void ArchiveThread::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_.store(true, std::memory_order_relaxed);
    cv_.notify_all();
  }
  thread_.join();
}

bool ArchiveThread::WaitIdleForTest(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
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
  std::unique_lock<std::mutex> lock(mu_);
  busy_ = false;
  cv_.notify_all();
  for (;;) {
    cv_.wait(lock, [this] { return stopping() || !queue_.empty(); });
    if (stopping()) break;
    std::string key = std::move(queue_.front());
    queue_.pop_front();
    queued_.erase(key);  // a rotation from now on queues it again
    counters_->pending_logs.fetch_sub(1, std::memory_order_relaxed);
    busy_ = true;
    lock.unlock();
    TidyKey(key);
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

void ArchiveThread::TidyKey(const std::string& key) {
  const std::string rel(KeyDir(key));
  const std::string filename(KeyFilename(key));
  int dirfd;
  if (Status s = root_->OpenDirForReading(rel, &dirfd); !s.ok()) {
    Report("cannot tidy the rotated files of " + key + ".log: " + s.message());
    return;
  }
  const int listfd = ::dup(dirfd);
  DIR* dir = listfd >= 0 ? ::fdopendir(listfd) : nullptr;
  if (dir == nullptr) {
    if (listfd >= 0) ::close(listfd);
    Report("cannot list the directory of " + key + ".log");
    ::close(dirfd);
    return;
  }
  std::vector<Rotated> names;
  const std::string prefix = filename + "-";
  while (const struct dirent* e = ::readdir(dir)) {
    if (std::string_view(e->d_name).substr(0, prefix.size()) != prefix) continue;
    Rotated r;
    if (!Rotated::From(e->d_name, &r) || r.filename != filename || !IsRegular(dirfd, e)) continue;
    names.push_back(std::move(r));
  }
  ::closedir(dir);
  TidyLog(dirfd, rel, names, nullptr);
  ::close(dirfd);
}

// Takes ownership of dirfd.
void ArchiveThread::Walk(int dirfd, const std::string& rel, size_t depth, Progress* progress) {
  const int listfd = ::dup(dirfd);
  DIR* dir = listfd >= 0 ? ::fdopendir(listfd) : nullptr;
  if (dir == nullptr) {
    if (listfd >= 0) ::close(listfd);
    ::close(dirfd);
    return;
  }
  std::map<std::string, std::vector<Rotated>> logs;  // by filename
  std::vector<std::string> subdirs;
  while (const struct dirent* e = ::readdir(dir)) {
    const std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    Rotated r;
    if (Rotated::From(std::string(name), &r)) {
      if (IsRegular(dirfd, e)) logs[r.filename].push_back(std::move(r));
    } else if (depth < kMaxPathDepth && IsDirectory(dirfd, e)) {
      subdirs.emplace_back(name);
    }
  }
  ::closedir(dir);
  ++progress->dirs;
  ShowProgress(progress);
  for (auto& [filename, names] : logs) {
    if (stopping()) break;
    progress->rotated += names.size();
    TidyLog(dirfd, rel, names, progress);
  }
  for (const std::string& sub : subdirs) {
    if (stopping()) break;
    // O_NOFOLLOW: a symlink planted in the root is not followed out of it.
    const int fd = ::openat(dirfd, sub.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) Walk(fd, Join(rel, sub), depth + 1, progress);
  }
  ::close(dirfd);
}

void ArchiveThread::TidyLog(int dirfd, const std::string& rel, std::vector<Rotated>& names,
                            Progress* progress) {
  // One entry per rotation: its plain file and compressed variants.
  struct Rotation {
    const Rotated* first = nullptr;  // for the stamp and counter
    bool plain = false;
    std::vector<const Rotated*> compressed;
  };
  std::map<std::string_view, Rotation> rotations;
  auto remove = [&](const std::string& name) {
    if (::unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT) return true;
    Report(Status::FromErrno(errno, "cannot remove " + Join(rel, name)).message());
    return false;
  };
  for (const Rotated& r : names) {
    if (r.temp) {
      // 1. A compression that never finished; the plain file is still there.
      if (remove(r.name)) counters_->leftovers_removed.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    Rotation& rot = rotations[r.plain];
    if (rot.first == nullptr) rot.first = &r;
    if (r.codec == Codec::kNone) rot.plain = true;
    else rot.compressed.push_back(&r);
  }
  std::vector<Rotation*> order;  // newest first
  for (auto& [plain, rot] : rotations) {
    if (rot.plain && !rot.compressed.empty()) {
      // 2. A complete compressed copy exists: the plain file is redundant.
      if (remove(rot.first->plain)) {
        rot.plain = false;
        counters_->leftovers_removed.fetch_add(1, std::memory_order_relaxed);
      }
    }
    order.push_back(&rot);
  }
  std::sort(order.begin(), order.end(),
            [](const Rotation* a, const Rotation* b) {
              return a->first->stamp != b->first->stamp ? a->first->stamp > b->first->stamp
                                                        : a->first->counter > b->first->counter;
            });
  if (options_.max_backups > 0 && order.size() > static_cast<size_t>(options_.max_backups)) {
    // 3. Retention: every variant of the older rotations goes.
    for (size_t i = static_cast<size_t>(options_.max_backups); i < order.size(); ++i) {
      Rotation& rot = *order[i];
      bool gone = !rot.plain || remove(rot.first->plain);
      for (const Rotated* c : rot.compressed) gone = remove(c->name) && gone;
      if (gone) {
        counters_->backups_deleted.fetch_add(1, std::memory_order_relaxed);
        if (progress != nullptr) ++progress->deleted;
      }
    }
    order.resize(static_cast<size_t>(options_.max_backups));
  }
  if (compressor_ == nullptr) return;
  // 4. Compression, oldest first.
  for (auto it = order.rbegin(); it != order.rend() && !stopping(); ++it) {
    Rotation& rot = **it;
    if (!rot.plain || !rot.compressed.empty()) continue;
    const std::string& plain = rot.first->plain;
    CompressResult result;
    const Status s = compressor_->Compress(dirfd, plain, &result);
    if (s.ok()) {
      counters_->files_compressed.fetch_add(1, std::memory_order_relaxed);
      counters_->bytes_before.fetch_add(result.bytes_in, std::memory_order_relaxed);
      counters_->bytes_after.fetch_add(result.bytes_out, std::memory_order_relaxed);
      if (progress != nullptr) ++progress->compressed;
    } else if (s.code() != StatusCode::kNotFound && s.code() != StatusCode::kCancelled) {
      counters_->compression_failures.fetch_add(1, std::memory_order_relaxed);
      // Printed once per file; it stays plain and is tried again at the log's
      // next rotation and at the next start-up.
      const std::string path = Join(rel, plain);
      if (reported_.size() < kMaxReported && reported_.insert(path).second) {
        Report("cannot compress " + path + ", left uncompressed: " + s.message());
      }
    }
    if (progress != nullptr) ShowProgress(progress);
  }
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
