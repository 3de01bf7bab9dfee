#include "file_compressor.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <thread>

namespace logscribe {
namespace {

constexpr size_t kBlockBytes = 128 << 10;

Status WriteAll(int fd, const char* data, size_t n, const std::string& what) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "cannot write " + what);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

// Closes a descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

struct FileCompressor::Engine {
  ZSTD_CCtx* zstd = nullptr;
  z_stream gzip{};
  bool gzip_ready = false;

  ~Engine() {
    if (zstd != nullptr) ZSTD_freeCCtx(zstd);
    if (gzip_ready) deflateEnd(&gzip);
  }
};

FileCompressor::FileCompressor(Codec codec, int level, mode_t file_mode)
    : codec_(codec), level_(level == 0 ? DefaultLevel(codec) : level), file_mode_(file_mode),
      engine_(std::make_unique<Engine>()), in_(kBlockBytes), out_(kBlockBytes) {}

FileCompressor::~FileCompressor() = default;

Status FileCompressor::Compress(int dirfd, const std::string& name, CompressResult* result) {
  if (codec_ == Codec::kNone) return Status::Internal("no codec to compress " + name + " with");
  const std::string final_name = name + std::string(CodecExtension(codec_));
  const std::string temp_name = final_name + std::string(kTempSuffix);

  Fd in(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (in.get() < 0) {
    if (errno == ENOENT) return Status(StatusCode::kNotFound, name + " is gone");
    return Status::FromErrno(errno, "cannot open " + name + " to compress it");
  }
  struct stat st;
  if (::fstat(in.get(), &st) != 0) return Status::FromErrno(errno, "cannot stat " + name);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(name + " is not a regular file");
  ::posix_fadvise(in.get(), 0, 0, POSIX_FADV_SEQUENTIAL);

  // A .tmp is never complete: one left by a crash is replaced.
  if (::unlinkat(dirfd, temp_name.c_str(), 0) != 0 && errno != ENOENT) {
    return Status::FromErrno(errno, "cannot remove " + temp_name);
  }
  Fd out(::openat(dirfd, temp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  file_mode_));
  if (out.get() < 0) return Status::FromErrno(errno, "cannot create " + temp_name);
  auto discard = [&](Status s) {
    ::close(out.Release());
    ::unlinkat(dirfd, temp_name.c_str(), 0);
    return s;
  };
  ::fchmod(out.get(), file_mode_);  // the umask may have cut the mode

  uint64_t in_bytes = 0;
  uint64_t out_bytes = 0;
  if (Status s = CompressStream(in.get(), out.get(), name, &in_bytes, &out_bytes); !s.ok()) {
    return discard(std::move(s));
  }
  if (::fsync(out.get()) != 0) return discard(Status::FromErrno(errno, "cannot fsync " + temp_name));
  // The compressed file keeps the time of the log's last line.
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  ::futimens(out.get(), times);
  if (::close(out.Release()) != 0) {
    const int err = errno;
    ::unlinkat(dirfd, temp_name.c_str(), 0);
    return Status::FromErrno(err, "cannot close " + temp_name);
  }

  int err = ::renameat2(dirfd, temp_name.c_str(), dirfd, final_name.c_str(), RENAME_NOREPLACE) == 0
                ? 0
                : errno;
  if (err == EINVAL) {
    // A filesystem without RENAME_NOREPLACE: only this thread makes these names.
    if (::faccessat(dirfd, final_name.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0) err = EEXIST;
    else err = ::renameat(dirfd, temp_name.c_str(), dirfd, final_name.c_str()) == 0 ? 0 : errno;
  }
  if (err != 0) {
    ::unlinkat(dirfd, temp_name.c_str(), 0);
    // EEXIST: a complete copy is already there (one is only ever made by a
    // rename after fsync); it stays, and the plain file goes as in step 5.
    if (err != EEXIST) return Status::FromErrno(err, "cannot rename " + temp_name);
  }
  if (::fsync(dirfd) != 0) {
    // The rename may not be durable: keep the plain file; recovery sorts out the pair.
    return Status::FromErrno(errno, "cannot fsync the directory of " + final_name);
  }
  if (block_delay_.count() > 0) std::this_thread::sleep_for(block_delay_);
  if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) {
    return Status::FromErrno(errno, "cannot remove " + name + " after compressing it");
  }
  result->bytes_in = in_bytes;
  result->bytes_out = out_bytes;
  return Status::Ok();
}

Status FileCompressor::CompressStream(int in_fd, int out_fd, const std::string& name,
                                      uint64_t* in_bytes, uint64_t* out_bytes) {
  Engine& e = *engine_;
  if (codec_ == Codec::kZstd) {
    if (e.zstd == nullptr) {
      e.zstd = ZSTD_createCCtx();
      if (e.zstd == nullptr) return Status::ResourceExhausted("cannot allocate a zstd context");
    }
    ZSTD_CCtx_reset(e.zstd, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(e.zstd, ZSTD_c_compressionLevel, level_);
    ZSTD_CCtx_setParameter(e.zstd, ZSTD_c_checksumFlag, 1);  // a damaged file is detected on read
  } else {
    if (!e.gzip_ready) {
      // windowBits 15 + 16: a gzip header and trailer (CRC-32, size), as gzip(1) writes.
      if (deflateInit2(&e.gzip, level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return Status::ResourceExhausted("cannot initialise zlib");
      }
      e.gzip_ready = true;
    } else {
      deflateReset(&e.gzip);
    }
  }

  for (;;) {
    ssize_t n = ::read(in_fd, in_.data(), in_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "cannot read " + name);
    }
    const bool last = n == 0;
    *in_bytes += static_cast<uint64_t>(n);
    if (codec_ == Codec::kZstd) {
      ZSTD_inBuffer src{in_.data(), static_cast<size_t>(n), 0};
      const ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
      for (;;) {
        ZSTD_outBuffer dst{out_.data(), out_.size(), 0};
        const size_t left = ZSTD_compressStream2(e.zstd, &dst, &src, mode);
        if (ZSTD_isError(left)) {
          return Status::Internal(std::string("zstd failed on ") + name + ": " + ZSTD_getErrorName(left));
        }
        if (Status s = WriteAll(out_fd, out_.data(), dst.pos, name + " compressed"); !s.ok()) return s;
        *out_bytes += dst.pos;
        if (last ? left == 0 : src.pos == src.size) break;
      }
    } else {
      e.gzip.next_in = reinterpret_cast<Bytef*>(in_.data());
      e.gzip.avail_in = static_cast<uInt>(n);
      const int flush = last ? Z_FINISH : Z_NO_FLUSH;
      for (;;) {
        e.gzip.next_out = reinterpret_cast<Bytef*>(out_.data());
        e.gzip.avail_out = static_cast<uInt>(out_.size());
        const int rc = deflate(&e.gzip, flush);
        if (rc == Z_STREAM_ERROR) return Status::Internal("zlib failed on " + name);
        const size_t produced = out_.size() - e.gzip.avail_out;
        if (Status s = WriteAll(out_fd, out_.data(), produced, name + " compressed"); !s.ok()) return s;
        *out_bytes += produced;
        if (last ? rc == Z_STREAM_END : e.gzip.avail_out != 0) break;
      }
    }
    if (last) return Status::Ok();
    if (Cancelled()) return Status(StatusCode::kCancelled, "compression of " + name + " stopped");
    if (block_delay_.count() > 0) std::this_thread::sleep_for(block_delay_);
  }
}

}  // namespace logscribe
