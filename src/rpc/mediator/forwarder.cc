#include "forwarder.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <thread>

#include "scribe_link.h"

namespace logscribe {

Forwarder::Forwarder(ForwarderOptions options, std::vector<grpc::CompletionQueue*> cqs)
    : options_(std::move(options)),
      cqs_(std::move(cqs)),
      router_(std::make_shared<RendezvousRouter>(std::vector<ScribeEndpoint>{})) {}

Forwarder::~Forwarder() { Stop(); }

void Forwarder::OnRouter(std::shared_ptr<const Router> router) {
  Finished done;
  {
    MutexLock lock(&mu_);
    if (stopping_) return;
    router_ = std::move(router);
    std::unordered_map<std::string, const ScribeEndpoint*> live;
    for (const ScribeEndpoint& s : router_->scribes()) live.emplace(s.id, &s);
    // 1. Close the links of scribes that left or moved; keep their parts.
    std::vector<std::pair<std::string, std::vector<ForwardPart*>>> orphans;
    for (auto it = links_.begin(); it != links_.end();) {
      auto found = live.find(it->first);
      if (found != live.end() && found->second->addr == it->second->endpoint().addr) {
        ++it;
        continue;
      }
      ScribeLink* link = it->second;
      stats_[it->first].live = false;
      std::vector<ForwardPart*> unsent;
      if (found == live.end() && leaving_ids_.count(it->first) > 0 &&
          link->Leave(options_.leave_timeout, &unsent)) {
        leaving_links_.insert(link);
        orphans.emplace_back(it->first, std::move(unsent));
        it = links_.erase(it);
        continue;
      }
      bool free_now = false;
      orphans.emplace_back(it->first, link->Close(&free_now));
      it = links_.erase(it);
      if (free_now) {
        delete link;
        LinkFreed();
      }
    }
    // 2. Open links to new scribes, so that every owner the router names has one.
    for (const ScribeEndpoint& s : router_->scribes()) LinkForLocked(s);
    // 3. Send the orphans again, through the fence, to their files' owners now.
    for (auto& [id, parts] : orphans) {
      if (!parts.empty()) {
        RetryLocked(id, parts, grpc::Status(grpc::StatusCode::UNAVAILABLE, "the scribe left or moved"),
                    &done);
      }
    }
  }
  Complete(&done);
}

void Forwarder::MarkLeaving(const std::string& id) {
  MutexLock lock(&mu_);
  leaving_ids_.insert(id);
}

void Forwarder::UnmarkLeaving(const std::string& id) {
  MutexLock lock(&mu_);
  leaving_ids_.erase(id);
}

ScribeLink* Forwarder::LinkForLocked(const ScribeEndpoint& endpoint) {
  auto it = links_.find(endpoint.id);
  if (it != links_.end()) return it->second;
  auto channel = grpc::CreateCustomChannel(
      endpoint.addr, options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials(),
      options_.channel_args);
  auto* link = new ScribeLink(this, endpoint, cqs_[next_cq_++ % cqs_.size()], std::move(channel));
  live_links_.fetch_add(1, std::memory_order_acq_rel);
  links_.emplace(endpoint.id, link);
  ScribeForwardStats& stats = stats_[endpoint.id];
  stats.id = endpoint.id;
  stats.addr = endpoint.addr;
  stats.live = true;
  link->Start();
  return link;
}

Status Forwarder::Submit(std::vector<std::unique_ptr<FileChunk>> chunks, uint64_t bytes,
                         Completion* completion) {
  Finished done;
  {
    MutexLock lock(&mu_);
    if (stopping_) {
      return Refuse(ForwardRefusal::kStopping, Status::Unavailable("the mediator is shutting down"));
    }
    if (router_->scribes().empty()) {
      return Refuse(ForwardRefusal::kNoScribe,
                    Status::Unavailable("no live scribe: none has registered yet, or every one missed "
                                        "its pings; retry later"));
    }
    if (chunks.empty()) {
      CompleteEmpty(completion);
      return Status::Ok();
    }
    admission_.Observe(bytes);
    const uint64_t queued = queued_bytes_.load(std::memory_order_relaxed);
    if (queued + bytes > options_.max_queued_bytes) {
      return Refuse(ForwardRefusal::kQueueFull,
                    Status::ResourceExhausted("the mediator's queue is full (" + std::to_string(queued) +
                                              " bytes not yet acknowledged by scribes, -queue-bytes " +
                                              std::to_string(options_.max_queued_bytes) + "); retry later"));
    }
    queued_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    live_parts_.fetch_add(chunks.size(), std::memory_order_relaxed);
    if (completion != nullptr) completion->Arm(static_cast<int>(chunks.size()));
    std::vector<FileFence::Send> sends;
    for (auto& chunk : chunks) {
      chunk->completion = completion;
      auto* part = new ForwardPart();
      part->chunk = std::move(chunk);
      fence_.Admit(part, *router_, &sends);
    }
    DispatchLocked(sends, &done);
  }
  Complete(&done);
  return Status::Ok();
}

void Forwarder::DispatchLocked(const std::vector<FileFence::Send>& sends, Finished* done) {
  for (const FileFence::Send& send : sends) {
    if (send.owner == nullptr) {
      done->emplace_back(send.part, Status::Unavailable("no live scribe left for " + send.part->key()));
      continue;
    }
    LinkForLocked(*send.owner)->Enqueue(send.part);
  }
  // Queue every part first, then write: one batch per scribe for a request's
  // parts, not its first part alone and the rest after that write completes.
  // A link with nothing queued, or a write outstanding, returns at once.
  for (auto& [id, link] : links_) link->Flush();
}

void Forwarder::AckedLocked(const ScribeLink& link, const std::vector<ForwardPart*>& parts,
                            Finished* done) {
  ScribeForwardStats& stats = stats_[link.endpoint().id];
  std::vector<FileFence::Send> sends;
  for (ForwardPart* part : parts) {
    stats.lines += part->lines();
    stats.bytes += part->bytes();
    lines_.fetch_add(part->lines(), std::memory_order_relaxed);
    bytes_.fetch_add(part->bytes(), std::memory_order_relaxed);
    fence_.Done(part, *router_, &sends);
    done->emplace_back(part, Status::Ok());
  }
  DispatchLocked(sends, done);
}

void Forwarder::FailedLocked(const std::vector<ForwardPart*>& parts, const Status& status,
                             Finished* done) {
  std::vector<FileFence::Send> sends;
  for (ForwardPart* part : parts) {
    fence_.Done(part, *router_, &sends);
    done->emplace_back(part, status);
  }
  DispatchLocked(sends, done);
}

void Forwarder::RetryLocked(const std::string& scribe_id, const std::vector<ForwardPart*>& parts,
                            const grpc::Status& why, Finished* done) {
  std::vector<ForwardPart*> again;
  std::vector<ForwardPart*> give_up;
  for (ForwardPart* part : parts) {
    if (part->sends > 0) part->failed_by = scribe_id;  // counted when it is sent again
    (part->sends >= options_.max_sends ? give_up : again).push_back(part);
  }
  std::vector<FileFence::Send> sends;
  // Retry first: a given-up part still counts as in flight, so its file's
  // retried parts stay held until the Done below releases them in order.
  fence_.Retry(again, *router_, &sends);
  for (ForwardPart* part : give_up) {
    fence_.Done(part, *router_, &sends);
    done->emplace_back(part, Status::Unavailable("sent " + std::to_string(part->sends) +
                                                 " times to scribes whose streams broke, last " +
                                                 scribe_id + ": " + why.error_message()));
  }
  DispatchLocked(sends, done);
}

void Forwarder::CountResendLocked(const ForwardPart& part) {
  retried_lines_.fetch_add(part.lines(), std::memory_order_relaxed);
  stats_[part.failed_by].retried_lines += part.lines();
}

void Forwarder::CountSentLocked(const ScribeLink& link, uint64_t lines, uint64_t bytes) {
  ScribeForwardStats& stats = stats_[link.endpoint().id];
  stats.sent_lines += lines;
  stats.sent_bytes += bytes;
  ++stats.sent_batches;
}

Status Forwarder::Admit(uint64_t* reserved) {
  uint64_t queued = 0;
  if (admission_.TryReserve(reserved, &queued)) return Status::Ok();
  return Refuse(ForwardRefusal::kQueueFull,
                Status::ResourceExhausted("the mediator's queue is full (" + std::to_string(queued) +
                                          " bytes not yet acknowledged by scribes or being read, -queue-bytes " +
                                          std::to_string(options_.max_queued_bytes) + "); retry later"));
}

void Forwarder::Release(uint64_t reserved) { admission_.Release(reserved); }

Status Forwarder::Reserve(uint64_t bytes) {
  uint64_t queued = 0;
  if (admission_.TryReserveBytes(bytes, &queued)) return Status::Ok();
  return Refuse(ForwardRefusal::kQueueFull,
                Status::ResourceExhausted("the mediator's queue has no room for the request's inflated bytes (" +
                                          std::to_string(queued) + " bytes not yet acknowledged by scribes or "
                                          "being read, -queue-bytes " +
                                          std::to_string(options_.max_queued_bytes) + "); retry later"));
}

Status Forwarder::Refuse(ForwardRefusal why, Status status) {
  refused_[static_cast<int>(why)].fetch_add(1, std::memory_order_relaxed);
  return status;
}

void Forwarder::Complete(Finished* done) {
  for (auto& [part, status] : *done) {
    queued_bytes_.fetch_sub(part->bytes(), std::memory_order_relaxed);
    if (!status.ok()) failed_lines_.fetch_add(part->lines(), std::memory_order_relaxed);
    Completion* completion = part->chunk->completion;
    if (completion != nullptr) completion->PartDone(status);
    delete part;
    live_parts_.fetch_sub(1, std::memory_order_acq_rel);
  }
  done->clear();
}

bool Forwarder::Drain(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (live_parts_.load(std::memory_order_acquire) > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void Forwarder::Stop() {
  Finished done;
  {
    MutexLock lock(&mu_);
    if (!stopping_) {
      stopping_ = true;
      const Status why = Status::Unavailable("the mediator is shutting down");
      std::vector<ForwardPart*> parts;
      for (auto& [id, link] : links_) {
        bool free_now = false;
        std::vector<ForwardPart*> held = link->Close(&free_now);
        parts.insert(parts.end(), held.begin(), held.end());
        stats_[id].live = false;
        if (free_now) {
          delete link;
          LinkFreed();
        }
      }
      links_.clear();
      for (ScribeLink* link : leaving_links_) {
        bool free_now = false;
        std::vector<ForwardPart*> held = link->Close(&free_now);
        parts.insert(parts.end(), held.begin(), held.end());
        if (free_now) {
          delete link;
          LinkFreed();
        }
      }
      leaving_links_.clear();
      std::vector<ForwardPart*> fenced = fence_.TakeHeld();
      parts.insert(parts.end(), fenced.begin(), fenced.end());
      for (ForwardPart* part : parts) done.emplace_back(part, why);
      fence_ = FileFence();
    }
  }
  Complete(&done);
  // The links' cancelled operations come back on the CQs; wait for them so
  // the CQs can be shut down with nothing outstanding.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (live_links_.load(std::memory_order_acquire) > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

SinkStats Forwarder::Stats() const {
  const ForwarderStats d = Detailed();
  SinkStats s;
  s.lines_written = d.lines;
  s.bytes_written = d.bytes;
  s.write_errors = d.failed_lines;
  s.refused_batches = d.refused_requests;
  s.queued_bytes = d.queued_bytes;
  return s;
}

ForwarderStats Forwarder::Detailed() const {
  ForwarderStats s;
  {
    MutexLock lock(&mu_);
    for (const auto& [id, stats] : stats_) {
      s.scribes.push_back(stats);
      auto link = links_.find(id);
      if (link != links_.end()) {
        s.scribes.back().batches_in_flight = link->second->batches_in_flight();
        s.scribes.back().queued_parts = link->second->queued_parts();
      }
    }
    s.fence_files = fence_.files();
  }
  s.lines = lines_.load(std::memory_order_relaxed);
  s.bytes = bytes_.load(std::memory_order_relaxed);
  s.retried_lines = retried_lines_.load(std::memory_order_relaxed);
  s.failed_lines = failed_lines_.load(std::memory_order_relaxed);
  for (int i = 0; i < kForwardRefusals; ++i) {
    s.refused_by_reason[i] = refused_[i].load(std::memory_order_relaxed);
    s.refused_requests += s.refused_by_reason[i];
  }
  s.queued_bytes = queued_bytes_.load(std::memory_order_relaxed);
  s.parts_in_flight = live_parts_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace logscribe
