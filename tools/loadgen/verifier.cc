#include "verifier.h"

#include "rotated_name.h"  // src/io: which files are rotated pieces of a log

#include <algorithm>
#include <filesystem>
#include <map>
#include <utility>
#include <vector>
#include <thread>

#include "compressed_reader.h"

namespace logscribe::loadgen {
namespace {

namespace fs = std::filesystem;

// A file of a log: its identity (the live "f3.log", or a rotated piece's
// base name, the same for its compressed copies: rotated_name.h) and the
// filename of the log it belongs to. False for anything else (a .tmp of a
// compression under way included).
bool LogFileIdentity(const std::string& name, std::string* base, std::string* filename) {
  RotatedNameParts p;
  if (ParseRotatedName(name, &p)) {
    if (p.temp) return false;
    *base = std::string(p.plain);
    *filename = std::string(p.filename);
    return true;
  }
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0) {
    *base = name;
    *filename = name.substr(0, name.size() - 4);
    return true;
  }
  return false;
}

// The state of one scan.
class ScanState {
 public:
  ScanState(const LineCodec& codec, const std::vector<const BatchLedger*>& ledgers, VerifyResult* result)
      : codec_(codec), ledgers_(ledgers), result_(result) {
    seen_.resize(ledgers.size());
    for (size_t c = 0; c < ledgers.size(); ++c) {
      seen_[c].resize(ledgers[c]->batches() * ledgers[c]->lines_per_batch());
    }
  }

  void ReadFile(const fs::path& file, const std::string& dir, const std::string& stem);
  void CountMissing();

 private:
  void CheckLine(std::string_view line, const std::string& dir, const std::string& stem,
                 const fs::path& file);
  bool InRightFile(const LineId& id, const std::string& dir, const std::string& stem) const;
  void Example(const std::string& sentence) {
    if (result_->examples.size() < Verifier::kMaxExamples) result_->examples.push_back(sentence);
  }

  const LineCodec& codec_;
  const std::vector<const BatchLedger*>& ledgers_;
  VerifyResult* const result_;
  std::vector<std::vector<bool>> seen_;  // [conn][seq * lines_per_batch + idx]
  std::string scratch_;
};

void ScanState::ReadFile(const fs::path& file, const std::string& dir, const std::string& stem) {
  std::unique_ptr<CompressedReader> in;
  Status s = CompressedReader::Open(file.string(), &in);
  if (s.code() == StatusCode::kNotFound) {
    // Rotated away, compressed (see Scan) or deleted by -max-backups since
    // the listing: its lines are elsewhere or gone by design.
    return;
  }
  if (!s.ok()) {
    if (result_->error.empty()) result_->error = "cannot read " + file.string() + ": " + s.message();
    return;
  }
  ++result_->files_read;
  std::string buffer;
  std::string carry;  // a line cut by the chunk boundary
  constexpr size_t kChunk = 1 << 20;
  buffer.resize(kChunk);
  for (;;) {
    size_t got = 0;
    if (s = in->Read(buffer.data(), kChunk, &got); !s.ok()) {
      if (result_->error.empty()) result_->error = "cannot read " + file.string() + ": " + s.message();
      break;
    }
    if (got == 0) break;
    std::string_view data(buffer.data(), got);
    size_t pos = 0;
    while (pos < data.size()) {
      const size_t nl = data.find('\n', pos);
      if (nl == std::string_view::npos) {
        carry.append(data.substr(pos));
        break;
      }
      if (carry.empty()) {
        CheckLine(data.substr(pos, nl - pos), dir, stem, file);
      } else {
        carry.append(data.substr(pos, nl - pos));
        CheckLine(carry, dir, stem, file);
        carry.clear();
      }
      pos = nl + 1;
    }
  }
  if (!carry.empty()) CheckLine(carry, dir, stem, file);  // a last line without its newline
}

bool ScanState::InRightFile(const LineId& id, const std::string& dir, const std::string& stem) const {
  const int k = codec_.FileIndex(id);
  if (dir != codec_.PathName(k)) return false;
  const std::string& name = codec_.FileName(k);
  // `stem` is the filename of the log the file belongs to (LogFileIdentity).
  return stem == name;
}

void ScanState::CheckLine(std::string_view line, const std::string& dir, const std::string& stem,
                          const fs::path& file) {
  const std::string& prefix = codec_.run_prefix();
  if (line.substr(0, prefix.size()) != prefix) {
    if (line.find(prefix) != std::string_view::npos) {
      ++result_->corrupted;
      Example("a line in " + file.string() + " holds this run's id past its start: " +
              std::string(line.substr(0, 80)));
    }
    return;
  }
  ++result_->lines_found;
  const std::optional<LineId> id = codec_.ParseId(line);
  const BatchLedger* ledger = id && id->conn < ledgers_.size() ? ledgers_[id->conn] : nullptr;
  if (ledger == nullptr || id->seq >= ledger->batches() || id->idx >= ledger->lines(id->seq)) {
    ++result_->corrupted;
    Example("a line in " + file.string() + " names no line that was sent: " + std::string(line.substr(0, 80)));
    return;
  }
  std::vector<bool>& seen = seen_[id->conn];
  const size_t bit = id->seq * ledger->lines_per_batch() + id->idx;
  if (seen[bit]) {
    ++result_->duplicated;
    Example("duplicated in " + file.string() + ": " + std::string(line.substr(0, line.find(' '))));
  } else {
    seen[bit] = true;
    if (!ledger->acked(id->seq)) ++result_->unacked_found;
  }
  if (!codec_.Matches(*id, line, &scratch_)) {
    ++result_->corrupted;
    Example("corrupted in " + file.string() + ": " + std::string(line.substr(0, 80)));
  } else if (!InRightFile(*id, dir, stem)) {
    ++result_->corrupted;
    Example("in the wrong file " + file.string() + ": " + std::string(line.substr(0, line.find(' '))));
  }
}

void ScanState::CountMissing() {
  for (size_t c = 0; c < ledgers_.size(); ++c) {
    const BatchLedger& ledger = *ledgers_[c];
    const std::vector<bool>& seen = seen_[c];
    for (uint64_t seq = 0; seq < ledger.batches(); ++seq) {
      if (!ledger.acked(seq)) continue;
      const uint32_t lines = ledger.lines(seq);
      for (uint32_t idx = 0; idx < lines; ++idx) {
        if (seen[seq * ledger.lines_per_batch() + idx]) continue;
        ++result_->missing;
        if (result_->examples.size() < Verifier::kMaxExamples) {
          std::string text;
          codec_.Format(LineId{static_cast<uint32_t>(c), seq, idx}, &text);
          result_->examples.push_back("missing: " + text.substr(0, text.find(' ')));
        }
      }
    }
  }
}

}  // namespace

VerifyResult Verifier::Scan(const std::vector<std::string>& roots) const {
  VerifyResult result;
  ScanState state(codec_, ledgers_, &result);
  for (const std::string& root_text : roots) {
    const fs::path root(root_text);
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      if (result.error.empty()) result.error = "cannot read -verify-root " + root_text + ": " + ec.message();
      continue;
    }
    // Listed first, read after. A rotated file being compressed may show as
    // its plain name, its compressed one or both: each (directory, stem) is
    // read once, from a compressed copy when one is listed (it is complete:
    // only a rename after fsync makes one), else from the plain file, or from
    // a copy made after the listing when the plain file vanished meanwhile.
    struct Variants {
      std::string filename;
      std::vector<fs::path> paths;
    };
    std::map<std::pair<fs::path, std::string>, Variants> logs;  // by (directory, identity)
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const fs::directory_entry& entry = *it;
      if (!entry.is_regular_file(ec)) continue;
      std::string base, filename;
      if (!LogFileIdentity(entry.path().filename().string(), &base, &filename)) continue;
      Variants& v = logs[{entry.path().parent_path(), base}];
      v.filename = filename;
      v.paths.push_back(entry.path());
    }
    for (auto& [where, v] : logs) {
      const auto& [parent, base] = where;
      const fs::path plain = parent / base;
      std::sort(v.paths.begin(), v.paths.end());
      fs::path chosen = v.paths.back();  // .zst, .gz, then plain
      std::error_code gone;
      if (chosen == plain && !fs::exists(plain, gone)) {
        for (const char* ext : {".gz", ".zst"}) {
          if (fs::exists(parent / (base + ext), gone)) chosen = parent / (base + ext);
        }
      }
      state.ReadFile(chosen, parent.lexically_relative(root).string(), v.filename);
    }
    if (ec && result.error.empty()) result.error = "cannot read -verify-root " + root_text + ": " + ec.message();
  }
  state.CountMissing();
  return result;
}

VerifyResult Verifier::ScanUntilComplete(const std::vector<std::string>& roots,
                                         std::chrono::nanoseconds wait) const {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    VerifyResult result = Scan(roots);
    if (result.missing == 0 || std::chrono::steady_clock::now() >= deadline) return result;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace logscribe::loadgen
