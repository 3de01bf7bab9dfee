// The fuzz corpora as regression tests: every file of fuzz/corpus/<target>/
// (the seeds, and every input a fuzzer once found worth keeping or crashing
// on) goes through the same target function libFuzzer calls, in every build.
// A broken invariant aborts with the FUZZ_CHECK that failed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_targets.h"

namespace logscribe::fuzz {
namespace {

namespace fs = std::filesystem;

struct Target {
  const char* name;
  int (*run)(const uint8_t*, size_t);
};
void PrintTo(const Target& t, std::ostream* os) { *os << t.name; }

class FuzzCorpusTest : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzCorpusTest, EveryCorpusInputKeepsTheInvariants) {
  const fs::path dir = fs::path(FUZZ_CORPUS_DIR) / GetParam().name;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << "no corpus in " << dir;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(file.string());
    EXPECT_EQ(GetParam().run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
  }
  std::printf("%s: %zu corpus inputs\n", GetParam().name, files.size());
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzCorpusTest,
                         ::testing::Values(Target{"file_key", FileKeyOneInput},
                                           Target{"size_spec", SizeSpecOneInput},
                                           Target{"batch_builder", BatchBuilderOneInput},
                                           Target{"batch_wire", BatchWireOneInput}),
                         [](const ::testing::TestParamInfo<Target>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace logscribe::fuzz
