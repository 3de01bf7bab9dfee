#include "generation_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace logscribe::cat {
namespace {

constexpr size_t kInBytes = 64 * 1024;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Compression CompressionOf(std::string_view name) {
  if (EndsWith(name, ".gz")) return Compression::kGzip;
  if (EndsWith(name, ".zst")) return Compression::kZstd;
  for (std::string_view other : {".xz", ".bz2", ".lz4", ".lzma", ".Z", ".lzo", ".br"}) {
    if (EndsWith(name, other)) return Compression::kUnreadable;
  }
  return Compression::kNone;
}

GenerationReader::GenerationReader(int fd, Compression compression)
    : fd_(compression == Compression::kNone ? fd : -1), compression_(compression) {
  if (compression_ == Compression::kNone) return;
  const bool gzip = compression_ == Compression::kGzip;
  // Takes fd, also when it fails. The name reads in its messages: "gzip
  // data: incorrect header check".
  if (Status s = CompressedReader::FromFd(fd, gzip ? Codec::kGzip : Codec::kZstd, gzip ? "gzip data" : "zstd data",
                                          &inflater_);
      !s.ok()) {
    error_ = s.message();
  }
}

GenerationReader::~GenerationReader() {
  if (fd_ >= 0) close(fd_);
}

std::unique_ptr<GenerationReader> GenerationReader::Open(const std::string& path) {
  const Compression c = CompressionOf(path);
  if (c == Compression::kUnreadable) {
    errno = ENOTSUP;
    return nullptr;
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  auto r = std::make_unique<GenerationReader>(fd, c);
  if (!r->error_.empty()) {
    errno = ENOMEM;
    return nullptr;
  }
  return r;
}

ssize_t GenerationReader::Read(char* buf, size_t n) {
  if (compression_ != Compression::kNone) return ReadCompressed(buf, n);
  ssize_t got;
  do {
    got = read(fd_, buf, n);
  } while (got < 0 && errno == EINTR);
  if (got > 0) offset_ += static_cast<uint64_t>(got);
  return got;
}

ssize_t GenerationReader::ReadCompressed(char* buf, size_t n) {
  if (!error_.empty()) return -1;
  size_t got = 0;
  if (Status s = inflater_->Read(buf, n, &got); !s.ok()) {
    if (inflater_->truncated()) {
      error_ = "the compressed stream ends early (still being written, or damaged)";
    } else if (s.code() == StatusCode::kDataLoss) {
      error_ = "damaged " + s.message();
    } else {
      error_ = s.message();
    }
    return -1;
  }
  offset_ += got;
  return static_cast<ssize_t>(got);
}

bool GenerationReader::SkipTo(uint64_t offset) {
  if (offset < offset_) return false;
  if (compression_ == Compression::kNone) {
    const off_t end = lseek(fd_, 0, SEEK_END);
    if (end < 0 || static_cast<uint64_t>(end) < offset) return false;
    lseek(fd_, static_cast<off_t>(offset), SEEK_SET);
    offset_ = offset;
    return true;
  }
  std::vector<char> scratch(kInBytes);
  while (offset_ < offset) {
    const ssize_t got = Read(scratch.data(), std::min<uint64_t>(scratch.size(), offset - offset_));
    if (got <= 0) return false;
  }
  return true;
}

std::string GenerationReader::ReadUpTo(size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = Read(out.data() + got, n - got);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

}  // namespace logscribe::cat
