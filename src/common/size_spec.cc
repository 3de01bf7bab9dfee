#include "size_spec.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace logscribe {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits "12.5MB" into the digits 125, the divisor 10 and the unit "mb": the
// number is *digits / *divisor. Callers multiply by the unit before dividing,
// so a decimal fraction that names whole bytes ("0.13MB") comes out exact
// rather than a byte short. Fraction digits past the 18th are ignored.
// Returns false when no digits lead the text.
bool SplitNumber(std::string_view text, long double* digits_value, long double* divisor,
                 std::string* unit) {
  size_t i = 0;
  long double value = 0;
  long double div = 1;
  bool digits = false;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    value = value * 10 + (text[i] - '0');
    digits = true;
    ++i;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (div < 1e18L) {
        value = value * 10 + (text[i] - '0');
        div *= 10;
      }
      digits = true;
      ++i;
    }
  }
  if (!digits) return false;
  *digits_value = value;
  *divisor = div;
  *unit = Lower(text.substr(i));
  return true;
}

void SetError(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
}

}  // namespace

std::optional<uint64_t> ParseSize(std::string_view text, std::string* error) {
  const std::string lower = Lower(text);
  if (lower == "-1" || lower == "-1b") return kUnlimitedSize;
  long double number = 0;
  long double divisor = 1;
  std::string unit;
  if (text.empty() || !SplitNumber(text, &number, &divisor, &unit)) {
    SetError(error, "size '" + std::string(text) +
                        "' is not a number with a unit such as 1MB, 512KiB or -1B (never)");
    return std::nullopt;
  }
  long double multiplier;
  if (unit.empty() || unit == "b") multiplier = 1;
  else if (unit == "kb") multiplier = 1e3L;
  else if (unit == "mb") multiplier = 1e6L;
  else if (unit == "gb") multiplier = 1e9L;
  else if (unit == "tb") multiplier = 1e12L;
  else if (unit == "kib") multiplier = 1024.0L;
  else if (unit == "mib") multiplier = 1024.0L * 1024;
  else if (unit == "gib") multiplier = 1024.0L * 1024 * 1024;
  else if (unit == "tib") multiplier = 1024.0L * 1024 * 1024 * 1024;
  else {
    SetError(error, "size '" + std::string(text) +
                        "' has an unknown unit (use B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
    return std::nullopt;
  }
  const long double bytes = std::floor(number * multiplier / divisor);
  if (bytes < 1) {
    SetError(error, "size '" + std::string(text) + "' must be at least 1 byte (or -1B for never)");
    return std::nullopt;
  }
  if (bytes >= 1.8e19L) {
    SetError(error, "size '" + std::string(text) + "' is too large");
    return std::nullopt;
  }
  return static_cast<uint64_t>(bytes);
}

std::string FormatSize(uint64_t bytes) {
  if (bytes == kUnlimitedSize) return "unlimited";
  static constexpr struct {
    uint64_t factor;
    const char* unit;
  } kUnits[] = {{1024ULL * 1024 * 1024 * 1024, "TiB"}, {1000ULL * 1000 * 1000 * 1000, "TB"},
                {1024ULL * 1024 * 1024, "GiB"},        {1000ULL * 1000 * 1000, "GB"},
                {1024ULL * 1024, "MiB"},               {1000ULL * 1000, "MB"},
                {1024, "KiB"},                         {1000, "KB"}};
  for (const auto& u : kUnits) {
    if (bytes >= u.factor && bytes % u.factor == 0) {
      return std::to_string(bytes / u.factor) + u.unit;
    }
  }
  return std::to_string(bytes) + "B";
}

std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text, std::string* error) {
  long double number = 0;
  long double divisor = 1;
  std::string unit;
  if (text.empty() || !SplitNumber(text, &number, &divisor, &unit)) {
    SetError(error, "duration '" + std::string(text) +
                        "' is not a number with a unit such as 500ms, 5s, 2m or 1h");
    return std::nullopt;
  }
  long double ns_per_unit;
  if (unit.empty() || unit == "s") ns_per_unit = 1e9L;
  else if (unit == "ns") ns_per_unit = 1;
  else if (unit == "us") ns_per_unit = 1e3L;
  else if (unit == "ms") ns_per_unit = 1e6L;
  else if (unit == "m") ns_per_unit = 60e9L;
  else if (unit == "h") ns_per_unit = 3600e9L;
  else {
    SetError(error, "duration '" + std::string(text) +
                        "' has an unknown unit (use ns, us, ms, s, m, h)");
    return std::nullopt;
  }
  const long double ns = number * ns_per_unit / divisor;
  if (ns > 9e18L) {
    SetError(error, "duration '" + std::string(text) + "' is too long");
    return std::nullopt;
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(ns));
}

}  // namespace logscribe
