#include "rotation_finder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "position.h"

namespace logscribe::cat {
namespace {

bool RotatedSuffix(std::string_view rest) {
  if (rest.size() < 2 || (rest[0] != '.' && rest[0] != '-' && rest[0] != '_')) return false;
  if (rest[1] < '0' || rest[1] > '9') return false;
  for (char c : rest) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The rotation number of `name` when its suffix is a short number
// (`app.log.3.gz`: 3), else -1 (a date).
long RotationNumber(std::string_view base, std::string_view name) {
  size_t i = name.size() > base.size() ? base.size() : 0;
  while (i < name.size() && (name[i] < '0' || name[i] > '9')) ++i;
  size_t j = i;
  while (j < name.size() && name[j] >= '0' && name[j] <= '9') ++j;
  if (j == i || j - i > 4) return -1;
  return std::stol(std::string(name.substr(i, j - i)));
}

bool HeadStartsWith(const RotatedFile& f, std::string_view head) {
  return f.head.size() >= head.size() && std::string_view(f.head).substr(0, head.size()) == head;
}

}  // namespace

std::string DirOf(const std::string& file) {
  const size_t slash = file.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return file.substr(0, slash);
}

std::string BaseOf(const std::string& file) {
  const size_t slash = file.rfind('/');
  return slash == std::string::npos ? file : file.substr(slash + 1);
}

bool IsRotatedName(std::string_view base, std::string_view name) {
  if (name == base || base.empty()) return false;
  if (name.size() > base.size() && name.substr(0, base.size()) == base && RotatedSuffix(name.substr(base.size()))) {
    return true;
  }
  // logrotate's `extension`: app.log -> app.1.log, app-20261208.log.
  const size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  const std::string_view stem = base.substr(0, dot);
  return name.size() > stem.size() && name.substr(0, stem.size()) == stem && RotatedSuffix(name.substr(stem.size()));
}

std::vector<RotatedFile> FindRotations(const std::string& followed) {
  const std::string dir = DirOf(followed), base = BaseOf(followed);
  std::vector<RotatedFile> found;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return found;
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    if (IsRotatedName(base, e->d_name)) names.emplace_back(e->d_name);
  }
  closedir(d);
  for (const std::string& name : names) {
    RotatedFile f;
    f.path = dir == "/" ? "/" + name : dir + "/" + name;
    f.compression = CompressionOf(name);
    if (f.compression == Compression::kUnreadable) continue;
    auto reader = GenerationReader::Open(f.path);
    if (reader == nullptr) continue;
    struct stat st;
    if (fstat(reader->fd(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) continue;
    f.dev = static_cast<uint64_t>(st.st_dev);
    f.ino = static_cast<uint64_t>(st.st_ino);
    f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    f.head = reader->ReadUpTo(kFingerprintBytes);
    // A compressed copy shorter than a head must end cleanly: one that does
    // not is still being written (or damaged), and its plain original, if
    // any, is listed instead.
    if (f.compression != Compression::kNone && f.head.size() < kFingerprintBytes && !reader->error().empty()) {
      continue;
    }
    if (f.head.empty()) continue;
    found.push_back(std::move(f));
  }
  std::sort(found.begin(), found.end(), [&](const RotatedFile& a, const RotatedFile& b) {
    if (a.mtime_ns != b.mtime_ns) return a.mtime_ns < b.mtime_ns;
    const long na = RotationNumber(base, BaseOf(a.path)), nb = RotationNumber(base, BaseOf(b.path));
    if (na != nb) return na > nb;
    return a.path < b.path;
  });
  // One entry per generation: the same head (the first kFingerprintBytes
  // bytes, or all of a shorter file) plain and compressed.
  std::vector<RotatedFile> unique;
  for (RotatedFile& f : found) {
    auto same = std::find_if(unique.begin(), unique.end(), [&](const RotatedFile& u) { return u.head == f.head; });
    if (same == unique.end()) {
      unique.push_back(std::move(f));
    } else if (same->compression != Compression::kNone && f.compression == Compression::kNone) {
      *same = std::move(f);
    }
  }
  return unique;
}

int FindGeneration(const std::vector<RotatedFile>& rotations, uint64_t ino, std::string_view head,
                   bool newest_first) {
  if (head.empty()) return -1;
  for (size_t i = 0; i < rotations.size(); ++i) {
    if (rotations[i].ino == ino && HeadStartsWith(rotations[i], head)) return static_cast<int>(i);
  }
  const int n = static_cast<int>(rotations.size());
  for (int k = 0; k < n; ++k) {
    const int i = newest_first ? n - 1 - k : k;
    if (HeadStartsWith(rotations[static_cast<size_t>(i)], head)) return i;
  }
  return -1;
}

int FindGenerationByFingerprint(const std::vector<RotatedFile>& rotations, uint64_t ino, uint32_t head_len,
                                uint64_t head_hash) {
  if (head_len == 0) return -1;
  auto matches = [&](const RotatedFile& f) {
    return f.head.size() >= head_len && Fingerprint(std::string_view(f.head).substr(0, head_len)) == head_hash;
  };
  for (size_t i = 0; i < rotations.size(); ++i) {
    if (rotations[i].ino == ino && matches(rotations[i])) return static_cast<int>(i);
  }
  for (size_t i = 0; i < rotations.size(); ++i) {
    if (matches(rotations[i])) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace logscribe::cat
