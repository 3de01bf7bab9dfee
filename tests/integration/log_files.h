// Helpers of the integration tests that look at a root on disk while a real
// scribe writes it.
//
// Thread contract: plain functions; call from the test's thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "compressed_reader.h"  // src/common

namespace logscribe::testing {

// Polls `done` every 20 ms until it holds, at most `limit`.
inline bool WaitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// A plain, .zst or .gz file's content; "<why>" when it cannot be read.
inline std::string ReadAny(const std::string& path) {
  std::unique_ptr<CompressedReader> r;
  std::string content;
  if (Status s = CompressedReader::Open(path, &r); !s.ok()) return "<" + s.ToString() + ">";
  if (Status s = r->ReadAll(&content); !s.ok()) return "<" + s.ToString() + ">";
  return content;
}

}  // namespace logscribe::testing
