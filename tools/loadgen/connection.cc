#include "connection.h"

#include <algorithm>

namespace logscribe::loadgen {
namespace {

std::chrono::system_clock::time_point ToSystem(std::chrono::steady_clock::time_point t) {
  const auto now = std::chrono::steady_clock::now();
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(t - now);
}

std::chrono::steady_clock::duration OpenLoopPeriod(const LoadgenOptions& o) {
  if (o.rate <= 0) return {};
  const double per_connection = o.rate / o.connections;  // lines/s
  const double seconds = o.lines_per_batch() / per_connection;
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(seconds));
}

}  // namespace

Connection::Connection(const LoadgenOptions& options, const LineCodec& codec, uint32_t index,
                       std::shared_ptr<grpc::Channel> channel, RunControl* control)
    : options_(options),
      index_(index),
      builder_(codec, index),
      control_(control),
      channel_(std::move(channel)),
      stub_(logscribe::v1::LogScribe::NewStub(channel_)),
      lines_per_batch_(static_cast<uint32_t>(options.lines_per_batch())),
      period_(OpenLoopPeriod(options)),
      ledger_(lines_per_batch_) {}

Connection::~Connection() { Join(); }

void Connection::Start() { thread_ = std::thread([this] { Run(); }); }

void Connection::Join() {
  if (thread_.joinable()) thread_.join();
}

void Connection::Run() {
  if (options_.mode == LoadMode::kStream) OpenStream();
  for (;;) {
    const Clock::time_point now = Clock::now();
    if (!stopping_ && control_->ShouldStop(now)) BeginStop(now);
    if (stream_ && stream_->done()) {
      stream_.reset();
      backoff_until_ = now + kBackoff;
    }
    if (options_.mode == LoadMode::kStream && !stream_ && !stopping_ && now >= backoff_until_) OpenStream();
    if (!stopping_ && now >= backoff_until_) IssueDue();
    if (stopping_) {
      if (in_flight_ == 0) {
        if (!stream_) break;
        stream_->CloseSend();
      }
      if (!cancelled_ && now >= drain_deadline_) CancelAll();
    }
    void* tag = nullptr;
    bool ok = false;
    const auto status = cq_.AsyncNext(&tag, &ok, ToSystem(NextWake(now)));
    if (status == grpc::CompletionQueue::GOT_EVENT) static_cast<Tag*>(tag)->Proceed(ok);
  }
  finished_at_ = Clock::now();
  cq_.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq_.Next(&tag, &ok)) {
  }
  finished_.store(true, std::memory_order_release);
}

bool Connection::CanIssue() const {
  if (in_flight_ >= options_.concurrency) return false;
  if (options_.mode == LoadMode::kStream) return stream_ != nullptr && stream_->accepting();
  return true;
}

void Connection::IssueDue() {
  while (CanIssue()) {
    const Clock::time_point now = Clock::now();
    Clock::time_point intended = now;
    if (period_ != Clock::duration::zero()) {
      intended = control_->start() + period_ * static_cast<int64_t>(scheduled_);
      if (intended > now) return;
    }
    const uint32_t lines = control_->ClaimLines(lines_per_batch_);
    if (lines == 0) {
      BeginStop(now);
      return;
    }
    ++scheduled_;
    OutstandingBatch batch;
    batch.seq = ledger_.Add(lines);
    batch.lines = lines;
    batch.intended = intended;
    Issue(batch);
  }
}

void Connection::Issue(OutstandingBatch batch) {
  ++in_flight_;
  stats_.batches_in_flight.fetch_add(1, std::memory_order_relaxed);
  stats_.lines_sent.fetch_add(batch.lines, std::memory_order_relaxed);
  if (options_.mode == LoadMode::kStream) {
    stream_->Send(batch);
    return;
  }
  UnaryCall* call = nullptr;
  if (idle_calls_.empty()) {
    calls_.push_back(std::make_unique<UnaryCall>(this, options_.mode));
    call = calls_.back().get();
  } else {
    call = idle_calls_.back();
    idle_calls_.pop_back();
  }
  call->Start(batch, stub_.get(), &cq_, builder_);
}

void Connection::Complete(const OutstandingBatch& batch, int kind) {
  --in_flight_;
  stats_.batches_in_flight.fetch_sub(1, std::memory_order_relaxed);
  if (kind == kErrorOk) {
    ledger_.MarkAcked(batch.seq);
    stats_.lines_acked.fetch_add(batch.lines, std::memory_order_relaxed);
    stats_.bytes_acked.fetch_add(batch.bytes, std::memory_order_relaxed);
    const auto latency = Clock::now() - batch.intended;
    stats_.latency_us.Record(static_cast<uint64_t>(
        std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(latency).count())));
  } else {
    stats_.lines_failed.fetch_add(batch.lines, std::memory_order_relaxed);
    CountError(kind);
    if (kind == grpc::StatusCode::UNAVAILABLE) backoff_until_ = Clock::now() + kBackoff;
  }
}

void Connection::BeginStop(Clock::time_point now) {
  stopping_ = true;
  drain_deadline_ = now + options_.drain_timeout;
}

void Connection::CancelAll() {
  cancelled_ = true;
  for (const auto& call : calls_) call->Cancel();
  if (stream_) stream_->Cancel();
}

void Connection::OpenStream() {
  stream_ = std::make_unique<StreamCall>(this, builder_);
  stream_->Start(stub_.get(), &cq_);
}

Connection::Clock::time_point Connection::NextWake(Clock::time_point now) const {
  Clock::time_point wake = now + kTick;
  if (backoff_until_ > now) return std::min(wake, backoff_until_);
  if (!stopping_ && period_ != Clock::duration::zero() && CanIssue()) {
    wake = std::min(wake, control_->start() + period_ * static_cast<int64_t>(scheduled_));
  }
  return wake;
}

}  // namespace logscribe::loadgen
