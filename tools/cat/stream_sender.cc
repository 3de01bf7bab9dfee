#include "stream_sender.h"

#include <cstdio>
#include <thread>

#include "backoff.h"

namespace logscribe::cat {
namespace {

namespace v1 = logscribe::v1;

constexpr std::chrono::seconds kQuietPeriod(10);
constexpr std::chrono::seconds kHealthyStream(1);

bool Permanent(grpc::StatusCode code) {
  return code == grpc::StatusCode::INVALID_ARGUMENT || code == grpc::StatusCode::UNIMPLEMENTED ||
         code == grpc::StatusCode::UNAUTHENTICATED || code == grpc::StatusCode::PERMISSION_DENIED;
}

std::string Describe(const grpc::Status& s) {
  return std::string(StatusCodeName(static_cast<StatusCode>(s.error_code()))) + ": " + s.error_message();
}

}  // namespace

void StreamSender::CancelStream() {
  std::lock_guard<std::mutex> lock(mu_);
  if (context_ != nullptr) context_->TryCancel();
}

std::optional<std::chrono::steady_clock::time_point> StreamSender::OpeningSince() {
  std::lock_guard<std::mutex> lock(mu_);
  return opening_since_;
}

void StreamSender::AnnounceUp() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!ever_up_) {
    std::fprintf(stderr, "logscribe-cat: streaming to %s\n", options_.target.c_str());
  } else if (down_ && down_announced_) {
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - down_since_).count();
    std::fprintf(stderr, "logscribe-cat: streaming to %s again after %.1fs (%d failed attempt%s)\n",
                 options_.target.c_str(), secs, attempts_, attempts_ == 1 ? "" : "s");
  }
  ever_up_ = true;
  down_ = false;
  attempts_ = 0;
}

void StreamSender::AnnounceDown(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++attempts_;
  if (down_) return;
  down_ = true;
  const auto now = std::chrono::steady_clock::now();
  down_since_ = now;
  // A target that keeps failing and recovering gets one line per kQuietPeriod.
  down_announced_ = last_announced_ == std::chrono::steady_clock::time_point() ||
                    now - last_announced_ >= kQuietPeriod;
  if (!down_announced_) return;
  last_announced_ = now;
  const uint64_t unacked = outbox_->stats().lines_unacked;
  std::fprintf(stderr, "logscribe-cat: %s %s: %s; %llu line%s unacknowledged; retrying with backoff\n",
               ever_up_ ? "lost the stream to" : "cannot stream to", options_.target.c_str(), reason.c_str(),
               static_cast<unsigned long long>(unacked), unacked == 1 ? "" : "s");
}

bool StreamSender::RunStream(uint64_t stream, grpc::Status* status) {
  grpc::ClientContext context;
  {
    std::lock_guard<std::mutex> lock(mu_);
    context_ = &context;
    opening_since_ = std::chrono::steady_clock::now();
  }
  std::unique_ptr<v1::LogScribe::Stub> stub = v1::LogScribe::NewStub(channels_());
  std::unique_ptr<grpc::ClientReaderWriterInterface<v1::LogBatch, v1::LogAck>> rw = stub->LogStream(&context);
  {
    std::lock_guard<std::mutex> lock(mu_);
    opening_since_.reset();
  }
  std::thread reader([&] {
    v1::LogAck ack;
    while (rw->Read(&ack)) {
      if (outbox_->OnAck(stream, ack)) AnnounceUp();
      if (!outbox_->BrokenReason().empty() || outbox_->fatal()) {
        // A refused batch: stop writing on this stream at once.
        context.TryCancel();
      }
    }
    outbox_->OnStreamEnded(stream, "");
  });
  bool clean = false;
  for (;;) {
    std::shared_ptr<const v1::LogBatch> batch;
    const Outbox::Next next = outbox_->WaitNext(stream, &batch);
    if (next == Outbox::Next::kSend) {
      if (!rw->Write(*batch)) outbox_->OnStreamEnded(stream, "");
      continue;
    }
    if (next == Outbox::Next::kDone) {
      rw->WritesDone();
      clean = true;
    }
    break;
  }
  if (!clean) context.TryCancel();
  reader.join();
  *status = rw->Finish();
  {
    std::lock_guard<std::mutex> lock(mu_);
    context_ = nullptr;
  }
  return clean && status->ok();
}

void StreamSender::Run() {
  Backoff backoff(options_.backoff_min, options_.backoff_max);
  for (;;) {
    if (outbox_->WaitForWork() != Outbox::Next::kSend) return;
    const uint64_t stream = outbox_->BeginStream();
    const auto started = std::chrono::steady_clock::now();
    grpc::Status status;
    if (RunStream(stream, &status)) {
      // Clean end: everything acknowledged. More input is impossible.
      return;
    }
    if (outbox_->fatal()) return;
    std::string reason = outbox_->BrokenReason();
    if (reason.empty()) {
      if (Permanent(status.error_code())) {
        outbox_->SetFatal(Status(static_cast<StatusCode>(status.error_code()),
                                 options_.target + " refused the stream: " + Describe(status)));
        return;
      }
      reason = status.ok() ? std::string("the stream ended") : Describe(status);
    }
    // A stream that worked for a while resets the backoff; one refused at
    // once (an overloaded target) keeps it growing.
    if (outbox_->StreamHadAck(stream) && std::chrono::steady_clock::now() - started >= kHealthyStream) {
      backoff.Reset();
    }
    // Aborted (drain timeout) is not an outage worth a line.
    if (!outbox_->SleepUnlessAborted(std::chrono::steady_clock::now())) return;
    AnnounceDown(reason);
    if (!outbox_->SleepUnlessAborted(std::chrono::steady_clock::now() + backoff.Next())) return;
  }
}

}  // namespace logscribe::cat
