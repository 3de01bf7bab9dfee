// The bound on a scribe's registered id, which both the scribe (-id) and the
// mediator's registry check.
#pragma once

#include <cstddef>

namespace logscribe {

inline constexpr size_t kMaxScribeIdBytes = 128;

}  // namespace logscribe
