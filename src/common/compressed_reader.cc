#include "compressed_reader.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>

namespace logscribe {
namespace {

constexpr size_t kBlockBytes = 128 << 10;

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

struct CompressedReader::Engine {
  ZSTD_DCtx* zstd = nullptr;
  z_stream gzip{};
  bool gzip_ready = false;
  size_t zstd_pending = 1;  // ZSTD_decompressStream's last hint: 0 at a frame's end

  ~Engine() {
    if (zstd != nullptr) ZSTD_freeDCtx(zstd);
    if (gzip_ready) inflateEnd(&gzip);
  }
};

CompressedReader::CompressedReader(int fd, Codec codec, std::string path)
    : fd_(fd), codec_(codec), path_(std::move(path)), engine_(std::make_unique<Engine>()),
      in_(codec == Codec::kNone ? 0 : kBlockBytes) {}

CompressedReader::~CompressedReader() { ::close(fd_); }

Status CompressedReader::Open(const std::string& path, std::unique_ptr<CompressedReader>* out) {
  Codec codec = Codec::kNone;
  if (EndsWith(path, CodecExtension(Codec::kZstd))) codec = Codec::kZstd;
  else if (EndsWith(path, CodecExtension(Codec::kGzip))) codec = Codec::kGzip;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status(StatusCode::kNotFound, path + " is gone");
    return Status::FromErrno(errno, "cannot open " + path);
  }
  return FromFd(fd, codec, path, out);
}

Status CompressedReader::FromFd(int fd, Codec codec, const std::string& path,
                                std::unique_ptr<CompressedReader>* out) {
  std::unique_ptr<CompressedReader> reader(new CompressedReader(fd, codec, path));
  Engine& e = *reader->engine_;
  if (codec == Codec::kZstd) {
    e.zstd = ZSTD_createDCtx();
    if (e.zstd == nullptr) return Status::ResourceExhausted("cannot allocate a zstd context");
  } else if (codec == Codec::kGzip) {
    // 15 + 32: zlib or gzip header, detected.
    if (inflateInit2(&e.gzip, 15 + 32) != Z_OK) return Status::ResourceExhausted("cannot initialise zlib");
    e.gzip_ready = true;
  }
  *out = std::move(reader);
  return Status::Ok();
}

Status CompressedReader::Fill() {
  if (in_pos_ < in_len_ || in_eof_) return Status::Ok();
  for (;;) {
    const ssize_t n = ::read(fd_, in_.data(), in_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "cannot read " + path_);
    }
    in_pos_ = 0;
    in_len_ = static_cast<size_t>(n);
    in_eof_ = n == 0;
    return Status::Ok();
  }
}

Status CompressedReader::Read(char* data, size_t n, size_t* got) {
  *got = 0;
  if (n == 0 || done_) return Status::Ok();
  if (codec_ == Codec::kNone) {
    for (;;) {
      const ssize_t r = ::read(fd_, data, n);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Status::FromErrno(errno, "cannot read " + path_);
      *got = static_cast<size_t>(r);
      done_ = r == 0;
      return Status::Ok();
    }
  }
  Engine& e = *engine_;
  while (*got == 0) {
    if (Status s = Fill(); !s.ok()) return s;
    if (in_eof_ && in_pos_ == in_len_) {
      // The input ended: fine only at the end of a complete stream.
      const bool complete = codec_ == Codec::kZstd ? e.zstd_pending == 0 : false;
      if (!complete) return Status(StatusCode::kDataLoss, path_ + " is truncated");
      done_ = true;
      return Status::Ok();
    }
    if (codec_ == Codec::kZstd) {
      ZSTD_inBuffer src{in_.data() + in_pos_, in_len_ - in_pos_, 0};
      ZSTD_outBuffer dst{data, n, 0};
      const size_t r = ZSTD_decompressStream(e.zstd, &dst, &src);
      if (ZSTD_isError(r)) {
        return Status(StatusCode::kDataLoss, path_ + ": " + ZSTD_getErrorName(r));
      }
      e.zstd_pending = r;
      in_pos_ += src.pos;
      *got = dst.pos;
    } else {
      e.gzip.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
      e.gzip.avail_in = static_cast<uInt>(in_len_ - in_pos_);
      e.gzip.next_out = reinterpret_cast<Bytef*>(data);
      e.gzip.avail_out = static_cast<uInt>(n);
      const int rc = inflate(&e.gzip, Z_NO_FLUSH);
      in_pos_ = in_len_ - e.gzip.avail_in;
      *got = n - e.gzip.avail_out;
      if (rc == Z_STREAM_END) {
        // One member per file; anything after it is not ours.
        done_ = true;
        return Status::Ok();
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Status(StatusCode::kDataLoss, path_ + ": " + (e.gzip.msg ? e.gzip.msg : "bad gzip data"));
      }
    }
  }
  return Status::Ok();
}

Status CompressedReader::ReadAll(std::string* content) {
  std::vector<char> buf(kBlockBytes);
  for (;;) {
    size_t got = 0;
    if (Status s = Read(buf.data(), buf.size(), &got); !s.ok()) return s;
    if (got == 0) return Status::Ok();
    content->append(buf.data(), got);
  }
}

}  // namespace logscribe
