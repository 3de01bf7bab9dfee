#include "read_call.h"

#include "file_key.h"
#include "grpc_status.h"
#include "log_listing.h"

namespace logscribe {
namespace {

std::string EncodePosition(const std::string& key, const CursorPosition& p) {
  logscribe::v1::ReadPosition pos;
  pos.set_seq(p.seq);
  pos.set_live(p.live);
  pos.set_offset(p.offset);
  pos.set_key(key);
  return pos.SerializeAsString();
}

}  // namespace

void ReadCall::Post(CqContext* ctx, ReadService* reads) {
  auto* call = new ReadCall(ctx, reads);
  call->server_ctx_.AsyncNotifyWhenDone(&call->done_tag_);
  reads->service()->RequestRead(&call->server_ctx_, &call->request_, &call->writer_, ctx->cq.get(),
                                ctx->cq.get(), &call->request_tag_);
}

void ReadCall::OnRequest(bool ok) {
  if (!ok) {
    // The done tag never fires for a call that never started.
    delete this;
    return;
  }
  if (!ctx_->shared->shutting_down.load(std::memory_order_relaxed)) Post(ctx_, reads_);
  ReadCounters& c = reads_->counters();
  Status s = CheckReadAllowed(server_ctx_, ctx_->shared->rights);
  if (s.ok()) {
    if (c.readers_live.fetch_add(1, std::memory_order_relaxed) >= reads_->options().max_readers) {
      c.readers_live.fetch_sub(1, std::memory_order_relaxed);
      c.reads_refused.fetch_add(1, std::memory_order_relaxed);
      s = Status::ResourceExhausted("too many reads at once (-max-readers " +
                                    std::to_string(reads_->options().max_readers) + ")");
    } else {
      counted_ = true;
    }
  }
  if (!s.ok()) {
    Finish(s);
    return;
  }
  reads_->Submit(this);
}

Status ReadCall::OpenLog(const std::string& key, const CursorPosition* at) {
  cursor_ = std::make_unique<LogCursor>(reads_->root(), key, cursor_options_);
  Status s = cursor_->Start(at);
  if (!s.ok()) return s;
  skip_lines_ = 0;
  if (request_.tail_lines() > 0 && at == nullptr) {
    // Two passes, so memory stays bounded: count the matching lines up to
    // now, then send the last N of them.
    LogCursor counter(reads_->root(), key, cursor_options_);
    if (s = counter.Start(nullptr); !s.ok()) return s;
    uint64_t count = 0;
    for (bool end = false; !end;) {
      if (cancelled_.load(std::memory_order_relaxed)) return Status(StatusCode::kCancelled, "cancelled");
      s = counter.Next(SIZE_MAX, 0, [&](std::string_view) { ++count; return false; }, &end);
      if (!s.ok()) return s;
    }
    if (!request_.follow()) cursor_->SetStop(counter.position());
    skip_lines_ = count > request_.tail_lines() ? count - request_.tail_lines() : 0;
  }
  return Status::Ok();
}

Status ReadCall::Setup() {
  set_up_ = true;
  std::string key;
  if (Status s = ValidateFileKey(request_.path(), request_.filename().empty() ? "x" : request_.filename(), &key);
      !s.ok()) {
    return s;
  }
  if (Status s = filter_.Compile(request_.grep()); !s.ok()) return s;
  cursor_options_.filter = request_.grep().empty() ? nullptr : &filter_;
  cursor_options_.since_ns = request_.since_unix_nanos();
  cursor_options_.until_ns = request_.until_unix_nanos();
  cursor_options_.buffer_bytes = reads_->options().buffer_bytes / 2;
  CursorPosition at;
  std::string at_key;
  bool has_at = false;
  if (!request_.position().empty()) {
    logscribe::v1::ReadPosition pos;
    if (!pos.ParseFromString(request_.position()) || pos.seq() == 0) {
      return Status::InvalidArgument("position: not one this service gave");
    }
    at = {pos.seq(), pos.live(), pos.offset()};
    at_key = pos.key();
    has_at = true;
  }
  if (!request_.filename().empty()) {
    if (has_at && at_key != key) return Status::InvalidArgument("position: of another log");
    keys_.push_back(key);
  } else {
    if (request_.follow()) return Status::InvalidArgument("follow: reads one log (give a filename)");
    std::vector<LogState> logs;
    bool truncated = false;
    const std::string dir(KeyDir(key));
    Status s = ListLogs(*reads_->root(), dir, "", reads_->options().max_listed, &logs, &truncated);
    if (!s.ok()) return s;
    for (const LogState& st : logs) {
      if (has_at && st.key < at_key) continue;
      if (!st.pieces.empty() || st.live) keys_.push_back(st.key);
    }
  }
  if (keys_.empty()) return Status(StatusCode::kNotFound, "no log " + key);
  const bool resume_first = has_at && keys_.front() == at_key;
  return OpenLog(keys_.front(), resume_first ? &at : nullptr);
}

Status ReadCall::Produce() {
  chunk_.Clear();
  if (!set_up_) {
    if (Status s = Setup(); !s.ok()) return s;
  }
  const uint64_t max_lines = request_.max_lines();
  const uint64_t max_bytes = request_.max_bytes();
  const size_t chunk_bytes = std::max<size_t>(4096, reads_->options().buffer_bytes / 4);
  for (;;) {
    if (cancelled_.load(std::memory_order_relaxed)) {
      produced_ = Produced::kDone;
      return Status(StatusCode::kCancelled, "cancelled");
    }
    if ((max_lines != 0 && lines_sent_ >= max_lines) || (max_bytes != 0 && bytes_sent_ >= max_bytes)) {
      produced_ = chunk_.lines_size() > 0 ? Produced::kChunk : Produced::kDone;
      return Status::Ok();
    }
    uint64_t line_room = max_lines != 0 ? max_lines - lines_sent_ : 0;
    size_t byte_room = chunk_bytes;
    bool end = false;
    Status s = cursor_->Next(byte_room, line_room, [&](std::string_view line) {
      if (skip_lines_ > 0) {
        --skip_lines_;
        return false;
      }
      if (max_bytes != 0 && bytes_sent_ + line.size() > max_bytes && lines_sent_ > 0) {
        bytes_sent_ = max_bytes;  // a line is never cut: stop before it
        return false;
      }
      chunk_.add_lines(line.data(), line.size());
      ++lines_sent_;
      bytes_sent_ += line.size();
      return true;
    }, &end);
    if (!s.ok()) return s;
    const uint64_t gap = cursor_->TakeGap();
    chunk_.set_gap_pieces(chunk_.gap_pieces() + gap);
    if (chunk_.lines_size() > 0 || (gap > 0 && end)) {
      chunk_.set_path(std::string(KeyDir(cursor_->key())));
      chunk_.set_filename(std::string(KeyFilename(cursor_->key())));
      chunk_.set_position(EncodePosition(cursor_->key(), cursor_->position()));
      produced_ = Produced::kChunk;
      return Status::Ok();
    }
    if (!end) continue;
    if (request_.follow()) {
      produced_ = Produced::kWait;
      return Status::Ok();
    }
    if (++key_index_ >= keys_.size()) {
      produced_ = Produced::kDone;
      return Status::Ok();
    }
    s = OpenLog(keys_[key_index_], nullptr);
    if (s.code() == StatusCode::kNotFound) continue;
    if (!s.ok()) return s;
  }
}

void ReadCall::Run() {
  generation_ = reads_->appended()->generation();  // before reading: no append is missed
  status_ = Produce();
  if (!status_.ok()) produced_ = Produced::kDone;
  if (produced_ == Produced::kWait) {
    reads_->Park(this, generation_);
    return;
  }
  ctx_->acks.Push(this);
}

void ReadCall::Deliver() {
  if (!status_.ok() || produced_ == Produced::kDone || cancelled_.load(std::memory_order_relaxed)) {
    Finish(status_);
    return;
  }
  ReadCounters& c = reads_->counters();
  c.lines_read.fetch_add(chunk_.lines_size(), std::memory_order_relaxed);
  uint64_t bytes = 0;
  for (const auto& l : chunk_.lines()) bytes += l.size();
  c.bytes_read.fetch_add(bytes, std::memory_order_relaxed);
  if (request_.follow() && !follower_counted_) {
    follower_counted_ = true;
    c.followers_live.fetch_add(1, std::memory_order_relaxed);
  }
  write_pending_ = true;
  write_started_ = std::chrono::system_clock::now();
  writer_.Write(chunk_, &write_tag_);
  // One alarm at a time (grpc::Alarm): a pending one re-arms itself for the
  // write under way when it fires.
  if (!alarm_pending_) {
    alarm_pending_ = true;
    alarm_.Set(ctx_->cq.get(), write_started_ + reads_->options().stall_timeout, &alarm_tag_);
  }
}

void ReadCall::OnWrite(bool ok) {
  write_pending_ = false;
  if (!ok || cut_off_) {
    Finish(cut_off_ ? Status::ResourceExhausted("reader fell behind; resume from the last position")
                    : Status(StatusCode::kCancelled, "the client went away"));
    return;
  }
  reads_->Submit(this);
}

void ReadCall::OnAlarm(bool ok) {
  alarm_pending_ = false;
  if (ok && write_pending_ && !cut_off_ && !finishing_) {
    const auto due = write_started_ + reads_->options().stall_timeout;
    if (std::chrono::system_clock::now() >= due) {
      // The client took nothing for -read-stall-timeout: end it rather than buffer.
      cut_off_ = true;
      reads_->counters().readers_cut_off.fetch_add(1, std::memory_order_relaxed);
      server_ctx_.TryCancel();
    } else {
      alarm_pending_ = true;
      alarm_.Set(ctx_->cq.get(), due, &alarm_tag_);
    }
  }
  MaybeDelete();
}

void ReadCall::Finish(const Status& s) {
  if (finishing_) return;
  finishing_ = true;
  if (counted_) {
    ReadCounters& c = reads_->counters();
    (s.ok() ? c.reads_ok : c.reads_failed).fetch_add(1, std::memory_order_relaxed);
  }
  writer_.Finish(ToGrpcStatus(s), &finish_tag_);
}

void ReadCall::OnFinish(bool /*ok*/) {
  finished_ = true;
  MaybeDelete();
}

void ReadCall::OnDone(bool /*ok*/) {
  done_ = true;
  if (server_ctx_.IsCancelled()) cancelled_.store(true, std::memory_order_relaxed);
  MaybeDelete();
}

void ReadCall::MaybeDelete() {
  if (!finished_ || !done_ || write_pending_) return;
  if (alarm_pending_) {
    if (!alarm_cancelled_) {
      alarm_cancelled_ = true;
      alarm_.Cancel();  // its tag comes back at once, with ok == false
    }
    return;
  }
  ReadCounters& c = reads_->counters();
  if (counted_) c.readers_live.fetch_sub(1, std::memory_order_relaxed);
  if (follower_counted_) c.followers_live.fetch_sub(1, std::memory_order_relaxed);
  delete this;
}

}  // namespace logscribe
