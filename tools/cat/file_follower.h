// FileFollower: lines of a file followed like `tail -F`, across rotation and
// truncation, resuming from a checkpoint's Position.
//
// Thread contract: see LineSource.
//
// - The file is read to its end, then checked every poll interval: more
//   bytes are read; a different inode at the path (renamed away, a new file
//   created) means rotation: the old descriptor is read to its end, its
//   partial last line sent, and the new file read from offset 0; a size
//   below the offset read means truncation: reading restarts at 0. A missing
//   path is waited for (the old descriptor, if any, is still read).
// - A partial last line waits for its newline; it is sent on its own when its
//   file is rotated away or truncated. At a stop it is not sent: the
//   checkpoint ends before it, so a restart reads it whole.
// - Resume (`resume` set): the path's file if it has the checkpoint's
//   identity and fingerprint and is at least offset long; else the file with
//   that inode in the same directory (rotated while we were down), read from
//   the offset to its end, then the path's file from 0; else the path's file
//   from 0, saying so.
// Every change of generation goes to the Outbox as Move(), every line as
// Add() with the Positions around it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "line_source.h"
#include "line_splitter.h"
#include "outbox.h"
#include "position.h"

namespace logscribe::cat {

class FileFollower final : public LineSource {
 public:
  struct Options {
    std::string path;  // the followed path
    uint64_t max_line_bytes = 1 << 20;
    std::chrono::nanoseconds poll_interval = std::chrono::milliseconds(100);
  };

  FileFollower(Options options, Outbox* outbox, std::optional<Position> resume)
      : options_(std::move(options)), outbox_(outbox), resume_(resume), splitter_(options_.max_line_bytes) {}
  ~FileFollower() override;

  bool Run() override;
  void RequestStop() override;
  uint64_t split_lines() const override { return splitter_.split_lines(); }

 private:
  // The generation at the path, from 0; false when it cannot be opened now.
  bool OpenPath();
  // Starts from resume_: the path's file or a rotated one at the offset.
  void Resume(const Position& at);
  // Adopts descriptor `fd` (identity from fstat) as the current generation,
  // positioned at `offset`.
  void Adopt(int fd, uint64_t offset);
  // Reads once from the current file; >0 bytes, 0 at EOF, -1 on error.
  ssize_t ReadSome();
  // Sends the partial line and closes the current generation.
  void FinishGeneration();
  Position PositionAt(uint64_t offset);
  bool EmitLine(std::string_view line, uint64_t consumed);
  // Sleeps a poll interval; false when a stop was requested.
  bool SleepPoll();
  bool stopping();

  // Constant after construction.
  const Options options_;
  Outbox* const outbox_;
  const std::optional<Position> resume_;

  // The input thread only.
  LineSplitter splitter_;
  int fd_ = -1;
  bool rotated_file_ = false;  // fd_ is a rotated file found at resume, not the path
  uint64_t dev_ = 0, ino_ = 0;
  uint64_t read_ = 0;      // bytes of the generation read
  uint64_t consumed_ = 0;  // bytes of the generation taken as lines
  std::string head_;       // the generation's first min(read_, kFingerprintBytes) bytes
  bool head_hash_cached_ = false;
  uint64_t head_hash_ = 0;
  bool waiting_announced_ = false;
  std::vector<char> buf_;  // read buffer

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
};

}  // namespace logscribe::cat
