// BatchBuilder on arbitrary requests: Add() one entry at a time and the
// two-pass Route()/Reserve()/AppendNext() must agree with each other and with
// a plain model: the same refusal (the first bad entry's), or the same chunks,
// one per file in order of first appearance, holding every line of that file
// in order, newline-terminated (escaped or not as the format says), with
// line_ends marking each. Builders live across calls, as on a CQ thread, so
// the cache of raw names from an earlier request must never be trusted.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "batch_builder.h"
#include "file_key.h"
#include "fuzz_check.h"
#include "fuzz_targets.h"

namespace logscribe::fuzz {
namespace {

struct Entry {
  std::string_view path;
  std::string_view filename;
  std::string_view line;
};

LineFormat FormatOf(unsigned bits) {
  static constexpr uint64_t kMaxLine[] = {1 << 20, 0, 1, 8};
  LineFormat f;
  f.escape_newlines = (bits & 1) != 0;
  f.max_line_bytes = kMaxLine[(bits >> 1) & 3];
  return f;
}

// The bytes a line must become in its file.
std::string Written(std::string_view line, const LineFormat& format) {
  std::string out;
  if (format.escape_newlines) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    for (char c : line) {
      if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '\n';
  } else {
    out.append(line);
    if (line.empty() || line.back() != '\n') out += '\n';
  }
  return out;
}

// Builders kept across inputs, one pair per format.
BatchBuilder& Builder(unsigned bits, bool two_pass) {
  static std::unique_ptr<BatchBuilder> builders[2][8];
  auto& b = builders[two_pass ? 1 : 0][bits];
  if (b == nullptr) b = std::make_unique<BatchBuilder>(FormatOf(bits));
  return *b;
}

void CheckChunks(const std::vector<std::unique_ptr<FileChunk>>& chunks,
                 const std::vector<std::pair<std::string, std::string>>& want,
                 const std::vector<uint32_t>& want_lines, const LineFormat& format, const char* how) {
  FUZZ_CHECK(chunks.size() == want.size(), std::string(how) + ": chunk count");
  for (size_t i = 0; i < chunks.size(); ++i) {
    const FileChunk& c = *chunks[i];
    FUZZ_CHECK(c.key == want[i].first, std::string(how) + ": key " + c.key + " want " + want[i].first);
    FUZZ_CHECK(c.key_hash == std::hash<std::string_view>()(c.key), std::string(how) + ": key_hash");
    FUZZ_CHECK(c.data == want[i].second, std::string(how) + ": data of " + c.key);
    FUZZ_CHECK(c.line_ends.size() == want_lines[i], std::string(how) + ": line count of " + c.key);
    uint32_t prev = 0;
    for (uint32_t end : c.line_ends) {
      FUZZ_CHECK(end > prev && end <= c.data.size() && c.data[end - 1] == '\n',
                 std::string(how) + ": line_ends of " + c.key);
      prev = end;
    }
    FUZZ_CHECK(prev == c.data.size(), std::string(how) + ": last line end of " + c.key);
    if (format.escape_newlines) {
      size_t newlines = 0;
      for (char ch : c.data) newlines += ch == '\n';
      FUZZ_CHECK(newlines == c.line_ends.size(), std::string(how) + ": an escaped record spans lines");
    }
  }
}

}  // namespace

int BatchBuilderOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const unsigned bits = data[0] & 7;
  const LineFormat format = FormatOf(bits);
  std::vector<Entry> entries;
  size_t pos = 1;
  auto take = [&](size_t n) {
    n = std::min(n, size - pos);
    std::string_view v(reinterpret_cast<const char*>(data) + pos, n);
    pos += n;
    return v;
  };
  while (pos + 4 <= size) {
    const size_t pl = data[pos];
    const size_t fl = data[pos + 1];
    const size_t ll = static_cast<size_t>(data[pos + 2]) | static_cast<size_t>(data[pos + 3]) << 8;
    pos += 4;
    Entry e;
    e.path = take(pl);
    e.filename = take(fl);
    e.line = take(ll);
    entries.push_back(e);
  }

  // The model: the first refused entry, or the files' contents.
  Status model_error;
  std::vector<std::pair<std::string, std::string>> want;
  std::vector<uint32_t> want_lines;
  std::map<std::string, size_t> index;
  uint64_t want_bytes = 0;
  for (const Entry& e : entries) {
    if (e.line.size() > format.max_line_bytes) {
      model_error = Status::InvalidArgument("line too long");
      break;
    }
    std::string key;
    if (Status s = ValidateFileKey(e.path, e.filename, &key); !s.ok()) {
      model_error = s;
      break;
    }
    auto [it, fresh] = index.emplace(key, want.size());
    if (fresh) {
      want.emplace_back(key, "");
      want_lines.push_back(0);
    }
    const std::string w = Written(e.line, format);
    want[it->second].second += w;
    ++want_lines[it->second];
    want_bytes += w.size();
  }

  BatchBuilder& added = Builder(bits, false);
  Status add_status;
  for (const Entry& e : entries) {
    add_status = added.Add(e.path, e.filename, e.line);
    if (!add_status.ok()) break;
  }
  BatchBuilder& routed = Builder(bits, true);
  Status route_status;
  for (const Entry& e : entries) {
    route_status = routed.Route(e.path, e.filename, e.line.size());
    if (!route_status.ok()) break;
  }
  if (route_status.ok()) {
    routed.Reserve();
    for (const Entry& e : entries) routed.AppendNext(e.line);
  }

  FUZZ_CHECK(add_status.ok() == model_error.ok(), "Add: " + add_status.ToString() + " model: " + model_error.ToString());
  FUZZ_CHECK(route_status.ok() == model_error.ok(), "Route: " + route_status.ToString() + " model: " + model_error.ToString());
  if (!model_error.ok()) {
    FUZZ_CHECK(add_status.code() == StatusCode::kInvalidArgument, add_status.ToString());
    FUZZ_CHECK(add_status.message() == route_status.message(), add_status.ToString() + " vs " + route_status.ToString());
    if (model_error.message() != "line too long") {
      FUZZ_CHECK(add_status.message() == model_error.message(), add_status.ToString() + " vs " + model_error.ToString());
    }
    added.Clear();
    routed.Clear();
    return 0;
  }
  FUZZ_CHECK(added.lines() == entries.size() && routed.lines() == entries.size(), "lines()");
  FUZZ_CHECK(added.bytes() == want_bytes && routed.bytes() == want_bytes, "bytes()");
  CheckChunks(added.Take(), want, want_lines, format, "Add");
  CheckChunks(routed.Take(), want, want_lines, format, "Route");
  FUZZ_CHECK(added.lines() == 0 && added.bytes() == 0 && routed.lines() == 0, "Take() starts afresh");
  return 0;
}

}  // namespace logscribe::fuzz
