#include "registry.h"
#include "version.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace logscribe {
namespace {

TEST(Registry, StartsEmptyWithARouterThatRoutesNowhere) {
  Registry registry("rendezvous", 3);
  ASSERT_NE(registry.router(), nullptr);
  EXPECT_EQ(registry.router()->Route("a/b"), nullptr);
  EXPECT_EQ(registry.size(), 0u);
}

TEST(Registry, RegisterAddsAndRoutes) {
  Registry registry("rendezvous", 3);
  Registry::Registration what;
  ASSERT_TRUE(registry.Register("s1", "127.0.0.1:9001", LOGSCRIBE_VERSION, &what).ok());
  EXPECT_EQ(what, Registry::Registration::kAdded);
  const ScribeEndpoint* owner = registry.router()->Route("x/y");
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(owner->id, "s1");
  EXPECT_EQ(owner->addr, "127.0.0.1:9001");
  EXPECT_EQ(registry.Scribes()[0].version, LOGSCRIBE_VERSION);
}

TEST(Registry, RegisteringTwiceIsHarmlessAndMayMoveTheAddress) {
  Registry registry("first-char", 3);
  ASSERT_TRUE(registry.Register("s1", "127.0.0.1:9001", "").ok());
  Registry::Registration what;
  ASSERT_TRUE(registry.Register("s1", "127.0.0.1:9001", "", &what).ok());
  EXPECT_EQ(what, Registry::Registration::kUnchanged);
  EXPECT_EQ(registry.size(), 1u);
  ASSERT_TRUE(registry.Register("s1", "127.0.0.1:9002", "", &what).ok());
  EXPECT_EQ(what, Registry::Registration::kMoved);
  EXPECT_EQ(registry.size(), 1u);
  EXPECT_EQ(registry.router()->Route("a")->addr, "127.0.0.1:9002");
}

TEST(Registry, RefusesBadIdsAndAddresses) {
  Registry registry("rendezvous", 3);
  EXPECT_EQ(registry.Register("", "127.0.0.1:1", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Register(std::string(200, 'x'), "127.0.0.1:1", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Register("a\nb", "127.0.0.1:1", "").code(), StatusCode::kInvalidArgument);
  for (const char* addr : {"", "127.0.0.1", ":80", "h:0", "h:65536", "h:x", "::1:8080", "h o:1", "h:80x"}) {
    Status s = registry.Register("s", addr, "");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << addr;
    EXPECT_NE(s.message().find("addr"), std::string::npos) << s.message();
  }
  EXPECT_TRUE(registry.Register("s", "[::1]:8080", "").ok());
  EXPECT_TRUE(registry.Register("t", "scribe-3.example:8080", "").ok());
  EXPECT_EQ(registry.size(), 2u);
}

TEST(Registry, DropsAfterMaxConsecutiveMisses) {
  Registry registry("rendezvous", 3);
  ASSERT_TRUE(registry.Register("s1", "h:1", "").ok());
  ASSERT_TRUE(registry.Register("s2", "h:2", "").ok());
  auto round = [&](bool s1_ok, bool s2_ok) {
    return registry.EndRound({{"s1", "h:1", s1_ok}, {"s2", "h:2", s2_ok}});
  };
  EXPECT_TRUE(round(false, true).empty());
  EXPECT_TRUE(round(false, true).empty());
  EXPECT_TRUE(round(true, false).empty());  // a good ping clears the misses
  EXPECT_TRUE(round(false, false).empty());  // s1: 1 miss, s2: 2
  auto dropped = round(false, false);         // s1: 2, s2: 3 -> dropped
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].id, "s2");
  EXPECT_EQ(registry.size(), 1u);
  dropped = round(false, true);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].id, "s1");
  EXPECT_EQ(registry.router()->Route("k"), nullptr);
}

TEST(Registry, ReRegistrationClearsMissesAndStaleResultsAreIgnored) {
  Registry registry("rendezvous", 2);
  ASSERT_TRUE(registry.Register("s1", "h:1", "").ok());
  EXPECT_TRUE(registry.EndRound({{"s1", "h:1", false}}).empty());
  ASSERT_TRUE(registry.Register("s1", "h:1", "").ok());
  EXPECT_TRUE(registry.EndRound({{"s1", "h:1", false}}).empty());
  // It moved: results for the old address say nothing about it.
  ASSERT_TRUE(registry.Register("s1", "h:5", "").ok());
  EXPECT_TRUE(registry.EndRound({{"s1", "h:1", false}, {"s1", "h:1", false}}).empty());
  EXPECT_TRUE(registry.EndRound({{"gone", "h:9", false}}).empty());
  EXPECT_EQ(registry.size(), 1u);
}

TEST(Registry, CountsRegistrationsPingsAndDrops) {
  Registry registry("rendezvous", 2);
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  const RegistryCounters& c = registry.counters();
  ASSERT_TRUE(registry.Register("s1", "127.0.0.1:9001", "").ok());
  ASSERT_TRUE(registry.Register("s2", "127.0.0.1:9002", "").ok());
  ASSERT_TRUE(registry.Register("s2", "127.0.0.1:9002", "").ok());
  ASSERT_TRUE(registry.Register("s2", "127.0.0.1:9003", "").ok());
  EXPECT_FALSE(registry.Register("", "127.0.0.1:9004", "").ok());
  EXPECT_FALSE(registry.Register("s5", "no-port", "").ok());
  EXPECT_EQ(load(c.registrations[static_cast<int>(Registry::Registration::kAdded)]), 2u);
  EXPECT_EQ(load(c.registrations[static_cast<int>(Registry::Registration::kUnchanged)]), 1u);
  EXPECT_EQ(load(c.registrations[static_cast<int>(Registry::Registration::kMoved)]), 1u);
  EXPECT_EQ(load(c.registrations_refused), 2u);

  registry.EndRound({{"s1", "127.0.0.1:9001", true}, {"s2", "127.0.0.1:9003", false}});
  registry.EndRound({{"s1", "127.0.0.1:9001", true}, {"s2", "127.0.0.1:9003", false}});
  EXPECT_EQ(load(c.pings), 4u);
  EXPECT_EQ(load(c.pings_failed), 2u);
  EXPECT_EQ(load(c.dropped), 1u);
  EXPECT_EQ(registry.size(), 1u);
  EXPECT_STREQ(Registry::RegistrationName(Registry::Registration::kMoved), "moved");

  EXPECT_FALSE(registry.Deregister("s1", "127.0.0.1:9999"));  // not its address
  EXPECT_TRUE(registry.Deregister("s1", "127.0.0.1:9001"));
  EXPECT_EQ(load(c.deregistered), 1u);
  EXPECT_EQ(load(c.dropped), 1u);
}

TEST(Registry, ListenerSeesEverySnapshotInOrder) {
  Registry registry("rendezvous", 1);
  std::vector<size_t> sizes;
  registry.SetListener([&](const std::shared_ptr<const Router>& r) { sizes.push_back(r->scribes().size()); });
  ASSERT_TRUE(registry.Register("a", "h:1", "").ok());
  ASSERT_TRUE(registry.Register("b", "h:2", "").ok());
  registry.EndRound({{"a", "h:1", true}, {"b", "h:2", false}});
  registry.EndRound({});  // every round recomputes, even one that changed nothing
  EXPECT_EQ(sizes, (std::vector<size_t>{0, 1, 2, 1, 1}));
}

TEST(Registry, SnapshotsSurviveTheirReplacement) {
  Registry registry("first-char", 3);
  ASSERT_TRUE(registry.Register("a", "h:1", "").ok());
  std::shared_ptr<const Router> old = registry.router();
  ASSERT_TRUE(registry.Register("b", "h:2", "").ok());
  EXPECT_EQ(old->scribes().size(), 1u);
  EXPECT_EQ(registry.router()->scribes().size(), 2u);
  EXPECT_NE(old, registry.router());
}

TEST(Registry, AnIdBelongsToTheCertificateThatRegisteredIt) {
  Registry registry("rendezvous", 2);
  const PeerIdentity a{"scribe-a", {"127.0.0.1", "localhost"}};
  const PeerIdentity b{"scribe-b", {"127.0.0.1", "localhost"}};
  ASSERT_TRUE(registry.Register("s1", "127.0.0.1:9001", "", a).ok());
  // Another certificate can neither move it nor make it leave.
  Status s = registry.Register("s1", "127.0.0.1:6666", "", b);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("scribe id s1 is held by the certificate CN=scribe-a"), std::string::npos)
      << s.message();
  bool removed = true;
  EXPECT_EQ(registry.Deregister("s1", "127.0.0.1:9001", b, &removed).code(), StatusCode::kPermissionDenied);
  EXPECT_FALSE(removed);
  ASSERT_EQ(registry.Scribes().size(), 1u);
  EXPECT_EQ(registry.Scribes()[0].addr, "127.0.0.1:9001");
  EXPECT_EQ(registry.Scribes()[0].identity, a);
  EXPECT_EQ(registry.counters().takeovers_refused.load(), 2u);
  // Dropped for missed pings, the id is still a's.
  registry.EndRound({{"s1", "127.0.0.1:9001", false}});
  registry.EndRound({{"s1", "127.0.0.1:9001", false}});
  ASSERT_EQ(registry.size(), 0u);
  EXPECT_EQ(registry.Register("s1", "127.0.0.1:6666", "", b).code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(registry.Register("s1", "127.0.0.1:9002", "", a).ok());  // a comes back, even moved
  // Leaving on purpose frees the id.
  ASSERT_TRUE(registry.Deregister("s1", "127.0.0.1:9002", a, &removed).ok());
  EXPECT_TRUE(removed);
  EXPECT_TRUE(registry.Register("s1", "127.0.0.1:6666", "", b).ok());
}

TEST(Registry, ConcurrentRegistrationsAndRoundsAreSafe) {
  Registry registry("rendezvous", 2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string id = "s" + std::to_string((t * 7 + i) % 10);
        if (t % 2 == 0) {
          (void)registry.Register(id, "h:" + std::to_string(1000 + (i % 10)), "");
        } else {
          registry.EndRound({{id, "h:" + std::to_string(1000 + (i % 10)), i % 3 == 0}});
        }
        std::shared_ptr<const Router> r = registry.router();
        if (!r->scribes().empty()) {
          const ScribeEndpoint* owner = r->Route("file-" + std::to_string(i));
          ASSERT_NE(owner, nullptr);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(registry.size(), 10u);
}

}  // namespace
}  // namespace logscribe
