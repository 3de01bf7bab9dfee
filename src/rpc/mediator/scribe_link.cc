#include "scribe_link.h"

#include <algorithm>

#include "forward_batch.h"
#include "rights.h"

namespace logscribe {
namespace {

constexpr char kLogStreamMethod[] = "/logscribe.v1.LogScribe/LogStream";

bool Retryable(int code) { return code == static_cast<int>(grpc::StatusCode::UNAVAILABLE); }

}  // namespace

ScribeLink::ScribeLink(Forwarder* forwarder, ScribeEndpoint endpoint, grpc::CompletionQueue* cq,
                       std::shared_ptr<grpc::Channel> channel)
    : forwarder_(forwarder),
      endpoint_(std::move(endpoint)),
      cq_(cq),
      channel_(std::move(channel)),
      stub_(channel_) {}

template <typename Body>
void ScribeLink::Locked(Body body) {
  Forwarder::Finished done;
  bool free_me = false;
  {
    MutexLock lock(&forwarder_->mu_);
    body(&done);
    free_me = state_ == State::kClosed && !Outstanding();
  }
  Forwarder* forwarder = forwarder_;
  forwarder->Complete(&done);
  if (free_me) {
    delete this;
    forwarder->LinkFreed();
  }
}

void ScribeLink::Start() {
  forwarder_->mu_.AssertHeld();
  Connect();
}

void ScribeLink::Connect() {
  state_ = State::kStarting;
  draining_ = false;
  half_closed_ = false;
  ctx_ = std::make_unique<grpc::ClientContext>();
  // Wait for the scribe rather than fail at once: StartCall completes only once
  // the stream is up, and nothing is written before.
  ctx_->set_wait_for_ready(true);
  stream_ = stub_.PrepareCall(ctx_.get(), kLogStreamMethod, cq_);
  start_pending_ = true;
  stream_->StartCall(&start_tag_);
}

void ScribeLink::OnStart(bool ok) {
  Locked([&](Forwarder::Finished*) {
    forwarder_->mu_.AssertHeld();
    start_pending_ = false;
    if (state_ != State::kStarting) {  // closed or broken meanwhile
      MaybeFinishStream();
      return;
    }
    if (!ok) {
      Broken(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the stream did not start"));
      return;
    }
    // Nothing is written before this point: a server at the scribe's address
    // that is not the certificate that registered the id gets no line (the
    // pings then drop the scribe; health_checker.cc).
    if (!endpoint_.identity.empty()) {
      const std::shared_ptr<const grpc::AuthContext> auth = ctx_->auth_context();
      const PeerIdentity seen = auth != nullptr ? PeerIdentityOf(*auth) : PeerIdentity();
      if (!(seen == endpoint_.identity)) {
        Broken(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "the server at " + endpoint_.addr + " presented the certificate " + seen.Describe() +
                                ", not the " + endpoint_.identity.Describe() + " that registered scribe " +
                                endpoint_.id));
        return;
      }
    }
    state_ = State::kStreaming;
    read_pending_ = true;
    stream_->Read(&in_bytes_, &read_tag_);
    WatchChannel();
    MaybeWrite();
  });
}

void ScribeLink::WatchChannel() {
  if (watch_pending_) return;
  watch_pending_ = true;
  // A short deadline: the watch cannot be cancelled, and Close() waits for it.
  channel_->NotifyOnStateChange(GRPC_CHANNEL_READY,
                                std::chrono::system_clock::now() + std::chrono::milliseconds(500), cq_,
                                &state_tag_);
}

void ScribeLink::OnChannelState(bool ok) {
  Locked([&](Forwarder::Finished*) {
    forwarder_->mu_.AssertHeld();
    watch_pending_ = false;
    if (state_ != State::kStreaming || draining_) return;
    if (ok && channel_->GetState(false) != GRPC_CHANNEL_READY) {
      draining_ = true;
      MaybeHalfClose();
      return;
    }
    WatchChannel();
  });
}

void ScribeLink::MaybeHalfClose() {
  if (!draining_ || half_closed_ || write_pending_ || state_ != State::kStreaming) return;
  half_closed_ = true;
  writes_done_pending_ = true;
  stream_->WritesDone(&writes_done_tag_);
}

void ScribeLink::OnWritesDone(bool ok) {
  Locked([&](Forwarder::Finished*) {
    forwarder_->mu_.AssertHeld();
    writes_done_pending_ = false;
    if (state_ != State::kStreaming) {
      MaybeFinishStream();
      return;
    }
    if (!ok) Broken(grpc::Status(grpc::StatusCode::UNAVAILABLE, "closing the stream failed"));
  });
}

void ScribeLink::Enqueue(ForwardPart* part) {
  forwarder_->mu_.AssertHeld();
  queued_.push_back(part);
}

void ScribeLink::MaybeWrite() {
  if (state_ != State::kStreaming || draining_ || write_pending_ || queued_.empty() ||
      sent_.size() >= static_cast<size_t>(forwarder_->options_.max_inflight_batches)) {
    return;
  }
  const uint64_t seq = next_seq_++;
  std::vector<ForwardPart*>& parts = sent_[seq];
  uint64_t bytes = 0;
  uint64_t lines = 0;
  while (!queued_.empty()) {
    ForwardPart* part = queued_.front();
    if (!parts.empty() && bytes + part->bytes() > forwarder_->options_.batch_bytes) break;
    queued_.pop_front();
    parts.push_back(part);
    bytes += part->bytes();
    lines += part->lines();
    if (part->sends++ > 0) forwarder_->CountResendLocked(*part);
  }
  out_ = EncodeForwardBatch(seq, parts);
  forwarder_->CountSentLocked(*this, lines, bytes);
  write_pending_ = true;
  stream_->Write(out_, &write_tag_);
}

void ScribeLink::OnWrite(bool ok) {
  Locked([&](Forwarder::Finished*) {
    forwarder_->mu_.AssertHeld();
    write_pending_ = false;
    if (state_ != State::kStreaming) {
      MaybeFinishStream();
      return;
    }
    if (!ok) {
      Broken(grpc::Status(grpc::StatusCode::UNAVAILABLE, "a write to the stream failed"));
      return;
    }
    MaybeWrite();
    MaybeHalfClose();
  });
}

void ScribeLink::OnRead(bool ok) {
  Locked([&](Forwarder::Finished* done) {
    forwarder_->mu_.AssertHeld();
    read_pending_ = false;
    if (state_ != State::kStreaming) {
      MaybeFinishStream();
      return;
    }
    if (!ok) {  // the scribe ended the stream (after our WritesDone when draining) or it broke
      Broken(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          draining_ ? "the scribe closed the stream" : "the stream ended"));
      return;
    }
    if (!grpc::SerializationTraits<logscribe::v1::LogAck>::Deserialize(&in_bytes_, &in_).ok()) {
      Broken(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the scribe sent an unreadable ack"));
      return;
    }
    HandleAck(done);
    if (state_ != State::kStreaming) return;
    read_pending_ = true;
    stream_->Read(&in_bytes_, &read_tag_);
    MaybeWrite();
  });
}

void ScribeLink::HandleAck(Forwarder::Finished* done) {
  auto it = sent_.find(in_.seq());
  if (it == sent_.end()) return;  // not ours: a scribe echoes what it was sent
  std::vector<ForwardPart*> parts = std::move(it->second);
  sent_.erase(it);
  if (in_.code() == 0) {
    failures_ = 0;
    forwarder_->AckedLocked(*this, parts, done);
  } else if (Retryable(in_.code())) {
    forwarder_->RetryLocked(endpoint_.id, parts,
                            grpc::Status(grpc::StatusCode::UNAVAILABLE, in_.message()), done);
  } else {
    forwarder_->FailedLocked(
        parts, Status(static_cast<StatusCode>(in_.code()), "scribe " + endpoint_.id + ": " + in_.message()),
        done);
  }
}

void ScribeLink::Broken(const grpc::Status& why) {
  if (state_ == State::kBroken || state_ == State::kClosed) return;
  state_ = State::kBroken;
  last_error_ = why;
  ctx_->TryCancel();
  MaybeFinishStream();
}

void ScribeLink::MaybeFinishStream() {
  if (state_ != State::kBroken && state_ != State::kClosed) return;
  if (stream_ == nullptr || start_pending_ || read_pending_ || write_pending_ || finish_pending_ ||
      writes_done_pending_) {
    return;
  }
  finish_pending_ = true;
  stream_->Finish(&finish_status_, &finish_tag_);
}

void ScribeLink::OnFinish(bool /*ok*/) {
  Locked([&](Forwarder::Finished* done) {
    forwarder_->mu_.AssertHeld();
    finish_pending_ = false;
    stream_.reset();
    ctx_.reset();
    if (state_ == State::kClosed) return;
    if (!finish_status_.ok() && finish_status_.error_code() != grpc::StatusCode::CANCELLED) {
      last_error_ = finish_status_;
    }
    // Everything sent and not acknowledged may or may not be on disk: send it
    // again (through the fence, which may pick another owner by now).
    std::vector<ForwardPart*> parts = TakeParts();
    if (!parts.empty()) forwarder_->RetryLocked(endpoint_.id, parts, last_error_, done);
    if (state_ == State::kClosed) return;
    if (leaving_) {  // the scribe left the routing: done, no reconnect
      state_ = State::kClosed;
      if (alarm_pending_) alarm_.Cancel();
      forwarder_->leaving_links_.erase(this);
      return;
    }
    ++failures_;
    auto delay = forwarder_->options_.backoff_min * (1 << std::min(failures_ - 1, 16));
    delay = std::min<std::chrono::milliseconds>(delay, forwarder_->options_.backoff_max);
    state_ = State::kBackoff;
    alarm_pending_ = true;
    alarm_.Set(cq_, std::chrono::system_clock::now() + delay, &backoff_tag_);
  });
}

void ScribeLink::OnBackoff(bool ok) {
  Locked([&](Forwarder::Finished*) {
    forwarder_->mu_.AssertHeld();
    alarm_pending_ = false;
    if (leaving_) {  // the leave's deadline
      if (ok && state_ == State::kStreaming) {
        Broken(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "the leaving scribe did not acknowledge its batches in time"));
      }
      return;
    }
    if (state_ == State::kBackoff) Connect();
  });
}

bool ScribeLink::Leave(std::chrono::milliseconds timeout, std::vector<ForwardPart*>* unsent) {
  forwarder_->mu_.AssertHeld();
  if (state_ != State::kStreaming || alarm_pending_) return false;
  leaving_ = true;
  draining_ = true;
  unsent->assign(queued_.begin(), queued_.end());
  queued_.clear();
  alarm_pending_ = true;
  alarm_.Set(cq_, std::chrono::system_clock::now() + timeout, &backoff_tag_);
  MaybeHalfClose();
  return true;
}

std::vector<ForwardPart*> ScribeLink::TakeParts() {
  std::vector<ForwardPart*> parts;
  for (auto& [seq, batch] : sent_) parts.insert(parts.end(), batch.begin(), batch.end());
  sent_.clear();
  parts.insert(parts.end(), queued_.begin(), queued_.end());
  queued_.clear();
  return parts;
}

std::vector<ForwardPart*> ScribeLink::Close(bool* free_now) {
  forwarder_->mu_.AssertHeld();
  const State before = state_;
  state_ = State::kClosed;
  if (ctx_ != nullptr && before != State::kBroken) ctx_->TryCancel();
  if (alarm_pending_) alarm_.Cancel();
  MaybeFinishStream();
  *free_now = !Outstanding();
  return TakeParts();
}

}  // namespace logscribe
