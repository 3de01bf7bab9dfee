// FileFollower: lines of a file followed like `tail -F`, across rotation by
// rename, copytruncate and truncation, resuming from a checkpoint's Position.
//
// Thread contract: see LineSource.
//
// - The file is read to its end, then read again as soon as inotify says it
//   changed (FileWatch; a fallback check every poll interval). After each
//   read, and at each wake-up, the bytes just before the offset and the
//   file's first bytes are compared with what was read: a file truncated and
//   written again past the offset before we looked is caught by that, not by
//   its size.
// - Rotation by rename (another inode at the path): the old descriptor is
//   read to its end and its partial last line sent; then every rotated file
//   written after it (RotationFinder: two rotations before we looked), oldest
//   first; then the new file from offset 0.
// - Truncation (copytruncate): the copy is looked for (a rotated name in the
//   same directory with the same first bytes and the bytes before our
//   offset, compressed or not); the rest of the generation is read from it,
//   then any rotated file written after it, then the file from 0. stderr says
//   so, and how many bytes seen in the file the copy lacks (written between
//   logrotate's copy and its truncate, and lost). A missing path is waited
//   for (the old descriptor, if any, is still read).
// - A partial last line waits for its newline; it is sent on its own when its
//   generation ends (rotated away, truncated, a copy read to its end). At a
//   stop it is not sent: the checkpoint ends before it.
// - Resume (`resume` set): the path's file if it has the checkpoint's inode
//   and fingerprint and is at least offset long; else the rotated file with
//   that inode or fingerprint (a rename, a copy, a compressed copy) from the
//   offset, then every rotated file written since, then the path's file from
//   0; else the path's file from 0, saying so.
// Every change of generation goes to the Outbox as Move(), every line as
// Add() with the Positions around it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "file_watch.h"
#include "generation_reader.h"
#include "line_source.h"
#include "line_splitter.h"
#include "outbox.h"
#include "position.h"
#include "rotation_finder.h"

namespace logscribe::cat {

class FileFollower final : public LineSource {
 public:
  struct Options {
    std::string path;  // the followed path
    uint64_t max_line_bytes = 1 << 20;
    // The fallback check when no inotify event comes.
    std::chrono::nanoseconds poll_interval = std::chrono::seconds(1);
  };

  FileFollower(Options options, Outbox* outbox, std::optional<Position> resume);
  ~FileFollower() override = default;

  bool Run() override;
  void RequestStop() override;
  uint64_t split_lines() const override { return splitter_.split_lines(); }

 private:
  enum class Read { kData, kEnd, kError, kReplaced };

  // The generation at the path, from 0; false when it cannot be opened now.
  bool OpenPath();
  // Starts from resume_: the path's file or a rotated one at the offset.
  void Resume(const Position& at);
  // Makes `reader` (positioned at `offset`, its first bytes `head`) the
  // current generation; `live`: it is the file at the path.
  void Adopt(std::unique_ptr<GenerationReader> reader, const std::string& name, bool live, uint64_t offset,
             std::string head, std::string tail);
  // Opens rotated file `f` at `offset`, checking that the bytes before it
  // are `tail` (when not empty); null when it is shorter or differs.
  std::unique_ptr<GenerationReader> OpenAt(const RotatedFile& f, uint64_t offset, const std::string& tail,
                                           std::string* tail_out, bool* too_short);
  Read ReadSome();
  // Whether the live file still holds what was read (the bytes before read_
  // and the head); true when it is shorter now (the size tells).
  bool StillSame();
  // The live file shrank or was rewritten: find its copy, or start over.
  void OnTruncated();
  // The path names another file: read the old one to its end, queue the
  // rotated files written after it.
  void OnRotated();
  // Queues rotations[from..] for reading after the current generation.
  void QueueNewer(const std::vector<RotatedFile>& rotations, int from);
  // Sends the partial line and closes the current generation.
  void FinishGeneration();
  Position PositionAt(uint64_t offset);
  bool EmitLine(std::string_view line, uint64_t consumed);
  bool stopping();

  // Constant after construction.
  const Options options_;
  Outbox* const outbox_;
  const std::optional<Position> resume_;
  const std::unique_ptr<FileWatch> watch_;  // Wake() from any thread

  // The input thread only.
  LineSplitter splitter_;
  std::unique_ptr<GenerationReader> gen_;
  std::string gen_name_;
  bool live_ = false;  // gen_ is the file at the path, not a rotated one read to its end
  uint64_t dev_ = 0, ino_ = 0;
  uint64_t read_ = 0;       // bytes of the generation read
  uint64_t consumed_ = 0;   // bytes of the generation taken as lines
  uint64_t seen_size_ = 0;  // largest size the live file was seen to have
  std::string head_;        // the generation's first min(read_, kFingerprintBytes) bytes
  std::string tail_;        // its last min(read_, kTailBytes) bytes read
  bool head_hash_cached_ = false;
  uint64_t head_hash_ = 0;
  // While reading a copy after a truncation: how far the original was seen.
  std::optional<uint64_t> copy_of_size_;
  std::deque<RotatedFile> pending_;  // rotated files to read before the path
  bool waiting_announced_ = false;
  std::vector<char> buf_;  // read buffer

  std::mutex mu_;
  bool stop_ = false;  // guarded by mu_
};

}  // namespace logscribe::cat
