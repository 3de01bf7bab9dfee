#include "health_checker.h"

#include <grpcpp/create_channel.h>

#include "ping_product.h"  // src/common

namespace logscribe {

HealthChecker::HealthChecker(Registry* registry, grpc::CompletionQueue* cq, HealthCheckerOptions options)
    : registry_(registry), cq_(cq), options_(std::move(options)) {}

HealthChecker::~HealthChecker() { Stop(); }

void HealthChecker::Start() {
  MutexLock lock(&mu_);
  if (stopping_ || alarm_pending_ || round_running_) return;
  ArmLocked(std::chrono::system_clock::now() + options_.interval);
}

void HealthChecker::ArmLocked(std::chrono::system_clock::time_point when) {
  alarm_pending_ = true;
  alarm_.Set(cq_, when, &alarm_tag_);
}

void HealthChecker::Stop() {
  MutexLock lock(&mu_);
  stopping_ = true;
  if (alarm_pending_) alarm_.Cancel();
  idle_cv_.WaitFor(&mu_, options_.timeout + std::chrono::seconds(1), [this]() REQUIRES(mu_) {
    return !alarm_pending_ && !round_running_;
  });
}

void HealthChecker::OnAlarm(bool ok) {
  {
    MutexLock lock(&mu_);
    alarm_pending_ = false;
    if (!ok || stopping_) {  // cancelled by Stop()
      idle_cv_.NotifyAll();
      return;
    }
    round_running_ = true;
  }
  StartRound();
}

logscribe::v1::Pinger::Stub* HealthChecker::StubFor(const std::string& addr) {
  auto& stub = stubs_[addr];
  if (stub == nullptr) {
    auto channel = grpc::CreateCustomChannel(
        addr, options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials(),
        options_.channel_args);
    stub = logscribe::v1::Pinger::NewStub(channel);
  }
  return stub.get();
}

void HealthChecker::StartRound() {
  round_started_ = std::chrono::system_clock::now();
  const std::vector<ScribeRecord> scribes = registry_->Scribes();
  // Forget the channels of scribes that are gone.
  for (auto it = stubs_.begin(); it != stubs_.end();) {
    bool used = false;
    for (const ScribeRecord& s : scribes) used = used || s.addr == it->first;
    it = used ? std::next(it) : stubs_.erase(it);
  }
  round_.clear();
  tags_.clear();
  results_.clear();
  outstanding_ = scribes.size();
  if (scribes.empty()) {
    EndRound();
    return;
  }
  std::uniform_int_distribution<int32_t> any;
  // Completions come on this CQ, which only this thread drains: none can
  // arrive before this function returns.
  for (const ScribeRecord& s : scribes) {
    auto ping = std::make_unique<Ping>();
    ping->id = s.id;
    ping->addr = s.addr;
    ping->identity = s.identity;
    logscribe::v1::PingRequest request;
    request.set_a(any(random_));
    request.set_b(any(random_));
    request.set_streamerid(s.id);
    ping->expect = WrappingProduct(request.a(), request.b());
    ping->ctx.set_deadline(round_started_ + options_.timeout);
    ping->reader = StubFor(s.addr)->PrepareAsyncPing(&ping->ctx, request, cq_);
    tags_.push_back(std::make_unique<PingTag>(this, ping.get()));
    round_.push_back(std::move(ping));
  }
  for (size_t i = 0; i < round_.size(); ++i) {
    Ping* ping = round_[i].get();
    ping->reader->StartCall();
    ping->reader->Finish(&ping->response, &ping->status, tags_[i].get());
  }
}

void HealthChecker::OnPing(Ping* ping, bool ok) {
  bool good = ok && ping->status.ok() && ping->response.res() == ping->expect;
  // In mutual TLS the scribe's id belongs to the certificate that registered
  // it: the server at its address must present that one, or it is not the
  // scribe (an address anyone with a scribe right could have named).
  if (good && !ping->identity.empty()) {
    const std::shared_ptr<const grpc::AuthContext> auth = ping->ctx.auth_context();
    const PeerIdentity seen = auth != nullptr ? PeerIdentityOf(*auth) : PeerIdentity();
    if (!(seen == ping->identity)) {
      good = false;
      impostors_.fetch_add(1, std::memory_order_relaxed);
      if (options_.log != nullptr && impostors_reported_.size() < 1024 &&
          impostors_reported_.insert(ping->id + "@" + ping->addr).second) {
        std::fprintf(options_.log,
                     "%s: scribe %s at %s presented the certificate %s, not the %s that registered it: "
                     "its pings count as missed\n",
                     options_.name.c_str(), ping->id.c_str(), ping->addr.c_str(), seen.Describe().c_str(),
                     ping->identity.Describe().c_str());
        std::fflush(options_.log);
      }
    }
  }
  results_.push_back({ping->id, ping->addr, good});
  if (--outstanding_ == 0) EndRound();
}

void HealthChecker::EndRound() {
  const std::vector<ScribeRecord> dropped = registry_->EndRound(results_);
  rounds_.fetch_add(1, std::memory_order_relaxed);
  if (options_.log != nullptr) {
    for (const ScribeRecord& s : dropped) {
      std::fprintf(options_.log, "%s: dropped scribe %s at %s after %d missed pings\n",
                   options_.name.c_str(), s.id.c_str(), s.addr.c_str(), s.misses);
    }
    if (!dropped.empty()) std::fflush(options_.log);
  }
  // The pings are done; their objects go with the next round or the checker.
  MutexLock lock(&mu_);
  round_running_ = false;
  if (stopping_) {
    idle_cv_.NotifyAll();
    return;
  }
  const auto next = round_started_ + options_.interval;
  ArmLocked(std::max(next, std::chrono::system_clock::now()));
}

}  // namespace logscribe
