#include "generation_reader.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

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

// The inflating state of a compressed generation: compressed bytes read from
// the descriptor into `in`, inflated into the caller's buffer.
struct GenerationReader::Inflater {
  std::vector<char> in = std::vector<char>(kInBytes);
  size_t in_pos = 0, in_end = 0;
  bool eof = false;       // the descriptor is at its end
  bool finished = false;  // the last frame/member ended cleanly
  z_stream z{};
  bool z_init = false;
  ZSTD_DStream* zs = nullptr;

  ~Inflater() {
    if (z_init) inflateEnd(&z);
    if (zs != nullptr) ZSTD_freeDStream(zs);
  }
};

GenerationReader::GenerationReader(int fd, Compression compression) : fd_(fd), compression_(compression) {
  if (compression_ == Compression::kGzip) {
    inflater_ = std::make_unique<Inflater>();
    // 16 + MAX_WBITS: a gzip header, not a zlib one.
    if (inflateInit2(&inflater_->z, 16 + MAX_WBITS) == Z_OK) {
      inflater_->z_init = true;
    } else {
      error_ = "cannot start zlib";
    }
  } else if (compression_ == Compression::kZstd) {
    inflater_ = std::make_unique<Inflater>();
    inflater_->zs = ZSTD_createDStream();
    if (inflater_->zs == nullptr) error_ = "cannot start zstd";
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
  Inflater& f = *inflater_;
  if (!error_.empty()) return -1;
  size_t out = 0;
  while (out == 0) {
    if (f.in_pos == f.in_end && !f.eof) {
      ssize_t got;
      do {
        got = read(fd_, f.in.data(), f.in.size());
      } while (got < 0 && errno == EINTR);
      if (got < 0) {
        error_ = "read error";
        return -1;
      }
      f.in_pos = 0;
      f.in_end = static_cast<size_t>(got);
      if (got == 0) f.eof = true;
    }
    if (f.in_pos == f.in_end && f.eof) {
      if (f.finished) return 0;
      error_ = "the compressed stream ends early (still being written, or damaged)";
      return -1;
    }
    if (compression_ == Compression::kGzip) {
      f.z.next_in = reinterpret_cast<Bytef*>(f.in.data() + f.in_pos);
      f.z.avail_in = static_cast<uInt>(f.in_end - f.in_pos);
      f.z.next_out = reinterpret_cast<Bytef*>(buf);
      f.z.avail_out = static_cast<uInt>(n);
      const uInt avail_before = f.z.avail_in;
      const int rc = inflate(&f.z, Z_NO_FLUSH);
      f.in_pos = f.in_end - f.z.avail_in;
      out = n - f.z.avail_out;
      if (rc == Z_STREAM_END) {
        // gzip files may hold several members: go on with the next one.
        f.finished = true;
        inflateReset(&f.z);
      } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
        // Any progress after the end of a member starts another one.
        if (out > 0 || f.z.avail_in < avail_before) f.finished = false;
      } else {
        error_ = "damaged gzip data";
        return -1;
      }
    } else {
      ZSTD_inBuffer in{f.in.data() + f.in_pos, f.in_end - f.in_pos, 0};
      ZSTD_outBuffer o{buf, n, 0};
      const size_t rc = ZSTD_decompressStream(f.zs, &o, &in);
      if (ZSTD_isError(rc)) {
        error_ = std::string("damaged zstd data: ") + ZSTD_getErrorName(rc);
        return -1;
      }
      f.in_pos += in.pos;
      out = o.pos;
      f.finished = rc == 0;  // 0: a frame is complete and flushed
    }
  }
  offset_ += out;
  return static_cast<ssize_t>(out);
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
