// Hostile input against the real scribe: messages over the size limit,
// invalid UTF-8 in path/filename (unary, batch and inside a LogStream), a
// million-line batch, 100,000 distinct paths from one client (and -max-files
// bounding them), idle and
// half-spoken connections, and a stream client that never reads its acks.
// Each case checks what the client sees, that nothing refused is written, that
// service goes on for everyone else, and how memory behaves.
#include <arpa/inet.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include "logscribe.grpc.pb.h"
#include "log_client.h"
#include "reliability_util.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

using namespace std::chrono_literals;
namespace v1 = logscribe::v1;

class HostileInputTest : public ::testing::Test {
 protected:
  void StartScribe(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"-path", root_.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string out;
    scribe_ = ScribeProcess::Start(LOGSCRIBE_BINARY, args, &out);
    ASSERT_NE(scribe_, nullptr) << out;
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxSendMessageSize(-1);
    channel_ = grpc::CreateCustomChannel(scribe_->target(), grpc::InsecureChannelCredentials(), channel_args);
    stub_ = v1::LogScribe::NewStub(channel_);
  }
  void TearDown() override {
    if (scribe_ != nullptr) {
      EXPECT_EQ(scribe_->Stop(), 0) << scribe_->output();
    }
  }

  grpc::Status Log(const std::string& path, const std::string& filename, const std::string& line,
                   std::chrono::seconds deadline = 30s) {
    return CallLog(stub_.get(), path, filename, line, nullptr, deadline);
  }
  grpc::Status LogBatch(const v1::LogBatch& batch) {
    v1::LogResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 120s);
    return stub_->LogBatch(&ctx, batch, &resp);
  }
  std::string File(const std::string& rel) { return Slurp(root_.path() + "/" + rel); }
  // Streams `middle` as seq 2 between two good batches to s.log, and checks
  // that the stream went on around it: both good batches acknowledged and
  // written, the stream ended OK. Returns middle's ack.
  v1::LogAck StreamBetweenGoodBatches(v1::LogBatch middle);

  TempDir root_;
  std::unique_ptr<ScribeProcess> scribe_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LogScribe::Stub> stub_;
};

void Add(v1::LogBatch* batch, const std::string& path, const std::string& filename, const std::string& line) {
  auto* e = batch->add_entries();
  e->set_path(path);
  e->set_filename(filename);
  e->set_line(line);
}

v1::LogAck HostileInputTest::StreamBetweenGoodBatches(v1::LogBatch middle) {
  v1::LogBatch before, after;
  before.set_seq(1);
  Add(&before, "", "s", "before");
  middle.set_seq(2);
  after.set_seq(3);
  Add(&after, "", "s", "after");
  grpc::Status end;
  auto acks = StreamAcks(stub_.get(), {before, middle, after}, &end);
  EXPECT_TRUE(end.ok()) << end.error_message();
  EXPECT_EQ(acks.size(), 3u);
  EXPECT_EQ(acks[1].code(), 0);
  EXPECT_EQ(acks[3].code(), 0);
  EXPECT_EQ(File("s.log"), "before\nafter\n");
  return acks[2];
}

// --- messages over -max-message-bytes --------------------------------------

TEST_F(HostileInputTest, MessagesOverTheSizeLimitAreResourceExhaustedAndNothingIsWritten) {
  StartScribe({"-max-message-bytes", "64KiB"});
  grpc::Status s = Log("", "big", std::string(100 << 10, 'x'));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();

  v1::LogBatch batch;
  for (int i = 0; i < 3; ++i) Add(&batch, "", "big", std::string(30 << 10, 'y'));
  s = LogBatch(batch);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();

  // A stream: a good batch, then one over the limit: gRPC ends the stream
  // with RESOURCE_EXHAUSTED; the good batch was acknowledged before.
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 30s);
  auto stream = stub_->LogStream(&ctx);
  v1::LogBatch good;
  good.set_seq(1);
  Add(&good, "", "stream", "small");
  ASSERT_TRUE(stream->Write(good));
  v1::LogAck ack;
  ASSERT_TRUE(stream->Read(&ack));
  EXPECT_EQ(ack.seq(), 1u);
  EXPECT_EQ(ack.code(), 0);
  batch.set_seq(2);
  stream->Write(batch);  // may fail once the server has cancelled the call
  EXPECT_FALSE(stream->Read(&ack));
  s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();

  std::printf("over -max-message-bytes: %d %s\n", s.error_code(), s.error_message().c_str());
  EXPECT_TRUE(Log("", "after", "service goes on").ok());
  EXPECT_EQ(File("big.log"), "");
  EXPECT_EQ(File("stream.log"), "small\n");
  EXPECT_EQ(File("after.log"), "service goes on\n");
}

// --- invalid UTF-8 in path and filename ------------------------------------

// Log and LogBatch are parsed by the scribe itself (UnaryLogCall): a path or
// filename that is not UTF-8 refuses the whole request INVALID_ARGUMENT,
// naming the field (and the entry of a batch).
TEST_F(HostileInputTest, InvalidUtf8IsRefusedAndNothingIsWritten) {
  StartScribe();
  grpc::Status s = Log("bad\xff", "x", "line");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(s.error_message(), "path must be valid UTF-8");
  s = Log("", "bad\xc3\x28", "line");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(s.error_message(), "filename must be valid UTF-8");
  v1::LogBatch batch;
  Add(&batch, "ok", "a", "one");
  Add(&batch, "ok", "b\xe2\x82", "two");  // truncated 3-byte sequence
  s = LogBatch(batch);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(s.error_message(), "entries[1]: filename must be valid UTF-8");
  std::printf("invalid UTF-8: %d %s\n", s.error_code(), s.error_message().c_str());
  EXPECT_EQ(LogFiles(root_.path()), std::vector<std::string>{});
  EXPECT_TRUE(Log("", "after", "service goes on").ok());
}

// On a LogStream each batch is parsed by the scribe itself: a batch whose
// path is not UTF-8 is refused alone (its ack says INVALID_ARGUMENT and which
// entry), nothing of it is written, and the stream goes on.
TEST_F(HostileInputTest, InvalidUtf8InAStreamBatchRefusesThatBatchAlone) {
  StartScribe();
  v1::LogBatch bad;
  Add(&bad, "", "s", "in the bad batch");
  Add(&bad, "bad\xff", "s", "bad path");
  const v1::LogAck ack = StreamBetweenGoodBatches(bad);
  EXPECT_EQ(ack.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_NE(ack.message().find("entries[1]: path must be valid UTF-8"), std::string::npos) << ack.message();
  std::printf("stream batch with invalid UTF-8: ack %d (%s); the stream went on\n", ack.code(),
              ack.message().c_str());
}

// Bytes that are no LogBatch at all end the stream: the batches before are
// acknowledged, then the stream ends INVALID_ARGUMENT saying so; nothing of
// the bad message is written and the scribe serves other calls on.
TEST_F(HostileInputTest, MalformedStreamMessageEndsThatStreamAfterTheEarlierAcks) {
  StartScribe();
  grpc::GenericStub generic(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 30s);
  grpc::CompletionQueue cq;
  auto call = generic.PrepareCall(&ctx, "/logscribe.v1.LogScribe/LogStream", &cq);
  void* tag;
  bool ok;
  auto step = [&](intptr_t want) {
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), want);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(step(1));
  auto send = [&](const std::string& bytes) {
    grpc::Slice slice(bytes);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, reinterpret_cast<void*>(2));
    return step(2);
  };
  v1::LogBatch good;
  good.set_seq(1);
  Add(&good, "", "m", "good");
  ASSERT_TRUE(send(good.SerializeAsString()));
  // Field 1 (entries) claims 100 bytes and has 3; then a lone tag byte.
  ASSERT_TRUE(send(std::string("\x0a\x64" "abc", 5)));
  call->WritesDone(reinterpret_cast<void*>(3));
  step(3);
  std::vector<uint64_t> acked;
  for (;;) {
    grpc::ByteBuffer in;
    call->Read(&in, reinterpret_cast<void*>(4));
    if (!step(4)) break;
    v1::LogAck ack;
    ASSERT_TRUE(grpc::SerializationTraits<v1::LogAck>::Deserialize(&in, &ack).ok());
    acked.push_back(ack.seq());
  }
  grpc::Status end;
  call->Finish(&end, reinterpret_cast<void*>(5));
  step(5);
  EXPECT_EQ(acked, std::vector<uint64_t>{1});
  EXPECT_EQ(end.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << end.error_message();
  EXPECT_NE(end.error_message().find("could not be parsed"), std::string::npos) << end.error_message();
  EXPECT_EQ(File("m.log"), "good\n");
  std::printf("stream with a malformed message ended with %d (%s)\n", end.error_code(),
              end.error_message().c_str());
  EXPECT_TRUE(Log("", "after", "service goes on").ok());
}

// Log and LogBatch go through the scribe's generic handler, which must still
// answer what gRPC would: UNIMPLEMENTED for a method nobody serves, and
// INVALID_ARGUMENT for bytes that are not the request message.
grpc::Status RawUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                      const std::string& bytes) {
  grpc::GenericStub generic(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 30s);
  grpc::CompletionQueue cq;
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  auto call = generic.PrepareUnaryCall(&ctx, method, request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag;
  bool ok;
  EXPECT_TRUE(cq.Next(&tag, &ok));
  return status;
}

TEST_F(HostileInputTest, UnknownMethodsAndMalformedUnaryRequestsGetClearStatuses) {
  StartScribe();
  grpc::Status s = RawUnary(channel_, "/logscribe.v1.LogScribe/Nope", "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED) << s.error_message();
  s = RawUnary(channel_, "/other.Service/Log", "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED) << s.error_message();
  // Field 1 claims 100 bytes and has 3.
  const std::string truncated("\x0a\x64" "abc", 5);
  s = RawUnary(channel_, "/logscribe.v1.LogScribe/LogBatch", truncated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("could not be parsed"), std::string::npos) << s.error_message();
  s = RawUnary(channel_, "/logscribe.v1.LogScribe/Log", truncated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("could not be parsed"), std::string::npos) << s.error_message();
  // A well-formed request sent the same way is written.
  v1::LogRequest req;
  req.set_filename("raw");
  req.set_line("by hand");
  EXPECT_TRUE(RawUnary(channel_, "/logscribe.v1.LogScribe/Log", req.SerializeAsString()).ok());
  EXPECT_EQ(File("raw.log"), "by hand\n");
  EXPECT_EQ(LogFiles(root_.path()), std::vector<std::string>{"raw.log"});
  EXPECT_TRUE(Log("", "after", "service goes on").ok());
}

// A client that opens Log calls and never sends their request holds the
// queue room reserved for each (Sink::Admit) while the scribe waits for the
// bytes: other unary calls are refused RESOURCE_EXHAUSTED. After
// -request-read-timeout the stalled calls are cancelled as new calls arrive,
// their room comes back and the service resumes.
TEST_F(HostileInputTest, StalledUnaryReadsAreCancelledAndGiveTheirRoomBack) {
  // 64 KiB of queue, 4 KiB reserved per call before any request: 16 fill it.
  StartScribe({"-queue-bytes", "64KiB", "-request-read-timeout", "1s"});
  grpc::GenericStub generic(channel_);
  grpc::CompletionQueue cq;
  constexpr int kStalled = 16;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::GenericClientAsyncReaderWriter>> calls;
  for (int i = 0; i < kStalled; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->set_deadline(std::chrono::system_clock::now() + 60s);
    calls.push_back(generic.PrepareCall(contexts.back().get(), "/logscribe.v1.LogScribe/Log", &cq));
    calls.back()->StartCall(reinterpret_cast<void*>(1));
    void* tag;
    bool ok;
    ASSERT_TRUE(cq.Next(&tag, &ok));
    ASSERT_TRUE(ok);
  }
  // The scribe admits them as their headers arrive; then it has no room.
  grpc::Status s;
  for (int i = 0; i < 50; ++i) {
    s = Log("", "waiting", "refused while the stalled calls hold the queue");
    if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_NE(s.error_message().find("being read"), std::string::npos) << s.error_message();

  // Past the timeout, arriving calls cancel the stalled ones; one of the next
  // few is served.
  std::this_thread::sleep_for(1200ms);
  int attempts = 0;
  do {
    s = Log("", "after", "served once the stalled calls are cancelled");
    ++attempts;
    if (!s.ok()) std::this_thread::sleep_for(100ms);
  } while (!s.ok() && attempts < 50);
  EXPECT_TRUE(s.ok()) << s.error_message();
  std::printf("stalled unary reads: served again after %d attempt(s) past the timeout\n", attempts);
  EXPECT_EQ(File("after.log"), "served once the stalled calls are cancelled\n");
  EXPECT_EQ(File("waiting.log"), "");

  // Each stalled call ended CANCELLED.
  for (auto& call : calls) {
    grpc::Status end;
    call->Finish(&end, reinterpret_cast<void*>(2));
    void* tag;
    bool ok;
    ASSERT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(end.error_code(), grpc::StatusCode::CANCELLED) << end.error_message();
  }
}

// -max-batch-entries: a batch with more entries is refused whole, unary or on
// a stream (where the stream goes on), before its entries are kept.
TEST_F(HostileInputTest, BatchesOverMaxBatchEntriesAreRefusedWhole) {
  StartScribe({"-max-batch-entries", "1000"});
  v1::LogBatch big;
  for (int i = 0; i < 1001; ++i) Add(&big, "", "big", "entry " + std::to_string(i));
  grpc::Status s = LogBatch(big);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(s.error_message(), "1001 entries in one batch, more than -max-batch-entries 1000");

  const v1::LogAck ack = StreamBetweenGoodBatches(big);
  EXPECT_EQ(ack.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT)) << ack.message();
  EXPECT_EQ(File("big.log"), "");

  // At the limit, taken.
  big.mutable_entries()->RemoveLast();
  EXPECT_TRUE(LogBatch(big).ok());
  EXPECT_EQ(SplitLines(File("big.log")).size(), 1000u);
}

// --- a million lines in one batch -------------------------------------------

TEST_F(HostileInputTest, MillionLineBatchIsWrittenWhole) {
  StartScribe({"-size", "-1"});
  ASSERT_TRUE(Log("", "warm", "up").ok());
  const uint64_t before = PeakResidentBytes(scribe_->pid());
  constexpr int kLines = 1000000;
  v1::LogBatch batch;
  batch.mutable_entries()->Reserve(kLines);
  for (int i = 0; i < kLines; ++i) Add(&batch, "", "m", "m-" + std::to_string(i));
  const size_t wire = batch.ByteSizeLong();
  const auto start = std::chrono::steady_clock::now();
  const grpc::Status s = LogBatch(batch);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(s.ok()) << s.error_message();
  const uint64_t after = PeakResidentBytes(scribe_->pid());
  const std::vector<std::string> lines = SplitLines(File("m.log"));
  ASSERT_EQ(lines.size(), static_cast<size_t>(kLines));
  for (int i = 0; i < kLines; i += 99991) EXPECT_EQ(lines[i], "m-" + std::to_string(i));
  EXPECT_EQ(lines.back(), "m-" + std::to_string(kLines - 1));
  // Parsed, each entry is a message of three strings: about 100 bytes for
  // 16 on the wire. Bounded, by -max-message-bytes times that factor.
  if (!kUnderAsan) {
    EXPECT_LT(after - before, 20 * wire) << "peak grew by " << after - before << " for " << wire << " wire bytes";
  }
  std::printf("million-line batch: %zu wire bytes, answered in %.2f s, peak RSS grew %.1f MiB (%.1fx the wire size)\n",
              wire, secs, (after - before) / 1048576.0, static_cast<double>(after - before) / wire);
}

// --- 100,000 distinct paths from one client --------------------------------

TEST_F(HostileInputTest, HundredThousandDistinctPathsKeepMemoryFlat) {
  // On a tmpfs when the test may mount one: 100,000 directories cost the
  // disk of a shared machine far more than memory.
  TmpfsMount mount(root_.path(), "size=1g");
  StartScribe();
  constexpr int kPaths = 100000;
  constexpr int kPerBatch = 10000;
  uint64_t rss_first = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int b = 0; b < kPaths / kPerBatch; ++b) {
    v1::LogBatch batch;
    for (int k = 0; k < kPerBatch; ++k) {
      const int i = b * kPerBatch + k;
      Add(&batch, "h/" + std::to_string(i), "f", "line " + std::to_string(i));
    }
    const grpc::Status s = LogBatch(batch);
    ASSERT_TRUE(s.ok()) << s.error_message();
    if (b == 0) rss_first = ResidentBytes(scribe_->pid());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const uint64_t rss_last = ResidentBytes(scribe_->pid());
  const int fds = OpenDescriptors(scribe_->pid());
  int wrong = 0;
  for (int i = 0; i < kPaths; i += 7) {
    if (File("h/" + std::to_string(i) + "/f.log") != "line " + std::to_string(i) + "\n") ++wrong;
  }
  EXPECT_EQ(wrong, 0);
  // The writer keeps at most -max-open-files (16384) files, open, and forgets
  // the rest; what grows is the directories on disk, one per path.
  if (!kUnderAsan) {
    EXPECT_LT(rss_last, rss_first + (64u << 20)) << rss_first << " -> " << rss_last;
  }
  EXPECT_LT(fds, 16384 + 100);
  std::printf("100,000 paths%s: %.2f s; RSS %.1f MiB after 10,000 paths, %.1f MiB after 100,000; "
              "%d descriptors open\n",
              mount.ok() ? " (tmpfs root)" : "", secs, rss_first / 1048576.0, rss_last / 1048576.0, fds);
  EXPECT_EQ(scribe_->Stop(), 0) << scribe_->output();
  scribe_.reset();  // before the tmpfs goes
}

// -max-files bounds what those paths cost on disk: at the limit a new file
// (and its directories) is refused with RESOURCE_EXHAUSTED, files that exist
// go on being written, and rotated copies do not count.
TEST_F(HostileInputTest, MaxFilesRefusesNewFilesAndKeepsWritingOldOnes) {
  // Already there: 3 log files (one in a subdirectory) and 2 rotated copies.
  ASSERT_EQ(::mkdir((root_.path() + "/old").c_str(), 0750), 0);
  for (const char* rel : {"a.log", "b.log", "old/c.log", "a-20260101T000000.000Z.log",
                          "a-20260101T000001.000Z.log.zst"}) {
    std::ofstream(root_.path() + "/" + rel) << "kept\n";
  }
  StartScribe({"-max-files", "5", "-size", "200B"});
  EXPECT_NE(scribe_->output().find("3 log files, at most 5 (-max-files)"), std::string::npos)
      << scribe_->output();
  EXPECT_TRUE(Log("new", "d", "first new").ok());
  EXPECT_TRUE(Log("", "e", "second new").ok());
  const grpc::Status refused = Log("newer/deep", "f", "one too many");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_NE(refused.error_message().find("-max-files"), std::string::npos) << refused.error_message();
  struct stat st;
  EXPECT_NE(::stat((root_.path() + "/newer").c_str(), &st), 0) << "a directory was made for a refused file";
  // Existing files, old and new, are still written, also across rotations
  // (-size 200B: every few lines), which do not change the count.
  for (int i = 0; i < 40; ++i) {
    for (const auto& [path, name] : std::vector<std::pair<std::string, std::string>>{
             {"", "a"}, {"old", "c"}, {"new", "d"}}) {
      const grpc::Status s = Log(path, name, "line " + std::to_string(i) + " of " + name);
      ASSERT_TRUE(s.ok()) << path << "/" << name << ": " << s.error_message();
    }
  }
  EXPECT_EQ(Log("newer/deep", "f", "still too many").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(::stat((root_.path() + "/newer").c_str(), &st), -1);
  // A restart counts again from the disk: still 5.
  ASSERT_EQ(scribe_->Stop(), 0) << scribe_->output();
  scribe_.reset();
  StartScribe({"-max-files", "6"});
  EXPECT_NE(scribe_->output().find("5 log files, at most 6 (-max-files)"), std::string::npos)
      << scribe_->output();
  EXPECT_TRUE(Log("newer/deep", "f", "room for one").ok());
  EXPECT_EQ(Log("", "g", "and no more").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

// --- idle and half-spoken connections ---------------------------------------

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST_F(HostileInputTest, IdleAndHalfSpokenConnectionsDoNotStopService) {
  StartScribe();
  ASSERT_TRUE(Log("", "warm", "up").ok());
  const int fds_before = OpenDescriptors(scribe_->pid());
  std::vector<int> socks;
  // 300 that say nothing, 200 that send the HTTP/2 preface and an empty
  // SETTINGS frame and stop, 100 that stop inside a HEADERS frame.
  static const char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  static const char kSettings[] = {0, 0, 0, 4, 0, 0, 0, 0, 0};
  static const char kPartialHeaders[] = {0, 0x10, 0, 1, 4, 0, 0, 0, 1, 0x40, 0x05};
  for (int i = 0; i < 600; ++i) {
    const int fd = Connect(scribe_->port());
    ASSERT_GE(fd, 0) << "connection " << i;
    socks.push_back(fd);
    if (i >= 300) {
      EXPECT_EQ(::write(fd, kPreface, sizeof kPreface - 1), static_cast<ssize_t>(sizeof kPreface - 1));
      EXPECT_EQ(::write(fd, kSettings, sizeof kSettings), static_cast<ssize_t>(sizeof kSettings));
    }
    if (i >= 500) {
      EXPECT_EQ(::write(fd, kPartialHeaders, sizeof kPartialHeaders),
                static_cast<ssize_t>(sizeof kPartialHeaders));
    }
  }
  std::this_thread::sleep_for(200ms);
  // A fresh client is served at once, unary and streaming.
  auto channel = grpc::CreateChannel(scribe_->target(), grpc::InsecureChannelCredentials());
  auto stub = v1::LogScribe::NewStub(channel);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    v1::LogRequest req;
    req.set_filename("served");
    req.set_line("line " + std::to_string(i));
    v1::LogResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 5s);
    const grpc::Status s = stub->Log(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(ms, 5000);
  const int fds_during = OpenDescriptors(scribe_->pid());
  for (int fd : socks) ::close(fd);
  // The scribe lets go of the closed connections.
  int fds_after = fds_during;
  for (int i = 0; i < 100 && fds_after > fds_before + 10; ++i) {
    std::this_thread::sleep_for(50ms);
    fds_after = OpenDescriptors(scribe_->pid());
  }
  EXPECT_LE(fds_after, fds_before + 10);
  EXPECT_EQ(SplitLines(File("served.log")).size(), 20u);
  std::printf("600 idle/half-spoken connections: 20 calls of a fresh client took %.1f ms; scribe "
              "descriptors %d before, %d with them, %d after they closed\n",
              ms, fds_before, fds_during, fds_after);
}

// The same flood against a scribe whose descriptor limit is 512 (prlimit):
// its log files are capped at 256 (the limit less its reserve of 256), and
// idle connections take every descriptor left. What clients see is recorded;
// what must hold is that nothing acknowledged is lost and that the scribe
// serves again, without a restart, once the connections close.
TEST_F(HostileInputTest, ConnectionFloodAtTheDescriptorLimitRefusesButLosesNothing) {
  if (::access("/usr/bin/prlimit", X_OK) != 0) GTEST_SKIP() << "skipped: no /usr/bin/prlimit";
  if (kUnderAsan) {
    // UBSan's vptr check probes memory through a pipe(2); with no descriptor
    // left it cannot, and reports every virtual call as an invalid vptr.
    GTEST_SKIP() << "skipped under the sanitizers: UBSan needs a free descriptor for its checks";
  }
  std::string out;
  scribe_ = ScribeProcess::Start("/usr/bin/prlimit", {"--nofile=512:512", LOGSCRIBE_BINARY, "-path", root_.path()},
                                 &out);
  ASSERT_NE(scribe_, nullptr) << out;
  stub_ = v1::LogScribe::NewStub(grpc::CreateChannel(scribe_->target(), grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(Log("", "warm", "up").ok());
  auto batch_to_files = [&](const std::string& tag) {
    v1::LogBatch batch;
    for (int i = 0; i < 300; ++i) Add(&batch, "flood", "f" + std::to_string(i), tag);
    return LogBatch(batch);
  };
  std::vector<int> socks;
  for (int i = 0; i < 700; ++i) {
    const int fd = Connect(scribe_->port());
    if (fd < 0) break;
    socks.push_back(fd);
  }
  std::this_thread::sleep_for(500ms);
  const int fds_flooded = OpenDescriptors(scribe_->pid());
  // The client connected before the flood, to 300 files; a client connecting now.
  const grpc::Status during = batch_to_files("during");
  auto fresh = v1::LogScribe::NewStub(grpc::CreateChannel(scribe_->target(), grpc::InsecureChannelCredentials()));
  auto fresh_log = [&](const std::string& line, std::chrono::seconds deadline) {
    v1::LogRequest req;
    req.set_filename("fresh");
    req.set_line(line);
    v1::LogResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + deadline);
    return fresh->Log(&ctx, req, &resp);
  };
  const grpc::Status fresh_during = fresh_log("during", 3s);
  for (int fd : socks) ::close(fd);
  // Service comes back by itself.
  grpc::Status after;
  for (int i = 0; i < 50; ++i) {
    after = batch_to_files("after");
    if (after.ok()) break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(after.ok()) << after.error_message();
  const grpc::Status fresh_after = fresh_log("after", 20s);
  EXPECT_TRUE(fresh_after.ok()) << fresh_after.error_message();
  // Acknowledged lines are there, once; refused ones may or may not be.
  for (int i = 0; i < 300; ++i) {
    const std::string text = File("flood/f" + std::to_string(i) + ".log");
    if (during.ok()) {
      EXPECT_NE(text.find("during\n"), std::string::npos) << i;
    }
    EXPECT_TRUE(text.size() >= 6 && text.compare(text.size() - 6, 6, "after\n") == 0) << i << ": " << text;
  }
  if (fresh_during.ok()) {
    EXPECT_EQ(File("fresh.log"), "during\nafter\n");
  }
  std::printf("flood at nofile 512: %zu idle connections, scribe at %d descriptors; the connected client's "
              "batch to 300 files: %d %s; a new client: %d %s; after the flood: %d / %d\n",
              socks.size(), fds_flooded, during.error_code(), during.error_message().c_str(),
              fresh_during.error_code(), fresh_during.error_message().c_str(), after.error_code(),
              fresh_after.error_code());
}

// A stream client that sends and never reads its acks: the scribe must not
// queue acks without bound. It stops reading the stream once
// -stream-inflight acks wait, and HTTP/2 flow control then stops the client.
// gRPC's client transport takes some 50 MB of acks before its window closes;
// batches the scribe refuses (an empty filename) have long acks, so that
// happens within seconds. Before the fix the client was never stopped and the
// scribe grew by about 7 MB/s.
TEST_F(HostileInputTest, StreamClientThatNeverReadsAcksIsStoppedNotBuffered) {
  StartScribe();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 120s);
  auto stream = stub_->LogStream(&ctx);
  std::atomic<int> sent{0};
  std::thread writer([&] {
    v1::LogBatch batch;
    Add(&batch, "", "", "refused: the filename is empty");
    for (;;) {
      batch.set_seq(sent.load());
      if (!stream->Write(batch)) break;
      ++sent;
    }
  });
  // Wait until the client is stopped: no batch goes out for a whole second.
  int last = -1;
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 60s) {
    std::this_thread::sleep_for(1s);
    if (sent.load() == last) break;
    last = sent.load();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const uint64_t rss_stopped = ResidentBytes(scribe_->pid());
  std::this_thread::sleep_for(1s);
  const uint64_t rss_later = ResidentBytes(scribe_->pid());
  const int sent_later = sent.load();
  ctx.TryCancel();
  writer.join();
  EXPECT_EQ(sent_later, last) << "the client was never stopped";
  if (!kUnderAsan) {
    EXPECT_LT(rss_later, rss_stopped + (1u << 20)) << rss_stopped << " -> " << rss_later;
  }
  std::printf("stream client never reading acks: stopped after %d batches in %.1f s; scribe RSS %.1f MiB\n",
              last, secs, rss_later / 1048576.0);
  EXPECT_TRUE(Log("", "after", "service goes on").ok());
}

}  // namespace
}  // namespace logscribe::testing
