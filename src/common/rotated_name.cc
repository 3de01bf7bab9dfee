#include "rotated_name.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace logscribe {
namespace {

constexpr std::string_view kLog = ".log";
constexpr size_t kStampBytes = 19;  // "YYYYMMDDTHHMMSS.mmm"

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool ConsumeSuffix(std::string_view* s, std::string_view suffix) {
  if (s->size() < suffix.size() || s->substr(s->size() - suffix.size()) != suffix) return false;
  s->remove_suffix(suffix.size());
  return true;
}

// "YYYYMMDDTHHMMSS.mmm": digits where FormatStamp puts digits.
bool IsStamp(std::string_view s) {
  if (s.size() != kStampBytes || s[8] != 'T' || s[15] != '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 15) continue;
    if (!IsDigit(s[i])) return false;
  }
  return true;
}

std::string FormatStamp(std::chrono::system_clock::time_point when) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  const time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  ::gmtime_r(&secs, &tm);
  char stamp[48];
  std::snprintf(stamp, sizeof stamp, "%04d%02d%02dT%02d%02d%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return stamp;
}

// Takes "-<stamp>Z" off the end of *rest into *stamp.
bool ConsumeStamp(std::string_view* rest, std::string_view* stamp) {
  constexpr size_t kPart = 1 + kStampBytes + 1;
  if (rest->size() < kPart || rest->back() != 'Z' || (*rest)[rest->size() - kPart] != '-') return false;
  const std::string_view s = rest->substr(rest->size() - kPart + 1, kStampBytes);
  if (!IsStamp(s)) return false;
  *stamp = s;
  rest->remove_suffix(kPart);
  return true;
}

// <filename>-<stamp>Z[_NNN] (the ".log" already taken off).
bool ParseOld(std::string_view rest, RotatedNameParts* p) {
  const size_t underscore = rest.rfind('_');
  if (underscore != std::string_view::npos && underscore > 0 && rest[underscore - 1] == 'Z') {
    const std::string_view digits = rest.substr(underscore + 1);
    bool all_digits = digits.size() >= 3 && digits.size() <= 9;
    uint32_t n = 0;
    for (char c : digits) {
      if (!IsDigit(c)) all_digits = false;
      else n = n * 10 + static_cast<uint32_t>(c - '0');
    }
    if (all_digits) {
      if (n == 0) return false;
      p->counter = n;
      rest = rest.substr(0, underscore);
    }
  }
  if (!ConsumeStamp(&rest, &p->stamp) || rest.empty()) return false;
  p->filename = rest;
  p->scheme = RotatedScheme::kOld;
  return true;
}

// <filename>.log.<seq>-<stamp>Z.
bool ParsePiece(std::string_view rest, RotatedNameParts* p) {
  if (!ConsumeStamp(&rest, &p->stamp)) return false;
  size_t digits = 0;
  while (digits < rest.size() && IsDigit(rest[rest.size() - 1 - digits])) ++digits;
  if (digits < static_cast<size_t>(kSeqDigits) || digits > 20) return false;
  uint64_t seq = 0;
  for (char c : rest.substr(rest.size() - digits)) {
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (seq > (UINT64_MAX - d) / 10) return false;
    seq = seq * 10 + d;
  }
  if (seq == 0) return false;
  // Only as many digits as PieceName writes: one name per number.
  if (digits > static_cast<size_t>(kSeqDigits) && rest[rest.size() - digits] == '0') return false;
  rest.remove_suffix(digits);
  if (!ConsumeSuffix(&rest, ".log.") || rest.empty()) return false;
  p->filename = rest;
  p->seq = seq;
  p->scheme = RotatedScheme::kPiece;
  return true;
}

}  // namespace

bool ParseRotatedName(std::string_view name, RotatedNameParts* parts) {
  RotatedNameParts p;
  std::string_view rest = name;
  if (ConsumeSuffix(&rest, kTempSuffix)) p.temp = true;
  if (ConsumeSuffix(&rest, CodecExtension(Codec::kZstd))) p.codec = Codec::kZstd;
  else if (ConsumeSuffix(&rest, CodecExtension(Codec::kGzip))) p.codec = Codec::kGzip;
  if (p.temp && p.codec == Codec::kNone) return false;
  p.plain = name.substr(0, rest.size());
  const bool ok = ConsumeSuffix(&rest, kLog) ? ParseOld(rest, &p) : ParsePiece(rest, &p);
  if (!ok) return false;
  *parts = p;
  return true;
}

std::string PieceName(std::string_view filename, uint64_t seq, std::chrono::system_clock::time_point when) {
  char number[32];
  std::snprintf(number, sizeof number, "%0*llu", kSeqDigits, static_cast<unsigned long long>(seq));
  std::string name(filename);
  name += ".log.";
  name += number;
  name += '-';
  name += FormatStamp(when);
  name += 'Z';
  return name;
}

std::string OldRotatedName(std::string_view filename, std::chrono::system_clock::time_point when,
                           int counter) {
  std::string name(filename);
  name += '-';
  name += FormatStamp(when);
  name += 'Z';
  if (counter > 0) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "_%03d", counter);
    name += suffix;
  }
  name += ".log";
  return name;
}

bool ShapedLikeRotatedName(std::string_view filename) {
  RotatedNameParts p;
  if (ParseRotatedName(filename, &p)) return true;
  std::string live(filename);
  live += kLog;
  return ParseRotatedName(live, &p);
}

std::chrono::system_clock::time_point StampTime(std::string_view stamp) {
  if (!IsStamp(stamp)) return {};
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (stamp[i] - '0');
    return v;
  };
  struct tm tm {};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  const time_t secs = ::timegm(&tm);
  return std::chrono::system_clock::time_point(std::chrono::seconds(secs) +
                                               std::chrono::milliseconds(num(16, 3)));
}

bool PieceOlder(const Piece& a, const Piece& b) {
  if (a.scheme != b.scheme) return a.scheme == RotatedScheme::kOld;
  if (a.scheme == RotatedScheme::kPiece) return a.seq != b.seq ? a.seq < b.seq : a.stamp < b.stamp;
  return a.stamp != b.stamp ? a.stamp < b.stamp : a.counter < b.counter;
}

bool PieceOlderAcrossLogs(const Piece& a, const Piece& b) {
  return a.stamp != b.stamp ? a.stamp < b.stamp : PieceOlder(a, b);
}

void LogPieces::Add(std::string_view name, const RotatedNameParts& parts, uint64_t bytes) {
  if (parts.scheme == RotatedScheme::kOld && parts.codec == Codec::kNone) {
    legacy.emplace_back(name);
    legacy_bytes += bytes;
    return;
  }
  auto it = std::find_if(pieces.begin(), pieces.end(), [&](const Piece& p) { return p.base == parts.plain; });
  if (it == pieces.end()) {
    Piece fresh;
    fresh.scheme = parts.scheme;
    fresh.base = std::string(parts.plain);
    fresh.stamp = std::string(parts.stamp);
    fresh.seq = parts.seq;
    fresh.counter = parts.counter;
    pieces.push_back(std::move(fresh));
    it = pieces.end() - 1;
  }
  if (parts.temp) it->temps.emplace_back(name);
  else if (parts.codec != Codec::kNone) it->compressed.emplace_back(name);
  else it->plain = true;
  it->bytes += bytes;
}

void LogPieces::Sort() {
  std::sort(pieces.begin(), pieces.end(), PieceOlder);
  for (Piece& p : pieces) std::sort(p.compressed.begin(), p.compressed.end());
  std::sort(legacy.begin(), legacy.end());
}

uint64_t LogPieces::NextSeq() const {
  uint64_t next = 1;
  for (const Piece& p : pieces) {
    if (p.scheme == RotatedScheme::kPiece && p.seq >= next) next = p.seq + 1;
  }
  return next;
}

namespace {

// Lists dirfd; calls `entry(name, stat)` for each regular file and collects
// subdirectories. Never follows a symlink.
template <typename OnFile>
Status ListDir(int dirfd, std::vector<std::string>* subdirs, OnFile on_file) {
  const int listfd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* dir = listfd >= 0 ? ::fdopendir(listfd) : nullptr;
  if (dir == nullptr) {
    const int err = errno;
    if (listfd >= 0) ::close(listfd);
    return Status::FromErrno(err, "cannot list a directory of the log root");
  }
  while (const struct dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (e->d_type == DT_DIR && subdirs != nullptr) {
      subdirs->emplace_back(name);
      continue;
    }
    if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN) continue;
    struct stat st;
    if (::fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
    if (S_ISDIR(st.st_mode)) {
      if (subdirs != nullptr) subdirs->emplace_back(name);
    } else if (S_ISREG(st.st_mode)) {
      on_file(name, st);
    }
  }
  ::closedir(dir);
  return Status::Ok();
}

}  // namespace

Status ListLogPieces(int dirfd, std::string_view filename, LogPieces* out) {
  *out = LogPieces();
  Status s = ListDir(dirfd, nullptr, [&](std::string_view name, const struct stat& st) {
    if (name.substr(0, filename.size()) != filename) return;
    RotatedNameParts p;
    if (ParseRotatedName(name, &p) && p.filename == filename) out->Add(name, p, static_cast<uint64_t>(st.st_size));
  });
  out->Sort();
  return s;
}

Status ListDirPieces(int dirfd, std::map<std::string, LogPieces>* logs, std::vector<std::string>* subdirs,
                     uint64_t* other_bytes) {
  Status s = ListDir(dirfd, subdirs, [&](std::string_view name, const struct stat& st) {
    RotatedNameParts p;
    if (ParseRotatedName(name, &p)) {
      (*logs)[std::string(p.filename)].Add(name, p, static_cast<uint64_t>(st.st_size));
    } else if (other_bytes != nullptr) {
      *other_bytes += static_cast<uint64_t>(st.st_size);
    }
  });
  for (auto& [filename, pieces] : *logs) pieces.Sort();
  return s;
}

}  // namespace logscribe
