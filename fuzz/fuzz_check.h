// FUZZ_CHECK(cond, what): what every fuzz target asserts. A failure prints
// the condition and `what` (a std::string expression) and aborts, which
// libFuzzer reports as a crash and saves the input, and which fails the
// corpus regression test.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond, what)                                                             \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, __LINE__, #cond, \
                   std::string(what).c_str());                                             \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)
