#include "checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>

namespace logscribe::cat {
namespace {

constexpr std::string_view kMagic = "logscribe-cat checkpoint 1";
constexpr size_t kMaxCheckpointBytes = 64 * 1024;

bool ParseU64(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != v) return false;
    v = next;
  }
  *out = v;
  return true;
}

Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, what);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

std::string DirOf(const std::string& file) {
  const size_t slash = file.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return file.substr(0, slash);
}

}  // namespace

Status ReadCheckpoint(const std::string& file, CheckpointRecord* out) {
  const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status(StatusCode::kNotFound, "checkpoint " + file + " does not exist");
    return Status::FromErrno(errno, "checkpoint " + file);
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      return Status::FromErrno(err, "checkpoint " + file);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxCheckpointBytes) break;
  }
  close(fd);
  auto bad = [&](const std::string& why) {
    return Status::FailedPrecondition("checkpoint " + file + " is not one logscribe-cat wrote (" + why +
                                      "); remove it to start over");
  };
  std::string_view rest(text);
  CheckpointRecord r;
  bool seen_magic = false, seen_follow = false;
  int numbers = 0;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return bad("no newline at its end");
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (!seen_magic) {
      if (line != kMagic) return bad("first line");
      seen_magic = true;
      continue;
    }
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) return bad("line without a value");
    const std::string_view key = line.substr(0, space), value = line.substr(space + 1);
    if (key == "follow") {
      r.follow = std::string(value);
      seen_follow = true;
      continue;
    }
    uint64_t v = 0;
    if (!ParseU64(value, &v)) return bad("value of " + std::string(key));
    if (key == "dev") {
      r.position.dev = v;
    } else if (key == "ino") {
      r.position.ino = v;
    } else if (key == "offset") {
      r.position.offset = v;
    } else if (key == "head_len") {
      if (v > kFingerprintBytes) return bad("head_len");
      r.position.head_len = static_cast<uint32_t>(v);
    } else if (key == "head_hash") {
      r.position.head_hash = v;
    } else {
      return bad("unknown key " + std::string(key));
    }
    ++numbers;
  }
  if (!seen_magic || !seen_follow || numbers != 5) return bad("missing fields");
  *out = std::move(r);
  return Status::Ok();
}

Status WriteCheckpoint(const std::string& file, const CheckpointRecord& record) {
  const Position& p = record.position;
  std::string text(kMagic);
  text += "\nfollow " + record.follow;
  text += "\ndev " + std::to_string(p.dev);
  text += "\nino " + std::to_string(p.ino);
  text += "\noffset " + std::to_string(p.offset);
  text += "\nhead_len " + std::to_string(p.head_len);
  text += "\nhead_hash " + std::to_string(p.head_hash);
  text += "\n";
  const std::string tmp = file + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno(errno, "checkpoint " + tmp);
  Status s = WriteAll(fd, text, "checkpoint " + tmp);
  if (s.ok() && fsync(fd) != 0) s = Status::FromErrno(errno, "fsync of checkpoint " + tmp);
  close(fd);
  if (s.ok() && rename(tmp.c_str(), file.c_str()) != 0) s = Status::FromErrno(errno, "rename to checkpoint " + file);
  if (!s.ok()) return s;
  // The rename is durable only once the directory is.
  const int dir = open(DirOf(file).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return Status::Ok();
}

}  // namespace logscribe::cat
