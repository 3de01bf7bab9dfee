// DurationInto: the FlagSet::AddCustom parser both servers use for duration
// flags ("500ms", "30s", "1m": ParseDuration's syntax).
//
// Thread contract: the parser writes *out; call it from one thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "size_spec.h"  // src/io

namespace logscribe {

// A parser storing the duration, truncated to Duration's unit, in *out.
template <typename Duration>
auto DurationInto(Duration* out) {
  return [out](std::string_view text) -> std::string {
    std::string error;
    const auto d = ParseDuration(text, &error);
    if (!d) return error;
    *out = std::chrono::duration_cast<Duration>(*d);
    return "";
  };
}

}  // namespace logscribe
