#include "line_codec.h"

#include <charconv>

namespace logscribe::loadgen {
namespace {

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t HashString(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

constexpr char kFillerAlphabet[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
static_assert(sizeof(kFillerAlphabet) == 65);

template <typename T>
bool ParseNumber(std::string_view* rest, char terminator, T* out) {
  const char* begin = rest->data();
  const char* end = begin + rest->size();
  auto [ptr, ec] = std::from_chars(begin, end, *out);
  if (ec != std::errc() || ptr == begin || ptr == end || *ptr != terminator) return false;
  // Leading zeros would give one id two spellings.
  if (*begin == '0' && ptr - begin > 1) return false;
  rest->remove_prefix(static_cast<size_t>(ptr - begin) + 1);
  return true;
}

void AppendNumber(std::string* out, uint64_t v) {
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;
  out->append(buf, ptr);
}

}  // namespace

LineCodec::LineCodec(std::string run_id, size_t line_bytes, int files, int paths, int lines_per_batch)
    : run_prefix_("lg-" + run_id + "-"),
      line_bytes_(line_bytes),
      run_hash_(HashString(run_id)),
      lines_per_batch_(lines_per_batch) {
  file_names_.reserve(static_cast<size_t>(files));
  for (int k = 0; k < files; ++k) file_names_.push_back("f" + std::to_string(k));
  path_names_.reserve(static_cast<size_t>(paths));
  for (int j = 0; j < paths; ++j) path_names_.push_back("p" + std::to_string(j));
}

void LineCodec::Format(const LineId& id, std::string* out) const {
  // A line_bytes below the id's length gives the id and its space, uncut.
  out->assign(run_prefix_);
  AppendNumber(out, id.conn);
  out->push_back('-');
  AppendNumber(out, id.seq);
  out->push_back('-');
  AppendNumber(out, id.idx);
  out->push_back(' ');
  if (out->size() >= line_bytes_) return;
  const size_t start = out->size();
  out->resize(line_bytes_);
  uint64_t state = run_hash_ ^ (uint64_t{id.conn} << 48) ^ (id.seq * 0x2545f4914f6cdd1dULL) ^ id.idx;
  char* p = out->data() + start;
  char* const end = out->data() + out->size();
  while (p < end) {
    uint64_t r = SplitMix64(&state);
    for (int i = 0; i < 10 && p < end; ++i, r >>= 6) *p++ = kFillerAlphabet[r & 63];
  }
}

std::optional<LineId> LineCodec::ParseId(std::string_view line) const {
  if (line.substr(0, run_prefix_.size()) != run_prefix_) return std::nullopt;
  std::string_view rest = line.substr(run_prefix_.size());
  LineId id;
  if (!ParseNumber(&rest, '-', &id.conn) || !ParseNumber(&rest, '-', &id.seq)) return std::nullopt;
  if (!ParseNumber(&rest, ' ', &id.idx)) return std::nullopt;
  return id;
}

bool LineCodec::Matches(const LineId& id, std::string_view line, std::string* scratch) const {
  Format(id, scratch);
  return line == *scratch;
}

int LineCodec::FileIndex(const LineId& id) const {
  const uint64_t n = id.seq * static_cast<uint64_t>(lines_per_batch_) + id.idx + id.conn;
  return static_cast<int>(n % file_names_.size());
}

}  // namespace logscribe::loadgen
