#include "read_service.h"

namespace logscribe {

Status CheckReadAllowed(const grpc::ServerContext& ctx, const Rights* rights) {
  if (rights == nullptr) return Status::Ok();
  return rights->Check(rights->Identify(ctx), Right::kRead);
}

ReadService::ReadService(const LogRoot* root, const ReadOptions& options, bool tls)
    : root_(root), options_(options), tls_(tls) {
  for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] { Work(); });
  follower_ = std::thread([this] { Follow(); });
}

ReadService::~ReadService() { Stop(); }

void ReadService::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  appended_.WakeAll();
  for (auto& t : threads_) t.join();
  follower_.join();
}

void ReadService::Submit(ReadJob* job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(job);
  }
  cv_.notify_one();
}

void ReadService::Park(ReadJob* job, uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  parked_.emplace_back(job, generation);
}

void ReadService::WakeParked() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [job, gen] : parked_) jobs_.push_back(job);
  parked_.clear();
  cv_.notify_all();
}

void ReadService::Work() {
  for (;;) {
    ReadJob* job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = jobs_.front();
      jobs_.pop_front();
    }
    job->Run();
  }
}

void ReadService::Follow() {
  uint64_t seen = appended_.generation();
  auto last_sweep = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    const uint64_t now_gen = appended_.Wait(seen, std::chrono::milliseconds(1000));
    const auto now = std::chrono::steady_clock::now();
    const bool sweep = now - last_sweep >= std::chrono::seconds(1);
    if (now_gen == seen && !sweep) continue;
    if (sweep) last_sweep = now;
    seen = now_gen;
    std::lock_guard<std::mutex> lock(mu_);
    bool woke = false;
    for (size_t i = 0; i < parked_.size();) {
      if (sweep || parked_[i].second != now_gen) {
        jobs_.push_back(parked_[i].first);
        parked_[i] = parked_.back();
        parked_.pop_back();
        woke = true;
      } else {
        ++i;
      }
    }
    if (woke) cv_.notify_all();
  }
}

}  // namespace logscribe
