#include "log_listing.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "file_key.h"

namespace logscribe {
namespace {

int64_t Nanos(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

int64_t Nanos(const struct timespec& ts) { return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec; }

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

// Fills `out` from a log's pieces as ListLogPieces/ListDirPieces found them.
void FromPieces(int dirfd, const std::string& dir, const std::string& filename, const LogPieces& lp,
                LogState* out) {
  out->key = Join(dir, filename);
  out->pieces.clear();
  out->old_pieces = 0;
  out->next_seq = lp.NextSeq();
  int64_t prev_stamp = 0;
  for (const Piece& p : lp.pieces) {
    if (p.scheme != RotatedScheme::kPiece) {
      ++out->old_pieces;
      continue;
    }
    if (p.empty()) continue;
    ReadablePiece r;
    r.seq = p.seq;
    r.bytes = p.bytes;
    if (p.plain) {
      r.name = p.base;
    } else {
      r.name = p.compressed.front();
      RotatedNameParts parts;
      if (ParseRotatedName(r.name, &parts)) r.codec = parts.codec;
    }
    r.end_ns = Nanos(StampTime(p.stamp));
    // A compressed copy is born after its rotation: never later than the end.
    r.start_ns = prev_stamp != 0 ? prev_stamp : std::min(BirthNanos(dirfd, r.name), r.end_ns);
    prev_stamp = r.end_ns;
    out->pieces.push_back(std::move(r));
  }
  struct stat st;
  const std::string live = filename + ".log";
  out->live = ::fstatat(dirfd, live.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
  out->live_bytes = out->live ? static_cast<uint64_t>(st.st_size) : 0;
  out->live_start_ns = prev_stamp != 0 ? prev_stamp : (out->live ? BirthNanos(dirfd, live) : 0);
  out->live_end_ns = out->live ? Nanos(st.st_mtim) : 0;
}

// A live log's filename when `name` is "<filename>.log" of a valid filename.
bool LiveFilename(const std::string& name, std::string* filename) {
  if (name.size() <= 4 || name.compare(name.size() - 4, 4, ".log") != 0) return false;
  RotatedNameParts parts;
  if (ParseRotatedName(name, &parts)) return false;  // an old-scheme piece
  *filename = name.substr(0, name.size() - 4);
  std::string key;
  return ValidateFileKey("", *filename, &key).ok();
}

}  // namespace

int64_t BirthNanos(int dirfd, const std::string& name) {
  struct statx stx;
  if (::statx(dirfd, name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BTIME, &stx) != 0) return 0;
  if ((stx.stx_mask & STATX_BTIME) == 0) return 0;
  return int64_t{stx.stx_btime.tv_sec} * 1000000000 + stx.stx_btime.tv_nsec;
}

Status StatLog(int dirfd, const std::string& dir, const std::string& filename, LogState* out) {
  LogPieces lp;
  if (Status s = ListLogPieces(dirfd, filename, &lp); !s.ok()) return s;
  lp.Sort();
  FromPieces(dirfd, dir, filename, lp, out);
  return Status::Ok();
}

Status ListLogs(const LogRoot& root, const std::string& dir, const std::string& glob, size_t max_logs,
                std::vector<LogState>* out, bool* truncated) {
  *truncated = false;
  std::vector<std::string> todo{dir};
  while (!todo.empty()) {
    const std::string d = todo.back();
    todo.pop_back();
    int dirfd;
    if (Status s = root.OpenDirForReading(d, &dirfd); !s.ok()) {
      if (s.code() == StatusCode::kNotFound && d != dir) continue;  // went away meanwhile
      return s;
    }
    std::map<std::string, LogPieces> logs;
    std::vector<std::string> subdirs;
    Status s = ListDirPieces(dirfd, &logs, &subdirs, nullptr);
    // The live files: ListDirPieces counts them only as other files.
    std::set<std::string> names;
    for (auto& [filename, lp] : logs) names.insert(filename);
    if (s.ok()) {
      const int fd2 = ::dup(dirfd);
      DIR* dp = fd2 >= 0 ? ::fdopendir(fd2) : nullptr;
      if (dp != nullptr) {
        while (struct dirent* e = ::readdir(dp)) {
          if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN) continue;
          std::string filename;
          if (LiveFilename(e->d_name, &filename)) names.insert(filename);
        }
        ::closedir(dp);
      } else if (fd2 >= 0) {
        ::close(fd2);
      }
    }
    for (const std::string& filename : names) {
      if (!glob.empty() && ::fnmatch(glob.c_str(), filename.c_str(), 0) != 0) continue;
      LogState st;
      auto it = logs.find(filename);
      LogPieces empty;
      LogPieces& lp = it != logs.end() ? it->second : empty;
      lp.Sort();
      FromPieces(dirfd, d, filename, lp, &st);
      if (!st.live && st.pieces.empty() && st.old_pieces == 0) continue;
      if (out->size() >= max_logs) {
        *truncated = true;
        break;
      }
      out->push_back(std::move(st));
    }
    ::close(dirfd);
    if (!s.ok()) return s;
    if (*truncated) break;
    for (const std::string& sub : subdirs) {
      std::string key;
      if (!ValidateFileKey(Join(d, sub), "x", &key).ok()) continue;  // not a name a client could use
      todo.push_back(Join(d, sub));
    }
  }
  std::sort(out->begin(), out->end(), [](const LogState& a, const LogState& b) { return a.key < b.key; });
  return Status::Ok();
}

}  // namespace logscribe
