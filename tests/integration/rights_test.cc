// Separate rights against the real binaries in mutual TLS, with certificates
// from tools/certs/make-certs.sh: write-only certificates refused for the
// mediator's scribe and admin calls, a registered scribe id that no other
// certificate can take over (nor answer for when the mediator dials it), the
// write scope on Log, LogBatch and LogStream, the connection-level union,
// closed defaults, and flags that make no sense refused at start-up.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <thread>

#include "client_credentials.h"
#include "log_client.h"
#include "logscribe.grpc.pb.h"
#include "metrics_scrape.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

namespace v1 = logscribe::v1;

// One set of certificates for the whole file: scribe-a and scribe-b are
// server certificates (same SANs, their own CNs), the others client ones.
class Certs {
 public:
  static const Certs& Get() {
    static const Certs* certs = new Certs();
    return *certs;
  }
  std::string operator()(const std::string& name) const { return dir_.path() + "/" + name; }

 private:
  Certs() {
    const std::string command = std::string("'") + LOGSCRIBE_MAKE_CERTS + "' -server scribe-a=scribe-a " +
                                "-server scribe-b=scribe-b -client node-1=node-1 -client node-2=node-2 " +
                                "-client admin=admin -client reader=reader '" + dir_.path() + "' >/dev/null";
    if (std::system(command.c_str()) != 0) std::abort();
  }
  TempDir dir_;
};

std::vector<std::string> Serving(const std::string& cert) {
  const Certs& c = Certs::Get();
  return {"-ca", c("ca.crt"), "-crt", c(cert + ".crt"), "-pk", c(cert + ".key")};
}

// A fresh channel to `target` presenting the certificate `name`.
std::shared_ptr<grpc::Channel> As(const std::string& name, const std::string& target) {
  static int channels = 0;
  const Certs& c = Certs::Get();
  ClientSecurityOptions options;
  options.files.ca = c("ca.crt");
  options.files.crt = c(name + ".crt");
  options.files.pk = c(name + ".key");
  ClientSecurity security;
  const Status s = MakeClientSecurity(options, &security);
  EXPECT_TRUE(s.ok()) << s.message();
  security.args.SetInt("logscribe.test.channel", ++channels);
  return grpc::CreateCustomChannel(target, security.credentials, security.args);
}

template <typename Call>
grpc::Status WithDeadline(Call call) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return call(&ctx);
}

grpc::Status Register(const std::string& who, const std::string& target, const std::string& id,
                      const std::string& addr, std::string* res = nullptr) {
  v1::RegisterRequest q;
  q.set_id(id);
  q.set_addr(addr);
  v1::RegisterResponse r;
  const grpc::Status s = WithDeadline(
      [&](grpc::ClientContext* ctx) { return v1::Register::NewStub(As(who, target))->Register(ctx, q, &r); });
  if (res != nullptr) *res = r.res();
  return s;
}

grpc::Status Deregister(const std::string& who, const std::string& target, const std::string& id,
                        const std::string& addr) {
  v1::DeregisterRequest q;
  q.set_id(id);
  q.set_addr(addr);
  v1::RegisterResponse r;
  return WithDeadline(
      [&](grpc::ClientContext* ctx) { return v1::Register::NewStub(As(who, target))->Deregister(ctx, q, &r); });
}

// The live scribes (id -> addr) as `who` sees them; {"" -> message} on error.
std::map<std::string, std::string> Live(const std::string& who, const std::string& target) {
  v1::ResponsibilityResponse r;
  const grpc::Status s = WithDeadline([&](grpc::ClientContext* ctx) {
    return v1::Mediator::NewStub(As(who, target))->GetScribesResponsibility(ctx, v1::ResponsibilityRequest(), &r);
  });
  std::map<std::string, std::string> out;
  if (!s.ok()) {
    out[""] = s.error_message();
    return out;
  }
  for (const auto& x : r.result()) out[x.name()] = x.addr();
  return out;
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

bool Has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

TEST(RightsTest, OnTheMediatorWritersCannotActAsScribesAndNoIdChangesHands) {
  std::vector<std::string> margs = {"-ping-interval", "200ms", "-max-misses", "2", "-allow-cn", "node-1",
                                    "-allow-scribe-cn", "scribe-a", "-allow-scribe-cn", "scribe-b",
                                    "-allow-admin-cn", "admin", "-pprof", "-pport", "0"};
  for (const auto& a : Serving("server")) margs.push_back(a);
  std::string out;
  auto mediator = ScribeProcess::Start(LOGMEDIATOR_BINARY, margs, &out);
  ASSERT_NE(mediator, nullptr) << out;
  const std::string m = mediator->target();
  EXPECT_TRUE(Has(mediator->output(), "rights:    scribe: CN scribe-a, scribe-b")) << mediator->output();
  EXPECT_TRUE(Has(mediator->output(), "rights:    read: no one (see -allow-read-cn, -allow-read-san)"))
      << mediator->output();

  TempDir root;
  std::vector<std::string> sargs = {"-path", root.path(), "-mediator", m, "-id", "a", "-ping-interval", "200ms"};
  for (const auto& a : Serving("scribe-a")) sargs.push_back(a);
  auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, sargs, &out);
  ASSERT_NE(scribe, nullptr) << out;
  std::map<std::string, std::string> live;
  ASSERT_TRUE(WaitUntil([&] { return (live = Live("admin", m)).count("a") == 1; }))
      << (live.count("") ? live[""] : "") << "\n" << mediator->output();
  const std::string a_addr = live["a"];

  // A write-only certificate: refused for Register, Deregister and the admin
  // calls, each naming the flags that would allow it; it still writes.
  grpc::Status s = Register("node-1", m, "evil", "127.0.0.1:1");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "the certificate CN=node-1 SAN=[] has no scribe right (see -allow-scribe-cn, -allow-scribe-san)");
  s = Deregister("node-1", m, "a", a_addr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Has(s.error_message(), "-allow-scribe-cn")) << s.error_message();
  EXPECT_TRUE(Has(Live("node-1", m)[""], "has no admin right (see -allow-admin-cn, -allow-admin-san)"));
  EXPECT_TRUE(CallLog(v1::LogScribe::NewStub(As("node-1", m)).get(), "n", "f", "from-node-1").ok());
  // The union lets admin connect; its handler refuses it a write.
  s = CallLog(v1::LogScribe::NewStub(As("admin", m)).get(), "n", "f", "from-admin");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Has(s.error_message(), "has no write right (see -allow-cn, -allow-san)")) << s.error_message();
  // A certificate on no list does not get past the connection.
  s = CallLog(v1::LogScribe::NewStub(As("reader", m)).get(), "n", "f", "from-reader");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Has(s.error_message(), "none of this server's allow-lists")) << s.error_message();

  // Another scribe certificate cannot take the id over, nor make it leave.
  s = Register("scribe-b", m, "a", "127.0.0.1:1");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Has(s.error_message(), "scribe id a is held by the certificate CN=scribe-a")) << s.error_message();
  EXPECT_EQ(Deregister("scribe-b", m, "a", a_addr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  live = Live("admin", m);
  EXPECT_EQ(live.size(), 1u);
  EXPECT_EQ(live["a"], a_addr);

  // scribe-b registers an id of its own at scribe-a's address: the mediator
  // dials it, sees scribe-a's certificate, and drops it.
  std::string res;
  ASSERT_TRUE(Register("scribe-b", m, "b-at-a", a_addr, &res).ok());
  EXPECT_EQ(res, "Success");
  EXPECT_TRUE(mediator->WaitFor("scribe b-at-a at " + a_addr + " presented the certificate CN=scribe-a",
                                std::chrono::seconds(10)))
      << mediator->output();
  EXPECT_TRUE(WaitUntil([&] { return Live("admin", m).count("b-at-a") == 0; })) << mediator->output();
  EXPECT_EQ(Live("admin", m).count("a"), 1u) << mediator->output();

  // Every refusal is counted by right.
  const auto metrics = Scrape(MetricsPort(*mediator));
  EXPECT_EQ(metrics.at("logmediator_rights_refused_total{right=\"scribe\"}"), 2);
  EXPECT_GE(metrics.at("logmediator_rights_refused_total{right=\"admin\"}"), 1);
  EXPECT_EQ(metrics.at("logmediator_rights_refused_total{right=\"write\"}"), 1);
  EXPECT_EQ(metrics.at("logmediator_scribe_takeovers_refused_total"), 2);
  EXPECT_GE(metrics.at("logmediator_impostor_pings_total"), 2);

  EXPECT_EQ(scribe->Stop(), 0) << scribe->output();
  // Its own certificate may make it leave.
  EXPECT_TRUE(mediator->WaitFor("scribe a at " + a_addr + " left", std::chrono::seconds(10))) << mediator->output();
  EXPECT_EQ(mediator->Stop(), 0) << mediator->output();
}

TEST(RightsTest, InMutualTlsAnEmptyScribeOrAdminListAdmitsNoOne) {
  std::vector<std::string> margs = Serving("server");
  std::string out;
  auto mediator = ScribeProcess::Start(LOGMEDIATOR_BINARY, margs, &out);
  ASSERT_NE(mediator, nullptr) << out;
  const std::string& o = mediator->output();
  EXPECT_TRUE(Has(o, "rights:    write: any certificate signed by -ca")) << o;
  EXPECT_TRUE(Has(o, "rights:    scribe: no one (see -allow-scribe-cn, -allow-scribe-san)")) << o;
  EXPECT_TRUE(Has(o, "rights:    admin: no one (see -allow-admin-cn, -allow-admin-san)")) << o;
  const grpc::Status s = Register("scribe-a", mediator->target(), "a", "127.0.0.1:1");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Has(s.error_message(), "CN=scribe-a")) << s.error_message();
  EXPECT_TRUE(Has(Live("admin", mediator->target())[""], "has no admin right"));
  EXPECT_EQ(mediator->Stop(), 0) << mediator->output();
}

v1::LogBatch Batch(uint64_t seq, const std::vector<std::pair<std::string, std::string>>& entries) {
  v1::LogBatch b;
  b.set_seq(seq);
  for (const auto& [path, line] : entries) {
    auto* e = b.add_entries();
    e->set_path(path);
    e->set_filename("f");
    e->set_line(line);
  }
  return b;
}

TEST(RightsTest, WriteScopeHoldsForLogLogBatchAndLogStream) {
  TempDir root;
  std::vector<std::string> args = {"-path", root.path(), "-allow-cn", "node-1", "-allow-cn", "node-2",
                                   "-allow-read-cn", "reader", "-write-scope", "{cn}",
                                   "-write-scope", "node-2=/shared"};
  for (const auto& a : Serving("server")) args.push_back(a);
  std::string out;
  auto scribe = ScribeProcess::Start(LOGSCRIBE_BINARY, args, &out);
  ASSERT_NE(scribe, nullptr) << out;
  EXPECT_TRUE(Has(scribe->output(), "scoped by -write-scope: *=/{cn} node-2=/shared")) << scribe->output();
  const std::string t = scribe->target();
  auto n1 = v1::LogScribe::NewStub(As("node-1", t));
  auto n2 = v1::LogScribe::NewStub(As("node-2", t));

  EXPECT_TRUE(CallLog(n1.get(), "node-1", "f", "n1-own").ok());
  EXPECT_TRUE(CallLog(n1.get(), "node-1/./app", "f", "n1-app").ok());
  for (const std::string path : {"node-2", "node-10", "shared", "", "node-1/../node-2"}) {
    const grpc::Status s = CallLog(n1.get(), path, "f", "n1-refused");
    if (path == "node-1/../node-2") {  // not even a valid name
      EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
      continue;
    }
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << path;
    EXPECT_TRUE(Has(s.error_message(), "may not write")) << s.error_message();
    EXPECT_TRUE(Has(s.error_message(), "(see -write-scope)")) << s.error_message();
  }
  EXPECT_TRUE(CallLog(n2.get(), "shared/x", "f", "n2-shared").ok());
  EXPECT_TRUE(CallLog(n2.get(), "node-2", "f", "n2-own").ok());

  // LogBatch: one entry outside the scope refuses the whole batch.
  {
    v1::LogBatch b = Batch(1, {{"node-1", "batch-in"}, {"node-2", "batch-out"}});
    v1::LogResponse r;
    const grpc::Status s = WithDeadline([&](grpc::ClientContext* ctx) { return n1->LogBatch(ctx, b, &r); });
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  }
  // LogStream: the batch outside is acked with the refusal; the stream goes on.
  {
    grpc::Status end;
    const auto acks = StreamAcks(n1.get(),
                                 {Batch(1, {{"node-1/s", "stream-1"}}), Batch(2, {{"node-2/s", "stream-2"}}),
                                  Batch(3, {{"node-1/s", "stream-3"}})},
                                 &end);
    EXPECT_TRUE(end.ok()) << end.error_message();
    ASSERT_EQ(acks.size(), 3u);
    EXPECT_EQ(acks.at(1).code(), 0);
    EXPECT_EQ(acks.at(2).code(), static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
    EXPECT_TRUE(Has(acks.at(2).message(), "may not write node-2/s/f: it may write under /node-1 (see -write-scope)"))
        << acks.at(2).message();
    EXPECT_EQ(acks.at(3).code(), 0);
  }
  // The union at connection level: reader connects, and may not write.
  {
    const grpc::Status s = CallLog(v1::LogScribe::NewStub(As("reader", t)).get(), "reader", "f", "r-line");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_TRUE(Has(s.error_message(), "CN=reader SAN=[] has no write right (see -allow-cn, -allow-san)"))
        << s.error_message();
  }
  EXPECT_EQ(scribe->Stop(), 0) << scribe->output();

  // Exactly the accepted lines, each where it was sent.
  std::map<std::string, std::string> files;
  for (const auto& rel : ListFiles(root.path())) files[rel] = ReadFile(root.path() + "/" + rel);
  const std::map<std::string, std::string> want = {{"node-1/f.log", "n1-own\n"},
                                                   {"node-1/app/f.log", "n1-app\n"},
                                                   {"node-1/s/f.log", "stream-1\nstream-3\n"},
                                                   {"shared/x/f.log", "n2-shared\n"},
                                                   {"node-2/f.log", "n2-own\n"}};
  EXPECT_EQ(files, want);
}

TEST(RightsStartup, FlagsThatMakeNoSenseExitWithOneSentence) {
  const Certs& c = Certs::Get();
  TempDir root;
  const std::vector<std::string> mutual = Serving("server");
  struct Case {
    const char* binary;
    std::vector<std::string> args;
    std::string sentence;
  };
  auto with_mutual = [&](std::vector<std::string> args) {
    args.insert(args.end(), mutual.begin(), mutual.end());
    return args;
  };
  const std::vector<Case> cases = {
      {LOGSCRIBE_BINARY, {"-allow-read-cn", "reader"}, "-allow-read-cn and -allow-read-san need mutual TLS"},
      {LOGSCRIBE_BINARY, {"-crt", c("server.crt"), "-pk", c("server.key"), "-allow-read-san", "r"},
       "need mutual TLS"},
      {LOGSCRIBE_BINARY, {"-write-scope", "{cn}"}, "-write-scope needs mutual TLS"},
      {LOGSCRIBE_BINARY, with_mutual({"-allow-insecure-read"}), "-allow-insecure-read is for servers without"},
      {LOGSCRIBE_BINARY, with_mutual({"-write-scope", "node-1=../x"}), "is not a path a request could name"},
      {LOGSCRIBE_BINARY, with_mutual({"-write-scope", "=/x"}), "is empty"},
      {LOGSCRIBE_BINARY, with_mutual({"-allow-scribe-cn", "a"}), "unknown flag -allow-scribe-cn"},
      {LOGMEDIATOR_BINARY, {"-allow-scribe-cn", "a"}, "-allow-scribe-cn and -allow-scribe-san need mutual TLS"},
      {LOGMEDIATOR_BINARY, {"-allow-admin-san", "a"}, "need mutual TLS"},
  };
  for (const auto& tc : cases) {
    std::vector<std::string> args = {"-port", "0", "-bind", "127.0.0.1"};
    if (std::string(tc.binary) == LOGSCRIBE_BINARY) args.insert(args.end(), {"-path", root.path()});
    args.insert(args.end(), tc.args.begin(), tc.args.end());
    std::string out;
    EXPECT_EQ(ScribeProcess::RunToExit(tc.binary, args, &out), 2) << out;
    EXPECT_TRUE(Has(out, tc.sentence)) << "want '" << tc.sentence << "' in: " << out;
  }
  EXPECT_TRUE(ListFiles(root.path()).empty());
}

}  // namespace
}  // namespace logscribe::testing
