#include "line_splitter.h"

#include <cstring>

namespace logscribe::cat {

size_t LineSplitter::Consume(std::string_view data, const Emit& emit) {
  size_t taken = 0;
  while (taken < data.size()) {
    const std::string_view rest = data.substr(taken);
    const void* nl_ptr = std::memchr(rest.data(), '\n', rest.size());
    const size_t nl = nl_ptr == nullptr ? rest.size() : static_cast<const char*>(nl_ptr) - rest.data();
    // Cut pieces while the line would exceed the limit before its newline.
    const uint64_t room = max_line_bytes_ - partial_.size();
    if (nl > room) {
      // The piece is partial_ + room bytes of rest.
      std::string_view piece;
      std::string joined;
      if (partial_.empty()) {
        piece = rest.substr(0, room);
      } else {
        joined = partial_;
        joined.append(rest.data(), room);
        piece = joined;
      }
      if (!splitting_) ++split_lines_;
      splitting_ = true;
      if (!emit(piece, piece.size())) {
        partial_.clear();
        return taken;
      }
      partial_.clear();
      taken += room;
      continue;
    }
    if (nl_ptr == nullptr) {
      partial_.append(rest.data(), rest.size());
      taken = data.size();
      break;
    }
    bool go;
    if (partial_.empty()) {
      go = emit(rest.substr(0, nl), nl + 1);
    } else {
      partial_.append(rest.data(), nl);
      go = emit(partial_, partial_.size() + 1);
    }
    partial_.clear();
    splitting_ = false;
    if (!go) return taken;
    taken += nl + 1;
  }
  return taken;
}

bool LineSplitter::Flush(const Emit& emit) {
  if (partial_.empty()) return true;
  const bool go = emit(partial_, partial_.size());
  partial_.clear();
  splitting_ = false;
  return go;
}

}  // namespace logscribe::cat
