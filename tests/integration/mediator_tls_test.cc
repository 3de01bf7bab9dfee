// The mediator in mutual TLS, end to end: certificates from
// tools/certs/make-certs.sh, the real logmediator and two real logscribe
// processes all with -ca -crt -pk, so every hop is mutual TLS: node ->
// mediator (Log, LogStream, the admin calls), scribe -> mediator (Register),
// mediator -> scribe (Ping and forwarding). Each process presents its server
// certificate as its client certificate (make-certs.sh gives it clientAuth).
// A client without a certificate is refused and none of its lines is written.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "client_credentials.h"
#include "server_credentials.h"
#include "log_client.h"
#include "logscribe.grpc.pb.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

namespace v1 = logscribe::v1;

constexpr const char* kPingInterval = "200ms";
constexpr int kMaxMisses = 3;

class MediatorTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string command = std::string("'") + LOGSCRIBE_MAKE_CERTS + "' '" + certs_.path() + "' >/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  void TearDown() override {
    for (auto& s : scribes_) {
      if (s != nullptr) {
        EXPECT_EQ(s->Stop(), 0) << s->output();
      }
    }
    if (mediator_ != nullptr) {
      EXPECT_EQ(mediator_->Stop(), 0) << mediator_->output();
    }
  }

  std::string Cert(const std::string& name) const { return certs_.path() + "/" + name; }
  // Mutual TLS for a server, and the same files for the dialling it does.
  std::vector<std::string> Mutual() const {
    return {"-ca", Cert("ca.crt"), "-crt", Cert("server.crt"), "-pk", Cert("server.key")};
  }

  // A fresh channel (no shared connection) built by our own MakeClientSecurity.
  std::shared_ptr<grpc::Channel> Client(const std::string& crt, const std::string& pk) {
    ClientSecurityOptions options;
    options.files.ca = Cert("ca.crt");
    options.files.crt = crt;
    options.files.pk = pk;
    ClientSecurity security;
    const Status s = MakeClientSecurity(options, &security);
    EXPECT_TRUE(s.ok()) << s.message();
    if (!s.ok()) return nullptr;
    security.args.SetInt("logscribe.test.channel", ++channels_);
    return grpc::CreateCustomChannel(mediator_->target(), security.credentials, security.args);
  }
  std::shared_ptr<grpc::Channel> GoodClient() { return Client(Cert("client.crt"), Cert("client.key")); }
  std::shared_ptr<grpc::Channel> NoCertClient() { return Client("", ""); }

  // The live scribes the mediator reports over mutual TLS; {"" -> status} on error.
  std::map<std::string, std::string> Live() {
    std::map<std::string, std::string> out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ResponsibilityResponse r;
    const grpc::Status s =
        v1::Mediator::NewStub(GoodClient())->GetScribesResponsibility(&ctx, v1::ResponsibilityRequest(), &r);
    if (!s.ok()) {
      out[""] = s.error_message();
      return out;
    }
    for (const auto& x : r.result()) out[x.name()] = x.addr();
    return out;
  }

  static bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  void StartCluster() {
    // The scribes present server.crt (CN localhost) when they register; the
    // test's client (CN logscribe-client) calls the admin calls. Without
    // these the scribe and admin rights admit no one in mutual TLS.
    std::vector<std::string> args = {"-ping-interval", kPingInterval, "-max-misses", std::to_string(kMaxMisses),
                                     "-allow-scribe-cn", "localhost", "-allow-admin-cn", "logscribe-client"};
    for (const auto& a : Mutual()) args.push_back(a);
    std::string out;
    mediator_ = ScribeProcess::Start(LOGMEDIATOR_BINARY, args, &out);
    ASSERT_NE(mediator_, nullptr) << out;
    EXPECT_NE(mediator_->output().find("security:  mutual TLS ("), std::string::npos) << mediator_->output();
    EXPECT_NE(mediator_->output().find("scribes are dialled with TLS"), std::string::npos) << mediator_->output();
    for (int i = 0; i < 2; ++i) {
      const std::string id = "s" + std::to_string(i + 1);
      roots_.push_back(std::make_unique<TempDir>());
      std::vector<std::string> sargs = {"-path", roots_.back()->path(), "-size", "-1B", "-mediator",
                                        mediator_->target(), "-id", id, "-ping-interval", kPingInterval};
      for (const auto& a : Mutual()) sargs.push_back(a);
      auto p = ScribeProcess::Start(LOGSCRIBE_BINARY, sargs, &out);
      ASSERT_NE(p, nullptr) << out << "\nmediator:\n" << mediator_->output();
      EXPECT_NE(p->output().find("security:  mutual TLS ("), std::string::npos) << p->output();
      EXPECT_NE(p->output().find("registered with " + mediator_->target() + " (TLS) as " + id), std::string::npos)
          << p->output();
      scribes_.push_back(std::move(p));
    }
    std::map<std::string, std::string> live;
    ASSERT_TRUE(WaitUntil([&] {
      live = Live();
      return live.size() == 2 && live.count("s1") == 1 && live.count("s2") == 1;
    })) << "live: " << live.size() << (live.count("") ? " " + live[""] : "") << "\nmediator:\n"
        << mediator_->output();
    EXPECT_EQ(live["s1"], scribes_[0]->target());
    EXPECT_EQ(live["s2"], scribes_[1]->target());
  }

  // How often each line occurs over every file of both scribes' roots, and the
  // number of scribes holding at least one file.
  std::map<std::string, int> LineCounts(int* holders = nullptr) {
    std::map<std::string, int> counts;
    if (holders != nullptr) *holders = 0;
    for (const auto& root : roots_) {
      const auto files = ListFiles(root->path());
      if (holders != nullptr && !files.empty()) ++*holders;
      for (const auto& rel : files) {
        for (const auto& line : SplitLines(ReadFile(root->path() + "/" + rel))) ++counts[line];
      }
    }
    return counts;
  }

  TempDir certs_;
  std::unique_ptr<ScribeProcess> mediator_;
  std::vector<std::unique_ptr<TempDir>> roots_;
  std::vector<std::unique_ptr<ScribeProcess>> scribes_;
  int channels_ = 0;
};

TEST_F(MediatorTlsTest, WholeFlowInMutualTlsAndAClientWithoutCertificateIsRefused) {
  StartCluster();
  if (HasFatalFailure()) return;

  // Health checks (mediator -> scribe Ping, mutual TLS) keep succeeding: after
  // well over max-misses ping intervals both scribes are still live.
  std::this_thread::sleep_for(std::chrono::milliseconds(200 * (kMaxMisses + 1) * 2));
  ASSERT_EQ(Live().size(), 2u) << mediator_->output();

  constexpr int kLogLines = 40;
  constexpr int kFiles = 12;
  constexpr int kBatches = 12;
  constexpr int kPerBatch = 25;
  std::set<std::string> want;

  // Unary Log through the mediator, over several files.
  {
    auto stub = v1::LogScribe::NewStub(GoodClient());
    for (int i = 0; i < kLogLines; ++i) {
      const std::string line = "log-" + std::to_string(i);
      v1::LogResponse resp;
      const grpc::Status s = CallLog(stub.get(), "mtls/unary", "f" + std::to_string(i % kFiles), line, &resp);
      ASSERT_TRUE(s.ok()) << line << ": " << s.error_message() << "\nmediator:\n" << mediator_->output();
      EXPECT_EQ(resp.res(), "true") << line;
      want.insert(line);
    }
  }

  // One LogStream of a few hundred lines over several files, all batches in flight.
  {
    auto stub = v1::LogScribe::NewStub(GoodClient());
    std::vector<v1::LogBatch> batches(kBatches);
    int n = 0;
    for (int b = 0; b < kBatches; ++b) {
      batches[b].set_seq(b);
      for (int k = 0; k < kPerBatch; ++k, ++n) {
        auto* e = batches[b].add_entries();
        e->set_path("mtls/stream");
        e->set_filename("g" + std::to_string(n % kFiles));
        e->set_line("stream-" + std::to_string(n));
        want.insert(e->line());
      }
    }
    const std::map<uint64_t, int> codes = StreamBatches(stub.get(), batches);
    ASSERT_EQ(codes.count(UINT64_MAX), 0u) << "the stream failed with code " << codes.at(UINT64_MAX)
                                           << "\nmediator:\n" << mediator_->output();
    ASSERT_EQ(codes.size(), static_cast<size_t>(kBatches));
    for (const auto& [seq, code] : codes) EXPECT_EQ(code, 0) << "batch " << seq;
  }

  // Every line landed exactly once across the two scribes, and both got some.
  int holders = 0;
  const auto counts = LineCounts(&holders);
  EXPECT_EQ(counts.size(), want.size());
  for (const auto& line : want) {
    const auto it = counts.find(line);
    EXPECT_TRUE(it != counts.end() && it->second == 1)
        << line << " occurs " << (it == counts.end() ? 0 : it->second) << " times";
  }
  for (const auto& [line, n] : counts) EXPECT_EQ(want.count(line), 1u) << "unexpected line " << line;
  EXPECT_EQ(holders, 2) << "the files were not spread over both scribes";

  // A client with only the CA (no certificate) is refused on every call, and
  // none of its lines is written anywhere.
  {
    auto channel = NoCertClient();
    ASSERT_NE(channel, nullptr);
    const grpc::Status s = CallLog(v1::LogScribe::NewStub(channel).get(), "mtls/refused", "r", "no-cert-unary",
                                   nullptr, std::chrono::seconds(10));
    EXPECT_FALSE(s.ok()) << "a client without a certificate was let in";

    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto stream = v1::LogScribe::NewStub(NoCertClient())->LogStream(&ctx);
    v1::LogBatch batch;
    batch.set_seq(1);
    auto* e = batch.add_entries();
    e->set_path("mtls/refused");
    e->set_filename("r");
    e->set_line("no-cert-stream");
    (void)stream->Write(batch);
    stream->WritesDone();
    v1::LogAck ack;
    while (stream->Read(&ack)) ADD_FAILURE() << "a client without a certificate got an ack " << ack.code();
    EXPECT_FALSE(stream->Finish().ok());

    grpc::ClientContext admin;
    admin.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ResponsibilityResponse r;
    EXPECT_FALSE(v1::Mediator::NewStub(NoCertClient())
                     ->GetScribesResponsibility(&admin, v1::ResponsibilityRequest(), &r)
                     .ok());
    // Plaintext is refused too.
    grpc::ChannelArguments args;
    args.SetInt("logscribe.test.channel", ++channels_);
    auto plain = grpc::CreateCustomChannel(mediator_->target(), grpc::InsecureChannelCredentials(), args);
    EXPECT_FALSE(CallLog(v1::LogScribe::NewStub(plain).get(), "mtls/refused", "r", "plaintext", nullptr,
                         std::chrono::seconds(10))
                     .ok());
  }
  // The refused calls wrote nothing: the files are exactly what they were.
  EXPECT_EQ(LineCounts(), counts);
  for (const auto& root : roots_) {
    for (const auto& rel : ListFiles(root->path())) EXPECT_EQ(rel.find("refused"), std::string::npos) << rel;
  }
  // The cluster still serves a good client afterwards.
  ASSERT_TRUE(CallLog(v1::LogScribe::NewStub(GoodClient()).get(), "mtls/unary", "after", "after-refusals").ok());
  EXPECT_EQ(LineCounts()["after-refusals"], 1);
}

}  // namespace
}  // namespace logscribe::testing
