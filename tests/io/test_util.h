// Helpers shared by the src/io tests: a temporary directory that removes
// itself, whole-file reads, chunk building and a Completion that can be waited on.
//
// Thread contract: TempDir and the file helpers are thread-compatible;
// RecordingCompletion is thread-safe (it is told from writer threads).
#pragma once

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "completion.h"
#include "file_chunk.h"
#include "status.h"

namespace logscribe::testing {

// Waits are bounded generously: they only guard against a hung test.
inline constexpr auto kWaitLimit = std::chrono::seconds(60);

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/logscribe-test-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    EXPECT_NE(made, nullptr) << "mkdtemp failed";
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);  // does not follow symlinks
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(std::string_view rel) const { return path_ + "/" + std::string(rel); }

 private:
  std::string path_;
};

inline bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// Writes all of `data` to `fd`; false when write(2) fails or makes no progress.
inline bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

inline mode_t ModeOf(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// Names in `dir` (not recursive), sorted.
inline std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Splits whole lines (each ending in '\n') out of `data`, newline removed. A
// trailing piece without '\n' is returned as a line prefixed "TORN:".
inline std::vector<std::string> SplitLines(std::string_view data) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) {
      lines.push_back("TORN:" + std::string(data.substr(pos)));
      break;
    }
    lines.emplace_back(data.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

// A chunk for `key` holding `lines`, each given without its newline.
inline std::unique_ptr<FileChunk> MakeChunk(std::string key, const std::vector<std::string>& lines,
                                            Completion* completion = nullptr) {
  auto chunk = std::make_unique<FileChunk>();
  chunk->key = std::move(key);
  chunk->key_hash = std::hash<std::string_view>()(chunk->key);
  for (const std::string& line : lines) {
    chunk->data += line;
    chunk->data += '\n';
    chunk->line_ends.push_back(static_cast<uint32_t>(chunk->data.size()));
  }
  chunk->completion = completion;
  return chunk;
}

// Records every OnComplete and lets the test wait for them. `on_complete`, if
// set, runs on the completing thread before the call is recorded.
class RecordingCompletion : public Completion {
 public:
  std::function<void(const Status&)> on_complete;

  // Waits (bounded by kWaitLimit) until OnComplete ran at least `n` times.
  bool WaitFor(int n = 1) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWaitLimit, [&] { return calls_ >= n; });
  }
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  Status status() const {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }
  std::thread::id thread() const {
    std::lock_guard<std::mutex> lock(mu_);
    return thread_;
  }

 protected:
  void OnComplete(Status status) override {
    if (on_complete) on_complete(status);
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    status_ = std::move(status);
    thread_ = std::this_thread::get_id();
    cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
  Status status_;
  std::thread::id thread_;
};

}  // namespace logscribe::testing
