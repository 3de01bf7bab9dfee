// BoundedInflate: a zlib (deflate) or gzip stream inflated into one buffer
// that never holds more than a given limit, and whose every growth is first
// asked of a budget (the sink's queue bound), so that a small compressed
// request cannot make the process hold a thousand times its size (a
// "decompression bomb": 400 KB of gzip are 400 MiB of zeros).
//
// Thread contract: BoundedInflate is reentrant; an InflatedBytes is
// thread-compatible (one owner).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "status.h"

namespace logscribe {

// The two framings of deflate data that senders use: gRPC's "deflate" is
// zlib's (RFC 1950) and its "gzip" is RFC 1952.
enum class DeflateFormat { kZlib, kGzip };

// Where the room for inflated bytes comes from. Reserve(n) asks for n more
// bytes on top of what this inflation already holds; an error refuses the
// growth and ends the inflation with that status. The caller gives back
// InflatedBytes::reserved() once done with the bytes.
class InflateBudget {
 public:
  virtual ~InflateBudget() = default;
  virtual Status Reserve(uint64_t bytes) = 0;
};

// A buffer of its own anonymous mapping, grown with mremap: growing never
// copies (no moment holds the old and the new buffer), pages are resident
// only once written, and freeing gives them back to the system at once (a
// malloc'd buffer grown by realloc held up to 1.5 x its size while copying,
// and the heap kept what it freed).
class InflatedBytes {
 public:
  InflatedBytes() = default;
  ~InflatedBytes();
  InflatedBytes(const InflatedBytes&) = delete;
  InflatedBytes& operator=(const InflatedBytes&) = delete;

  std::string_view view() const { return {data_, size_}; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  // Bytes the budget granted for the current contents; the caller's to give
  // back (to the same budget's owner) once it calls Clear().
  uint64_t reserved() const { return reserved_; }

  // Empties the buffer; frees it when its capacity is above `keep` (a
  // buffer reused for many messages keeps a small one). Forgets reserved().
  void Clear(size_t keep = 0);

 private:
  friend Status BoundedInflate(DeflateFormat, std::span<const std::string_view>, uint64_t, InflateBudget*,
                               InflatedBytes*);
  // Grows the capacity to `capacity` rounded up to whole pages; false when out
  // of memory.
  bool Grow(size_t capacity);

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  uint64_t reserved_ = 0;
};

// Inflates the concatenation of `input` into *out (which it clears first),
// holding at most `max_bytes`. The capacity grows by doubling, each step
// first granted by `budget` (null: no budget). Errors, with nothing usable in
// *out (its reserved() still to be given back):
//  - RESOURCE_EXHAUSTED when the inflated bytes would pass `max_bytes` (the
//    message says so and names the limit) or the budget refuses;
//  - INVALID_ARGUMENT when the input is not one complete stream of `format`
//    (corrupt, truncated, or followed by more bytes).
Status BoundedInflate(DeflateFormat format, std::span<const std::string_view> input, uint64_t max_bytes,
                      InflateBudget* budget, InflatedBytes* out);

}  // namespace logscribe
