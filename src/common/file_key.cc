#include "file_key.h"

#include "rotated_name.h"

namespace logscribe {
namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

Status CheckChars(std::string_view field, std::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (IsControl(c)) {
      return Status::InvalidArgument(std::string(field) + ": control character 0x" +
                                     "0123456789abcdef"[c >> 4] + "0123456789abcdef"[c & 15] +
                                     " at byte " + std::to_string(i) + " is not allowed");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateFileKey(std::string_view path, std::string_view filename, std::string* key) {
  if (filename.empty()) return Status::InvalidArgument("filename: must not be empty");
  if (filename.size() > kMaxFilenameBytes) {
    return Status::InvalidArgument("filename: longer than " + std::to_string(kMaxFilenameBytes) +
                                   " bytes");
  }
  if (filename.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("filename: must not contain '/' (use path for directories)");
  }
  if (filename == "." || filename == "..") {
    return Status::InvalidArgument("filename: '" + std::string(filename) + "' is not allowed");
  }
  if (Status s = CheckChars("filename", filename); !s.ok()) return s;
  if (ShapedLikeRotatedName(filename)) {
    // Such a file could be taken for a rotated piece of another log (and
    // deleted or compressed by retention), or a piece of this one for another's.
    return Status::InvalidArgument(
        "filename: '" + std::string(filename) +
        "' is shaped like the name of a rotated file (<name>.log.<seq>-<YYYYMMDDTHHMMSS.mmm>Z or "
        "<name>-<YYYYMMDDTHHMMSS.mmm>Z[_NNN].log, maybe with .zst, .gz or .tmp); choose another");
  }

  if (path.size() > kMaxPathBytes) {
    return Status::InvalidArgument("path: longer than " + std::to_string(kMaxPathBytes) + " bytes");
  }
  if (!path.empty() && path.front() == '/') {
    return Status::InvalidArgument("path: must be relative to the log root (no leading '/')");
  }
  if (Status s = CheckChars("path", path); !s.ok()) return s;

  key->clear();
  size_t depth = 0;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view component = path.substr(pos, end - pos);
    pos = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") return Status::InvalidArgument("path: '..' components are not allowed");
    if (component.size() > kMaxComponentBytes) {
      return Status::InvalidArgument("path: a component is longer than " +
                                     std::to_string(kMaxComponentBytes) + " bytes");
    }
    if (++depth > kMaxPathDepth) {
      return Status::InvalidArgument("path: deeper than " + std::to_string(kMaxPathDepth) +
                                     " directories");
    }
    key->append(component);
    key->push_back('/');
  }
  key->append(filename);
  return Status::Ok();
}

}  // namespace logscribe
