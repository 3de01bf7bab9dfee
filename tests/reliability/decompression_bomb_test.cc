// Decompression bombs against the real scribe and mediator: a LogRequest (or
// LogBatch) whose 400 MiB line is all zeros, gzip-compressed to ~400 KB on
// the wire, sent several at once to Log, LogBatch and LogStream, and to the
// small protobuf calls of the same ports. gRPC's own per-message
// decompression is off (it inflated the whole message before checking its
// size); the handlers inflate within -max-message-bytes and the queue bound
// (MessageInflater). Checked: each bomb refused RESOURCE_EXHAUSTED saying
// why, peak RSS within -queue-bytes plus a fixed overhead, service goes on
// (compressed and uncompressed), and a legit compressed batch is written
// byte for byte.
#include <grpc/byte_buffer.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "log_client.h"
#include "logscribe.grpc.pb.h"
#include "mediator_cluster.h"
#include "reliability_util.h"
#include "scribe_process.h"

// The test's way to send bytes it compressed itself, once, marked as gzip:
// compressing 400 MiB per call would take the client seconds each.
namespace grpc::internal {
class GrpcByteBufferPeer {
 public:
  explicit GrpcByteBufferPeer(ByteBuffer* buffer) : buffer_(buffer) {}
  void Set(grpc_byte_buffer* c) { buffer_->set_buffer(c); }

 private:
  ByteBuffer* const buffer_;
};
}  // namespace grpc::internal

namespace logscribe::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = logscribe::v1;

constexpr uint64_t kBombLine = 400u << 20;  // inflated size of the bomb's line
constexpr uint64_t kQueueBytes = 64u << 20;
constexpr int kBombsPerMethod = 3;
// Threads, gRPC's buffers (the bombs' compressed bytes among them) and the
// allocator's slack.
constexpr uint64_t kOverheadBytes = 32u << 20;

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// gzip of `head` followed by `zeros` zero bytes, streamed (the zeros are
// never all in memory). Z_RLE: fast, and ~1000 x on zeros.
std::string GzipWithZeros(const std::string& head, uint64_t zeros) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_RLE), Z_OK);
  std::string out;
  std::string chunk(1 << 20, '\0');
  char buf[1 << 16];
  auto pump = [&](const char* data, size_t n, int flush) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof(buf);
      deflate(&z, flush);
      out.append(buf, sizeof(buf) - z.avail_out);
    } while (z.avail_out == 0);
  };
  pump(head.data(), head.size(), Z_NO_FLUSH);
  for (uint64_t left = zeros; left > 0;) {
    const size_t n = std::min<uint64_t>(left, chunk.size());
    pump(chunk.data(), n, Z_NO_FLUSH);
    left -= n;
  }
  pump(nullptr, 0, Z_FINISH);
  deflateEnd(&z);
  return out;
}

// The head of LogRequest{filename: "bomb", line: <kBombLine zeros>}.
std::string LogRequestHead() {
  std::string head = "\x0a\x04" "bomb" "\x1a";
  AppendVarint(&head, kBombLine);
  return head;
}

struct Bombs {
  std::string log;    // LogRequest
  std::string batch;  // LogBatch{entries: [that request]} (seq 0)
};
const Bombs& TheBombs() {
  static const Bombs* bombs = [] {
    auto* b = new Bombs;
    const std::string request_head = LogRequestHead();
    b->log = GzipWithZeros(request_head, kBombLine);
    std::string batch_head = "\x0a";
    AppendVarint(&batch_head, request_head.size() + kBombLine);
    b->batch = GzipWithZeros(batch_head + request_head, kBombLine);
    return b;
  }();
  return *bombs;
}

grpc::ByteBuffer GzipMarked(const std::string& gz) {
  grpc_slice slice = grpc_slice_from_copied_buffer(gz.data(), gz.size());
  grpc::ByteBuffer buffer;
  grpc::internal::GrpcByteBufferPeer(&buffer).Set(grpc_raw_compressed_byte_buffer_create(&slice, 1, GRPC_COMPRESS_GZIP));
  grpc_slice_unref(slice);
  return buffer;
}

std::shared_ptr<grpc::Channel> FreshChannel(const std::string& target, int n,
                                            grpc_compression_algorithm compression = GRPC_COMPRESS_NONE) {
  grpc::ChannelArguments args;
  args.SetInt("logscribe.test.channel", n);  // its own connection
  args.SetMaxSendMessageSize(-1);
  if (compression != GRPC_COMPRESS_NONE) args.SetCompressionAlgorithm(compression);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

// One unary call of `method` whose request is `gz`, already gzip-compressed.
grpc::Status UnaryBomb(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                       const std::string& gz) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 60s);
  ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  grpc::ByteBuffer request = GzipMarked(gz);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    std::lock_guard<std::mutex> lock(mu);
    status = std::move(s);
    done = true;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  return status;
}

// A LogStream whose one batch is `gz`; the stream's final status.
grpc::Status StreamBomb(const std::shared_ptr<grpc::Channel>& channel, const std::string& gz) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 60s);
  ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  auto stream = stub.PrepareCall(&ctx, "/logscribe.v1.LogScribe/LogStream", &cq);
  void* tag;
  bool ok;
  auto step = [&](intptr_t want) {
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), want);
    return ok;
  };
  stream->StartCall(reinterpret_cast<void*>(1));
  step(1);
  grpc::ByteBuffer batch = GzipMarked(gz);
  stream->Write(batch, reinterpret_cast<void*>(2));
  step(2);
  stream->WritesDone(reinterpret_cast<void*>(3));
  step(3);
  grpc::ByteBuffer ack;
  for (;;) {  // acks until the server ends the stream (none is expected)
    stream->Read(&ack, reinterpret_cast<void*>(4));
    if (!step(4)) break;
  }
  grpc::Status status;
  stream->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

// A bomb refused within bounds, and saying why.
void ExpectRefused(const grpc::Status& s, const std::string& what) {
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << what << ": " << s.error_message();
  const std::string& m = s.error_message();
  EXPECT_TRUE(m.find("-max-message-bytes") != std::string::npos || m.find("-queue-bytes") != std::string::npos)
      << what << ": " << m;
}

// kBombsPerMethod bombs at each of Log, LogBatch and LogStream of `target`,
// all at once, each on its own connection; checks every answer and returns
// how far `watched`'s peak RSS rose.
uint64_t RunParallelBombs(const std::string& target, pid_t watched) {
  const Bombs& bombs = TheBombs();
  const uint64_t base = PeakResidentBytes(watched);
  std::vector<std::thread> threads;
  std::vector<grpc::Status> results(3 * kBombsPerMethod);
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kBombsPerMethod; ++i) {
    threads.emplace_back([&, i] {
      results[3 * i] = UnaryBomb(FreshChannel(target, 3 * i), "/logscribe.v1.LogScribe/Log", bombs.log);
    });
    threads.emplace_back([&, i] {
      results[3 * i + 1] =
          UnaryBomb(FreshChannel(target, 3 * i + 1), "/logscribe.v1.LogScribe/LogBatch", bombs.batch);
    });
    threads.emplace_back([&, i] { results[3 * i + 2] = StreamBomb(FreshChannel(target, 3 * i + 2), bombs.batch); });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (int i = 0; i < kBombsPerMethod; ++i) {
    ExpectRefused(results[3 * i], "Log");
    ExpectRefused(results[3 * i + 1], "LogBatch");
    ExpectRefused(results[3 * i + 2], "LogStream");
  }
  const uint64_t peak = PeakResidentBytes(watched);
  std::printf("%d bombs of %zu gzip bytes (%llu MiB inflated) in %.1f s: VmHWM %.1f -> %.1f MiB; e.g. %s\n",
              3 * kBombsPerMethod, bombs.log.size(), static_cast<unsigned long long>(kBombLine >> 20), seconds,
              base / 1048576.0, peak / 1048576.0, results[0].error_message().c_str());
  return peak - base;
}

// The small protobuf calls of a port get a bomb too: never inflated (gRPC's
// decompression is off), so refused at once, whatever the code.
void ExpectSmallCallsBounded(const std::string& target, const std::vector<std::string>& methods) {
  int n = 100;
  for (const std::string& method : methods) {
    const grpc::Status s = UnaryBomb(FreshChannel(target, ++n), method, TheBombs().log);
    EXPECT_FALSE(s.ok()) << method;
    std::printf("bomb to %s: %d %s\n", method.c_str(), s.error_code(), s.error_message().c_str());
  }
}

// A Log through gRPC's own compression (channel default), and one plain.
void ExpectServiceGoesOn(const std::string& target) {
  auto gz = v1::LogScribe::NewStub(FreshChannel(target, 200, GRPC_COMPRESS_GZIP));
  auto plain = v1::LogScribe::NewStub(FreshChannel(target, 201));
  grpc::Status s = CallLog(gz.get(), "after", "gz", "compressed after the bombs");
  EXPECT_TRUE(s.ok()) << s.error_message();
  s = CallLog(plain.get(), "after", "plain", "plain after the bombs");
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST(DecompressionBombTest, ParallelBombsAreRefusedWithinTheQueueBoundAndServiceGoesOn) {
  TheBombs();  // compressed before the clock of any call starts
  TempDir root;
  std::string out;
  auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path(), "-queue-bytes", "64MiB"}, &out);
  ASSERT_NE(scribe, nullptr) << out;
  const uint64_t rise = RunParallelBombs(scribe->target(), scribe->pid());
  if (!kUnderAsan) {
    EXPECT_LT(rise, kQueueBytes + kOverheadBytes) << "peak RSS rose " << rise << " bytes";
  }
  ExpectSmallCallsBounded(scribe->target(), {"/logscribe.v1.Pinger/Ping", "/grpc.health.v1.Health/Check"});
  ExpectServiceGoesOn(scribe->target());
  EXPECT_EQ(Slurp(root.path() + "/after/gz.log"), "compressed after the bombs\n");
  EXPECT_EQ(Slurp(root.path() + "/after/plain.log"), "plain after the bombs\n");
  EXPECT_EQ(Slurp(root.path() + "/bomb.log"), "");
  EXPECT_EQ(scribe->Stop(), 0) << scribe->output();
}

TEST(DecompressionBombTest, ThroughAMediatorTheBombsAreRefusedWithinItsQueueBound) {
  TheBombs();
  MediatorCluster cluster;
  std::string out;
  ASSERT_TRUE(cluster.StartMediator({"-queue-bytes", "64MiB"}, 0, &out)) << out;
  ASSERT_TRUE(cluster.StartScribe("s1", {"-queue-bytes", "64MiB"}, &out)) << out;
  ASSERT_TRUE(cluster.WaitForScribes({"s1"}));
  const uint64_t rise = RunParallelBombs(cluster.mediator()->target(), cluster.mediator()->pid());
  if (!kUnderAsan) {
    EXPECT_LT(rise, kQueueBytes + kOverheadBytes) << "mediator peak RSS rose " << rise << " bytes";
  }
  ExpectSmallCallsBounded(cluster.mediator()->target(),
                          {"/logscribe.v1.Register/Register", "/logscribe.v1.Mediator/GetStats",
                           "/logscribe.v1.Mediator/Route"});
  ExpectServiceGoesOn(cluster.mediator()->target());
  EXPECT_EQ(cluster.Lines("s1", "after/gz.log"), std::vector<std::string>{"compressed after the bombs"});
  EXPECT_EQ(cluster.Lines("s1", "after/plain.log"), std::vector<std::string>{"plain after the bombs"});
  EXPECT_TRUE(cluster.Holders("bomb.log").empty());
  EXPECT_EQ(cluster.StopMediator(), 0) << cluster.mediator()->output();
}

// Legit compressed requests under the limit, by gRPC's own gzip and deflate:
// a LogBatch of 20,000 varied lines and one of 40 MB (which inflates
// through several growths of the buffer), and the same on a LogStream; every
// byte written as sent.
TEST(DecompressionBombTest, LegitCompressedBatchesAreWrittenByteExact) {
  TempDir root;
  std::string out;
  auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, {"-path", root.path(), "-size", "-1B", "-queue-bytes", "128MiB"}, &out);
  ASSERT_NE(scribe, nullptr) << out;
  int n = 0;
  for (grpc_compression_algorithm algorithm : {GRPC_COMPRESS_GZIP, GRPC_COMPRESS_DEFLATE}) {
    const std::string name = algorithm == GRPC_COMPRESS_GZIP ? "gzip" : "deflate";
    auto stub = v1::LogScribe::NewStub(FreshChannel(scribe->target(), ++n, algorithm));
    v1::LogBatch batch;
    std::string expected;
    uint64_t x = 12345;
    for (int i = 0; i < 20000; ++i) {
      std::string line = name + " line " + std::to_string(i) + " ";
      for (int j = 0; j < 40; ++j) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        line.push_back(static_cast<char>('!' + (x >> 58)));
      }
      auto* e = batch.add_entries();
      e->set_path(name);
      e->set_filename("varied");
      e->set_line(line);
      expected += line + "\n";
    }
    v1::LogResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 60s);
    grpc::Status s = stub->LogBatch(&ctx, batch, &resp);
    ASSERT_TRUE(s.ok()) << name << ": " << s.error_message();
    const std::string varied = Slurp(root.path() + "/" + name + "/varied.log");
    EXPECT_TRUE(varied == expected) << name << ": " << varied.size() << " bytes written, " << expected.size()
                                    << " sent";

    v1::LogBatch big;  // 40 lines of 1,000,000 bytes (-max-line-bytes is 1 MiB)
    std::string big_expected;
    for (int i = 0; i < 40; ++i) {
      auto* e = big.add_entries();
      e->set_path(name);
      e->set_filename("big");
      e->set_line(std::string(1000000, static_cast<char>('a' + i % 26)));
      big_expected += e->line() + "\n";
    }
    grpc::ClientContext big_ctx;
    big_ctx.set_deadline(std::chrono::system_clock::now() + 60s);
    s = stub->LogBatch(&big_ctx, big, &resp);
    ASSERT_TRUE(s.ok()) << name << ": " << s.error_message();
    EXPECT_TRUE(Slurp(root.path() + "/" + name + "/big.log") == big_expected) << name;

    batch.set_seq(1);
    for (auto& entry : *batch.mutable_entries()) entry.set_filename("streamed");
    grpc::Status end;
    auto acks = StreamAcks(stub.get(), {batch}, &end);
    EXPECT_TRUE(end.ok()) << name << ": " << end.error_message();
    ASSERT_EQ(acks.size(), 1u) << name;
    EXPECT_EQ(acks[1].code(), 0) << name << ": " << acks[1].message();
    EXPECT_TRUE(Slurp(root.path() + "/" + name + "/streamed.log") == expected) << name;
  }
  EXPECT_EQ(scribe->Stop(), 0) << scribe->output();
}

}  // namespace
}  // namespace logscribe::testing
