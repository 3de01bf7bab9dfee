#include "line_filter.h"

#include <re2/re2.h>

namespace logscribe {

LineFilter::LineFilter() = default;
LineFilter::~LineFilter() = default;

Status LineFilter::Compile(const std::string& pattern) {
  re_.reset();
  literal_.clear();
  if (pattern.size() > kMaxPatternBytes) {
    return Status::InvalidArgument("grep: pattern longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  }
  if (pattern.find_first_of("\\^$.|?*+()[]{}") == std::string::npos) {
    literal_ = pattern;
    return Status::Ok();
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kMaxPatternMemory);
  options.set_encoding(RE2::Options::EncodingLatin1);  // log bytes need not be UTF-8
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) return Status::InvalidArgument("grep: " + re->error());
  re_ = std::move(re);
  return Status::Ok();
}

bool LineFilter::Matches(std::string_view line) const {
  if (re_ == nullptr) return literal_.empty() || line.find(literal_) != std::string_view::npos;
  return RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *re_);
}

}  // namespace logscribe
