#include "file_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace logscribe::cat {
namespace {

constexpr size_t kReadBytes = 64 * 1024;
// The bytes before the offset compared to tell the file we read from one
// truncated and written again: 64 bytes hold at least the end of one line
// and most of another in a usual log.
constexpr size_t kTailBytes = 64;

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

std::string PreadUpTo(int fd, uint64_t at, size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = pread(fd, out.data() + got, n - got, static_cast<off_t>(at + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

std::string Names(const std::deque<RotatedFile>& files) {
  std::string s;
  for (const RotatedFile& f : files) s += (s.empty() ? "" : ", ") + f.path;
  return s;
}

}  // namespace

FileFollower::FileFollower(Options options, Outbox* outbox, std::optional<Position> resume)
    : options_(std::move(options)),
      outbox_(outbox),
      resume_(resume),
      watch_(std::make_unique<FileWatch>(DirOf(options_.path))),
      splitter_(options_.max_line_bytes) {}

void FileFollower::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  watch_->Wake();
}

bool FileFollower::stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_;
}

Position FileFollower::PositionAt(uint64_t offset) {
  Position p;
  p.dev = dev_;
  p.ino = ino_;
  p.offset = offset;
  p.head_len = static_cast<uint32_t>(std::min<uint64_t>({offset, kFingerprintBytes, head_.size()}));
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

void FileFollower::Adopt(std::unique_ptr<GenerationReader> reader, const std::string& name, bool live,
                         uint64_t offset, std::string head, std::string tail) {
  struct stat st;
  fstat(reader->fd(), &st);
  gen_ = std::move(reader);
  gen_name_ = name;
  live_ = live;
  dev_ = static_cast<uint64_t>(st.st_dev);
  ino_ = static_cast<uint64_t>(st.st_ino);
  read_ = consumed_ = offset;
  seen_size_ = live ? static_cast<uint64_t>(st.st_size) : 0;
  splitter_.Reset();
  head_hash_cached_ = false;
  head_ = std::move(head);
  tail_ = std::move(tail);
  if (live) watch_->WatchFile(gen_->fd());
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
  Adopt(std::make_unique<GenerationReader>(fd, Compression::kNone), options_.path, true, 0, "", "");
  return true;
}

std::unique_ptr<GenerationReader> FileFollower::OpenAt(const RotatedFile& f, uint64_t offset,
                                                       const std::string& tail, std::string* tail_out,
                                                       bool* too_short) {
  *too_short = false;
  auto r = GenerationReader::Open(f.path);
  if (r == nullptr) return nullptr;
  const uint64_t k = std::min<uint64_t>(offset, kTailBytes);
  if (!r->SkipTo(offset - k)) {
    *too_short = true;
    return nullptr;
  }
  std::string got = r->ReadUpTo(static_cast<size_t>(k));
  if (got.size() < k) {
    *too_short = true;
    return nullptr;
  }
  if (!tail.empty() && std::string_view(got).substr(got.size() - std::min(got.size(), tail.size())) !=
                           std::string_view(tail).substr(tail.size() - std::min(got.size(), tail.size()))) {
    return nullptr;
  }
  *tail_out = std::move(got);
  return r;
}

void FileFollower::QueueNewer(const std::vector<RotatedFile>& rotations, int from) {
  struct stat at_path;
  const bool have_path = stat(options_.path.c_str(), &at_path) == 0;
  for (size_t i = static_cast<size_t>(std::max(from, 0)); i < rotations.size(); ++i) {
    if (have_path && rotations[i].ino == static_cast<uint64_t>(at_path.st_ino)) continue;
    // Ours again (under another name): only a whole head tells.
    if (head_.size() == kFingerprintBytes && rotations[i].head == head_) continue;
    pending_.push_back(rotations[i]);
  }
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
      std::string head = PreadUpTo(fd, 0, at.head_len);
      if (fstat(fd, &now) == 0 && static_cast<uint64_t>(now.st_size) >= at.offset && head.size() == at.head_len &&
          Fingerprint(head) == at.head_hash) {
        std::fprintf(stderr, "logscribe-cat: resuming %s at byte %llu\n", path, U(at.offset));
        const uint64_t k = std::min<uint64_t>(at.offset, kTailBytes);
        std::string tail = PreadUpTo(fd, at.offset - k, static_cast<size_t>(k));
        auto reader = std::make_unique<GenerationReader>(fd, Compression::kNone);
        lseek(fd, static_cast<off_t>(at.offset), SEEK_SET);
        Adopt(std::move(reader), options_.path, true, at.offset, std::move(head), std::move(tail));
        return;
      }
      close(fd);
    }
  }
  // Rotated (renamed, copied and truncated, compressed) while we were down.
  const std::vector<RotatedFile> rotations = FindRotations(options_.path);
  int i = FindGenerationByFingerprint(rotations, at.ino, at.head_len, at.head_hash);
  if (at.head_len == 0) {
    for (size_t j = 0; j < rotations.size() && i < 0; ++j) {
      if (rotations[j].ino == at.ino) i = static_cast<int>(j);
    }
  }
  if (i >= 0) {
    const RotatedFile& f = rotations[static_cast<size_t>(i)];
    std::string tail;
    bool too_short = false;
    auto reader = OpenAt(f, at.offset, "", &tail, &too_short);
    if (reader != nullptr) {
      std::string head = f.head.substr(0, std::min<size_t>(at.head_len, f.head.size()));
      Adopt(std::move(reader), f.path, false, at.offset, std::move(head), std::move(tail));
      QueueNewer(rotations, i + 1);
      std::fprintf(stderr, "logscribe-cat: %s was rotated while logscribe-cat was down: resuming %s at byte %llu%s%s, "
                   "then %s from the start\n",
                   path, f.path.c_str(), U(at.offset), pending_.empty() ? "" : ", then ", Names(pending_).c_str(),
                   path);
      return;
    }
    std::fprintf(stderr, "logscribe-cat: %s has the checkpoint's first bytes but %s\n", f.path.c_str(),
                 too_short ? "is shorter than its offset" : "cannot be read");
  }
  std::fprintf(stderr,
               "logscribe-cat: the checkpoint's file (inode %llu) is neither %s nor a rotated file in %s; reading %s "
               "from the start (lines written to it after byte %llu and not sent are lost)\n",
               U(at.ino), path, DirOf(options_.path).c_str(), path, U(at.offset));
  OpenPath();
}

bool FileFollower::StillSame() {
  const int fd = gen_->fd();
  if (!tail_.empty()) {
    const std::string got = PreadUpTo(fd, read_ - tail_.size(), tail_.size());
    if (got.size() < tail_.size()) return true;
    if (got != tail_) return false;
  }
  if (!head_.empty()) {
    const std::string got = PreadUpTo(fd, 0, head_.size());
    if (got.size() < head_.size()) return true;
    if (got != head_) return false;
  }
  return true;
}

FileFollower::Read FileFollower::ReadSome() {
  if (buf_.empty()) buf_.resize(kReadBytes);
  const ssize_t n = gen_->Read(buf_.data(), buf_.size());
  if (n < 0) {
    std::fprintf(stderr, "logscribe-cat: read of %s: %s\n", gen_name_.c_str(),
                 gen_->error().empty() ? std::strerror(errno) : gen_->error().c_str());
    return Read::kError;
  }
  if (n == 0) return Read::kEnd;
  // Bytes read from a file truncated and written again past our offset
  // before we looked are not the continuation of what we read: checked
  // after the read, so a truncation that came before it is always seen.
  if (live_ && read_ > 0 && !StillSame()) return Read::kReplaced;
  const std::string_view data(buf_.data(), static_cast<size_t>(n));
  if (read_ < kFingerprintBytes && head_.size() == read_) head_.append(data.substr(0, kFingerprintBytes - read_));
  if (data.size() >= kTailBytes) {
    tail_.assign(data.substr(data.size() - kTailBytes));
  } else {
    tail_.append(data);
    if (tail_.size() > kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
  }
  read_ += static_cast<uint64_t>(n);
  seen_size_ = std::max(seen_size_, read_);
  splitter_.Consume(data, [this](std::string_view line, uint64_t consumed) { return EmitLine(line, consumed); });
  return Read::kData;
}

void FileFollower::FinishGeneration() {
  splitter_.Flush([this](std::string_view line, uint64_t consumed) { return EmitLine(line, consumed); });
  if (copy_of_size_) {
    if (*copy_of_size_ > read_) {
      std::fprintf(stderr,
                   "logscribe-cat: %llu bytes that %s was seen to hold past the end of its copy %s (byte %llu) are "
                   "lost: written between logrotate's copy and its truncate\n",
                   U(*copy_of_size_ - read_), options_.path.c_str(), gen_name_.c_str(), U(read_));
    } else {
      std::fprintf(stderr, "logscribe-cat: read %s to its end (byte %llu); no byte seen in %s is missing\n",
                   gen_name_.c_str(), U(read_), options_.path.c_str());
    }
    copy_of_size_.reset();
  }
  gen_.reset();
  live_ = false;
}

void FileFollower::OnRotated() {
  // What the writer added to the old file before it switched comes first.
  Read r;
  while ((r = ReadSome()) == Read::kData) {
  }
  const std::vector<RotatedFile> rotations = FindRotations(options_.path);
  const int ours = head_.empty() ? -1 : FindGeneration(rotations, ino_, head_);
  FinishGeneration();
  if (ours >= 0) QueueNewer(rotations, ours + 1);
  if (pending_.empty()) {
    std::fprintf(stderr, "logscribe-cat: %s was rotated; reading the new file from the start\n",
                 options_.path.c_str());
  } else {
    std::fprintf(stderr, "logscribe-cat: %s was rotated more than once; reading %s, then the new file\n",
                 options_.path.c_str(), Names(pending_).c_str());
  }
}

void FileFollower::OnTruncated() {
  const std::vector<RotatedFile> rotations = FindRotations(options_.path);
  const uint64_t seen = std::max(seen_size_, read_);
  const int i = head_.empty() ? -1 : FindGeneration(rotations, /*ino=*/0, head_, /*newest_first=*/true);
  if (i >= 0) {
    const RotatedFile& f = rotations[static_cast<size_t>(i)];
    std::string tail;
    bool too_short = false;
    auto reader = OpenAt(f, read_, tail_, &tail, &too_short);
    if (reader != nullptr) {
      QueueNewer(rotations, i + 1);
      std::fprintf(stderr,
                   "logscribe-cat: %s was truncated after byte %llu (copytruncate); reading the rest from its copy "
                   "%s%s%s, then %s from the start\n",
                   options_.path.c_str(), U(read_), f.path.c_str(), pending_.empty() ? "" : ", then ",
                   Names(pending_).c_str(), options_.path.c_str());
      // The same generation goes on in the copy: the partial line and the
      // offsets carry over, the identity becomes the copy's.
      struct stat st;
      fstat(reader->fd(), &st);
      gen_ = std::move(reader);
      gen_name_ = f.path;
      live_ = false;
      dev_ = static_cast<uint64_t>(st.st_dev);
      ino_ = static_cast<uint64_t>(st.st_ino);
      tail_ = std::move(tail);
      copy_of_size_ = seen;
      outbox_->Move(PositionAt(consumed_));
      return;
    }
    if (too_short) {
      // The copy was made before we read this far: we hold all of it.
      std::fprintf(stderr,
                   "logscribe-cat: %s was truncated after byte %llu (copytruncate); its copy %s is shorter: nothing "
                   "to read from it\n",
                   options_.path.c_str(), U(read_), f.path.c_str());
      FinishGeneration();
      if (seen > read_) {
        std::fprintf(stderr, "logscribe-cat: %llu bytes %s was seen to hold past byte %llu are lost\n",
                     U(seen - read_), options_.path.c_str(), U(read_));
      }
      QueueNewer(rotations, i + 1);
      return;
    }
  }
  std::fprintf(stderr,
               "logscribe-cat: %s was truncated after byte %llu and no copy with its first bytes is in %s; reading it "
               "from the start%s\n",
               options_.path.c_str(), U(read_), DirOf(options_.path).c_str(),
               seen > read_ ? (" (" + std::to_string(seen - read_) + " bytes seen and not read are lost)").c_str()
                            : "");
  FinishGeneration();
}

bool FileFollower::Run() {
  if (resume_) {
    Resume(*resume_);
  } else {
    OpenPath();
  }
  while (!stopping()) {
    if (gen_ == nullptr) {
      if (!pending_.empty()) {
        const RotatedFile f = pending_.front();
        pending_.pop_front();
        auto reader = GenerationReader::Open(f.path);
        if (reader == nullptr) {
          std::fprintf(stderr, "logscribe-cat: cannot read the rotated %s (%s); its lines are not sent\n",
                       f.path.c_str(), std::strerror(errno));
          continue;
        }
        std::fprintf(stderr, "logscribe-cat: reading the rotated %s\n", f.path.c_str());
        Adopt(std::move(reader), f.path, false, 0, "", "");
        continue;
      }
      if (!OpenPath()) watch_->Wait(options_.poll_interval);
      continue;
    }
    const Read r = ReadSome();
    if (r == Read::kData) continue;
    if (r == Read::kError) {
      // An I/O error or a damaged copy: go on with what comes next.
      FinishGeneration();
      watch_->Wait(options_.poll_interval);
      continue;
    }
    if (r == Read::kReplaced) {
      OnTruncated();
      continue;
    }
    // At the end of the current generation.
    if (!live_) {
      FinishGeneration();
      continue;
    }
    struct stat at_path;
    if (stat(options_.path.c_str(), &at_path) != 0) {
      watch_->Wait(options_.poll_interval);  // gone for now: keep the old descriptor, wait for a new file
      continue;
    }
    if (static_cast<uint64_t>(at_path.st_dev) != dev_ || static_cast<uint64_t>(at_path.st_ino) != ino_) {
      OnRotated();
      continue;
    }
    struct stat st;
    if (fstat(gen_->fd(), &st) == 0) {
      const uint64_t size = static_cast<uint64_t>(st.st_size);
      if (size < read_ || !StillSame()) {
        OnTruncated();
        continue;
      }
      seen_size_ = std::max(seen_size_, size);
      if (size > read_) continue;
    }
    watch_->Wait(options_.poll_interval);
  }
  outbox_->CloseInput();
  return true;
}

}  // namespace logscribe::cat
