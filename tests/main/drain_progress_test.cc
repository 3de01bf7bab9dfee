#include "drain_progress.h"

#include <gtest/gtest.h>
#include <stdio.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace logscribe {
namespace {

// What was written to `f` so far.
std::string Contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buf[512];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  return text;
}

TEST(DrainProgress, QuickDrainPrintsNothing) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    DrainProgress progress("x", std::chrono::seconds(5), [] { return std::string("work"); }, f,
                           std::chrono::hours(1));
    progress.Stop();
    progress.Stop();  // idempotent
  }
  EXPECT_EQ(Contents(f), "");
  std::fclose(f);
}

TEST(DrainProgress, LongDrainPrintsWhatIsLeftUntilStopped) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  std::atomic<int> samples{0};
  DrainProgress progress("logscribe", std::chrono::milliseconds(30),
                         [&] { return std::to_string(++samples) + " left"; }, f, std::chrono::milliseconds(10));
  // Bounded wait for a few lines; the timeout (30ms) passes meanwhile.
  for (int i = 0; i < 1000 && samples.load() < 5; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  progress.Stop();
  const int printed = samples.load();
  ASSERT_GE(printed, 5);
  const std::string text = Contents(f);
  EXPECT_EQ(text.rfind("logscribe: draining for ", 0), 0u) << text;
  EXPECT_NE(text.find(": 1 left; "), std::string::npos) << text;
  EXPECT_NE(text.find("left of -shutdown-timeout 0.03s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("-shutdown-timeout 0.03s passed: calls cut off"), std::string::npos) << text;
  // Nothing after Stop().
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(samples.load(), printed);
  std::fclose(f);
}

TEST(DrainProgress, Words) {
  EXPECT_EQ(HumanBytes(0), "0 B");
  EXPECT_EQ(HumanBytes(1023), "1023 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(3ull << 20), "3.0 MiB");
  EXPECT_EQ(HumanBytes(5ull << 30), "5.0 GiB");
  EXPECT_EQ(Counted(1, "call", "calls"), "1 call");
  EXPECT_EQ(Counted(0, "batch", "batches"), "0 batches");
}

}  // namespace
}  // namespace logscribe
