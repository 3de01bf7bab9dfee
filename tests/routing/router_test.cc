#include "router.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace logscribe {
namespace {

std::vector<ScribeEndpoint> Scribes(int n) {
  std::vector<ScribeEndpoint> out;
  for (int i = 0; i < n; ++i) out.push_back({"scribe-" + std::to_string(i), "127.0.0.1:" + std::to_string(9000 + i)});
  return out;
}

TEST(FirstCharRouter, ReproducesTheSeedTableForTwoScribes) {
  // Registration order must not matter: give them reversed.
  auto scribes = Scribes(2);
  std::swap(scribes[0], scribes[1]);
  FirstCharRouter router(scribes);
  for (char c : std::string("abcdefghijklmnopqr")) {
    EXPECT_EQ(router.Route(std::string(1, c) + "file")->id, "scribe-0") << c;
    EXPECT_EQ(router.Route(std::string(1, static_cast<char>(c - 32)) + "X")->id, "scribe-0") << c;
  }
  for (char c : std::string("stuvwxyz0123456789")) {
    EXPECT_EQ(router.Route(std::string(1, c) + "file")->id, "scribe-1") << c;
  }
  EXPECT_EQ(router.RangeOf(0), "a-r");
  EXPECT_EQ(router.RangeOf(1), "s-9");
}

TEST(FirstCharRouter, UsesTheFilenameNotThePath) {
  FirstCharRouter router(Scribes(2));
  EXPECT_EQ(router.Route("zzz/dir/apple")->id, "scribe-0");
  EXPECT_EQ(router.Route("aaa/zebra")->id, "scribe-1");
}

TEST(FirstCharRouter, OtherFirstBytesHaveADefinedOwner) {
  FirstCharRouter router(Scribes(3));
  for (int b = 1; b < 256; ++b) {
    const std::string key(1, static_cast<char>(b));
    const ScribeEndpoint* owner = router.Route(key);
    ASSERT_NE(owner, nullptr);
    EXPECT_EQ(owner, router.Route(key)) << "stable";
  }
  EXPECT_EQ(router.Route("_x")->id, "scribe-" + std::to_string('_' % 3));
}

TEST(FirstCharRouter, RangesAreContiguousAndCoverEverything) {
  for (int n = 1; n <= 7; ++n) {
    FirstCharRouter router(Scribes(n));
    std::string joined;
    for (int i = 0; i < n; ++i) joined += router.RangeOf(i) + " ";
    const std::string chars = "abcdefghijklmnopqrstuvwxyz0123456789";
    size_t last = 0;
    for (size_t k = 0; k < chars.size(); ++k) {
      const ScribeEndpoint* owner = router.Route(std::string(1, chars[k]));
      const size_t index = static_cast<size_t>(owner - router.scribes().data());
      EXPECT_GE(index, last) << "not contiguous for n=" << n << ": " << joined;
      last = index;
    }
  }
}

TEST(RendezvousRouter, SpreadsAThousandFilesWithinFifteenPercent) {
  for (int n : {2, 3, 4}) {
    RendezvousRouter router(Scribes(n));
    std::map<std::string, int> count;
    for (int f = 0; f < 1000; ++f) count[router.Route("svc/file-" + std::to_string(f))->id]++;
    const double fair = 1000.0 / n;
    ASSERT_EQ(count.size(), static_cast<size_t>(n));
    for (const auto& [id, c] : count) {
      EXPECT_GE(c, fair * 0.85) << id << " with " << n << " scribes";
      EXPECT_LE(c, fair * 1.15) << id << " with " << n << " scribes";
    }
  }
}

TEST(RendezvousRouter, AJoiningScribeOnlyTakesFilesItWins) {
  RendezvousRouter before(Scribes(3));
  RendezvousRouter after(Scribes(4));
  int moved = 0;
  for (int f = 0; f < 1000; ++f) {
    const std::string key = "p/f" + std::to_string(f);
    const std::string& a = before.Route(key)->id;
    const std::string& b = after.Route(key)->id;
    if (a != b) {
      EXPECT_EQ(b, "scribe-3") << "a file moved between two old scribes";
      ++moved;
    }
  }
  EXPECT_GT(moved, 150);
  EXPECT_LT(moved, 350);
}

TEST(RendezvousRouter, ALeavingScribeOnlyReleasesItsOwnFiles) {
  RendezvousRouter before(Scribes(3));
  auto rest = Scribes(3);
  rest.erase(rest.begin() + 1);
  RendezvousRouter after(rest);
  for (int f = 0; f < 1000; ++f) {
    const std::string key = "p/f" + std::to_string(f);
    if (before.Route(key)->id != "scribe-1") {
      EXPECT_EQ(before.Route(key)->id, after.Route(key)->id);
    }
  }
}

TEST(Router, NoScribesMeansNoOwnerAndNamesAreKnown) {
  EXPECT_EQ(RendezvousRouter({}).Route("a"), nullptr);
  EXPECT_EQ(FirstCharRouter({}).Route("a"), nullptr);
  EXPECT_NE(MakeRouter("rendezvous", Scribes(1)), nullptr);
  EXPECT_NE(MakeRouter("first-char", Scribes(1)), nullptr);
  EXPECT_EQ(MakeRouter("random", Scribes(1)), nullptr);
  EXPECT_EQ(RoutingHash("abc"), RoutingHash("abc"));
  EXPECT_NE(RoutingHash("abc"), RoutingHash("abd"));
}

}  // namespace
}  // namespace logscribe
