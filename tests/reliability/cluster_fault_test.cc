// Cluster faults under load: a logmediator and two logscribe processes (each
// with its own root) on 127.0.0.1 ports they pick themselves, two
// logscribe-loadgen processes writing through the mediator (LogStream at a
// bounded rate over two connections, and unary Log), and one fault while they
// run:
//  - a scribe killed with SIGKILL, then restarted with the same id, root and port;
//  - the mediator killed with SIGKILL, then restarted on the same port;
//  - a scribe stopped with SIGTERM (drained), then restarted;
//  - a scribe and then the mediator killed together, both restarted.
// Afterwards both loadgens read both roots back (-verify-root twice).
//
// What must hold: no acknowledged line is missing or corrupted. A line may be
// on disk twice only when the mediator sent it twice: a scribe wrote it and
// died before its ack reached the mediator, which then sent it to the file's
// owner now and counted it as retried (GetStats). So the duplicates both
// loadgens find must not exceed the mediator's retried lines. The loadgen
// exits 1 on any duplicate; here exit 1 is accepted only when duplicates are
// its only finding and they are within the retried lines.
//
// Loads are bounded in rate, lines and time; every wait has a deadline and
// nothing asserts on how long anything took (the figures are printed).
// docs/RELIABILITY.md has the figures of a run.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "logscribe.grpc.pb.h"
#include "mediator_cluster.h"
#include "reliability_util.h"
#include "scribe_process.h"

namespace logscribe::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Health checks fast enough for a test: a dead scribe is dropped after two
// missed pings of 200 ms, and a scribe not pinged for 400 ms registers again.
constexpr char kPingInterval[] = "200ms";
constexpr int kMaxMisses = 2;
// Slower writer rounds keep lines in flight at a scribe when it dies, so the
// kill has something to hand over.
const std::vector<std::string> kScribeArgs = {"-test-write-delay", "2ms"};

// The "errors" object of a loadgen JSON report, e.g. {"UNAVAILABLE":12}.
std::string ErrorsOf(const std::string& json) {
  const size_t at = json.find("\"errors\":");
  if (at == std::string::npos) return "?";
  const size_t end = json.find('}', at);
  return json.substr(at + 9, end == std::string::npos ? std::string::npos : end - at - 8);
}

// "232 lines retried", from the mediator's shutdown summary ("...; 232 lines
// retried, 0 lines failed, ..."); "?" when it is not there.
std::string RetriedInSummary(const std::string& output) {
  const std::string kWhat = " lines retried";
  const size_t end = output.find(kWhat);
  if (end == std::string::npos) return "?";
  const size_t start = output.find_last_not_of("0123456789", end - 1);
  return output.substr(start + 1, end + kWhat.size() - start - 1);
}

double Num(const std::string& json, const std::string& key) { return JsonNumber(json, key).value_or(-1); }

// Waits until `pid` has written `bytes` more than it had when called (files
// and sockets: wchar); false after `limit`.
bool WaitForWrites(pid_t pid, uint64_t bytes, std::chrono::milliseconds limit = 60s) {
  const uint64_t base = BytesWritten(pid);
  return MediatorCluster::WaitUntil([&] { return BytesWritten(pid) >= base + bytes; }, limit);
}

// One logscribe-loadgen through the mediator, its JSON report to a file and
// its once-a-second progress ("[1.0s] 39936 lines/s ...") to another.
// Starts the mediator again on `port`, retrying while the old socket lingers.
bool RestartMediator(MediatorCluster* cluster, int port, std::string* out) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (cluster->StartMediator({}, port, out)) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

struct Loadgen {
  std::string name;
  std::string json_path;
  std::string err_path;
  std::unique_ptr<BackgroundProcess> process;
  int code = -1;
  std::string json;

  // True when a progress line printed after byte `offset` of stderr shows
  // acknowledged lines. The first line after `offset` is skipped: it covers
  // the second before it, which may reach back before the fault.
  bool AckedSince(size_t offset) const {
    const std::string err = Slurp(err_path);
    if (err.size() <= offset) return false;
    size_t at = offset;
    bool first = true;
    while ((at = err.find("] ", at)) != std::string::npos) {
      const size_t eol = err.find('\n', at);
      if (eol == std::string::npos) return false;  // an unfinished line
      if (!first && std::strtod(err.c_str() + at + 2, nullptr) > 0) return true;
      first = false;
      at = eol;
    }
    return false;
  }
  size_t ErrSize() const { return Slurp(err_path).size(); }
};

class ClusterFaultTest : public ::testing::Test {
 protected:
  ClusterFaultTest() : cluster_(kPingInterval, kMaxMisses) {}

  void SetUp() override {
    std::string out;
    ASSERT_TRUE(cluster_.StartMediator({}, 0, &out)) << out;
    ASSERT_TRUE(cluster_.StartScribe("s1", kScribeArgs, &out)) << out;
    ASSERT_TRUE(cluster_.StartScribe("s2", kScribeArgs, &out)) << out;
    ASSERT_TRUE(cluster_.WaitForScribes({"s1", "s2"}));
  }

  // Starts the two loadgens and waits until both see acknowledgements.
  void StartLoad() {
    const std::vector<std::string> common = {
        "-target", cluster_.mediator()->target(), "-files", "16", "-paths", "2", "-duration", "90s",
        "-drain-timeout", "20s", "-verify-wait", "5s", "-json", "-verify-root", cluster_.root("s1"),
        "-verify-root", cluster_.root("s2")};
    const std::vector<std::vector<std::string>> own = {
        {"-mode", "stream", "-connections", "2", "-concurrency", "8", "-batch-lines", "64", "-rate", "40000",
         "-lines", "3600000"},
        {"-mode", "unary", "-concurrency", "8", "-rate", "2000", "-lines", "180000"}};
    const char* names[] = {"stream", "unary"};
    for (size_t i = 0; i < own.size(); ++i) {
      Loadgen g;
      g.name = names[i];
      g.json_path = work_.path() + "/" + g.name + ".json";
      g.err_path = work_.path() + "/" + g.name + ".err";
      std::vector<std::string> args = common;
      args.insert(args.end(), own[i].begin(), own[i].end());
      g.process = BackgroundProcess::Start(LOADGEN_BINARY, args, g.json_path, g.err_path);
      ASSERT_NE(g.process, nullptr);
      loads_.push_back(std::move(g));
    }
    WaitForAcksSince(Offsets());
  }

  std::vector<size_t> Offsets() const {
    std::vector<size_t> out;
    for (const auto& g : loads_) out.push_back(g.ErrSize());
    return out;
  }
  // Waits until every loadgen printed acknowledged lines after its offset.
  void WaitForAcksSince(const std::vector<size_t>& offsets) {
    for (size_t i = 0; i < loads_.size(); ++i) {
      ASSERT_TRUE(MediatorCluster::WaitUntil([&] { return loads_[i].AckedSince(offsets[i]); }, 60s))
          << loads_[i].name << " loadgen got no acknowledgement: " << Slurp(loads_[i].err_path)
          << "\nmediator: " << cluster_.mediator()->output();
    }
  }

  // The scribe holding more files (the busier one: the fault should hit load).
  std::string Victim() {
    return LogFiles(cluster_.root("s1")).size() > LogFiles(cluster_.root("s2")).size() ? "s1" : "s2";
  }
  std::string Other(const std::string& id) { return id == "s1" ? "s2" : "s1"; }

  // Stops the mediator with `sig` (SIGTERM drains and exits 0), leaves it down
  // for 0.5 s, long enough for new calls to fail and the scribes to miss
  // their pings, and restarts it on its port. *offsets: the loadgens' logs
  // while it was down, for WaitForAcksSince.
  void BounceMediator(int sig, std::vector<size_t>* offsets) {
    const int port = cluster_.mediator()->port();
    EXPECT_EQ(cluster_.mediator()->Stop(sig), sig == SIGTERM ? 0 : 128 + sig) << cluster_.mediator()->output();
    std::this_thread::sleep_for(500ms);
    *offsets = Offsets();
    std::string out;
    ASSERT_TRUE(RestartMediator(&cluster_, port, &out))
        << "the mediator did not restart on port " << port << ": " << out;
  }

  // Restarts scribe `id` on `port`, retrying while the old one's port is
  // still being released.
  void RestartScribe(const std::string& id, int port) {
    std::vector<std::string> args = kScribeArgs;
    args.insert(args.end(), {"-port", std::to_string(port), "-bind", "127.0.0.1"});
    std::string out;
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (cluster_.StartScribe(id, args, &out)) return;
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "scribe " << id << " did not restart on port " << port << ": " << out;
  }

  // Stops the loadgens (SIGINT: drain, then verify), reads the mediator's
  // stats, stops the mediator and the scribes, and checks the outcome.
  void FinishAndCheck(const std::string& fault) {
    for (auto& g : loads_) g.process->Signal(SIGINT);
    for (auto& g : loads_) {
      g.code = g.process->Wait(180s);
      g.json = Slurp(g.json_path);
    }
    const logscribe::v1::StatsResponse stats = cluster_.Stats();
    ASSERT_EQ(cluster_.StopMediator(), 0) << cluster_.mediator()->output();
    for (const std::string& id : cluster_.ids()) {
      EXPECT_EQ(cluster_.StopScribe(id), 0) << cluster_.scribe(id)->output();
    }

    double duplicated = 0;
    for (const auto& g : loads_) {
      SCOPED_TRACE(g.name + " loadgen: " + g.json + "\n" + Slurp(g.err_path));
      ASSERT_FALSE(g.json.empty()) << "exit code " << g.code;
      EXPECT_GT(Num(g.json, "lines_acked"), 0);
      EXPECT_EQ(Num(g.json, "missing"), 0) << "acknowledged lines lost";
      EXPECT_EQ(Num(g.json, "corrupted"), 0);
      EXPECT_EQ(g.json.find("\"error\":"), std::string::npos) << "a root could not be read";
      // Exit 1 means verification found something; only duplicates may be it.
      EXPECT_TRUE(g.code == 0 || (g.code == 1 && Num(g.json, "duplicated") > 0)) << "exit code " << g.code;
      duplicated += Num(g.json, "duplicated");
    }
    EXPECT_LE(duplicated, static_cast<double>(stats.retried_lines()))
        << "a line on disk twice that the mediator never sent twice";
    for (const std::string& id : cluster_.ids()) {
      EXPECT_EQ(FilesEndingMidLine(cluster_.root(id)), std::vector<std::string>{}) << id;
    }

    std::string per_scribe;
    for (const auto& r : stats.result()) {
      per_scribe += " " + r.name() + "{acked=" + std::to_string(r.count()) +
                    " retried=" + std::to_string(r.retried_lines()) + (r.live() ? "" : " dropped") + "}";
    }
    const std::string retried_line = RetriedInSummary(cluster_.mediator()->output());
    for (const auto& g : loads_) {
      std::printf(
          "cluster %s %s: lines_acked=%.0f lines_failed=%.0f errors=%s missing=%.0f duplicated=%.0f "
          "corrupted=%.0f unacked_found=%.0f exit=%d\n",
          fault.c_str(), g.name.c_str(), Num(g.json, "lines_acked"), Num(g.json, "lines_failed"),
          ErrorsOf(g.json).c_str(), Num(g.json, "missing"), Num(g.json, "duplicated"), Num(g.json, "corrupted"),
          Num(g.json, "unacked_found"), g.code);
    }
    std::printf("cluster %s mediator: retried_lines=%lld failed_lines=%lld (shutdown summary: %s);%s\n",
                fault.c_str(), static_cast<long long>(stats.retried_lines()),
                static_cast<long long>(stats.failed_lines()), retried_line.c_str(), per_scribe.c_str());
    RecordProperty("duplicated", static_cast<int>(duplicated));
    RecordProperty("retried_lines", static_cast<int>(stats.retried_lines()));
    retried_lines_ = stats.retried_lines();
    failed_lines_ = stats.failed_lines();
  }

  double Total(const std::string& key) const {
    double sum = 0;
    for (const auto& g : loads_) sum += std::max(0.0, Num(g.json, key));
    return sum;
  }

  MediatorCluster cluster_;
  TempDir work_;
  std::vector<Loadgen> loads_;
  int64_t retried_lines_ = -1;
  int64_t failed_lines_ = -1;
};

// A scribe dies under load. The mediator's stream to it breaks; what it held
// unacknowledged waits until the scribe is dropped, then goes to the other
// scribe. Clients see no error. Restarted with the same id, it gets its files
// back.
TEST_F(ClusterFaultTest, ScribeKilledUnderLoadAndRestarted) {
  ASSERT_NO_FATAL_FAILURE(StartLoad());
  const std::string victim = Victim();
  const int port = cluster_.scribe(victim)->port();
  ASSERT_TRUE(WaitForWrites(cluster_.scribe(victim)->pid(), 1 << 20)) << "no load reached " << victim;
  EXPECT_EQ(cluster_.StopScribe(victim, SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(cluster_.WaitForScribes({Other(victim)})) << cluster_.mediator()->output();
  ASSERT_NO_FATAL_FAILURE(WaitForAcksSince(Offsets()));
  ASSERT_NO_FATAL_FAILURE(RestartScribe(victim, port));
  ASSERT_TRUE(cluster_.WaitForScribes({"s1", "s2"})) << cluster_.mediator()->output();
  ASSERT_TRUE(WaitForWrites(cluster_.scribe(victim)->pid(), 1 << 20)) << "no load reached the restarted " << victim;
  ASSERT_NO_FATAL_FAILURE(FinishAndCheck("scribe_sigkill"));
  EXPECT_EQ(Total("lines_failed"), 0) << "the mediator retries what a dead scribe held";
  EXPECT_EQ(failed_lines_, 0);
}

// The same, restarted at once (as a supervisor would): the new process is
// usually registered before the mediator's pings miss, so the stream to the
// same id and address reopens and what the dead one held is retried there.
TEST_F(ClusterFaultTest, ScribeKilledUnderLoadAndRestartedAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartLoad());
  const std::string victim = Victim();
  const int port = cluster_.scribe(victim)->port();
  ASSERT_TRUE(WaitForWrites(cluster_.scribe(victim)->pid(), 1 << 20)) << "no load reached " << victim;
  EXPECT_EQ(cluster_.StopScribe(victim, SIGKILL), 128 + SIGKILL);
  ASSERT_NO_FATAL_FAILURE(RestartScribe(victim, port));
  ASSERT_TRUE(cluster_.WaitForScribes({"s1", "s2"})) << cluster_.mediator()->output();
  ASSERT_TRUE(WaitForWrites(cluster_.scribe(victim)->pid(), 1 << 20)) << "no load reached the restarted " << victim;
  ASSERT_NO_FATAL_FAILURE(FinishAndCheck("scribe_sigkill_restart_at_once"));
  EXPECT_EQ(Total("lines_failed"), 0);
  EXPECT_EQ(failed_lines_, 0);
  std::printf("cluster scribe_sigkill_restart_at_once: the mediator %s the killed scribe\n",
              cluster_.mediator()->output().find("dropped scribe " + victim) == std::string::npos ? "never dropped"
                                                                                                : "dropped");
}

// The mediator dies under load. Clients see UNAVAILABLE (their calls in
// flight, and new ones while it is down); the loadgens reconnect by
// themselves once it is back, and the scribes, no longer pinged, register
// again without a restart.
TEST_F(ClusterFaultTest, MediatorKilledUnderLoadAndRestarted) {
  ASSERT_NO_FATAL_FAILURE(StartLoad());
  ASSERT_TRUE(WaitForWrites(cluster_.scribe("s1")->pid(), 1 << 20)) << "no load reached s1";
  std::vector<size_t> offsets;
  ASSERT_NO_FATAL_FAILURE(BounceMediator(SIGKILL, &offsets));
  const auto restarted = Clock::now();
  ASSERT_TRUE(cluster_.WaitForScribes({"s1", "s2"})) << cluster_.mediator()->output();
  const auto relearned_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - restarted).count();
  ASSERT_NO_FATAL_FAILURE(WaitForAcksSince(offsets));
  ASSERT_TRUE(WaitForWrites(cluster_.scribe("s1")->pid(), 1 << 20));
  ASSERT_TRUE(WaitForWrites(cluster_.scribe("s2")->pid(), 1 << 20));
  ASSERT_NO_FATAL_FAILURE(FinishAndCheck("mediator_sigkill"));
  EXPECT_GT(Total("UNAVAILABLE"), 0) << "clients should have seen the mediator gone";
  std::printf("cluster mediator_sigkill: both scribes listed %lld ms after the restart (ping interval %s)\n",
              static_cast<long long>(relearned_ms), kPingInterval);
}

// Two faults at once: a scribe killed, and the mediator killed right after,
// while it still holds lines sent to that scribe and not yet acknowledged.
// Those lines were never acknowledged to a client (their calls fail
// UNAVAILABLE with the mediator), so nothing acknowledged may be missing. The
// restarted mediator learns the surviving scribe first, then the victim when
// it comes back on its port.
TEST_F(ClusterFaultTest, ScribeAndMediatorKilledTogetherUnderLoad) {
  ASSERT_NO_FATAL_FAILURE(StartLoad());
  const std::string victim = Victim();
  const int scribe_port = cluster_.scribe(victim)->port();
  ASSERT_TRUE(WaitForWrites(cluster_.scribe(victim)->pid(), 1 << 20)) << "no load reached " << victim;
  EXPECT_EQ(cluster_.StopScribe(victim, SIGKILL), 128 + SIGKILL);
  std::vector<size_t> offsets;
  ASSERT_NO_FATAL_FAILURE(BounceMediator(SIGKILL, &offsets));
  ASSERT_TRUE(cluster_.WaitForScribes({Other(victim)})) << cluster_.mediator()->output();
  ASSERT_NO_FATAL_FAILURE(WaitForAcksSince(offsets));
  ASSERT_NO_FATAL_FAILURE(RestartScribe(victim, scribe_port));
  ASSERT_TRUE(cluster_.WaitForScribes({"s1", "s2"})) << cluster_.mediator()->output();
  ASSERT_TRUE(WaitForWrites(cluster_.scribe(victim)->pid(), 1 << 20)) << "no load reached the restarted " << victim;
  ASSERT_NO_FATAL_FAILURE(FinishAndCheck("scribe_and_mediator_sigkill"));
  EXPECT_GT(Total("UNAVAILABLE"), 0) << "clients should have seen the mediator gone";
}

// A scribe stopped with SIGTERM under load drains: the mediator stops sending
// on its stream at the GOAWAY and collects the acks of what it sent, so
// nothing is retried and nothing is duplicated; its files move to the other
// scribe, and back when it returns.
// SIGTERM, not SIGKILL: the mediator drains (every line it accepted is
// acknowledged by a scribe or failed to its client) and exits 0; clients see
// UNAVAILABLE while it is down and go on once it is back.
TEST_F(ClusterFaultTest, MediatorStoppedUnderLoadAndRestarted) {
  ASSERT_NO_FATAL_FAILURE(StartLoad());
  ASSERT_TRUE(WaitForWrites(cluster_.scribe("s1")->pid(), 1 << 20)) << "no load reached s1";
  std::vector<size_t> offsets;
  ASSERT_NO_FATAL_FAILURE(BounceMediator(SIGTERM, &offsets));
  ASSERT_TRUE(cluster_.WaitForScribes({"s1", "s2"})) << cluster_.mediator()->output();
  ASSERT_NO_FATAL_FAILURE(WaitForAcksSince(offsets));
  ASSERT_TRUE(WaitForWrites(cluster_.scribe("s1")->pid(), 1 << 20));
  ASSERT_TRUE(WaitForWrites(cluster_.scribe("s2")->pid(), 1 << 20));
  ASSERT_NO_FATAL_FAILURE(FinishAndCheck("mediator_sigterm"));
  EXPECT_GT(Total("UNAVAILABLE"), 0) << "clients should have seen the mediator gone";
}

TEST_F(ClusterFaultTest, ScribeStoppedGracefullyUnderLoad) {
  ASSERT_NO_FATAL_FAILURE(StartLoad());
  const std::string victim = Victim();
  const int port = cluster_.scribe(victim)->port();
  ASSERT_TRUE(WaitForWrites(cluster_.scribe(victim)->pid(), 1 << 20)) << "no load reached " << victim;
  EXPECT_EQ(cluster_.StopScribe(victim, SIGTERM), 0) << cluster_.scribe(victim)->output();
  ASSERT_TRUE(cluster_.WaitForScribes({Other(victim)})) << cluster_.mediator()->output();
  ASSERT_NO_FATAL_FAILURE(WaitForAcksSince(Offsets()));
  ASSERT_NO_FATAL_FAILURE(RestartScribe(victim, port));
  ASSERT_TRUE(cluster_.WaitForScribes({"s1", "s2"})) << cluster_.mediator()->output();
  ASSERT_TRUE(WaitForWrites(cluster_.scribe(victim)->pid(), 1 << 20)) << "no load reached the restarted " << victim;
  ASSERT_NO_FATAL_FAILURE(FinishAndCheck("scribe_sigterm"));
  EXPECT_EQ(Total("lines_failed"), 0);
  EXPECT_EQ(Total("duplicated"), 0);
  EXPECT_EQ(retried_lines_, 0) << "a drained scribe acknowledges what it was sent";
}

}  // namespace
}  // namespace logscribe::testing
