#include "outbox.h"

#include <algorithm>

namespace logscribe::cat {

Outbox::Outbox(Options options) : options_(std::move(options)) {}

void Outbox::Add(std::string_view line, const Position& before, const Position& after) {
  const uint64_t cost = line.size() + kLineOverheadBytes;
  std::unique_lock<std::mutex> lock(mu_);
  if (buffered_ > 0 && buffered_ + cost > options_.max_buffer_bytes && !stop_waiting_ && !aborted_) {
    // The open batch must not wait for a flush deadline while we wait for memory.
    CloseOpenLocked();
    changed_.wait(lock, [&] {
      return buffered_ == 0 || buffered_ + cost <= options_.max_buffer_bytes || stop_waiting_ || aborted_;
    });
  }
  if (open_.lines > 0 && (open_.lines >= static_cast<uint64_t>(options_.batch_lines) ||
                          open_.bytes + line.size() > options_.batch_bytes)) {
    CloseOpenLocked();
  }
  if (open_.lines == 0) {
    open_.msg = std::make_shared<logscribe::v1::LogBatch>();
    open_.start = before;
    open_since_ = Clock::now();
    // The sender may sleep without a deadline: it must now arm the flush timer.
    changed_.notify_all();
  }
  logscribe::v1::LogRequest* entry = open_.msg->add_entries();
  entry->set_path(options_.path);
  entry->set_filename(options_.filename);
  entry->set_line(line.data(), line.size());
  open_.lines += 1;
  open_.bytes += line.size();
  open_.cost += cost;
  buffered_ += cost;
  input_position_ = after;
  stats_.lines_read += 1;
  if (open_.lines >= static_cast<uint64_t>(options_.batch_lines) || open_.bytes >= options_.batch_bytes ||
      options_.flush_interval.count() == 0) {
    CloseOpenLocked();
  }
}

void Outbox::Move(const Position& to) {
  std::lock_guard<std::mutex> lock(mu_);
  CloseOpenLocked();
  input_position_ = to;
  changed_.notify_all();
}

void Outbox::CloseInput() {
  std::lock_guard<std::mutex> lock(mu_);
  CloseOpenLocked();
  input_closed_ = true;
  changed_.notify_all();
}

void Outbox::StopWaiting() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_waiting_ = true;
  changed_.notify_all();
}

void Outbox::CloseOpenLocked() {
  if (open_.lines == 0) return;
  open_.seq = next_seq_++;
  open_.msg->set_seq(open_.seq);
  batches_.push_back(std::move(open_));
  open_ = Batch();
  changed_.notify_all();
}

void Outbox::FlushIfDueLocked(Clock::time_point now) {
  if (open_.lines > 0 && (input_closed_ || now >= open_since_ + options_.flush_interval)) CloseOpenLocked();
}

bool Outbox::WorkDueLocked() const {
  const size_t window = std::min(batches_.size(), static_cast<size_t>(options_.inflight));
  for (size_t i = acked_prefix_; i < window; ++i) {
    if (!batches_[i].acked) return true;
  }
  return false;
}

Outbox::Next Outbox::WaitForWork() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (aborted_ || fatal_) return Next::kAbort;
    FlushIfDueLocked(Clock::now());
    if (WorkDueLocked()) return Next::kSend;
    if (input_closed_ && batches_.empty() && open_.lines == 0) return Next::kDone;
    if (open_.lines > 0) {
      changed_.wait_until(lock, open_since_ + options_.flush_interval);
    } else {
      changed_.wait(lock);
    }
  }
}

uint64_t Outbox::BeginStream() {
  std::lock_guard<std::mutex> lock(mu_);
  broken_ = false;
  broken_reason_.clear();
  return ++stream_;
}

Outbox::Next Outbox::WaitNext(uint64_t stream, std::shared_ptr<const logscribe::v1::LogBatch>* batch) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (aborted_ || fatal_) return Next::kAbort;
    if (stream != stream_ || broken_) return Next::kBroken;
    const Clock::time_point now = Clock::now();
    FlushIfDueLocked(now);
    const size_t window = std::min(batches_.size(), static_cast<size_t>(options_.inflight));
    for (size_t i = acked_prefix_; i < window; ++i) {
      Batch& b = batches_[i];
      if (b.acked || b.sent_stream == stream) continue;
      if (b.sent_stream != 0) stats_.batches_resent += 1;
      stats_.batches_sent += 1;
      b.sent_stream = stream;
      b.sent_at = now;
      *batch = b.msg;
      return Next::kSend;
    }
    if (input_closed_ && batches_.empty() && open_.lines == 0) return Next::kDone;
    if (open_.lines > 0) {
      changed_.wait_until(lock, open_since_ + options_.flush_interval);
    } else {
      changed_.wait(lock);
    }
  }
}

bool Outbox::SleepUnlessAborted(Clock::time_point until) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_until(lock, until, [&] { return aborted_ || fatal_.has_value(); });
  return !aborted_ && !fatal_;
}

std::string Outbox::BrokenReason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return broken_ ? broken_reason_ : std::string();
}

bool Outbox::StreamHadAck(uint64_t stream) const {
  std::lock_guard<std::mutex> lock(mu_);
  return acked_stream_ == stream;
}

bool Outbox::OnAck(uint64_t stream, const logscribe::v1::LogAck& ack) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stream != stream_ || batches_.empty()) return false;
  const uint64_t first = batches_.front().seq;
  if (ack.seq() < first || ack.seq() - first >= batches_.size()) return false;
  Batch& b = batches_[ack.seq() - first];
  if (b.acked || b.sent_stream != stream) return false;
  if (ack.code() == 0) {
    b.acked = true;
    stats_.lines_acked += b.lines;
    stats_.bytes_acked += b.bytes;
    AdvanceLocked();
    const bool first_ok = acked_stream_ != stream;
    acked_stream_ = stream;
    changed_.notify_all();
    return first_ok;
  }
  const std::string refusal = std::string(StatusCodeName(static_cast<StatusCode>(ack.code()))) + ": " +
                              ack.message();
  if (ack.code() == static_cast<int>(StatusCode::kInvalidArgument)) {
    if (!fatal_) fatal_ = Status::InvalidArgument("the target refused a batch for good: " + refusal);
  } else if (!broken_) {
    broken_ = true;
    broken_reason_ = "the target refused a batch: " + refusal;
  }
  changed_.notify_all();
  return false;
}

void Outbox::OnStreamEnded(uint64_t stream, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stream != stream_ || broken_) return;
  broken_ = true;
  broken_reason_ = reason;
  changed_.notify_all();
}

void Outbox::BreakStream(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (broken_) return;
  broken_ = true;
  broken_reason_ = reason;
  changed_.notify_all();
}

void Outbox::AdvanceLocked() {
  while (acked_prefix_ < batches_.size() && batches_[acked_prefix_].acked) ++acked_prefix_;
  if (!options_.checkpointed && acked_prefix_ > 0) RetireLocked(batches_[acked_prefix_ - 1].seq);
}

void Outbox::RetireLocked(uint64_t through) {
  while (acked_prefix_ > 0 && batches_.front().seq <= through) {
    buffered_ -= batches_.front().cost;
    batches_.pop_front();
    --acked_prefix_;
  }
  changed_.notify_all();
}

bool Outbox::WaitCheckpoint(const Position& written, Clock::time_point not_before, Position* next,
                            uint64_t* through) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_until(lock, not_before, [&] { return checkpoints_stopped_; });
  for (;;) {
    if (checkpoints_stopped_) return false;
    *next = ResumePositionLocked(through);
    if (!(*next == written) || *through != 0) return true;
    changed_.wait(lock);
  }
}

void Outbox::Retire(uint64_t through) {
  std::lock_guard<std::mutex> lock(mu_);
  RetireLocked(through);
}

void Outbox::StopCheckpoints() {
  std::lock_guard<std::mutex> lock(mu_);
  checkpoints_stopped_ = true;
  changed_.notify_all();
}

Position Outbox::ResumePositionLocked(uint64_t* through) const {
  if (through != nullptr) *through = acked_prefix_ > 0 ? batches_[acked_prefix_ - 1].seq : 0;
  if (acked_prefix_ < batches_.size()) return batches_[acked_prefix_].start;
  if (open_.lines > 0) return open_.start;
  return input_position_;
}

Position Outbox::ResumePosition(uint64_t* through) const {
  std::lock_guard<std::mutex> lock(mu_);
  return ResumePositionLocked(through);
}

void Outbox::Abort() {
  std::lock_guard<std::mutex> lock(mu_);
  aborted_ = true;
  stop_waiting_ = true;
  changed_.notify_all();
}

bool Outbox::input_closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return input_closed_;
}

bool Outbox::Drained() const {
  std::lock_guard<std::mutex> lock(mu_);
  return input_closed_ && batches_.empty() && open_.lines == 0;
}

std::optional<Status> Outbox::fatal() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fatal_;
}

void Outbox::SetFatal(Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!fatal_) fatal_ = std::move(status);
  changed_.notify_all();
}

std::optional<Outbox::Clock::time_point> Outbox::OldestUnacked() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<Clock::time_point> oldest;
  const size_t window = std::min(batches_.size(), static_cast<size_t>(options_.inflight));
  for (size_t i = acked_prefix_; i < window; ++i) {
    const Batch& b = batches_[i];
    if (b.acked || b.sent_stream != stream_) continue;
    if (!oldest || b.sent_at < *oldest) oldest = b.sent_at;
  }
  return oldest;
}

Outbox::Stats Outbox::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.lines_unacked = open_.lines;
  for (const Batch& b : batches_) {
    if (!b.acked) s.lines_unacked += b.lines;
  }
  return s;
}

}  // namespace logscribe::cat
