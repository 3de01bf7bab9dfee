// Micro benchmarks of the mediator's routing lookups.
//   build/bench/routing_bench
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "router.h"

namespace logscribe {
namespace {

std::vector<ScribeEndpoint> Scribes(int n) {
  std::vector<ScribeEndpoint> out;
  for (int i = 0; i < n; ++i) out.push_back({"scribe-" + std::to_string(i), "127.0.0.1:" + std::to_string(9000 + i)});
  return out;
}

std::vector<std::string> Keys() {
  std::vector<std::string> keys;
  for (int i = 0; i < 1024; ++i) keys.push_back("cluster/node-" + std::to_string(i % 37) + "/app-" + std::to_string(i));
  return keys;
}

// One lookup of a path/filename key among `scribes` live scribes.
template <typename R>
void BM_Route(benchmark::State& state) {
  R router(Scribes(static_cast<int>(state.range(0))));
  const std::vector<std::string> keys = Keys();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(router.Route(keys[i++ & 1023]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_TEMPLATE(BM_Route, RendezvousRouter)->Arg(2)->Arg(8)->Arg(32);
BENCHMARK_TEMPLATE(BM_Route, FirstCharRouter)->Arg(2)->Arg(8)->Arg(32);

}  // namespace
}  // namespace logscribe

BENCHMARK_MAIN();
