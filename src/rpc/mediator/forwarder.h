// Forwarder: the mediator's Sink. The client-facing LogScribe handlers (the
// scribe's own LogCall, LogBatchCall, LogStreamCall) validate and group a
// request into one FileChunk per file and Submit() it here; each chunk becomes
// a ForwardPart that the FileFence sends to the scribe owning its file, over
// that scribe's one long-lived LogStream (a ScribeLink). A request completes
// only when the owning scribes acknowledged every part (end to end).
//
// Failures: when a scribe's stream breaks, or the scribe is dropped, every
// part it held and had not acknowledged goes back through the fence to the
// file's owner now (counted as retried lines when they are sent again after
// having been sent once: only those may be written twice). A batch acknowledged with a non-OK code fails its
// parts with that code, except UNAVAILABLE (the scribe is stopping), which is
// retried. A part sent max_sends times is failed with UNAVAILABLE.
//
// Thread contract: thread-safe. Submit() runs on any CQ thread, OnRouter() on
// whichever thread changed the registry, the links' completions on their CQ
// threads. One mutex, mu_, guards the fence, the links and everything they
// hold. Lock order: Registry::mu_ before Forwarder::mu_. Client completions
// (Completion::PartDone) run after mu_ is released.
#pragma once

#include <grpcpp/completion_queue.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/status.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "file_fence.h"
#include "mutex.h"  // src/common
#include "admission.h"  // src/io
#include "forward_part.h"
#include "router.h"
#include "sink.h"

namespace logscribe {

class ScribeLink;

struct ForwarderOptions {
  // Batches written to one scribe and not yet acknowledged. Default: 64
  // (-stream-inflight).
  int max_inflight_batches = 64;
  // Bytes accepted and not yet acknowledged by a scribe; a request that would
  // pass it is refused with RESOURCE_EXHAUSTED. Default: 256 MiB (-queue-bytes).
  uint64_t max_queued_bytes = 256ull << 20;
  // A batch to a scribe takes parts until it holds this many bytes; a larger
  // part goes alone. Default: 1 MiB (-batch-bytes).
  uint64_t batch_bytes = 1 << 20;
  // A part written this often to streams that then broke is failed. Default: 16.
  int max_sends = 16;
  // Wait before reopening a broken stream: doubles from min to max. Default:
  // 20 ms .. 1 s.
  std::chrono::milliseconds backoff_min{20};
  std::chrono::milliseconds backoff_max{1000};
  // How long a leaving scribe may take to acknowledge what it was sent.
  // Default: 10 s.
  std::chrono::milliseconds leave_timeout{10000};
  // How the links dial scribes. Default: null, insecure.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments channel_args;
};

struct ScribeForwardStats {
  std::string id;
  std::string addr;
  bool live = false;
  uint64_t lines = 0;          // acknowledged by this scribe
  uint64_t bytes = 0;
  uint64_t retried_lines = 0;  // it failed them after they were sent
  uint64_t sent_lines = 0;     // written to its stream, resends included
  uint64_t sent_bytes = 0;
  uint64_t sent_batches = 0;
  uint64_t batches_in_flight = 0;  // now: written, not yet acknowledged
  uint64_t queued_parts = 0;       // now: assigned to it, not yet written
};

// Why Submit refused a request.
enum class ForwardRefusal { kNoScribe, kQueueFull, kStopping };
inline constexpr int kForwardRefusals = 3;

struct ForwarderStats {
  std::vector<ScribeForwardStats> scribes;  // every scribe ever linked, by id
  uint64_t lines = 0;
  uint64_t bytes = 0;
  uint64_t retried_lines = 0;
  uint64_t failed_lines = 0;
  uint64_t refused_requests = 0;  // the sum of refused_by_reason
  uint64_t refused_by_reason[kForwardRefusals] = {};
  uint64_t queued_bytes = 0;
  uint64_t parts_in_flight = 0;  // per-file parts accepted and not yet completed
  uint64_t fence_files = 0;      // files with lines in flight (the fence's table)
};

class Forwarder final : public Sink {
 public:
  // Links are spread over `cqs`, which must outlive the forwarder and be
  // drained by running threads until Stop() returned.
  Forwarder(ForwarderOptions options, std::vector<grpc::CompletionQueue*> cqs);
  ~Forwarder() override;

  // The registry's listener: a new set of live scribes. Closes the links of
  // scribes that left (or moved), hands their parts back through the fence,
  // and opens links to new ones.
  void OnRouter(std::shared_ptr<const Router> router);

  // A scribe said it is leaving (Deregister): while marked, a router without
  // it drains its link instead of closing it. What the link had sent is
  // acknowledged there (the scribe is alive and stopping cleanly), only the
  // never-sent parts move at once, and the fence keeps its files' new lines
  // back until then: no line is written twice. A leave that does not end
  // within leave_timeout is cancelled and its parts retried. A scribe that
  // registers again under the same id while its old link still drains gets a
  // second link: no line is lost, but the order of one file's lines across
  // that switch is not guaranteed.
  void MarkLeaving(const std::string& id);
  void UnmarkLeaving(const std::string& id);

  // Sink. Submit: UNAVAILABLE when no scribe is live or the mediator stops,
  // RESOURCE_EXHAUSTED past -queue-bytes; nothing is forwarded then.
  Status Submit(std::vector<std::unique_ptr<FileChunk>> chunks, uint64_t bytes,
                Completion* completion) override;
  // Reserves room for a unary request before it is read (RequestAdmission);
  // RESOURCE_EXHAUSTED, counted as queue_full, when -queue-bytes has none.
  Status Admit(uint64_t* reserved) override;
  void Release(uint64_t reserved) override;
  // Room for a compressed request's inflated bytes; refused as Admit is.
  Status Reserve(uint64_t bytes) override;
  bool Drain(std::chrono::milliseconds timeout) override;
  // Refuses new work, fails every part still held (UNAVAILABLE), closes every
  // link and waits (bounded) until each has released its gRPC operations.
  void Stop() override;
  SinkStats Stats() const override;

  ForwarderStats Detailed() const;

 private:
  friend class ScribeLink;
  using Finished = std::vector<std::pair<ForwardPart*, Status>>;

  void DispatchLocked(const std::vector<FileFence::Send>& sends, Finished* done) REQUIRES(mu_);
  void AckedLocked(const ScribeLink& link, const std::vector<ForwardPart*>& parts, Finished* done)
      REQUIRES(mu_);
  void FailedLocked(const std::vector<ForwardPart*>& parts, const Status& status, Finished* done)
      REQUIRES(mu_);
  void RetryLocked(const std::string& scribe_id, const std::vector<ForwardPart*>& parts,
                   const grpc::Status& why, Finished* done) REQUIRES(mu_);
  ScribeLink* LinkForLocked(const ScribeEndpoint& endpoint) REQUIRES(mu_);
  // A part is written again after `part.failed_by` failed it: the only way a
  // line can reach the disk twice.
  void CountResendLocked(const ForwardPart& part) REQUIRES(mu_);
  // A batch of `lines`, `bytes` was written to `link`'s stream.
  void CountSentLocked(const ScribeLink& link, uint64_t lines, uint64_t bytes) REQUIRES(mu_);
  // Counts a refusal and returns `status`.
  Status Refuse(ForwardRefusal why, Status status);

  // Tells the clients and frees the parts.
  void Complete(Finished* done) EXCLUDES(mu_);
  // A closed link released its last operation and deleted itself.
  void LinkFreed() { live_links_.fetch_sub(1, std::memory_order_acq_rel); }

  // Constant after construction.
  const ForwarderOptions options_;
  const std::vector<grpc::CompletionQueue*> cqs_;

  mutable Mutex mu_;
  // State below is protected by mu_.
  std::shared_ptr<const Router> router_ GUARDED_BY(mu_);
  FileFence fence_ GUARDED_BY(mu_);
  std::unordered_map<std::string, ScribeLink*> links_ GUARDED_BY(mu_);  // by scribe id; closed links are not here
  std::set<ScribeLink*> leaving_links_ GUARDED_BY(mu_);                // draining after a Deregister
  std::set<std::string> leaving_ids_ GUARDED_BY(mu_);                  // marked by MarkLeaving
  std::map<std::string, ScribeForwardStats> stats_ GUARDED_BY(mu_);     // by scribe id
  size_t next_cq_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;

  // Counters, relaxed; written with or without mu_.
  std::atomic<uint64_t> queued_bytes_{0};
  std::atomic<uint64_t> live_parts_{0};
  std::atomic<int64_t> live_links_{0};  // links not yet deleted, open or closing
  std::atomic<uint64_t> lines_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> retried_lines_{0};
  std::atomic<uint64_t> failed_lines_{0};
  std::atomic<uint64_t> refused_[kForwardRefusals] = {};
  RequestAdmission admission_{&queued_bytes_, options_.max_queued_bytes};
};

}  // namespace logscribe
