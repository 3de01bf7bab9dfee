#include "batch_wire.h"

#include <cstring>
#include <string>

namespace logscribe {
namespace {

constexpr int kVarint = 0, kFixed64 = 1, kLen = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5;
constexpr int kMaxGroupDepth = 100;  // protobuf's recursion limit

// A cursor over wire bytes; every read checks the end.
class Reader {
 public:
  explicit Reader(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}
  bool done() const { return p_ == end_; }

  bool Varint(uint64_t* v) {
    uint64_t out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t b = static_cast<uint8_t>(*p_++);
      out |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *v = out;
        return true;
      }
    }
    return false;  // more than ten bytes
  }
  bool Bytes(std::string_view* out) {
    uint64_t len;
    if (!Varint(&len) || len > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(p_, static_cast<size_t>(len));
    p_ += len;
    return true;
  }
  // Skips a field of an unknown number, groups included (proto3 has none, but
  // protobuf skips them as unknown fields, and so do we).
  bool Skip(int field, int wire_type, int depth = 0) {
    uint64_t v;
    std::string_view s;
    switch (wire_type) {
      case kVarint: return Varint(&v);
      case kFixed64: return Advance(8);
      case kLen: return Bytes(&s);
      case kFixed32: return Advance(4);
      case kStartGroup:
        if (depth >= kMaxGroupDepth) return false;
        for (;;) {
          int f, t;
          if (!Tag(&f, &t)) return false;
          if (t == kEndGroup) return f == field;
          if (!Skip(f, t, depth + 1)) return false;
        }
      default: return false;
    }
  }
  // A field tag: a varint of at most five bytes, taken modulo 2^32 (as
  // protobuf reads it), holding a field number >= 1 and a wire type.
  bool Tag(int* field, int* type) {
    uint64_t tag = 0;
    for (int i = 0;; ++i) {
      if (i == 5 || p_ == end_) return false;
      const uint8_t b = static_cast<uint8_t>(*p_++);
      tag |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) break;
    }
    const uint32_t t = static_cast<uint32_t>(tag);
    if ((t >> 3) == 0) return false;
    *field = static_cast<int>(t >> 3);
    *type = static_cast<int>(t & 7);
    return true;
  }

 private:
  bool Advance(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }
  const char* p_;
  const char* const end_;
};

Status Malformed(const char* what) {
  return Status::InvalidArgument(std::string("a batch could not be parsed as logscribe.v1.LogBatch (") + what +
                                 ")");
}

// Why a path or filename is refused, or nullptr.
const char* InvalidUtf8Field(const WireEntry& e) {
  return !IsValidUtf8(e.path) ? "path" : !IsValidUtf8(e.filename) ? "filename" : nullptr;
}

// One LogRequest's fields into *e; false when its framing is broken.
bool ParseEntry(std::string_view wire, WireEntry* e) {
  *e = WireEntry{};
  Reader r(wire);
  while (!r.done()) {
    int field, type;
    if (!r.Tag(&field, &type)) return false;
    if (type == kLen && field >= 1 && field <= 3) {
      std::string_view v;
      if (!r.Bytes(&v)) return false;
      (field == 1 ? e->filename : field == 2 ? e->path : e->line) = v;
    } else if (!r.Skip(field, type)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // ASCII eight bytes at a time: path and filename almost always are.
    if (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        p += 8;
        continue;
      }
    }
    const uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    uint8_t lo = 0x80, hi = 0xbf;  // the range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0) lo = 0xa0;  // overlong
      if (c == 0xed) hi = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0) lo = 0x90;  // overlong
      if (c == 0xf4) hi = 0x8f;  // past U+10FFFF
    } else {
      return false;
    }
    if (end - p <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= n; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
    }
    p += n + 1;
  }
  return true;
}

WireParse ParseLogBatchWire(std::string_view wire, BatchBuilder* builder, WireEntries* entries, uint64_t* seq,
                            Status* why, size_t max_entries) {
  entries->clear();
  *seq = 0;
  size_t count = 0;
  // 1. The framing of the whole batch, and seq wherever it comes.
  Reader r(wire);
  while (!r.done()) {
    int field, type;
    if (!r.Tag(&field, &type)) {
      *why = Malformed("bad field tag");
      return WireParse::kMalformed;
    }
    if (field == 1 && type == kLen) {
      std::string_view entry;
      if (!r.Bytes(&entry)) {
        *why = Malformed("truncated entry");
        return WireParse::kMalformed;
      }
      if (++count > max_entries) continue;  // framed, counted, not kept
      entries->emplace_back();
      if (!ParseEntry(entry, &entries->back())) {
        *why = Malformed("malformed entry");
        return WireParse::kMalformed;
      }
    } else if (field == 2 && type == kVarint) {
      if (!r.Varint(seq)) {
        *why = Malformed("truncated seq");
        return WireParse::kMalformed;
      }
    } else if (!r.Skip(field, type)) {
      *why = Malformed("bad field");
      return WireParse::kMalformed;
    }
  }
  if (count > max_entries) {
    entries->clear();
    *why = Status::InvalidArgument(std::to_string(count) + " entries in one batch, more than -max-batch-entries " +
                                   std::to_string(max_entries));
    return WireParse::kRefused;
  }
  // 2. Every entry validated and routed, then 3. the lines copied once.
  for (size_t i = 0; i < entries->size(); ++i) {
    const WireEntry& e = (*entries)[i];
    const char* bad = InvalidUtf8Field(e);
    Status s = bad != nullptr ? Status::InvalidArgument(std::string(bad) + " must be valid UTF-8")
                              : builder->Route(e.path, e.filename, e.line.size());
    if (!s.ok()) {
      *why = Status(s.code(), "entries[" + std::to_string(i) + "]: " + s.message());
      return WireParse::kRefused;
    }
  }
  builder->Reserve();
  for (const WireEntry& e : *entries) builder->AppendNext(e.line);
  return WireParse::kOk;
}

Status ParseLogRequestWire(std::string_view wire, BatchBuilder* builder) {
  WireEntry e;
  if (!ParseEntry(wire, &e)) {
    return Status::InvalidArgument("the request could not be parsed as logscribe.v1.LogRequest");
  }
  if (const char* bad = InvalidUtf8Field(e)) return Status::InvalidArgument(std::string(bad) + " must be valid UTF-8");
  if (Status s = builder->Route(e.path, e.filename, e.line.size()); !s.ok()) return s;
  builder->Reserve();
  builder->AppendNext(e.line);
  return Status::Ok();
}

}  // namespace logscribe
