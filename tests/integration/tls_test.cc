// TLS as a user meets it: certificates from tools/certs/make-certs.sh, the real
// logscribe binary in each mode, real gRPC clients (ours from credentials.h,
// and gRPC's plain SslCredentials for clients ours would refuse to build),
// files checked on disk.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "client_credentials.h"
#include "server_credentials.h"
#include "logscribe.grpc.pb.h"
#include "log_client.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

namespace v1 = logscribe::v1;

// The certificates every test shares, made once per test process and removed
// at its exit.
class Certs {
 public:
  static const Certs& Get() {
    static const Certs certs;
    return certs;
  }
  std::string operator()(const std::string& name) const { return dir_.path() + "/" + name; }
  const std::string& dir() const { return dir_.path(); }

 private:
  Certs() {
    const std::string command = std::string("'") + LOGSCRIBE_MAKE_CERTS +
                                "' -client-cn node-1 -client-san node-1.cluster.local"
                                " -client-san spiffe://cluster/node-1 -client-san node-1@cluster.example"
                                " -client-san 10.1.2.3 -client intruder=intruder -other-ca -expired"
                                " -not-yet-valid '" +
                                dir_.path() + "' >/dev/null";
    if (std::system(command.c_str()) != 0) {
      ADD_FAILURE() << "make-certs.sh failed: " << command;
    }
  }
  TempDir dir_;
};

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Each channel distinct, so no two tests or clients share a connection.
std::shared_ptr<grpc::Channel> NewChannel(const std::string& target,
                                          const std::shared_ptr<grpc::ChannelCredentials>& creds,
                                          grpc::ChannelArguments args = {}) {
  static std::atomic<int> next{0};
  args.SetInt("logscribe.test.channel", next.fetch_add(1));
  return grpc::CreateCustomChannel(target, creds, args);
}

// A client built by our own MakeClientSecurity from -ca/-crt/-pk/-server-name.
std::shared_ptr<grpc::Channel> OurClient(const std::string& target, const std::string& ca,
                                         const std::string& crt = "", const std::string& pk = "",
                                         const std::string& server_name = "") {
  ClientSecurityOptions options;
  options.files.ca = ca;
  options.files.crt = crt;
  options.files.pk = pk;
  options.server_name = server_name;
  ClientSecurity security;
  const Status s = MakeClientSecurity(options, &security);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok()) return nullptr;
  return NewChannel(target, security.credentials, security.args);
}

// A client with gRPC's SslCredentials and no checks of ours: it may present
// certificates our own client would refuse to use (an expired one).
std::shared_ptr<grpc::Channel> RawClient(const std::string& target, const std::string& ca,
                                         const std::string& crt, const std::string& pk) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(ca);
  ssl.pem_cert_chain = ReadFile(crt);
  ssl.pem_private_key = ReadFile(pk);
  return NewChannel(target, grpc::SslCredentials(ssl));
}

std::shared_ptr<grpc::Channel> PlaintextClient(const std::string& target) {
  return NewChannel(target, grpc::InsecureChannelCredentials());
}

grpc::Status Log(const std::shared_ptr<grpc::Channel>& channel, const std::string& filename,
                 const std::string& line) {
  if (channel == nullptr) return grpc::Status(grpc::StatusCode::INTERNAL, "no channel");
  return CallLog(v1::LogScribe::NewStub(channel).get(), "tls", filename, line);
}

class TlsTest : public ::testing::Test {
 protected:
  const Certs& certs_ = Certs::Get();

  void StartScribe(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"-path", root_.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string out;
    scribe_ = ScribeProcess::Start(LOGSCRIBE_BINARY, args, &out);
    ASSERT_NE(scribe_, nullptr) << out;
  }
  std::vector<std::string> OneWay() const { return {"-crt", certs_("server.crt"), "-pk", certs_("server.key")}; }
  std::vector<std::string> Mutual(const std::vector<std::string>& more = {}) const {
    std::vector<std::string> args = {"-ca", certs_("ca.crt"), "-crt", certs_("server.crt"), "-pk",
                                     certs_("server.key")};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  std::string target() const { return scribe_->target(); }
  std::string File(const std::string& name) const { return ReadFile(root_.path() + "/tls/" + name + ".log"); }

  void TearDown() override {
    if (scribe_ != nullptr) {
      EXPECT_EQ(scribe_->Stop(), 0) << scribe_->output();
    }
  }

  TempDir root_;
  std::unique_ptr<ScribeProcess> scribe_;
};

// --- the three modes ---------------------------------------------------------------

TEST_F(TlsTest, InsecureServesPlaintextAndWarns) {
  StartScribe({});
  // The warning goes to stderr after the start-up block: wait for it.
  EXPECT_TRUE(scribe_->WaitFor("security:  insecure", std::chrono::seconds(10))) << scribe_->output();
  EXPECT_TRUE(scribe_->WaitFor("warning: plaintext", std::chrono::seconds(10))) << scribe_->output();
  ASSERT_TRUE(Log(PlaintextClient(target()), "plain", "hello").ok());
  EXPECT_EQ(File("plain"), "hello\n");
  // A TLS client cannot talk to a plaintext server.
  EXPECT_FALSE(Log(OurClient(target(), certs_("ca.crt")), "plain", "tls").ok());
  EXPECT_EQ(File("plain"), "hello\n");
}

TEST_F(TlsTest, OneWayTlsClientTrustingTheCaLogs) {
  StartScribe(OneWay());
  EXPECT_NE(scribe_->output().find("security:  TLS ("), std::string::npos) << scribe_->output();
  EXPECT_EQ(scribe_->output().find("warning: plaintext"), std::string::npos);
  grpc::Status s = Log(OurClient(target(), certs_("ca.crt")), "one", "over tls");
  ASSERT_TRUE(s.ok()) << s.error_message();
  // The server's certificate names localhost too.
  s = Log(OurClient(target(), certs_("ca.crt"), "", "", "localhost"), "one", "as localhost");
  ASSERT_TRUE(s.ok()) << s.error_message();
  // A client certificate is not asked for, and harmless when sent.
  s = Log(OurClient(target(), certs_("ca.crt"), certs_("client.crt"), certs_("client.key")), "one", "with cert");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(File("one"), "over tls\nas localhost\nwith cert\n");
}

TEST_F(TlsTest, OneWayTlsRefusesPlaintextWrongNameAndUntrustedServer) {
  StartScribe(OneWay());
  EXPECT_FALSE(Log(PlaintextClient(target()), "no", "plaintext").ok());
  grpc::Status s = Log(OurClient(target(), certs_("ca.crt"), "", "", "wrong.example"), "no", "wrong name");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // A client that trusts another CA does not accept this server.
  EXPECT_FALSE(Log(OurClient(target(), certs_("other-ca.crt")), "no", "other ca").ok());
  EXPECT_TRUE(ListFiles(root_.path()).empty());
  ASSERT_TRUE(Log(OurClient(target(), certs_("ca.crt")), "yes", "still serving").ok());
}

TEST_F(TlsTest, MutualTlsClientWithCertificateLogs) {
  StartScribe(Mutual());
  EXPECT_NE(scribe_->output().find("security:  mutual TLS ("), std::string::npos) << scribe_->output();
  EXPECT_NE(scribe_->output().find("no allow-list"), std::string::npos) << scribe_->output();
  auto channel = OurClient(target(), certs_("ca.crt"), certs_("client.crt"), certs_("client.key"));
  ASSERT_TRUE(Log(channel, "m", "first").ok());
  // Streams go through the same door.
  grpc::ClientContext ctx;
  auto stream = v1::LogScribe::NewStub(channel)->LogStream(&ctx);
  v1::LogBatch batch;
  batch.set_seq(7);
  auto* e = batch.add_entries();
  e->set_path("tls");
  e->set_filename("m");
  e->set_line("streamed");
  ASSERT_TRUE(stream->Write(batch));
  stream->WritesDone();
  v1::LogAck ack;
  ASSERT_TRUE(stream->Read(&ack));
  EXPECT_EQ(ack.code(), 0) << ack.message();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(File("m"), "first\nstreamed\n");
}

TEST_F(TlsTest, MutualTlsRefusesEveryClientWithoutAGoodCertificate) {
  StartScribe(Mutual());
  const std::string t = target();
  struct Refused {
    const char* who;
    std::shared_ptr<grpc::Channel> channel;
  };
  const std::vector<Refused> clients = {
      {"plaintext", PlaintextClient(t)},
      {"no certificate", OurClient(t, certs_("ca.crt"))},
      {"signed by another CA", OurClient(t, certs_("ca.crt"), certs_("other-client.crt"), certs_("other-client.key"))},
      {"expired", RawClient(t, certs_("ca.crt"), certs_("expired-client.crt"), certs_("expired-client.key"))},
  };
  for (const auto& c : clients) {
    const grpc::Status s = Log(c.channel, "refused", c.who);
    EXPECT_FALSE(s.ok()) << c.who << " was let in";
  }
  EXPECT_TRUE(ListFiles(root_.path()).empty()) << "a refused client's line was written";
  // The same raw client with a valid certificate is let in: the refusals
  // above are about the certificates, not the client.
  const grpc::Status s = Log(RawClient(t, certs_("ca.crt"), certs_("client.crt"), certs_("client.key")), "ok", "valid");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(ListFiles(root_.path()), std::vector<std::string>{"tls/ok.log"});
}

// --- allow-lists -------------------------------------------------------------------

TEST_F(TlsTest, AllowCnLetsTheListedClientInAndRefusesOthersWithOneLine) {
  StartScribe(Mutual({"-allow-cn", "node-1", "-allow-cn", "node-2"}));
  EXPECT_NE(scribe_->output().find("allow-list: CN node-1, node-2"), std::string::npos) << scribe_->output();
  auto good = OurClient(target(), certs_("ca.crt"), certs_("client.crt"), certs_("client.key"));
  grpc::Status s = Log(good, "allowed", "node-1 here");
  ASSERT_TRUE(s.ok()) << s.error_message();

  auto intruder = OurClient(target(), certs_("ca.crt"), certs_("intruder.crt"), certs_("intruder.key"));
  for (int i = 0; i < 3; ++i) {
    s = Log(intruder, "intruder", "let me in");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  }
  // Every service is behind the same check: streams and pings too.
  grpc::ClientContext stream_ctx;
  auto stream = v1::LogScribe::NewStub(intruder)->LogStream(&stream_ctx);
  stream->WritesDone();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext ping_ctx;
  v1::PingRequest ping;
  v1::PingResponse pong;
  EXPECT_EQ(v1::Pinger::NewStub(intruder)->Ping(&ping_ctx, ping, &pong).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  EXPECT_EQ(ListFiles(root_.path()), std::vector<std::string>{"tls/allowed.log"});
  ASSERT_EQ(scribe_->Stop(), 0);
  const std::string out = scribe_->output();
  EXPECT_EQ(Count(out, "refused a call from CN=intruder"), 1u) << out;
  EXPECT_NE(out.find("5 calls refused by the allow-list"), std::string::npos) << out;
  scribe_.reset();
}

// Each kind of SAN gRPC reports (DNS, URI, email, IP) is enough on its own.
class TlsAllowSanTest : public TlsTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(TlsAllowSanTest, ListedSanLetsTheClientIn) {
  StartScribe(Mutual({"-allow-san", GetParam()}));
  grpc::Status s = Log(OurClient(target(), certs_("ca.crt"), certs_("client.crt"), certs_("client.key")),
                       "san", GetParam());
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = Log(OurClient(target(), certs_("ca.crt"), certs_("intruder.crt"), certs_("intruder.key")), "san", "no");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_EQ(File("san"), GetParam() + "\n");
  EXPECT_TRUE(scribe_->WaitFor("refused a call from CN=intruder", std::chrono::seconds(10)))
      << scribe_->output();
}

INSTANTIATE_TEST_SUITE_P(Kinds, TlsAllowSanTest,
                         ::testing::Values("node-1.cluster.local", "spiffe://cluster/node-1",
                                           "node-1@cluster.example", "10.1.2.3"),
                         [](const auto& info) {
                           std::string name;
                           for (char c : info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

// --- start-up checks ---------------------------------------------------------------

TEST(TlsStartup, EachMistakeExitsWithOneSentence) {
  const Certs& c = Certs::Get();
  TempDir root;
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string sentence;
  };
  const std::vector<Case> cases = {
      {{"-crt", c("server.crt")}, 2, "-crt needs -pk"},
      {{"-pk", c("server.key")}, 2, "-pk needs -crt"},
      {{"-ca", c("ca.crt")}, 2, "-ca needs -crt and -pk"},
      {{"-crt", c("server.crt"), "-pk", c("server.key"), "-allow-cn", "node-1"}, 2, "need mutual TLS"},
      {{"-allow-san", "x"}, 2, "need mutual TLS"},
      {{"-crt", c("missing.crt"), "-pk", c("server.key")}, 1, "cannot read -crt file " + c("missing.crt")},
      {{"-crt", c("server.crt"), "-pk", c("missing.key")}, 1, "cannot read -pk file"},
      {{"-crt", c("server.crt"), "-pk", c("client.key")}, 1, "does not belong to the certificate CN=localhost"},
      {{"-crt", c("expired-server.crt"), "-pk", c("expired-server.key")}, 1, "expired on 2020-12-31"},
      {{"-crt", c("future-server.crt"), "-pk", c("future-server.key")}, 1, "is not valid yet"},
      {{"-ca", c("client.crt"), "-crt", c("server.crt"), "-pk", c("server.key")}, 1, "is not a CA certificate"},
      {{"-ca", c("missing-ca.crt"), "-crt", c("server.crt"), "-pk", c("server.key")}, 1, "cannot read -ca file"},
      {{"-crt", c("server.key"), "-pk", c("server.key")}, 1, "holds no PEM certificate"},
      {{"-crt", c("server.crt"), "-pk", c("server.crt")}, 1, "holds no unencrypted PEM private key"},
  };
  for (const auto& tc : cases) {
    std::vector<std::string> args = {"-path", root.path(), "-port", "0", "-bind", "127.0.0.1"};
    args.insert(args.end(), tc.args.begin(), tc.args.end());
    std::string out;
    EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, args, &out), tc.code) << out;
    EXPECT_NE(out.find(tc.sentence), std::string::npos) << "want '" << tc.sentence << "' in: " << out;
    EXPECT_EQ(SplitLines(out).size(), 1u) << out;
  }
  EXPECT_TRUE(ListFiles(root.path()).empty());
}

TEST(TlsClientOptions, MistakesAreOneSentence) {
  const Certs& c = Certs::Get();
  ClientSecurity security;
  ClientSecurityOptions o;
  o.files.crt = c("client.crt");
  o.files.pk = c("client.key");
  EXPECT_NE(MakeClientSecurity(o, &security).message().find("need -ca"), std::string::npos);
  o = {};
  o.server_name = "x";
  EXPECT_NE(MakeClientSecurity(o, &security).message().find("-server-name needs -ca"), std::string::npos);
  o = {};
  o.files.ca = c("ca.crt");
  o.files.crt = c("expired-client.crt");
  o.files.pk = c("expired-client.key");
  EXPECT_NE(MakeClientSecurity(o, &security).message().find("expired"), std::string::npos);
  o = {};
  EXPECT_TRUE(MakeClientSecurity(o, &security).ok());
  EXPECT_EQ(security.mode, TlsMode::kInsecure);
}

// --- rotation ----------------------------------------------------------------------

// Copies `from` over `to` the way a renewal should: a new file renamed into place.
void Replace(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to + ".new", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(to + ".new", to);
}

TEST_F(TlsTest, RenewedServerCertificateIsServedWithoutRestartAndNoLineIsLost) {
  // A second, unrelated CA with its own server certificate: the renewal.
  TempDir renewed;
  ASSERT_EQ(std::system(("'" + std::string(LOGSCRIBE_MAKE_CERTS) + "' '" + renewed.path() + "' >/dev/null").c_str()), 0);
  TempDir live;
  const std::string crt = live.path() + "/server.crt", key = live.path() + "/server.key";
  Replace(certs_("server.crt"), crt);
  Replace(certs_("server.key"), key);
  const std::string both_cas = live.path() + "/both-cas.crt";
  {
    std::ofstream out(both_cas);
    out << ReadFile(certs_("ca.crt")) << ReadFile(renewed.path() + "/ca.crt");
  }
  StartScribe({"-crt", crt, "-pk", key});

  // Before: a client that trusts only the new CA is turned away.
  EXPECT_FALSE(Log(OurClient(target(), renewed.path() + "/ca.crt"), "probe", "too early").ok());

  // A client logs without pause across the renewal.
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::atomic<int> logged{0};
  grpc::Status logger_error;  // written by the logger before it sets `failed`
  std::thread logger([&] {
    auto channel = OurClient(target(), both_cas);
    for (int i = 0; !stop.load(); ++i) {
      grpc::Status s = Log(channel, "steady", "line " + std::to_string(i));
      if (!s.ok()) {
        logger_error = s;
        failed = true;
        return;
      }
      logged.store(i + 1);
    }
  });
  while (logged.load() < 50 && !failed.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  Replace(renewed.path() + "/server.key", key);
  Replace(renewed.path() + "/server.crt", crt);

  // New connections get the new certificate once gRPC re-reads the files
  // (every second); wait for it, however long this machine takes.
  bool renewed_seen = false;
  for (int attempt = 0; attempt < 600 && !renewed_seen; ++attempt) {
    renewed_seen = Log(OurClient(target(), renewed.path() + "/ca.crt"), "probe", "renewed").ok();
    if (!renewed_seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(renewed_seen) << "the renewed certificate was never served";
  // ...and a new client that trusts only the old CA no longer gets in.
  EXPECT_FALSE(Log(OurClient(target(), certs_("ca.crt")), "probe", "old ca").ok());

  const int before_stop = logged.load();
  while (logged.load() < before_stop + 50 && !failed.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop = true;
  logger.join();
  EXPECT_TRUE(logger_error.ok()) << logger_error.error_message();
  const auto lines = SplitLines(File("steady"));
  ASSERT_EQ(lines.size(), static_cast<size_t>(logged.load()));
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(lines[i], "line " + std::to_string(i));
  EXPECT_EQ(File("probe"), "renewed\n");
}

}  // namespace
}  // namespace logscribe::testing
