// logscribe-loadgen driven in-process against FakeScribe, a small scribe of
// this file's own that writes <root>/<path>/<filename>.log and can drop,
// duplicate, corrupt, reject or stall on purpose, so the load generator's
// counting and verification can be checked against known faults.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "loadgen.h"
#include "loadgen_options.h"
#include "logscribe.grpc.pb.h"
#include "scribe_process.h"

namespace logscribe::loadgen {
namespace {

namespace v1 = logscribe::v1;
namespace fs = std::filesystem;

// Thread-safe: every handler takes mu_. Lines are numbered in arrival order
// over all RPCs; the knobs name those numbers (-1: off).
class FakeScribe final : public v1::LogScribe::Service {
 public:
  explicit FakeScribe(std::string root) : root_(std::move(root)) {}

  int64_t drop_line = -1;       // acked but never written
  int64_t duplicate_line = -1;  // written twice
  int64_t corrupt_line = -1;    // written with its last byte changed
  int reject_every = 0;         // every n-th request answered RESOURCE_EXHAUSTED, not written
  int64_t rotate_at_line = -1;  // before this line, every file is renamed aside as the scribe rotates
  int stall_request = -1;       // this request (0-based) is answered only after stall_for
  std::chrono::milliseconds stall_for{0};

  grpc::Status Log(grpc::ServerContext* ctx, const v1::LogRequest* request, v1::LogResponse* response) override {
    google::protobuf::RepeatedPtrField<v1::LogRequest> one;
    *one.Add() = *request;
    return Answer(ctx, one, response);
  }
  grpc::Status LogBatch(grpc::ServerContext* ctx, const v1::LogBatch* batch, v1::LogResponse* response) override {
    return Answer(ctx, batch->entries(), response);
  }
  grpc::Status LogStream(grpc::ServerContext* ctx,
                         grpc::ServerReaderWriter<v1::LogAck, v1::LogBatch>* stream) override {
    v1::LogBatch batch;
    while (stream->Read(&batch)) {
      v1::LogResponse response;
      const grpc::Status status = Answer(ctx, batch.entries(), &response);
      v1::LogAck ack;
      ack.set_seq(batch.seq());
      ack.set_code(status.error_code());
      ack.set_message(status.error_message());
      if (!stream->Write(ack)) break;
    }
    return grpc::Status::OK;
  }

 private:
  grpc::Status Answer(grpc::ServerContext* ctx, const google::protobuf::RepeatedPtrField<v1::LogRequest>& entries,
                      v1::LogResponse* response) {
    int request = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      request = requests_++;
      if (reject_every > 0 && request % reject_every == reject_every - 1) {
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "queue full");
      }
      for (const v1::LogRequest& entry : entries) Write(entry);
      for (auto& [name, out] : files_) out.flush();
    }
    if (request == stall_request) {
      const auto until = std::chrono::steady_clock::now() + stall_for;
      while (std::chrono::steady_clock::now() < until && !ctx->IsCancelled()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    response->set_res("true");
    return grpc::Status::OK;
  }

  // REQUIRES: mu_ held.
  void Write(const v1::LogRequest& entry) {
    const int64_t n = lines_++;
    if (n == rotate_at_line) {
      for (auto& [name, out] : files_) {
        out.close();
        fs::rename(name, name.substr(0, name.size() - 4) + "-20240101T000000.000Z.log");
      }
      files_.clear();
    }
    if (n == drop_line) return;
    const std::string name = root_ + "/" + entry.path() + "/" + entry.filename() + ".log";
    auto it = files_.find(name);
    if (it == files_.end()) {
      fs::create_directories(root_ + "/" + entry.path());
      it = files_.emplace(name, std::ofstream(name, std::ios::app | std::ios::binary)).first;
    }
    std::string line = entry.line();
    if (n == corrupt_line) line.back() = line.back() == 'x' ? 'y' : 'x';
    it->second << line << '\n';
    if (n == duplicate_line) it->second << line << '\n';
  }

  const std::string root_;
  std::mutex mu_;
  int requests_ = 0;                           // guarded by mu_
  int64_t lines_ = 0;                          // guarded by mu_
  std::map<std::string, std::ofstream> files_;  // guarded by mu_
};

class LoadgenFakeServerTest : public ::testing::Test {
 protected:
  void StartServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }

  // Runs the load generator with `args` plus the fake's target, -quiet and
  // -json; returns the exit code, the JSON in *json, stderr in *err.
  int RunLoadgen(std::vector<std::string> args, google::protobuf::Struct* json, std::string* err = nullptr) {
    args.insert(args.begin(), {"logscribe-loadgen", "-target", "127.0.0.1:" + std::to_string(port_), "-quiet",
                               "-json", "-verify-wait", "0s"});
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    LoadgenOptions options;
    std::string message;
    EXPECT_EQ(ParseLoadgenOptions(static_cast<int>(argv.size()), argv.data(), &options, &message),
              ParseOutcome::kOk)
        << message;
    std::ostringstream out, errors;
    const int code = loadgen::RunLoadgen(options, out, errors, nullptr);
    if (err != nullptr) *err = errors.str();
    if (json != nullptr && code != kExitCannotStart) {
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(out.str(), json).ok()) << out.str();
    }
    return code;
  }

  static double Number(const google::protobuf::Struct& s, const std::string& key) {
    auto it = s.fields().find(key);
    EXPECT_NE(it, s.fields().end()) << "no key " << key;
    return it == s.fields().end() ? -1 : it->second.number_value();
  }
  static const google::protobuf::Struct& Object(const google::protobuf::Struct& s, const std::string& key) {
    static const google::protobuf::Struct kEmpty;
    auto it = s.fields().find(key);
    EXPECT_NE(it, s.fields().end()) << "no key " << key;
    return it == s.fields().end() ? kEmpty : it->second.struct_value();
  }

  logscribe::testing::TempDir root_;
  FakeScribe fake_{root_.path()};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(LoadgenFakeServerTest, StreamRunIsAckedAndVerifiesCleanWithEveryJsonKey) {
  StartServer();
  google::protobuf::Struct json;
  ASSERT_EQ(RunLoadgen({"-mode", "stream", "-connections", "2", "-concurrency", "4", "-batch-lines", "50",
                        "-lines", "2000", "-files", "4", "-paths", "2", "-verify-root", root_.path()},
                       &json),
            kExitOk);
  for (const char* key : {"lines_sent", "lines_acked", "lines_failed", "lines_per_sec", "mb_per_sec"}) {
    EXPECT_TRUE(json.fields().contains(key)) << key;
  }
  EXPECT_EQ(Number(json, "lines_sent"), 2000);
  EXPECT_EQ(Number(json, "lines_acked"), 2000);
  EXPECT_EQ(Number(json, "lines_failed"), 0);
  EXPECT_GT(Number(json, "lines_per_sec"), 0);
  EXPECT_GT(Number(json, "mb_per_sec"), 0);
  const auto& latency = Object(json, "latency_ms");
  for (const char* key : {"p50", "p90", "p99", "p999", "max"}) EXPECT_GE(Number(latency, key), 0) << key;
  EXPECT_LE(Number(latency, "p50"), Number(latency, "max"));
  EXPECT_TRUE(Object(json, "errors").fields().empty());
  const auto& verify = Object(json, "verify");
  EXPECT_EQ(Number(verify, "missing"), 0);
  EXPECT_EQ(Number(verify, "duplicated"), 0);
  EXPECT_EQ(Number(verify, "corrupted"), 0);
  EXPECT_EQ(Number(verify, "lines_found"), 2000);
  // Four files over two paths: f0, f2 in p0; f1, f3 in p1.
  EXPECT_TRUE(fs::exists(root_.path() + "/p0/f2.log"));
  EXPECT_TRUE(fs::exists(root_.path() + "/p1/f3.log"));
}

TEST_F(LoadgenFakeServerTest, EveryModeAcksEveryLine) {
  StartServer();
  for (const char* mode : {"unary", "batch", "stream"}) {
    SCOPED_TRACE(mode);
    google::protobuf::Struct json;
    ASSERT_EQ(RunLoadgen({"-mode", mode, "-batch-lines", "30", "-lines", "600", "-verify-root", root_.path()},
                         &json),
              kExitOk);
    EXPECT_EQ(Number(json, "lines_sent"), 600);
    EXPECT_EQ(Number(json, "lines_acked"), 600);
    EXPECT_EQ(Number(Object(json, "verify"), "lines_found"), 600);
  }
}

TEST_F(LoadgenFakeServerTest, VerifyFindsADroppedAndADuplicatedLine) {
  fake_.drop_line = 10;
  fake_.duplicate_line = 20;
  StartServer();
  google::protobuf::Struct json;
  std::string err;
  EXPECT_EQ(RunLoadgen({"-mode", "batch", "-lines", "500", "-batch-lines", "25", "-verify-root", root_.path()},
                       &json, &err),
            kExitVerifyFailed);
  EXPECT_EQ(Number(json, "lines_acked"), 500);
  const auto& verify = Object(json, "verify");
  EXPECT_EQ(Number(verify, "missing"), 1);
  EXPECT_EQ(Number(verify, "duplicated"), 1);
  EXPECT_EQ(Number(verify, "corrupted"), 0);
  EXPECT_NE(err.find("missing: lg-"), std::string::npos) << err;
  EXPECT_NE(err.find("duplicated in "), std::string::npos) << err;
}

TEST_F(LoadgenFakeServerTest, VerifyFindsACorruptedLine) {
  fake_.corrupt_line = 7;
  StartServer();
  google::protobuf::Struct json;
  EXPECT_EQ(RunLoadgen({"-mode", "stream", "-lines", "300", "-batch-lines", "20", "-verify-root", root_.path()},
                       &json),
            kExitVerifyFailed);
  const auto& verify = Object(json, "verify");
  EXPECT_EQ(Number(verify, "corrupted"), 1);
  EXPECT_EQ(Number(verify, "missing"), 0);
  EXPECT_EQ(Number(verify, "duplicated"), 0);
}

TEST_F(LoadgenFakeServerTest, RejectedBatchesAreCountedByStatusAndNeverMissing) {
  fake_.reject_every = 3;
  StartServer();
  for (const char* mode : {"batch", "stream"}) {
    SCOPED_TRACE(mode);
    google::protobuf::Struct json;
    EXPECT_EQ(RunLoadgen({"-mode", mode, "-lines", "900", "-batch-lines", "10", "-verify-root", root_.path()},
                         &json),
              kExitOk);
    EXPECT_EQ(Number(json, "lines_sent"), 900);
    EXPECT_GT(Number(json, "lines_failed"), 0);
    EXPECT_EQ(Number(json, "lines_acked") + Number(json, "lines_failed"), 900);
    EXPECT_EQ(Number(Object(json, "errors"), "RESOURCE_EXHAUSTED") * 10, Number(json, "lines_failed"));
    EXPECT_EQ(Number(Object(json, "verify"), "missing"), 0);
  }
}

TEST_F(LoadgenFakeServerTest, RotatedFilesAreReadBack) {
  fake_.rotate_at_line = 400;
  StartServer();
  google::protobuf::Struct json;
  EXPECT_EQ(RunLoadgen({"-mode", "batch", "-lines", "1000", "-batch-lines", "50", "-files", "3", "-verify-root",
                        root_.path()},
                       &json),
            kExitOk);
  EXPECT_TRUE(fs::exists(root_.path() + "/p0/f1-20240101T000000.000Z.log"));
  const auto& verify = Object(json, "verify");
  EXPECT_EQ(Number(verify, "missing"), 0);
  EXPECT_EQ(Number(verify, "files_read"), 6);
}

TEST_F(LoadgenFakeServerTest, OpenLoopCountsAStallFromEachBatchsScheduledTime) {
  fake_.stall_request = 5;
  fake_.stall_for = std::chrono::milliseconds(500);
  StartServer();
  // 100 batches/s for 1s, one at a time: while one batch stalls for 500ms,
  // about 50 fall behind schedule, and each of them counts its wait.
  google::protobuf::Struct open;
  ASSERT_EQ(RunLoadgen({"-mode", "batch", "-rate", "1000", "-batch-lines", "10", "-concurrency", "1",
                        "-duration", "1s"},
                       &open),
            kExitOk);
  EXPECT_GE(Number(open, "lines_sent"), 800);
  EXPECT_LE(Number(open, "lines_sent"), 1100);
  EXPECT_GE(Number(Object(open, "latency_ms"), "p90"), 100);
}

TEST_F(LoadgenFakeServerTest, DrainTimeoutCancelsWhatIsStillInFlight) {
  fake_.stall_request = 2;
  fake_.stall_for = std::chrono::seconds(30);
  StartServer();
  google::protobuf::Struct json;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(RunLoadgen({"-mode", "batch", "-concurrency", "2", "-lines", "100", "-batch-lines", "10",
                        "-drain-timeout", "200ms"},
                       &json),
            kExitOk);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(Number(Object(json, "errors"), "CANCELLED"), 1);
  EXPECT_EQ(Number(json, "lines_failed"), 10);
  EXPECT_EQ(Number(json, "lines_acked"), 90);
}

TEST_F(LoadgenFakeServerTest, NoScribeThereExitsTwoWithOneSentence) {
  StartServer();
  const int port = port_;
  server_->Shutdown();
  server_.reset();
  port_ = port;
  std::string err;
  EXPECT_EQ(RunLoadgen({"-connect-timeout", "300ms", "-lines", "10"}, nullptr, &err), kExitCannotStart);
  EXPECT_NE(err.find("cannot connect to 127.0.0.1:"), std::string::npos) << err;
}

}  // namespace
}  // namespace logscribe::loadgen
