#include "rights.h"

#include <gtest/gtest.h>

#include "server_credentials.h"

namespace logscribe {
namespace {

PeerIdentity Cn(const std::string& cn, std::vector<std::string> sans = {}) { return {cn, std::move(sans)}; }

constexpr const char* kLoopback = "ipv4:127.0.0.1:5000";
constexpr const char* kRemote = "ipv4:10.1.2.3:5000";

std::unique_ptr<Rights> Make(const ServerSecurityOptions& o, TlsMode mode) {
  std::unique_ptr<Rights> r;
  const Status s = Rights::Make(o, mode, &r);
  EXPECT_TRUE(s.ok()) << s.message();
  return r;
}

TEST(Rights, ReadIsClosedInMutualTlsUntilListed) {
  ServerSecurityOptions o;
  auto closed = Make(o, TlsMode::kMutualTls);
  const Status s = closed->Check(closed->IdentifyForTest(Cn("node-1"), kLoopback), Right::kRead);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "the certificate CN=node-1 SAN=[] has no read right (see -allow-read-cn, -allow-read-san)");
  EXPECT_EQ(closed->refusals(Right::kRead), 1u);
  // Writing stays open to any certificate when no write list is given.
  EXPECT_TRUE(closed->Check(closed->IdentifyForTest(Cn("node-1"), kRemote), Right::kWrite).ok());
  EXPECT_FALSE(closed->write_checked());

  o.allow_read_cn = {"reader"};
  o.allow_read_san = {"spiffe://c/reader"};
  auto listed = Make(o, TlsMode::kMutualTls);
  EXPECT_TRUE(listed->Check(listed->IdentifyForTest(Cn("reader"), kRemote), Right::kRead).ok());
  EXPECT_TRUE(listed->Check(listed->IdentifyForTest(Cn("x", {"spiffe://c/reader"}), kRemote), Right::kRead).ok());
  EXPECT_FALSE(listed->Check(listed->IdentifyForTest(Cn("node-1"), kRemote), Right::kRead).ok());
  // A SAN equal to a listed CN is not the CN: lists match their own kind.
  EXPECT_FALSE(listed->Check(listed->IdentifyForTest(Cn("x", {"reader"}), kRemote), Right::kRead).ok());
}

TEST(Rights, WithoutMutualTlsReadsAreForLoopbackPeersUnlessOpened) {
  ServerSecurityOptions o;
  auto r = Make(o, TlsMode::kInsecure);
  EXPECT_TRUE(r->Check(r->IdentifyForTest({}, kLoopback), Right::kRead).ok());
  EXPECT_TRUE(r->Check(r->IdentifyForTest({}, "ipv6:[::1]:5000"), Right::kRead).ok());
  const Status s = r->Check(r->IdentifyForTest({}, kRemote), Right::kRead);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("-allow-insecure-read"), std::string::npos) << s.message();
  EXPECT_TRUE(r->Check(r->IdentifyForTest({}, kRemote), Right::kWrite).ok());
  o.allow_insecure_read = true;
  auto open = Make(o, TlsMode::kTls);
  EXPECT_TRUE(open->Check(open->IdentifyForTest({}, kRemote), Right::kRead).ok());
}

TEST(Rights, EachRightHasItsOwnListsAndTheConnectionAdmitsTheirUnion) {
  ServerSecurityOptions o;
  o.mediator = true;
  o.allow_cn = {"node-1"};
  o.allow_scribe_cn = {"scribe-a"};
  o.allow_admin_san = {"admin.example"};
  o.allow_read_cn = {"node-1"};  // one identity, two rights
  auto r = Make(o, TlsMode::kMutualTls);
  const auto node = r->IdentifyForTest(Cn("node-1"), kRemote);
  const auto scribe = r->IdentifyForTest(Cn("scribe-a"), kRemote);
  const auto admin = r->IdentifyForTest(Cn("ops", {"admin.example"}), kRemote);
  EXPECT_TRUE(r->Check(node, Right::kWrite).ok());
  EXPECT_TRUE(r->Check(node, Right::kRead).ok());
  EXPECT_EQ(r->Check(node, Right::kScribe).message(),
            "the certificate CN=node-1 SAN=[] has no scribe right (see -allow-scribe-cn, -allow-scribe-san)");
  EXPECT_FALSE(r->Check(node, Right::kAdmin).ok());
  EXPECT_TRUE(r->Check(scribe, Right::kScribe).ok());
  EXPECT_NE(r->Check(scribe, Right::kWrite).message().find("(see -allow-cn, -allow-san)"), std::string::npos);
  EXPECT_TRUE(r->Check(admin, Right::kAdmin).ok());
  EXPECT_FALSE(r->Check(admin, Right::kScribe).ok());
  EXPECT_EQ(r->refusals(Right::kScribe), 2u);
  EXPECT_TRUE(r->write_listed());
  EXPECT_EQ(r->AllCns(), (std::vector<std::string>{"node-1", "scribe-a"}));
  EXPECT_EQ(r->AllSans(), (std::vector<std::string>{"admin.example"}));
}

TEST(Rights, ListsThatMakeNoSenseAreRefusedWithOneSentence) {
  std::unique_ptr<Rights> r;
  ServerSecurityOptions o;
  o.allow_read_cn = {"x"};
  EXPECT_NE(Rights::Make(o, TlsMode::kTls, &r).message().find("-allow-read-cn and -allow-read-san need mutual TLS"),
            std::string::npos);
  o = {};
  o.allow_scribe_cn = {"x"};  // on a scribe
  EXPECT_NE(Rights::Make(o, TlsMode::kMutualTls, &r).message().find("are the mediator's"), std::string::npos);
  o = {};
  o.write_scope = {"{cn}"};
  EXPECT_NE(Rights::Make(o, TlsMode::kInsecure, &r).message().find("-write-scope needs mutual TLS"),
            std::string::npos);
  o = {};
  o.allow_insecure_read = true;
  EXPECT_NE(Rights::Make(o, TlsMode::kMutualTls, &r).message().find("-allow-insecure-read is for servers without"),
            std::string::npos);
}

TEST(WriteScope, SyntaxIsWhoEqualsPrefixOrABarePrefix) {
  WriteScopeRule rule;
  ASSERT_TRUE(ParseWriteScope("node-1=/nodes/node-1", &rule).ok());
  EXPECT_EQ(rule.who, "node-1");
  EXPECT_EQ(rule.prefix, "nodes/node-1");
  ASSERT_TRUE(ParseWriteScope("{cn}", &rule).ok());
  EXPECT_EQ(rule.who, "*");
  EXPECT_EQ(rule.prefix, "{cn}");
  ASSERT_TRUE(ParseWriteScope("spiffe://c/a=/a//./b/", &rule).ok());  // the first '=' splits
  EXPECT_EQ(rule.who, "spiffe://c/a");
  EXPECT_EQ(rule.prefix, "a/b");
  ASSERT_TRUE(ParseWriteScope("mediator=/", &rule).ok());
  EXPECT_EQ(rule.prefix, "");
  ASSERT_TRUE(ParseWriteScope("*=nodes/{cn}/app", &rule).ok());
  EXPECT_EQ(rule.prefix, "nodes/{cn}/app");
  EXPECT_NE(ParseWriteScope("=/x", &rule).message().find("is empty"), std::string::npos);
  EXPECT_NE(ParseWriteScope("a=../x", &rule).message().find("is not a path a request could name"),
            std::string::npos);
  EXPECT_FALSE(ParseWriteScope("a=x\ny", &rule).ok());
}

TEST(WriteScope, PrefixesMatchWholeComponentsAndCnTemplatesTheWritersOwnName) {
  ServerSecurityOptions o;
  o.allow_cn = {"node-1", "node-2", "../evil", "mediator"};
  o.write_scope = {"{cn}", "node-2=/shared", "mediator=/"};
  auto r = Make(o, TlsMode::kMutualTls);
  ASSERT_TRUE(r->write_checked());
  const auto n1 = r->IdentifyForTest(Cn("node-1"), kRemote);
  EXPECT_TRUE(r->CheckWriteScope(n1, "node-1/app").ok());
  EXPECT_TRUE(r->CheckWriteScope(n1, "node-1/a/b/app").ok());
  EXPECT_FALSE(r->CheckWriteScope(n1, "node-1").ok());  // the file "node-1" at the root: its dir is ""
  const Status s = r->CheckWriteScope(n1, "node-10/app");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(),
            "the certificate CN=node-1 SAN=[] may not write node-10/app: it may write under /node-1 "
            "(see -write-scope)");
  EXPECT_FALSE(r->CheckWriteScope(n1, "shared/x").ok());
  const auto n2 = r->IdentifyForTest(Cn("node-2"), kRemote);
  EXPECT_TRUE(r->CheckWriteScope(n2, "shared/x").ok());
  EXPECT_TRUE(r->CheckWriteScope(n2, "node-2/x").ok());
  EXPECT_FALSE(r->CheckWriteScope(n2, "node-1/x").ok());
  // A CN that is not one path component gets nothing from {cn}.
  const auto evil = r->IdentifyForTest(Cn("../evil"), kRemote);
  EXPECT_NE(r->CheckWriteScope(evil, "evil/x").message().find("no -write-scope rule names it"), std::string::npos);
  EXPECT_FALSE(r->CheckWriteScope(evil, "x").ok());
  // "/" is the whole root.
  const auto mediator = r->IdentifyForTest(Cn("mediator"), kRemote);
  EXPECT_TRUE(r->CheckWriteScope(mediator, "anything/at/all").ok());
  EXPECT_TRUE(r->CheckWriteScope(mediator, "top").ok());
  EXPECT_EQ(r->scope_refusals(), 6u);
}

TEST(WriteScope, WithRulesAWriterNoRuleNamesWritesNowhere) {
  ServerSecurityOptions o;
  o.write_scope = {"node-1=/nodes/node-1"};
  auto r = Make(o, TlsMode::kMutualTls);
  const auto other = r->IdentifyForTest(Cn("node-2"), kRemote);
  EXPECT_TRUE(r->Check(other, Right::kWrite).ok());
  EXPECT_FALSE(r->CheckWriteScope(other, "nodes/node-2/x").ok());
  const auto by_san = r->IdentifyForTest(Cn("x", {"node-1"}), kRemote);  // WHO matches a SAN too
  EXPECT_TRUE(r->CheckWriteScope(by_san, "nodes/node-1/x").ok());
}

}  // namespace
}  // namespace logscribe
