// The Pinger.Ping answer both sides compute: the scribe answers it, the
// mediator's health checker expects it. res = a*b wrapped to int32, as the
// original computed it in Go.
//
// Thread contract: a pure function.
#pragma once

#include <cstdint>

namespace logscribe {

// a*b in 64 bits, wrapped to int32 (two's complement, defined since C++20).
inline int32_t WrappingProduct(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<int64_t>(a) * b));
}

}  // namespace logscribe
