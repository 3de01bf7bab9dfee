#include "admission.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace logscribe {
namespace {

TEST(RequestAdmission, StartsAtASixteenthOfTheLimitAtMostOneMiB) {
  std::atomic<uint64_t> queued{0};
  RequestAdmission small(&queued, 1 << 20);
  uint64_t reserved = 0, before = 0;
  ASSERT_TRUE(small.TryReserve(&reserved, &before));
  EXPECT_EQ(reserved, 65536u);
  EXPECT_EQ(before, 0u);
  small.Release(reserved);

  RequestAdmission big(&queued, 1ull << 30);
  ASSERT_TRUE(big.TryReserve(&reserved, &before));
  EXPECT_EQ(reserved, 1u << 20);
  big.Release(reserved);
  EXPECT_EQ(queued.load(), 0u);
}

TEST(RequestAdmission, RefusesPastTheLimitAndReservesNothingThen) {
  constexpr uint64_t kLimit = 4 * 65536;
  constexpr uint64_t kStart = kLimit - 65536 - 100;
  std::atomic<uint64_t> queued{kStart};
  RequestAdmission admission(&queued, kLimit);
  admission.Observe(65536);  // estimate: 64 KiB, a quarter of the limit
  uint64_t reserved = 0, before = 0;
  ASSERT_TRUE(admission.TryReserve(&reserved, &before));
  EXPECT_EQ(reserved, 65536u);
  EXPECT_EQ(before, kStart);
  uint64_t none = 7;
  EXPECT_FALSE(admission.TryReserve(&none, &before));
  EXPECT_EQ(none, 0u);
  EXPECT_EQ(before, kStart + 65536);
  EXPECT_EQ(queued.load(), kStart + 65536);  // the refusal took nothing
  admission.Release(reserved);
  EXPECT_EQ(queued.load(), kStart);
}

// A request bigger than the whole queue must not lock every later call out:
// the reservation stays at a quarter of the limit.
TEST(RequestAdmission, NeverReservesMoreThanAQuarterOfTheLimit) {
  std::atomic<uint64_t> queued{0};
  RequestAdmission admission(&queued, 4096);
  admission.Observe(10100);
  uint64_t reserved = 0, before = 0;
  ASSERT_TRUE(admission.TryReserve(&reserved, &before));
  EXPECT_EQ(reserved, 1024u);
  admission.Release(reserved);
}

TEST(RequestAdmission, FollowsTheLargestRecentRequestDownToTheFloor) {
  std::atomic<uint64_t> queued{0};
  RequestAdmission admission(&queued, 1ull << 30);
  admission.Observe(3 << 20);  // a bigger request: at once
  uint64_t reserved = 0, before = 0;
  ASSERT_TRUE(admission.TryReserve(&reserved, &before));
  EXPECT_EQ(reserved, 3u << 20);
  admission.Release(reserved);
  admission.Observe(100);  // one small one: down by 1/16
  ASSERT_TRUE(admission.TryReserve(&reserved, &before));
  EXPECT_EQ(reserved, (3u << 20) - (3u << 20) / 16);
  admission.Release(reserved);
  for (int i = 0; i < 400; ++i) admission.Observe(100);
  ASSERT_TRUE(admission.TryReserve(&reserved, &before));
  EXPECT_EQ(reserved, RequestAdmission::kMinReserveBytes);
  admission.Release(reserved);
  EXPECT_EQ(queued.load(), 0u);
}

// Concurrent reservations never pass the limit together, and every one given
// back leaves the count where it was.
TEST(RequestAdmission, ConcurrentReservationsStayUnderTheLimit) {
  std::atomic<uint64_t> queued{0};
  constexpr uint64_t kLimit = 64 * RequestAdmission::kMinReserveBytes;
  RequestAdmission admission(&queued, kLimit);
  for (int i = 0; i < 100; ++i) admission.Observe(1);  // estimate at the floor
  std::atomic<uint64_t> most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        uint64_t reserved = 0, before = 0;
        if (!admission.TryReserve(&reserved, &before)) continue;
        uint64_t seen = before + reserved;
        uint64_t prev = most.load();
        while (seen > prev && !most.compare_exchange_weak(prev, seen)) {
        }
        admission.Release(reserved);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), kLimit);
  EXPECT_EQ(queued.load(), 0u);
}

}  // namespace
}  // namespace logscribe
