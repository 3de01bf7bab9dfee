#include "rotated_name.h"

namespace logscribe {
namespace {

constexpr std::string_view kLog = ".log";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool ConsumeSuffix(std::string_view* s, std::string_view suffix) {
  if (s->size() < suffix.size() || s->substr(s->size() - suffix.size()) != suffix) return false;
  s->remove_suffix(suffix.size());
  return true;
}

// "YYYYMMDDTHHMMSS.mmm": digits where RotatedName puts digits.
bool IsStamp(std::string_view s) {
  if (s.size() != 19 || s[8] != 'T' || s[15] != '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 15) continue;
    if (!IsDigit(s[i])) return false;
  }
  return true;
}

}  // namespace

bool ParseRotatedName(std::string_view name, RotatedNameParts* parts) {
  RotatedNameParts p;
  std::string_view rest = name;
  if (ConsumeSuffix(&rest, kTempSuffix)) p.temp = true;
  if (ConsumeSuffix(&rest, CodecExtension(Codec::kZstd))) p.codec = Codec::kZstd;
  else if (ConsumeSuffix(&rest, CodecExtension(Codec::kGzip))) p.codec = Codec::kGzip;
  if (p.temp && p.codec == Codec::kNone) return false;
  if (!ConsumeSuffix(&rest, kLog)) return false;
  p.plain = name.substr(0, rest.size() + kLog.size());
  // Optional _NNN: three digits or more after a '_' that follows the 'Z'.
  const size_t underscore = rest.rfind('_');
  if (underscore != std::string_view::npos && underscore > 0 && rest[underscore - 1] == 'Z') {
    const std::string_view digits = rest.substr(underscore + 1);
    bool all_digits = digits.size() >= 3 && digits.size() <= 9;
    uint32_t n = 0;
    for (char c : digits) {
      if (!IsDigit(c)) all_digits = false;
      else n = n * 10 + static_cast<uint32_t>(c - '0');
    }
    if (all_digits) {
      if (n == 0) return false;
      p.counter = n;
      rest = rest.substr(0, underscore);
    }
  }
  // "-" + stamp + "Z", after a filename of at least one byte.
  constexpr size_t kStampPart = 1 + 19 + 1;
  if (rest.size() < kStampPart + 1 || rest.back() != 'Z' || rest[rest.size() - kStampPart] != '-') {
    return false;
  }
  p.stamp = rest.substr(rest.size() - kStampPart + 1, 19);
  if (!IsStamp(p.stamp)) return false;
  p.filename = rest.substr(0, rest.size() - kStampPart);
  *parts = p;
  return true;
}

}  // namespace logscribe
