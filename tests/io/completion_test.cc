#include "completion.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "io/test_util.h"

namespace logscribe {
namespace {

using testing::RecordingCompletion;

TEST(CompletionTest, CompletesOnceAfterTheLastPart) {
  RecordingCompletion c;
  c.Arm(3);
  c.PartDone(Status::Ok());
  c.PartDone(Status::Ok());
  EXPECT_EQ(c.calls(), 0);
  c.PartDone(Status::Ok());
  EXPECT_EQ(c.calls(), 1);
  EXPECT_TRUE(c.status().ok());
}

TEST(CompletionTest, ReportsTheFirstFailure) {
  RecordingCompletion c;
  c.Arm(3);
  c.PartDone(Status::Ok());
  c.PartDone(Status::ResourceExhausted("disk full"));
  c.PartDone(Status::Unavailable("later"));
  ASSERT_EQ(c.calls(), 1);
  EXPECT_EQ(c.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(c.status().message(), "disk full");
}

TEST(CompletionTest, RearmingForgetsTheOldError) {
  RecordingCompletion c;
  c.Arm(1);
  c.PartDone(Status::Internal("boom"));
  ASSERT_EQ(c.calls(), 1);
  EXPECT_FALSE(c.status().ok());
  c.Arm(2);
  c.PartDone(Status::Ok());
  c.PartDone(Status::Ok());
  ASSERT_EQ(c.calls(), 2);
  EXPECT_TRUE(c.status().ok());
}

TEST(CompletionTest, PartsFromManyThreadsCompleteExactlyOnce) {
  constexpr int kThreads = 8;
  constexpr int kPartsPerThread = 500;
  for (int round = 0; round < 20; ++round) {
    RecordingCompletion c;
    c.Arm(kThreads * kPartsPerThread);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&c, t, round] {
        for (int i = 0; i < kPartsPerThread; ++i) {
          const bool fail = t == round % kThreads && i == kPartsPerThread / 2;
          c.PartDone(fail ? Status::Unavailable("t" + std::to_string(t)) : Status::Ok());
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(c.calls(), 1);
    EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(c.status().message(), "t" + std::to_string(round % kThreads));
  }
}

}  // namespace
}  // namespace logscribe
