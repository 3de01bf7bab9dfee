// Checkpoint: the file that lets logscribe-cat resume after a restart where
// the target's acknowledgements stopped: the followed path and the Position
// just past the last acknowledged line.
//
// Thread contract: pure functions over the file system; one writer per
// checkpoint file (the caller serializes writes).
//
// Format (text, one "key value" per line, so an operator can read it):
//   logscribe-cat checkpoint 1
//   follow /var/log/app.log
//   dev 2049
//   ino 1234567
//   offset 81920
//   head_len 256
//   head_hash 1469598103934665603
// Writing is atomic: FILE.tmp is written and fsynced, renamed over FILE, and
// the directory is fsynced, so a crash leaves the old or the new checkpoint.
#pragma once

#include <string>

#include "position.h"
#include "status.h"  // src/io

namespace logscribe::cat {

struct CheckpointRecord {
  std::string follow;  // the -follow path the position belongs to
  Position position;
};

// Reads `file`. NotFound (code kNotFound) when it does not exist; any other
// failure (unreadable, malformed) is an error naming the file.
Status ReadCheckpoint(const std::string& file, CheckpointRecord* out);

// Replaces `file` atomically with `record`.
Status WriteCheckpoint(const std::string& file, const CheckpointRecord& record);

}  // namespace logscribe::cat
