// libFuzzer's entry point for one target, picked at compile time with
// -DLOGSCRIBE_FUZZ_TARGET=<function of fuzz_targets.h>.
#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return logscribe::fuzz::LOGSCRIBE_FUZZ_TARGET(data, size);
}
