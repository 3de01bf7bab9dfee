// ScribeLink: the mediator's one long-lived LogStream to one scribe. Parts
// the fence assigned to the scribe queue here; whenever the stream can take a
// write (one Write outstanding at most, fewer than max_inflight_batches
// unacknowledged) the queued parts are coalesced into one LogBatch with the
// next seq. Acks (LogAck{seq}) are read continuously and handed back to the
// Forwarder.
//
// Life of a link:
//   kStarting  StartCall with wait_for_ready: no write before the stream is
//              up, so nothing counts as sent to an unreachable scribe.
//   kStreaming Read acks, Write batches. The channel's state is watched: when
//              it leaves READY (the scribe sent GOAWAY because it is shutting
//              down, or the connection is failing) the link drains: no new
//              batch, WritesDone, and the acks of what was sent are read until
//              the scribe ends the stream; then as kBroken, with nothing left
//              unacknowledged when the scribe stopped cleanly.
//   kBroken    a Read or Write failed: cancel, wait for the operations, Finish,
//              hand every part held back to the Forwarder (retried through
//              the fence), then kBackoff.
//   kBackoff   an Alarm, doubling per failure, then kStarting again.
//   kClosed    the scribe left the routing: Close() hands the parts back at
//              once; the link deletes itself once its last operation is done.
//
// Thread contract: every method runs with Forwarder::mu_ held, on any thread:
// client CQ threads enqueue parts, and the link's own CQ thread runs its
// completions (the On* methods take the lock themselves). A link is deleted
// only by the completion of its last operation after Close(), or by the
// Forwarder when Close() finds nothing outstanding.
#pragma once

#include <grpcpp/alarm.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/async_stream.h>
#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "call.h"
#include "forward_part.h"
#include "forwarder.h"
#include "logscribe.grpc.pb.h"
#include "router.h"

namespace logscribe {

class ScribeLink {
 public:
  ScribeLink(Forwarder* forwarder, ScribeEndpoint endpoint, grpc::CompletionQueue* cq,
             std::shared_ptr<grpc::Channel> channel);
  ScribeLink(const ScribeLink&) = delete;
  ScribeLink& operator=(const ScribeLink&) = delete;

  const ScribeEndpoint& endpoint() const { return endpoint_; }

  // The Forwarder calls these and the two counts below with its mu_ held; each asserts it
  // (Mutex::AssertHeld), since the analysis cannot tell that the
  // forwarder's mu_ and this link's forwarder_->mu_ are one.
  // Opens the stream.
  void Start();
  // Queues a part the fence assigned to this scribe; Flush() writes.
  void Enqueue(ForwardPart* part);
  // Writes what is queued when the stream can take a write. Called once after
  // a request's parts are all queued, so they leave as one batch rather than
  // the first part alone and the rest after its write completes.
  void Flush() {
    forwarder_->mu_.AssertHeld();
    MaybeWrite();
  }
  // Cancels everything and returns every part held: the unacknowledged sent
  // ones in the order they were sent, then the queued ones. Sets *free_now
  // when no operation is outstanding: the caller deletes the link.
  std::vector<ForwardPart*> Close(bool* free_now);
  // The scribe is leaving (Forwarder::MarkLeaving): no new batch; the acks of
  // what was sent are read, then the stream is ended (WritesDone) and the
  // link closes itself instead of reconnecting. Past `timeout` the stream is
  // cancelled and what it held is retried. *unsent gets the parts queued and
  // never sent. False when the link is not streaming: close it instead.
  bool Leave(std::chrono::milliseconds timeout, std::vector<ForwardPart*>* unsent);
  // Batches written and not yet acknowledged; parts queued, not yet written.
  size_t batches_in_flight() const {
    forwarder_->mu_.AssertHeld();
    return sent_.size();
  }
  size_t queued_parts() const {
    forwarder_->mu_.AssertHeld();
    return queued_.size();
  }

 private:
  enum class State { kStarting, kStreaming, kBroken, kBackoff, kClosed };

  // Tags; each takes Forwarder::mu_.
  void OnStart(bool ok);
  void OnRead(bool ok);
  void OnWrite(bool ok);
  void OnFinish(bool ok);
  void OnBackoff(bool ok);
  void OnChannelState(bool ok);
  void OnWritesDone(bool ok);

  // Runs `body` under the lock, completes what it finished after unlocking,
  // and deletes the link when it was closed and nothing is outstanding.
  template <typename Body>
  void Locked(Body body);

  void Connect() REQUIRES(forwarder_->mu_);
  void MaybeWrite() REQUIRES(forwarder_->mu_);
  void Broken(const grpc::Status& why) REQUIRES(forwarder_->mu_);
  void MaybeFinishStream() REQUIRES(forwarder_->mu_);
  void WatchChannel() REQUIRES(forwarder_->mu_);
  void MaybeHalfClose() REQUIRES(forwarder_->mu_);
  void HandleAck(Forwarder::Finished* done) REQUIRES(forwarder_->mu_);
  std::vector<ForwardPart*> TakeParts() REQUIRES(forwarder_->mu_);
  bool Outstanding() const REQUIRES(forwarder_->mu_) {
    return start_pending_ || read_pending_ || write_pending_ || finish_pending_ || alarm_pending_ ||
           watch_pending_ || writes_done_pending_;
  }

  // Constant after construction.
  Forwarder* const forwarder_;
  const ScribeEndpoint endpoint_;
  grpc::CompletionQueue* const cq_;
  const std::shared_ptr<grpc::Channel> channel_;
  // The stream carries bytes: batches are encoded by EncodeForwardBatch.
  grpc::GenericStub stub_;

  // State below is protected by Forwarder::mu_.
  State state_ GUARDED_BY(forwarder_->mu_) = State::kStarting;
  std::unique_ptr<grpc::ClientContext> ctx_ GUARDED_BY(forwarder_->mu_);
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> stream_ GUARDED_BY(forwarder_->mu_);
  bool start_pending_ GUARDED_BY(forwarder_->mu_) = false;
  bool read_pending_ GUARDED_BY(forwarder_->mu_) = false;
  bool write_pending_ GUARDED_BY(forwarder_->mu_) = false;
  bool finish_pending_ GUARDED_BY(forwarder_->mu_) = false;
  bool alarm_pending_ GUARDED_BY(forwarder_->mu_) = false;
  bool watch_pending_ GUARDED_BY(forwarder_->mu_) = false;        // NotifyOnStateChange outstanding
  bool writes_done_pending_ GUARDED_BY(forwarder_->mu_) = false;
  bool draining_ GUARDED_BY(forwarder_->mu_) = false;             // the channel left READY: no new batch on this stream
  bool half_closed_ GUARDED_BY(forwarder_->mu_) = false;          // WritesDone was sent on this stream
  std::deque<ForwardPart*> queued_ GUARDED_BY(forwarder_->mu_);                     // assigned, not yet written
  std::map<uint64_t, std::vector<ForwardPart*>> sent_ GUARDED_BY(forwarder_->mu_);  // by seq: written, not yet acked
  uint64_t next_seq_ GUARDED_BY(forwarder_->mu_) = 1;
  bool leaving_ GUARDED_BY(forwarder_->mu_) = false;        // Leave(): drain, then close for good
  int failures_ GUARDED_BY(forwarder_->mu_) = 0;            // consecutive broken streams, for the backoff
  grpc::Status last_error_ GUARDED_BY(forwarder_->mu_);     // why the last stream broke
  grpc::ByteBuffer out_ GUARDED_BY(forwarder_->mu_);         // the batch being written
  grpc::ByteBuffer in_bytes_ GUARDED_BY(forwarder_->mu_);    // the ack being read
  logscribe::v1::LogAck in_ GUARDED_BY(forwarder_->mu_);     // ... and parsed
  grpc::Status finish_status_ GUARDED_BY(forwarder_->mu_);
  grpc::Alarm alarm_ GUARDED_BY(forwarder_->mu_);

  MemberTag<ScribeLink> start_tag_{this, &ScribeLink::OnStart};
  MemberTag<ScribeLink> read_tag_{this, &ScribeLink::OnRead};
  MemberTag<ScribeLink> write_tag_{this, &ScribeLink::OnWrite};
  MemberTag<ScribeLink> finish_tag_{this, &ScribeLink::OnFinish};
  MemberTag<ScribeLink> backoff_tag_{this, &ScribeLink::OnBackoff};
  MemberTag<ScribeLink> state_tag_{this, &ScribeLink::OnChannelState};
  MemberTag<ScribeLink> writes_done_tag_{this, &ScribeLink::OnWritesDone};
};

}  // namespace logscribe
