#include "file_fence.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace logscribe {
namespace {

class FileFenceTest : public ::testing::Test {
 protected:
  ForwardPart* Part(const std::string& key) {
    auto part = std::make_unique<ForwardPart>();
    part->chunk = std::make_unique<FileChunk>();
    part->chunk->key = key;
    parts_.push_back(std::move(part));
    return parts_.back().get();
  }
  static std::unique_ptr<Router> Routers(std::vector<std::string> ids) {
    std::vector<ScribeEndpoint> scribes;
    for (auto& id : ids) scribes.push_back({id, id + ":1"});
    return std::make_unique<FirstCharRouter>(std::move(scribes));
  }
  // "part@owner" for every send, "part@-" for a failure.
  std::string Take() {
    std::string s;
    for (const auto& send : out_) {
      if (!s.empty()) s += " ";
      s += Name(send.part) + "@" + (send.owner ? send.owner->id : "-");
    }
    out_.clear();
    return s;
  }
  std::string Name(ForwardPart* p) {
    for (size_t i = 0; i < parts_.size(); ++i) {
      if (parts_[i].get() == p) return "p" + std::to_string(i);
    }
    return "?";
  }

  std::vector<std::unique_ptr<ForwardPart>> parts_;
  std::vector<FileFence::Send> out_;
  FileFence fence_;
};

TEST_F(FileFenceTest, SameOwnerSendsAtOnceAndForgetsIdleFiles) {
  auto one = Routers({"a"});
  ForwardPart* p0 = Part("apple");
  ForwardPart* p1 = Part("apple");
  fence_.Admit(p0, *one, &out_);
  fence_.Admit(p1, *one, &out_);
  EXPECT_EQ(Take(), "p0@a p1@a");
  EXPECT_EQ(fence_.InFlight("apple"), 2);
  EXPECT_EQ(fence_.Owner("apple"), "a");
  EXPECT_EQ(p0->owner, "a");
  fence_.Done(p0, *one, &out_);
  fence_.Done(p1, *one, &out_);
  EXPECT_EQ(Take(), "");
  EXPECT_EQ(fence_.files(), 0u);
}

TEST_F(FileFenceTest, NewOwnerWaitsUntilTheOldOneAckedEverything) {
  auto before = Routers({"x"});          // x owns everything
  auto after = Routers({"a", "x"});      // a owns a-r now
  ForwardPart* p0 = Part("apple");
  ForwardPart* p1 = Part("apple");
  fence_.Admit(p0, *before, &out_);
  fence_.Admit(p1, *before, &out_);
  EXPECT_EQ(Take(), "p0@x p1@x");
  ForwardPart* p2 = Part("apple");
  ForwardPart* p3 = Part("apple");
  fence_.Admit(p2, *after, &out_);
  fence_.Admit(p3, *after, &out_);
  EXPECT_EQ(Take(), "") << "held while x has apple in flight";
  EXPECT_EQ(fence_.Held("apple"), 2u);
  // Another file is not held back by apple.
  ForwardPart* p4 = Part("zebra");
  fence_.Admit(p4, *after, &out_);
  EXPECT_EQ(Take(), "p4@x");
  fence_.Done(p0, *after, &out_);
  EXPECT_EQ(Take(), "");
  fence_.Done(p1, *after, &out_);
  EXPECT_EQ(Take(), "p2@a p3@a");
  EXPECT_EQ(fence_.Owner("apple"), "a");
  // Later parts follow straight to the new owner.
  ForwardPart* p5 = Part("apple");
  fence_.Admit(p5, *after, &out_);
  EXPECT_EQ(Take(), "p5@a");
}

TEST_F(FileFenceTest, HeldPartsKeepOrderBehindEachOtherEvenWhenTheOwnerReturns) {
  auto x = Routers({"x"});
  auto ax = Routers({"a", "x"});
  ForwardPart* p0 = Part("apple");
  fence_.Admit(p0, *x, &out_);
  ForwardPart* p1 = Part("apple");
  fence_.Admit(p1, *ax, &out_);  // held: owner changed to a
  ForwardPart* p2 = Part("apple");
  fence_.Admit(p2, *x, &out_);   // x owns it again, but p1 waits: p2 must wait behind it
  EXPECT_EQ(Take(), "p0@x");
  fence_.Done(p0, *x, &out_);
  EXPECT_EQ(Take(), "p1@x p2@x");
}

TEST_F(FileFenceTest, RetriedPartsGoFirstToTheNewOwner) {
  auto ax = Routers({"a", "x"});
  auto x = Routers({"x"});
  ForwardPart* p0 = Part("apple");
  ForwardPart* p1 = Part("apple");
  ForwardPart* q0 = Part("banana");
  fence_.Admit(p0, *ax, &out_);
  fence_.Admit(q0, *ax, &out_);
  fence_.Admit(p1, *ax, &out_);
  EXPECT_EQ(Take(), "p0@a p2@a p1@a");  // q0 is p2
  // a is dropped; a part arriving meanwhile is held behind the ones in flight.
  ForwardPart* p2 = Part("apple");
  fence_.Admit(p2, *x, &out_);
  EXPECT_EQ(Take(), "");
  fence_.Retry({p0, q0, p1}, *x, &out_);
  EXPECT_EQ(Take(), "p0@x p1@x p3@x p2@x");
  EXPECT_EQ(fence_.InFlight("apple"), 3);
  EXPECT_EQ(fence_.InFlight("banana"), 1);
}

TEST_F(FileFenceTest, RetryOfSomePartsWaitsForTheRestInFlight) {
  auto a = Routers({"a"});
  ForwardPart* p0 = Part("apple");
  ForwardPart* p1 = Part("apple");
  fence_.Admit(p0, *a, &out_);
  fence_.Admit(p1, *a, &out_);
  Take();
  fence_.Retry({p0}, *a, &out_);  // one batch failed; p1 is still in flight at a
  EXPECT_EQ(Take(), "");
  EXPECT_EQ(fence_.Held("apple"), 1u);
  ForwardPart* p2 = Part("apple");
  fence_.Admit(p2, *a, &out_);
  EXPECT_EQ(Take(), "") << "behind the held retry";
  fence_.Done(p1, *a, &out_);
  EXPECT_EQ(Take(), "p0@a p2@a");
}

TEST_F(FileFenceTest, NoScribeLeftFailsTheParts) {
  auto a = Routers({"a"});
  auto none = Routers({});
  ForwardPart* p0 = Part("apple");
  fence_.Admit(p0, *a, &out_);
  Take();
  ForwardPart* p1 = Part("apple");
  fence_.Admit(p1, *none, &out_);
  EXPECT_EQ(Take(), "");
  fence_.Retry({p0}, *none, &out_);
  EXPECT_EQ(Take(), "p0@- p1@-");
  EXPECT_EQ(fence_.files(), 0u);
  ForwardPart* p2 = Part("zoo");
  fence_.Admit(p2, *none, &out_);
  EXPECT_EQ(Take(), "p2@-");
  EXPECT_EQ(fence_.files(), 0u);
}

TEST_F(FileFenceTest, TakeHeldEmptiesTheWaitingLines) {
  auto x = Routers({"x"});
  auto ax = Routers({"a", "x"});
  ForwardPart* p0 = Part("apple");
  fence_.Admit(p0, *x, &out_);
  fence_.Admit(Part("apple"), *ax, &out_);
  fence_.Admit(Part("apple"), *ax, &out_);
  Take();
  EXPECT_EQ(fence_.TakeHeld().size(), 2u);
  EXPECT_EQ(fence_.Held("apple"), 0u);
  fence_.Done(p0, *ax, &out_);
  EXPECT_EQ(Take(), "");
  EXPECT_EQ(fence_.files(), 0u);
}

// A model check: random admits, acks, retries and owner changes; at every step
// each file's parts in flight are at one owner, and each file's parts are sent
// in admission order except for retries.
TEST_F(FileFenceTest, RandomScheduleKeepsOneWriterPerFile) {
  std::vector<std::unique_ptr<Router>> routers;
  routers.push_back(Routers({"a"}));
  routers.push_back(Routers({"a", "b"}));
  routers.push_back(Routers({"a", "b", "c"}));
  routers.push_back(Routers({"b", "c"}));
  const std::vector<std::string> keys = {"apple", "kiwi", "melon", "tomato", "9lives"};
  std::map<std::string, std::vector<ForwardPart*>> inflight_at;  // owner -> parts in send order
  uint32_t seed = 12345;
  auto rnd = [&](uint32_t n) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
  };
  const Router* router = routers[0].get();
  std::map<ForwardPart*, int> admitted;  // admission number
  std::map<std::string, int> last_sent;  // per file: admission number of the last first-time send
  int admissions = 0;
  size_t completed = 0;
  auto apply = [&]() {
    for (const auto& send : out_) {
      ASSERT_NE(send.owner, nullptr);
      for (auto& [owner, parts] : inflight_at) {
        if (owner == send.owner->id) continue;
        for (ForwardPart* other : parts) {
          ASSERT_NE(other->key(), send.part->key()) << "two writers for " << other->key();
        }
      }
      inflight_at[send.owner->id].push_back(send.part);
      if (send.part->sends == 0) {
        ASSERT_GT(admitted[send.part], last_sent[send.part->key()]) << "out of order";
        last_sent[send.part->key()] = admitted[send.part];
      }
      ++send.part->sends;
    }
    out_.clear();
  };
  for (int step = 0; step < 5000; ++step) {
    const uint32_t what = rnd(10);
    if (what < 4) {
      ForwardPart* p = Part(keys[rnd(keys.size())]);
      admitted[p] = ++admissions;
      fence_.Admit(p, *router, &out_);
    } else if (what < 7) {
      auto it = inflight_at.begin();
      std::advance(it, rnd(inflight_at.size() ? inflight_at.size() : 1) % std::max<size_t>(1, inflight_at.size()));
      if (it != inflight_at.end() && !it->second.empty()) {
        ForwardPart* p = it->second.front();  // a scribe acks in order
        it->second.erase(it->second.begin());
        fence_.Done(p, *router, &out_);
        ++completed;
      }
    } else if (what < 9) {
      router = routers[rnd(routers.size())].get();
    } else {
      // A scribe's stream breaks: everything in flight there is retried.
      auto it = inflight_at.begin();
      std::advance(it, rnd(std::max<size_t>(1, inflight_at.size())) % std::max<size_t>(1, inflight_at.size()));
      if (it != inflight_at.end() && !it->second.empty()) {
        std::vector<ForwardPart*> back = it->second;
        it->second.clear();
        fence_.Retry(back, *router, &out_);
      }
    }
    apply();
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(completed, 300u);
}

}  // namespace
}  // namespace logscribe
