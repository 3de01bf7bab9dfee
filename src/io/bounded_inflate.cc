#include "bounded_inflate.h"

#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <string>

namespace logscribe {
namespace {

// The first capacity: enough for most requests in one step (text compresses
// 4-10 x), never less than 64 KiB nor more than the limit.
constexpr size_t kMinFirstCapacity = 64 << 10;
constexpr size_t kFirstRatio = 4;

size_t WholePages(size_t bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

const char* FormatName(DeflateFormat format) { return format == DeflateFormat::kGzip ? "gzip" : "deflate"; }

Status NotAStream(DeflateFormat format, const std::string& why) {
  return Status::InvalidArgument(std::string("the request is not valid ") + FormatName(format) + " data: " + why);
}

}  // namespace

InflatedBytes::~InflatedBytes() { Clear(0); }

void InflatedBytes::Clear(size_t keep) {
  size_ = 0;
  reserved_ = 0;
  if (capacity_ > keep) {
    munmap(data_, capacity_);
    data_ = nullptr;
    capacity_ = 0;
  }
}

bool InflatedBytes::Grow(size_t capacity) {
  void* grown = data_ == nullptr ? mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                                 : mremap(data_, capacity_, capacity, MREMAP_MAYMOVE);
  if (grown == MAP_FAILED) return false;
  data_ = static_cast<char*>(grown);
  capacity_ = capacity;
  return true;
}

Status BoundedInflate(DeflateFormat format, std::span<const std::string_view> input, uint64_t max_bytes,
                      InflateBudget* budget, InflatedBytes* out) {
  out->size_ = 0;
  out->reserved_ = 0;
  size_t input_bytes = 0;
  for (std::string_view piece : input) input_bytes += piece.size();

  z_stream z{};
  // 15: the largest window; +16: gzip's header and trailer instead of zlib's.
  if (inflateInit2(&z, format == DeflateFormat::kGzip ? 15 + 16 : 15) != Z_OK) {
    return Status::ResourceExhausted("cannot start inflating the request: out of memory");
  }
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&z};

  size_t piece = 0;        // next piece of `input` to hand to zlib
  size_t piece_offset = 0;  // bytes of it already handed
  auto feed = [&] {
    while (z.avail_in == 0 && piece < input.size()) {
      const std::string_view p = input[piece];
      const size_t n = std::min<size_t>(p.size() - piece_offset, UINT_MAX);
      if (n == 0) {
        ++piece;
        piece_offset = 0;
        continue;
      }
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(p.data() + piece_offset));
      z.avail_in = static_cast<uInt>(n);
      piece_offset += n;
      if (piece_offset == p.size()) {
        ++piece;
        piece_offset = 0;
      }
    }
    return z.avail_in > 0;
  };
  auto input_left = [&] {
    size_t left = z.avail_in;
    for (size_t i = piece; i < input.size(); ++i) left += input[i].size() - (i == piece ? piece_offset : 0);
    return left;
  };

  for (;;) {
    const bool more_input = feed();
    // Full at the limit: one byte more of output means the stream is over it.
    char probe = 0;
    bool probing = false;
    // Writable: the capacity (whole pages), never past the limit.
    size_t room_end = static_cast<size_t>(std::min<uint64_t>(out->capacity_, max_bytes));
    if (out->size_ == room_end) {
      if (room_end >= max_bytes) {
        probing = true;
      } else {
        const size_t first = std::max(kMinFirstCapacity, input_bytes * kFirstRatio);
        const size_t want = WholePages(static_cast<size_t>(
            std::min<uint64_t>(max_bytes, out->capacity_ == 0 ? first : uint64_t{out->capacity_} * 2)));
        const uint64_t more = want - out->capacity_;
        if (budget != nullptr) {
          if (Status s = budget->Reserve(more); !s.ok()) return s;
        }
        out->reserved_ += more;
        if (!out->Grow(want)) return Status::ResourceExhausted("out of memory inflating the request");
        room_end = static_cast<size_t>(std::min<uint64_t>(out->capacity_, max_bytes));
      }
    }
    if (probing) {
      z.next_out = reinterpret_cast<Bytef*>(&probe);
      z.avail_out = 1;
    } else {
      z.next_out = reinterpret_cast<Bytef*>(out->data_ + out->size_);
      z.avail_out = static_cast<uInt>(std::min<size_t>(room_end - out->size_, UINT_MAX));
    }
    const uInt avail_before = z.avail_out;
    const int r = inflate(&z, Z_NO_FLUSH);
    const size_t produced = avail_before - z.avail_out;
    if (probing && produced > 0) {
      return Status::ResourceExhausted("the compressed request inflates to more than " + std::to_string(max_bytes) +
                                       " bytes, the largest message accepted (-max-message-bytes)");
    }
    if (!probing) out->size_ += produced;
    if (r == Z_STREAM_END) {
      feed();
      if (const size_t left = input_left(); left > 0) {
        return NotAStream(format, std::to_string(left) + " bytes follow the end of the compressed stream");
      }
      return Status::Ok();
    }
    if (r == Z_NEED_DICT) return NotAStream(format, "it asks for a preset dictionary");
    if (r == Z_MEM_ERROR) return Status::ResourceExhausted("out of memory inflating the request");
    if (r != Z_OK && r != Z_BUF_ERROR) return NotAStream(format, z.msg != nullptr ? z.msg : "corrupt");
    // Z_OK or Z_BUF_ERROR: zlib wants more input, more room, or both. Out
    // of input with room left over, the stream was cut short.
    if (!more_input && z.avail_in == 0 && z.avail_out > 0 && input_left() == 0) {
      return NotAStream(format, "the compressed stream is truncated");
    }
  }
}

}  // namespace logscribe
