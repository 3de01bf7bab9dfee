#include "writer_thread.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <mutex>

#include <pthread.h>

namespace logscribe {
namespace {

constexpr size_t kMaxChunksPerRound = 1024;
constexpr auto kIdleWait = std::chrono::milliseconds(50);

std::mutex console_mu;  // one writer's echo is not interleaved with another's

// A writer holds at least one descriptor, or it could never write.
WriterOptions AtLeastOneOpenFile(WriterOptions options) {
  options.max_open_files = std::max<size_t>(1, options.max_open_files);
  return options;
}

}  // namespace

WriterThread::WriterThread(const LogRoot* root, std::unique_ptr<FileWriter> writer,
                           WriterOptions options, WriterCounters* counters, ArchiveThread* archive)
    : root_(root), writer_(std::move(writer)), options_(AtLeastOneOpenFile(options)),
      counters_(counters), archive_(archive) {}

WriterThread::~WriterThread() { Stop(); }

void WriterThread::Start() {
  options_.clock->AddWaiter(this);
  thread_ = std::thread([this] {
    // Named so top, perf and gdb tell writers from gRPC's threads.
    pthread_setname_np(pthread_self(), "ls-writer");
    Run();
  });
}

void WriterThread::Stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true, std::memory_order_release);
  inbox_.enqueue(nullptr);
  thread_.join();
  options_.clock->RemoveWaiter(this);
}

void WriterThread::Run() {
  std::vector<FileChunk*> batch(kMaxChunksPerRound);
  std::vector<FileChunk*> round;
  for (;;) {
    round.clear();
    // Chunks held back by the open-file cap go first: they are older.
    round.swap(deferred_);
    const size_t room = kMaxChunksPerRound - std::min(round.size(), kMaxChunksPerRound);
    size_t n = 0;
    if (room > 0) {
      n = round.empty() ? inbox_.wait_dequeue_bulk_timed(batch.begin(), room, kIdleWait)
                        : inbox_.try_dequeue_bulk(batch.begin(), room);
    }
    for (size_t i = 0; i < n; ++i) {
      if (batch[i] != nullptr) round.push_back(batch[i]);
    }
    if (options_.rotate_every.count() > 0) RotateIdle();
    if (round.empty()) {
      if (stopping_.load(std::memory_order_acquire) && inbox_.size_approx() == 0) break;
      continue;
    }
    Round(round);
  }
  for (auto& [key, file] : files_) file->Close();
  files_.clear();
  counters_->open_files.fetch_sub(static_cast<int64_t>(lru_.size()), std::memory_order_relaxed);
  lru_.clear();
}

void WriterThread::Round(std::vector<FileChunk*>& chunks) {
  Group(chunks);
  if (options_.write_delay.count() > 0) std::this_thread::sleep_for(options_.write_delay);
  round_now_ = options_.clock->Now();
  for (size_t i = 0; i < touched_.size();) {
    if (OpenTouched(touched_[i])) {
      Plan(touched_[i]);
      ++i;
    } else {
      // Its chunks were failed and freed; drop it from the round and memory.
      LogFile* file = touched_[i];
      touched_[i] = touched_.back();
      touched_.pop_back();
      files_.erase(files_.find(std::string_view(file->key())));
    }
  }
  Execute();
  if (options_.sync) SyncTouched();
  CompleteTouched();
  if (options_.appended != nullptr) options_.appended->Bump();
}

// Sorts the round's chunks into their files. At most max_open_files distinct
// files take part in a round; chunks of any further file wait for the next one
// (with every later chunk of that file, so its order holds).
void WriterThread::Group(std::vector<FileChunk*>& chunks) {
  touched_.clear();
  for (FileChunk* chunk : chunks) {
    auto it = files_.find(std::string_view(chunk->key));
    LogFile* file;
    if (it == files_.end()) {
      if (touched_.size() >= options_.max_open_files) {
        deferred_.push_back(chunk);
        continue;
      }
      auto fresh = std::make_unique<LogFile>(chunk->key, root_, options_.clock);
      file = fresh.get();
      files_.emplace(chunk->key, std::move(fresh));
    } else {
      file = it->second.get();
    }
    if (file->deferred) {
      deferred_.push_back(chunk);
      continue;
    }
    if (file->chunks.empty()) {
      if (touched_.size() >= options_.max_open_files) {
        file->deferred = true;
        deferred_.push_back(chunk);
        continue;
      }
      touched_.push_back(file);
    }
    file->chunks.push_back(chunk);
  }
  for (FileChunk* chunk : deferred_) {
    auto it = files_.find(std::string_view(chunk->key));
    if (it != files_.end()) it->second->deferred = false;
  }
}

// Makes sure the file is open, closing the least recently used untouched file
// when the cap is reached. On failure completes the file's chunks with the error.
bool WriterThread::OpenTouched(LogFile* file) {
  if (file->is_open() && file->CloseIfUnlinked()) {
    // Deleted or replaced behind the scribe: the round goes to the name afresh.
    counters_->files_unlinked.fetch_add(1, std::memory_order_relaxed);
    std::fprintf(stderr, "logscribe: %s.log was deleted or replaced while open; writing to it afresh\n",
                 file->key().c_str());
    lru_.erase(file->lru_pos);
    file->in_lru = false;
    counters_->open_files.fetch_sub(1, std::memory_order_relaxed);
  }
  if (file->is_open()) {
    lru_.splice(lru_.begin(), lru_, file->lru_pos);
    return true;
  }
  while (lru_.size() >= options_.max_open_files) {
    // touched_ holds at most max_open_files files, this one closed, so an
    // untouched open file exists.
    auto victim = std::prev(lru_.end());
    while (!(*victim)->chunks.empty() && victim != lru_.begin()) --victim;
    LogFile* evicted = *victim;
    lru_.erase(victim);
    counters_->open_files.fetch_sub(1, std::memory_order_relaxed);
    evicted->in_lru = false;
    files_.erase(files_.find(std::string_view(evicted->key())));
  }
  Status s = file->Open();
  if (!s.ok()) {
    counters_->CountWriteError(WriteOpKind::kOpen, s.code());
    FailFile(file, 0, std::move(s));
    CompleteFile(file);
    return false;
  }
  counters_->files_opened.fetch_add(1, std::memory_order_relaxed);
  counters_->open_files.fetch_add(1, std::memory_order_relaxed);
  lru_.push_front(file);
  file->lru_pos = lru_.begin();
  file->in_lru = true;
  return true;
}

// Splits the file's chunks into appends: a new segment starts where rotation
// must happen (before the first line that would pass -size, never on an empty
// file), when a segment reaches -batch-bytes, or when it runs out of iovecs.
void WriterThread::Plan(LogFile* file) {
  const uint64_t limit = options_.rotate_bytes;
  uint64_t planned = file->size();
  file->segment_count = 0;
  file->failed_at = SIZE_MAX;
  file->chunk_last_segment.clear();

  auto new_segment = [&](bool rotate) {
    if (file->segments.size() <= file->segment_count) file->segments.emplace_back();
    LogFile::Segment& seg = file->segments[file->segment_count++];
    seg.rotate_before = rotate;
    seg.by_time = false;
    seg.iov.clear();
    seg.bytes = 0;
  };
  auto add = [&](const char* data, uint64_t len) {
    if (len == 0) return;
    LogFile::Segment* seg = &file->segments[file->segment_count - 1];
    if (seg->iov.size() >= static_cast<size_t>(kMaxIov) ||
        (seg->bytes > 0 && seg->bytes + len > options_.batch_bytes)) {
      new_segment(false);
      seg = &file->segments[file->segment_count - 1];
    }
    seg->iov.push_back({const_cast<char*>(data), len});
    seg->bytes += len;
  };

  new_segment(false);
  if (DueByTime(file, round_now_)) {
    file->segments[0].rotate_before = true;
    file->segments[0].by_time = true;
    planned = 0;
  }
  for (FileChunk* chunk : file->chunks) {
    const uint64_t size = chunk->data.size();
    if (limit == kUnlimitedSize || planned + size <= limit) {
      add(chunk->data.data(), size);
      planned += size;
    } else {
      uint32_t run_start = 0;
      uint32_t prev = 0;
      for (uint32_t end : chunk->line_ends) {
        const uint64_t len = end - prev;
        if (planned > 0 && planned + len > limit) {
          add(chunk->data.data() + run_start, prev - run_start);
          new_segment(true);
          planned = 0;
          run_start = prev;
        }
        planned += len;
        prev = end;
      }
      add(chunk->data.data() + run_start, prev - run_start);
    }
    file->chunk_last_segment.push_back(static_cast<uint32_t>(file->segment_count - 1));
  }
}

// Runs the planned segments phase by phase: phase k appends segment k of every
// file in one FileWriter call (one io_uring submission), so the writes of one
// file are never in flight together and rotation happens between phases.
void WriterThread::Execute() {
  size_t phases = 0;
  for (LogFile* file : touched_) phases = std::max(phases, file->segment_count);
  for (size_t k = 0; k < phases; ++k) {
    ops_.clear();
    op_files_.clear();
    for (LogFile* file : touched_) {
      if (k >= file->segment_count || file->failed_at != SIZE_MAX) continue;
      LogFile::Segment& seg = file->segments[k];
      if (seg.rotate_before && file->size() > 0) {
        if (options_.sync && file->fd() >= 0) {
          int fd = file->fd();
          int err = 0;
          writer_->Sync({&fd, 1}, {&err, 1});
          if (err != 0) {
            Status s = Status::FromErrno(err, "fdatasync of " + file->key() + ".log");
            counters_->CountWriteError(WriteOpKind::kSync, s.code());
            FailFile(file, 0, std::move(s));
            continue;
          }
        }
        if (Status s = file->Rotate(round_now_); !s.ok()) {
          counters_->CountWriteError(WriteOpKind::kRotate, s.code());
          FailFile(file, k, std::move(s));
          continue;  // a file left closed is forgotten in CompleteTouched()
        }
        Rotated(file, seg.by_time ? RotateReason::kTime : RotateReason::kSize);
      }
      if (seg.bytes == 0) continue;
      WriteOp op;
      op.fd = file->fd();
      op.iov = seg.iov.data();
      op.iovcnt = static_cast<int>(seg.iov.size());
      op.bytes = seg.bytes;
      ops_.push_back(op);
      op_files_.push_back(file);
    }
    if (ops_.empty()) continue;
    writer_->Append(ops_);
    for (size_t i = 0; i < ops_.size(); ++i) {
      LogFile* file = op_files_[i];
      const WriteOp& op = ops_[i];
      if (op.error == 0) {
        file->AddSize(op.bytes);
        counters_->bytes_written.fetch_add(op.bytes, std::memory_order_relaxed);
        counters_->appends.fetch_add(1, std::memory_order_relaxed);
        counters_->append_bytes.Record(op.bytes);
        if (options_.console) Echo(file->segments[k]);
      } else {
        // Take back a partial append so no torn line stays in the file.
        if (op.written > 0) file->TruncateTo(file->size());
        Status s = Status::FromErrno(op.error, "write to " + file->key() + ".log");
        counters_->CountWriteError(WriteOpKind::kWrite, s.code());
        FailFile(file, k, std::move(s));
      }
    }
  }
}

bool WriterThread::DueByTime(const LogFile* file, std::chrono::system_clock::time_point now) const {
  return options_.rotate_every.count() > 0 && file->size() > 0 &&
         now - file->born() >= options_.rotate_every;
}

// -rotate-every for open files that get no lines: checked between rounds, at
// most every min(1s, period/2), so quiet logs also rotate (and reach
// compression and retention). Their lines were synced in their own rounds
// (-ack fsync), so nothing is synced here.
void WriterThread::RotateIdle() {
  const auto steady = options_.clock->SteadyNow();
  if (steady < next_idle_check_) return;
  next_idle_check_ = steady + std::clamp<std::chrono::nanoseconds>(
                                  options_.rotate_every / 2, std::chrono::milliseconds(50),
                                  std::chrono::seconds(1));
  const auto now = options_.clock->Now();
  std::vector<LogFile*> closed;
  for (LogFile* file : lru_) {
    if (!file->chunks.empty() || !DueByTime(file, now)) continue;
    if (Status s = file->Rotate(now); !s.ok()) {
      counters_->CountWriteError(WriteOpKind::kRotate, s.code());
      if (!file->is_open()) closed.push_back(file);
      continue;
    }
    Rotated(file, RotateReason::kTime);
  }
  for (LogFile* file : closed) {
    lru_.erase(file->lru_pos);
    counters_->open_files.fetch_sub(1, std::memory_order_relaxed);
    files_.erase(files_.find(std::string_view(file->key())));
  }
}

void WriterThread::Rotated(LogFile* file, RotateReason reason) {
  counters_->CountRotation(reason);
  if (archive_ != nullptr) archive_->Enqueue(file->key());
}

void WriterThread::SyncTouched() {
  std::vector<int> fds;
  std::vector<LogFile*> files;
  for (LogFile* file : touched_) {
    if (file->failed_at == 0 || file->fd() < 0) continue;
    fds.push_back(file->fd());
    files.push_back(file);
  }
  if (fds.empty()) return;
  std::vector<int> errors(fds.size());
  writer_->Sync(fds, errors);
  for (size_t i = 0; i < files.size(); ++i) {
    if (errors[i] != 0) {
      Status s = Status::FromErrno(errors[i], "fdatasync of " + files[i]->key() + ".log");
      counters_->CountWriteError(WriteOpKind::kSync, s.code());
      FailFile(files[i], 0, std::move(s));
    }
  }
}

void WriterThread::FailFile(LogFile* file, size_t segment, Status status) {
  if (segment < file->failed_at) {
    file->failed_at = segment;
    file->error = std::move(status);
  }
}

// Tells every chunk of the round its fate and frees it; forgets files that
// ended the round closed (a failed rotation).
void WriterThread::CompleteTouched() {
  for (LogFile* file : touched_) {
    CompleteFile(file);
    if (!file->is_open()) {
      if (file->in_lru) {
        lru_.erase(file->lru_pos);
        counters_->open_files.fetch_sub(1, std::memory_order_relaxed);
      }
      files_.erase(files_.find(std::string_view(file->key())));
    }
  }
  touched_.clear();
}

// A chunk is written when every segment holding its bytes was: its last
// segment precedes the first failed one. The counters are settled before any
// completion runs, so a client that sends again on its ack finds its bytes
// already released from -queue-bytes and its lines counted.
void WriterThread::CompleteFile(LogFile* file) {
  uint64_t lines = 0;
  uint64_t bytes = 0;
  const size_t n = file->chunks.size();
  auto written = [file](size_t i) {
    const size_t last = i < file->chunk_last_segment.size() ? file->chunk_last_segment[i] : 0;
    return file->failed_at == SIZE_MAX || last < file->failed_at;
  };
  for (size_t i = 0; i < n; ++i) {
    if (written(i)) lines += file->chunks[i]->line_ends.size();
    bytes += file->chunks[i]->data.size();
  }
  counters_->lines_written.fetch_add(lines, std::memory_order_relaxed);
  counters_->queued_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    FileChunk* chunk = file->chunks[i];
    if (chunk->completion != nullptr) {
      chunk->completion->PartDone(written(i) ? Status::Ok() : file->error);
    }
    delete chunk;
  }
  // Last, with release: once Drain() (acquire) sees no queued chunks, every
  // completed chunk was told and freed.
  counters_->queued_chunks.fetch_sub(n, std::memory_order_release);
  file->chunks.clear();
  file->chunk_last_segment.clear();
  file->failed_at = SIZE_MAX;
  file->error = Status::Ok();
}

void WriterThread::Echo(const LogFile::Segment& segment) {
  std::lock_guard<std::mutex> lock(console_mu);
  for (const struct iovec& v : segment.iov) std::fwrite(v.iov_base, 1, v.iov_len, stdout);
  std::fflush(stdout);
}

}  // namespace logscribe
