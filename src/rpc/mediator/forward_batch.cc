#include "forward_batch.h"

#include <grpc/slice.h>
#include <grpcpp/support/slice.h>

#include <cstring>

#include "file_key.h"

namespace logscribe {
namespace {

// Field tags (field number << 3 | wire type).
constexpr uint8_t kBatchEntriesTag = (1 << 3) | 2;   // LogBatch.entries
constexpr uint8_t kBatchSeqTag = (2 << 3) | 0;       // LogBatch.seq
constexpr uint8_t kRequestFilenameTag = (1 << 3) | 2;
constexpr uint8_t kRequestPathTag = (2 << 3) | 2;
constexpr uint8_t kRequestLineTag = (3 << 3) | 2;

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

uint8_t* PutVarint(uint64_t v, uint8_t* p) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

// A length-delimited field, or nothing when empty.
size_t FieldSize(size_t len) { return len == 0 ? 0 : 1 + VarintSize(len) + len; }

uint8_t* PutField(uint8_t tag, std::string_view value, uint8_t* p) {
  if (value.empty()) return p;
  *p++ = tag;
  p = PutVarint(value.size(), p);
  std::memcpy(p, value.data(), value.size());
  return p + value.size();
}

// Calls f(line) for each line of the part, as forwarded.
template <typename F>
void ForEachLine(const ForwardPart& part, F f) {
  const std::string_view data = part.chunk->data;
  uint32_t begin = 0;
  for (uint32_t end : part.chunk->line_ends) {
    f(ForwardedLine(data.substr(begin, end - begin)));
    begin = end;
  }
}

}  // namespace

std::string_view ForwardedLine(std::string_view with_newline) {
  std::string_view line = with_newline;
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\n') return with_newline;
  return line;
}

grpc::ByteBuffer EncodeForwardBatch(uint64_t seq, const std::vector<ForwardPart*>& parts) {
  size_t total = seq == 0 ? 0 : 1 + VarintSize(seq);
  for (const ForwardPart* part : parts) {
    const size_t name_bytes =
        FieldSize(KeyFilename(part->key()).size()) + FieldSize(KeyDir(part->key()).size());
    ForEachLine(*part, [&](std::string_view line) {
      const size_t entry = name_bytes + FieldSize(line.size());
      total += 1 + VarintSize(entry) + entry;
    });
  }
  grpc_slice raw = grpc_slice_malloc(total);
  uint8_t* p = GRPC_SLICE_START_PTR(raw);
  for (const ForwardPart* part : parts) {
    const std::string_view filename = KeyFilename(part->key());
    const std::string_view dir = KeyDir(part->key());
    const size_t name_bytes = FieldSize(filename.size()) + FieldSize(dir.size());
    ForEachLine(*part, [&](std::string_view line) {
      *p++ = kBatchEntriesTag;
      p = PutVarint(name_bytes + FieldSize(line.size()), p);
      p = PutField(kRequestFilenameTag, filename, p);
      p = PutField(kRequestPathTag, dir, p);
      p = PutField(kRequestLineTag, line, p);
    });
  }
  if (seq != 0) {
    *p++ = kBatchSeqTag;
    p = PutVarint(seq, p);
  }
  grpc::Slice slice(raw, grpc::Slice::STEAL_REF);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace logscribe
