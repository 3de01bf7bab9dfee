// Parsing of human sizes and durations given on the command line.
//
// Thread contract: pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace logscribe {

// The "never rotate" size: what -1B and -1 mean.
inline constexpr uint64_t kUnlimitedSize = UINT64_MAX;

// "1MB" -> 1000000, "512KiB" -> 524288, "100" -> 100, "-1B"/"-1" -> kUnlimitedSize.
// Units (case-insensitive): B; KB MB GB TB (powers of 1000, as the original);
// KiB MiB GiB TiB (powers of 1024). A decimal fraction is allowed ("1.5MB");
// the result is rounded down to whole bytes. Zero, other negatives, overflow and
// unknown units are errors: nullopt, with a sentence in *error when given.
std::optional<uint64_t> ParseSize(std::string_view text, std::string* error = nullptr);

// "1MB"-style text for a byte count, for start-up banners ("unlimited" for kUnlimitedSize).
std::string FormatSize(uint64_t bytes);

// "5s", "500ms", "2m", "1h", "250us", "1.5s"; a bare number is seconds.
// Negative values and unknown units are errors.
std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text,
                                                      std::string* error = nullptr);

}  // namespace logscribe
