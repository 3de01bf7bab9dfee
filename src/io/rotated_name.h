// RotatedNameParts: reading back the names LogRoot::Rotate gives, so that
// compression and -max-backups touch only the scribe's own rotated files.
//
// Thread contract: pure functions, safe from any thread.
//
// The exact shape, and nothing else, is matched:
//   <filename>-<YYYYMMDDTHHMMSS.mmm>Z[_<NNN>].log[.zst|.gz][.tmp]
// where NNN is at least three digits and not zero. ".tmp" only follows a
// compressed suffix (a compression under way or cut short by a crash). The
// filename is what precedes the last 21 characters of the stamp part, so a
// filename may itself contain '-'.
#pragma once

#include <cstdint>
#include <string_view>

#include "codec.h"

namespace logscribe {

struct RotatedNameParts {
  std::string_view filename;  // the log's filename ("app" for app.log)
  std::string_view stamp;     // "YYYYMMDDTHHMMSS.mmm"
  uint32_t counter = 0;       // the _NNN suffix, 0 when absent
  std::string_view plain;     // the name up to and including ".log"
  Codec codec = Codec::kNone;
  bool temp = false;          // ends in ".zst.tmp" or ".gz.tmp"

  // Rotation order: older first. Names of one file in one directory have
  // distinct (stamp, counter) unless they are variants of one rotation.
  bool OlderThan(const RotatedNameParts& other) const {
    return stamp != other.stamp ? stamp < other.stamp : counter < other.counter;
  }
};

// True when `name` has the shape above; the parts point into `name`.
bool ParseRotatedName(std::string_view name, RotatedNameParts* parts);

}  // namespace logscribe
