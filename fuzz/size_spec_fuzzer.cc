// ParseSize, FormatSize and ParseDuration on arbitrary text: an answer or
// an error sentence, never both or neither; sizes are at least one byte and
// survive FormatSize and back; durations are never negative.
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "fuzz_targets.h"
#include "size_spec.h"

namespace logscribe::fuzz {

int SizeSpecOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const std::optional<uint64_t> bytes = ParseSize(text, &error);
  if (bytes) {
    FUZZ_CHECK(*bytes >= 1, std::string(text));
    if (*bytes != kUnlimitedSize) {
      const std::string formatted = FormatSize(*bytes);
      const std::optional<uint64_t> back = ParseSize(formatted);
      FUZZ_CHECK(back && *back == *bytes, std::string(text) + " -> " + formatted);
    }
  } else {
    FUZZ_CHECK(!error.empty(), std::string(text));
  }
  std::string duration_error;
  const std::optional<std::chrono::nanoseconds> d = ParseDuration(text, &duration_error);
  if (d) {
    FUZZ_CHECK(d->count() >= 0, std::string(text));
  } else {
    FUZZ_CHECK(!duration_error.empty(), std::string(text));
  }
  return 0;
}

}  // namespace logscribe::fuzz
