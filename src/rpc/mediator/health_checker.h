// HealthChecker: the mediator's ping rounds, on one completion queue. Every
// interval an Alarm starts a round: each registered scribe gets an async
// Pinger.Ping with random a and b and a deadline; the answer must be a*b
// wrapped to int32. When every ping of the round is back, the results go to
// the Registry, which counts misses, drops a scribe after max-misses in a row
// and recomputes the routing. No thread of its own and none per scribe.
//
// Thread contract: Start() and Stop() are called by the owner's thread; every
// completion runs on the CQ's thread. Stop() may race with a completion:
// mu_ orders them.
#pragma once

#include <grpcpp/alarm.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/channel_arguments.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "call.h"
#include "logscribe.grpc.pb.h"
#include "mutex.h"  // src/common
#include "registry.h"
#include "rights.h"

namespace logscribe {

struct HealthCheckerOptions {
  // Time from the start of one round to the start of the next. Default: 5s
  // (-ping-interval), as the original.
  std::chrono::milliseconds interval{5000};
  // Deadline of one ping. Default: 2s, at most the interval (-ping-timeout).
  std::chrono::milliseconds timeout{2000};
  // How pings dial scribes. Default: null, insecure.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments channel_args;
  // One line per dropped scribe. Default: stderr; null: silent.
  std::FILE* log = stderr;
  std::string name = "logmediator";
};

class HealthChecker {
 public:
  HealthChecker(Registry* registry, grpc::CompletionQueue* cq, HealthCheckerOptions options);
  ~HealthChecker();

  // The first round starts one interval from now.
  void Start();
  // No round starts after this; waits (bounded by the ping timeout and a
  // second) until the alarm and the pings of a round in progress are back.
  void Stop();

  uint64_t rounds() const { return rounds_.load(std::memory_order_relaxed); }
  // Pings answered with a certificate other than the one that registered
  // the scribe's id (each counted as a failed ping).
  uint64_t impostor_pings() const { return impostors_.load(std::memory_order_relaxed); }

 private:
  struct Ping {
    std::string id;
    std::string addr;
    int32_t expect = 0;
    PeerIdentity identity;  // who registered the id; the scribe must present it
    grpc::ClientContext ctx;
    logscribe::v1::PingResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<logscribe::v1::PingResponse>> reader;
  };
  // The tag of one ping: the checker plus which ping.
  class PingTag final : public Tag {
   public:
    PingTag(HealthChecker* checker, Ping* ping) : checker_(checker), ping_(ping) {}
    void Proceed(bool ok) override { checker_->OnPing(ping_, ok); }

   private:
    HealthChecker* const checker_;
    Ping* const ping_;
  };

  void OnAlarm(bool ok);
  void OnPing(Ping* ping, bool ok);
  // REQUIRES: on the CQ thread.
  void StartRound();
  void EndRound();
  void ArmLocked(std::chrono::system_clock::time_point when) REQUIRES(mu_);
  logscribe::v1::Pinger::Stub* StubFor(const std::string& addr);

  // Constant after construction.
  Registry* const registry_;
  grpc::CompletionQueue* const cq_;
  const HealthCheckerOptions options_;

  // The CQ thread's own state (one CQ: its completions never overlap).
  std::mt19937 random_{std::random_device{}()};
  std::map<std::string, std::unique_ptr<logscribe::v1::Pinger::Stub>> stubs_;  // by address
  std::vector<std::unique_ptr<Ping>> round_;
  std::vector<std::unique_ptr<PingTag>> tags_;
  std::vector<PingResult> results_;
  size_t outstanding_ = 0;
  std::chrono::system_clock::time_point round_started_;

  Mutex mu_;
  CondVar idle_cv_;
  // State below is protected by mu_.
  bool stopping_ GUARDED_BY(mu_) = false;
  bool alarm_pending_ GUARDED_BY(mu_) = false;
  bool round_running_ GUARDED_BY(mu_) = false;
  grpc::Alarm alarm_ GUARDED_BY(mu_);

  MemberTag<HealthChecker> alarm_tag_{this, &HealthChecker::OnAlarm};
  std::atomic<uint64_t> rounds_{0};
  std::atomic<uint64_t> impostors_{0};
  // "id@addr" of scribes already reported for presenting another certificate
  // (one line each). Used only on the CQ thread of the rounds.
  std::set<std::string> impostors_reported_;
};

}  // namespace logscribe
