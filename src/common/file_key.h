// Validation of a request's `path` and `filename`: the hostile-input rules of
// the whole scribe live here and nowhere else.
//
// Thread contract: pure functions, safe from any thread.
//
// A valid pair names the file <root>/<dir>/<filename>.log. The key is the
// canonical "dir/filename" (or "filename" when dir is empty): two requests
// name the same file exactly when their keys are equal, so one key means one
// queue and one writer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "status.h"

namespace logscribe {

inline constexpr size_t kMaxFilenameBytes = 200;  // leaves room for ".log.<seq>-<stamp>Z.zst.tmp" in NAME_MAX
inline constexpr size_t kMaxPathBytes = 1024;
inline constexpr size_t kMaxPathDepth = 32;
inline constexpr size_t kMaxComponentBytes = 255;

// Rules, each a rejection with INVALID_ARGUMENT naming the field:
//  - filename: not empty, at most kMaxFilenameBytes, no '/', not "." or "..",
//    not shaped like a rotated name (ShapedLikeRotatedName, rotated_name.h):
//    no live log can then be taken for a rotated file, whatever it is named.
//  - path: relative (no leading '/'), no ".." component, at most kMaxPathBytes,
//    kMaxPathDepth components, kMaxComponentBytes per component. Empty and "."
//    components are dropped ("a//./b" is "a/b"); an empty path is the root.
//  - both: no NUL, no control character (0x01-0x1f, 0x7f).
// On success *key holds the canonical key (its old contents are replaced, its
// capacity reused).
Status ValidateFileKey(std::string_view path, std::string_view filename, std::string* key);

// The directory part and the file part of a valid key.
inline std::string_view KeyDir(std::string_view key) {
  const size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : key.substr(0, slash);
}
inline std::string_view KeyFilename(std::string_view key) {
  const size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

}  // namespace logscribe
