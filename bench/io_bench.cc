// Micro benchmarks of the scribe's file side.
//   build/bench/io_bench                       all of them
//   build/bench/io_bench --benchmark_filter=Append
// Appends go to a fresh directory under $TMPDIR (default /tmp), truncated as
// they grow, so the page-cache copy is measured rather than the disk.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "batch_builder.h"
#include "file_chunk.h"
#include "file_key.h"
#include "file_writer.h"

namespace logscribe {
namespace {

std::string Line(size_t bytes, int i) {
  std::string s = "line " + std::to_string(i) + " ";
  s.resize(bytes, 'x');
  return s;
}

void BM_ValidateFileKey(benchmark::State& state) {
  std::string key;
  for (auto _ : state) {
    Status s = ValidateFileKey("cluster/node-17/service", "access", &key);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_ValidateFileKey);

// One request of 256 lines of 100 bytes spread over `files` files, as a CQ
// thread builds it (two passes: route, reserve, append).
void BM_BuildBatch(benchmark::State& state) {
  const int files = static_cast<int>(state.range(0));
  std::vector<std::string> names;
  for (int f = 0; f < files; ++f) names.push_back("f" + std::to_string(f));
  const std::string line = Line(100, 0);
  BatchBuilder builder(LineFormat{});
  for (auto _ : state) {
    for (int i = 0; i < 256; ++i) {
      Status s = builder.Route("p0", names[i % files], line.size());
      benchmark::DoNotOptimize(s);
    }
    builder.Reserve();
    for (int i = 0; i < 256; ++i) builder.AppendNext(line);
    auto chunks = builder.Take();
    benchmark::DoNotOptimize(chunks.data());
  }
  state.SetItemsProcessed(state.iterations() * 256);
  state.SetBytesProcessed(state.iterations() * 256 * 101);
}
BENCHMARK(BM_BuildBatch)->Arg(1)->Arg(16)->Arg(256);

// The writer inbox: one producer enqueues chunks, one bulk-dequeues them.
void BM_InboxEnqueueDrain(benchmark::State& state) {
  moodycamel::BlockingConcurrentQueue<FileChunk*> q;
  FileChunk chunk;
  FileChunk* out[1024];
  for (auto _ : state) {
    for (int i = 0; i < 1024; ++i) q.enqueue(&chunk);
    size_t got = 0;
    while (got < 1024) got += q.try_dequeue_bulk(out, 1024);
    benchmark::DoNotOptimize(out[0]);
  }
  state.SetItemsProcessed(state.iterations() * 1024);
}
BENCHMARK(BM_InboxEnqueueDrain);

// One writer round: 16 files, each one append of 64 chunks of 16 lines of
// `line_bytes`, through the writer named by `kind` (0 writev, 1 io_uring).
void BM_Append(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const size_t line_bytes = static_cast<size_t>(state.range(1));
  std::unique_ptr<FileWriter> writer;
  std::string why;
  if (kind == 0) writer = MakePosixFileWriter();
  else writer = MakeUringFileWriter(64, &why);
  if (writer == nullptr) {
    state.SkipWithError(("io_uring unavailable: " + why).c_str());
    return;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/logscribe-bench-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  constexpr int kFiles = 16;
  constexpr int kChunks = 64;
  constexpr int kLinesPerChunk = 16;
  std::string chunk;
  for (int i = 0; i < kLinesPerChunk; ++i) chunk += Line(line_bytes - 1, i) + "\n";
  std::vector<int> fds;
  for (int f = 0; f < kFiles; ++f) {
    const std::string path = dir + "/f" + std::to_string(f) + ".log";
    fds.push_back(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  }
  std::vector<struct iovec> iov(kChunks, {chunk.data(), chunk.size()});
  std::vector<WriteOp> ops(kFiles);
  uint64_t since_truncate = 0;
  for (auto _ : state) {
    for (int f = 0; f < kFiles; ++f) {
      ops[f].fd = fds[f];
      ops[f].iov = iov.data();
      ops[f].iovcnt = kChunks;
      ops[f].bytes = chunk.size() * kChunks;
    }
    writer->Append(ops);
    since_truncate += chunk.size() * kChunks * kFiles;
    if (since_truncate > (256u << 20)) {
      state.PauseTiming();
      for (int fd : fds) (void)::ftruncate(fd, 0);
      since_truncate = 0;
      state.ResumeTiming();
    }
  }
  for (int fd : fds) ::close(fd);
  std::filesystem::remove_all(dir);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(chunk.size()) * kChunks * kFiles);
  state.SetItemsProcessed(state.iterations() * kLinesPerChunk * kChunks * kFiles);
  state.SetLabel(writer->name());
}
BENCHMARK(BM_Append)->ArgNames({"uring", "line"})
    ->Args({0, 64})->Args({1, 64})->Args({0, 256})->Args({1, 256})->Args({0, 4096})->Args({1, 4096})
    ->MeasureProcessCPUTime()->UseRealTime();

}  // namespace
}  // namespace logscribe

BENCHMARK_MAIN();
