#include "log_cursor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "file_key.h"

namespace logscribe {
namespace {

constexpr size_t kReadBlock = 64 << 10;
constexpr int kRetries = 8;

}  // namespace

LogCursor::LogCursor(const LogRoot* root, std::string key, const CursorOptions& options)
    : root_(root),
      key_(std::move(key)),
      filename_(KeyFilename(key_)),
      dir_(KeyDir(key_)),
      options_(options) {}

LogCursor::~LogCursor() {
  Close();
  if (dirfd_ >= 0) ::close(dirfd_);
}

void LogCursor::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  compressed_.reset();
  buf_.clear();
}

bool LogCursor::AtStop() const {
  if (!has_stop_) return false;
  return seq_ > stop_.seq || (seq_ == stop_.seq && offset_ >= stop_.offset);
}

Status LogCursor::Start(const CursorPosition* start) {
  if (Status s = root_->OpenDirForReading(dir_, &dirfd_); !s.ok()) return s;
  if (start == nullptr || start->seq == 0) {
    LogState st;
    if (Status s = StatLog(dirfd_, dir_, filename_, &st); !s.ok()) return s;
    if (!st.live && st.pieces.empty()) return Status(StatusCode::kNotFound, "no log " + key_);
    return OpenAfter(0, false);
  }
  for (int attempt = 0; attempt < kRetries; ++attempt) {
    LogState st;
    if (Status s = StatLog(dirfd_, dir_, filename_, &st); !s.ok()) return s;
    for (const ReadablePiece& p : st.pieces) {
      if (p.seq != start->seq) continue;
      bool gone = false;
      if (Status s = OpenPiece(p, start->offset, &gone); !s.ok()) return s;
      if (!gone) return Status::Ok();
    }
    if (start->seq == st.next_seq) {
      bool moved = false;
      if (Status s = OpenLive(st.next_seq, start->offset, &moved); !s.ok()) return s;
      if (!moved) return Status::Ok();
      continue;
    }
    if (start->seq > st.next_seq) {
      return Status(StatusCode::kOutOfRange, "position is past the end of " + key_);
    }
    if (std::none_of(st.pieces.begin(), st.pieces.end(),
                     [&](const ReadablePiece& p) { return p.seq == start->seq; })) {
      return OpenAfter(start->seq, true);
    }
  }
  return Status::Unavailable(key_ + " keeps changing; try again");
}

Status LogCursor::OpenAfter(uint64_t after_seq, bool after_is_missing) {
  Close();
  for (int attempt = 0; attempt < kRetries; ++attempt) {
    LogState st;
    if (Status s = StatLog(dirfd_, dir_, filename_, &st); !s.ok()) return s;
    uint64_t expected = after_seq + 1;  // the next seq if nothing was deleted
    bool retry = false;
    for (const ReadablePiece& p : st.pieces) {
      if (p.seq <= after_seq) continue;
      if (options_.until_ns != 0 && p.start_ns > options_.until_ns) {
        ended_ = true;
        seq_ = p.seq;
        live_ = false;
        offset_ = 0;
        return Status::Ok();
      }
      if (options_.since_ns != 0 && p.end_ns != 0 && p.end_ns < options_.since_ns) {
        expected = p.seq + 1;
        continue;
      }
      if (after_seq != 0 && p.seq > expected) gap_ += p.seq - expected;
      if (after_seq != 0 && after_is_missing && expected == after_seq + 1) gap_ += 1;
      bool gone = false;
      if (Status s = OpenPiece(p, 0, &gone); !s.ok()) return s;
      if (!gone) return Status::Ok();
      retry = true;
      break;
    }
    if (retry) continue;
    if (options_.until_ns != 0 && st.live && st.live_start_ns > options_.until_ns) {
      ended_ = true;
      seq_ = st.next_seq;
      live_ = true;
      offset_ = 0;
      return Status::Ok();
    }
    if (after_seq != 0 && st.next_seq > expected) gap_ += st.next_seq - expected;
    if (after_seq != 0 && after_is_missing && expected == after_seq + 1 && st.next_seq > after_seq) gap_ += 1;
    bool moved = false;
    if (Status s = OpenLive(st.next_seq, 0, &moved); !s.ok()) return s;
    if (!moved) return Status::Ok();
  }
  return Status::Unavailable(key_ + " keeps changing; try again");
}

Status LogCursor::OpenPiece(const ReadablePiece& piece, uint64_t offset, bool* gone) {
  Close();
  *gone = false;
  const int fd = ::openat(dirfd_, piece.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {  // compressed or deleted since the listing
      *gone = true;
      return Status::Ok();
    }
    return Status::FromErrno(errno, "cannot open " + dir_ + "/" + piece.name);
  }
  seq_ = piece.seq;
  live_ = false;
  offset_ = offset;
  if (piece.codec == Codec::kNone) {
    fd_ = fd;
    read_off_ = offset;
    return Status::Ok();
  }
  if (Status s = CompressedReader::FromFd(fd, piece.codec, piece.name, &compressed_); !s.ok()) return s;
  // Skip `offset` uncompressed bytes.
  std::string skip(kReadBlock, '\0');
  uint64_t left = offset;
  while (left > 0) {
    size_t got = 0;
    if (Status s = compressed_->Read(skip.data(), std::min<uint64_t>(left, skip.size()), &got); !s.ok()) {
      return s;
    }
    if (got == 0) break;  // past its end: the next Next() moves on
    left -= got;
  }
  return Status::Ok();
}

Status LogCursor::OpenLive(uint64_t seq, uint64_t offset, bool* moved) {
  Close();
  *moved = false;
  seq_ = seq;
  live_ = true;
  const std::string name = filename_ + ".log";
  const int fd = ::openat(dirfd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) return Status::FromErrno(errno, "cannot open " + key_ + ".log");
    // Not created yet (or between a rotation and the next line): wait for it.
    offset_ = 0;
    read_off_ = 0;
    return Status::Ok();
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::FailedPrecondition(key_ + ".log is not a regular file");
  }
  // The file opened must be the one whose rotation takes `seq`.
  LogState again;
  if (Status s = StatLog(dirfd_, dir_, filename_, &again); !s.ok()) {
    ::close(fd);
    return s;
  }
  if (again.next_seq != seq) {
    ::close(fd);
    *moved = true;
    return Status::Ok();
  }
  fd_ = fd;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  if (offset > static_cast<uint64_t>(st.st_size)) offset = 0;  // a new file in its place
  offset_ = offset;
  read_off_ = offset;
  return Status::Ok();
}

bool LogCursor::Rotated() const {
  struct stat st;
  const std::string name = filename_ + ".log";
  if (::fstatat(dirfd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return true;
  return st.st_dev != dev_ || st.st_ino != ino_;
}

Status LogCursor::Refill(bool* eof) {
  *eof = false;
  if (buf_.size() >= options_.buffer_bytes) {
    return Status::ResourceExhausted("a line of " + key_ + " is longer than -read-buffer-bytes");
  }
  const size_t want = std::min(kReadBlock, options_.buffer_bytes - buf_.size());
  const size_t old = buf_.size();
  buf_.resize(old + want);
  size_t got = 0;
  if (compressed_ != nullptr) {
    Status s = compressed_->Read(buf_.data() + old, want, &got);
    if (!s.ok()) {
      buf_.resize(old);
      return s;
    }
  } else {
    for (;;) {
      const ssize_t r = ::pread(fd_, buf_.data() + old, want, static_cast<off_t>(read_off_));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        buf_.resize(old);
        return Status::FromErrno(errno, "cannot read " + key_);
      }
      got = static_cast<size_t>(r);
      read_off_ += got;
      break;
    }
  }
  buf_.resize(old + got);
  *eof = got == 0;
  return Status::Ok();
}

Status LogCursor::Next(size_t max_bytes, uint64_t max_lines,
                       const std::function<bool(std::string_view)>& emit, bool* at_end) {
  *at_end = false;
  size_t taken_bytes = 0;
  uint64_t taken_lines = 0;
  size_t pos = 0;  // consumed in buf_
  auto compact = [&] {
    buf_.erase(0, pos);
    offset_ += pos;
    pos = 0;
  };
  for (;;) {
    if (ended_) {
      *at_end = true;
      return Status::Ok();
    }
    size_t nl;
    while ((nl = buf_.find('\n', pos)) != std::string::npos) {
      if (has_stop_ && (seq_ > stop_.seq || (seq_ == stop_.seq && offset_ + pos >= stop_.offset))) {
        compact();
        *at_end = true;
        return Status::Ok();
      }
      const std::string_view line(buf_.data() + pos, nl + 1 - pos);
      pos = nl + 1;
      const bool match = options_.filter == nullptr ||
                         options_.filter->Matches(line.substr(0, line.size() - 1));
      if (match && emit(line)) {
        taken_bytes += line.size();
        ++taken_lines;
        if (taken_bytes >= max_bytes || (max_lines != 0 && taken_lines >= max_lines)) {
          compact();
          return Status::Ok();
        }
      }
    }
    compact();
    if (AtStop()) {
      *at_end = true;
      return Status::Ok();
    }
    if (fd_ < 0 && compressed_ == nullptr) {
      // The live file was not there: look again.
      bool moved = false;
      if (Status s = OpenLive(seq_, 0, &moved); !s.ok()) return s;
      if (moved) {
        if (Status s = OpenAfter(seq_ - 1, false); !s.ok()) return s;
        continue;
      }
      if (fd_ < 0) {
        *at_end = true;
        return Status::Ok();
      }
    }
    bool eof = false;
    if (Status s = Refill(&eof); !s.ok()) return s;
    if (!eof) continue;
    if (live_) {
      if (!Rotated()) {
        *at_end = true;
        return Status::Ok();
      }
      // Renamed to piece seq_: whatever it got before the rename is read
      // first (the writer appended nothing after it), then what follows.
      live_ = false;
      continue;
    }
    // A piece's end; a last line without its newline is given as it is.
    if (!buf_.empty()) {
      const std::string_view line(buf_);
      const bool match = options_.filter == nullptr || options_.filter->Matches(line);
      pos = buf_.size();
      if (match && emit(line)) {
        taken_bytes += line.size();
        ++taken_lines;
      }
      compact();
    }
    if (Status s = OpenAfter(seq_, false); !s.ok()) return s;
    if (taken_bytes >= max_bytes || (max_lines != 0 && taken_lines >= max_lines)) return Status::Ok();
  }
}

}  // namespace logscribe
