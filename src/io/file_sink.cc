#include "file_sink.h"

#include <algorithm>
#include <thread>

namespace logscribe {

Status FileSink::Create(const LogRoot* root, const FileSinkOptions& options,
                        std::unique_ptr<FileSink>* out) {
  std::unique_ptr<FileSink> sink(new FileSink(options));
  const int n = std::max(1, options.writer_threads);
  WriterOptions per = options.per_writer;
  per.sync = options.ack == AckMode::kFsync;
  per.max_open_files = std::max<size_t>(1, options.max_open_files / static_cast<size_t>(n));
  per.clock = options.clock;
  if (root != nullptr && options.archive.enabled()) {
    ArchiveOptions archive = options.archive;
    archive.clock = options.clock;
    sink->archive_ = std::make_unique<ArchiveThread>(root, archive, &sink->archive_counters_);
  }
  for (int i = 0; i < n; ++i) {
    std::unique_ptr<FileWriter> writer;
    if (root == nullptr) {
      writer = MakeNullFileWriter();
    } else if (options.writer != WriterKind::kWritev) {
      std::string why;
      writer = options.writer == WriterKind::kUring ? MakeUringFileWriter(options.uring_depth, &why)
                                                     : MakeAutoFileWriter(options.uring_depth, &why);
      if (writer == nullptr) {
        if (options.writer == WriterKind::kUring) {
          return Status::FailedPrecondition("-writer uring was asked for, but " + why);
        }
        sink->fallback_reason_ = why;
      }
    }
    if (writer == nullptr) writer = MakePosixFileWriter();
    sink->writer_name_ = writer->name();
    sink->writers_.push_back(
        std::make_unique<WriterThread>(root, std::move(writer), per, &sink->counters_,
                                       sink->archive_.get()));
  }
  if (sink->archive_ != nullptr) sink->archive_->Start();
  for (auto& w : sink->writers_) w->Start();
  *out = std::move(sink);
  return Status::Ok();
}

FileSink::~FileSink() { Stop(); }

Status FileSink::Submit(std::vector<std::unique_ptr<FileChunk>> chunks, uint64_t bytes,
                        Completion* completion) {
  // Stop() waits for submitters_ to reach zero after setting stopped_, so a
  // Submit that passed this check finishes queueing before the writers stop.
  SubmitGuard guard(&submitters_);
  if (stopped_.load(std::memory_order_seq_cst)) {
    return Status::Unavailable("the scribe is shutting down");
  }
  if (Status over; archive_ != nullptr && archive_->BudgetRefusal(&over)) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return over;
  }
  if (chunks.empty()) {
    CompleteEmpty(completion);
    return Status::Ok();
  }
  admission_.Observe(bytes);
  const uint64_t before = counters_.queued_bytes.fetch_add(bytes, std::memory_order_relaxed);
  if (before + bytes > options_.max_queued_bytes) {
    counters_.queued_bytes.fetch_sub(bytes, std::memory_order_relaxed);
    refused_.fetch_add(1, std::memory_order_relaxed);
    return Status::ResourceExhausted(
        "the scribe's queue is full (" + std::to_string(before) + " bytes queued, -queue-bytes " +
        std::to_string(options_.max_queued_bytes) + "); retry later");
  }
  counters_.queued_chunks.fetch_add(chunks.size(), std::memory_order_relaxed);
  const bool ack_now = options_.ack == AckMode::kReceived;
  if (completion != nullptr && !ack_now) completion->Arm(static_cast<int>(chunks.size()));
  for (auto& chunk : chunks) {
    chunk->completion = ack_now ? nullptr : completion;
    writers_[chunk->key_hash % writers_.size()]->Enqueue(chunk.release());
  }
  if (completion != nullptr && ack_now) {
    completion->Arm(1);
    completion->PartDone(Status::Ok());
  }
  return Status::Ok();
}

Status FileSink::Admit(uint64_t* reserved) {
  *reserved = 0;
  if (stopped_.load(std::memory_order_relaxed)) return Status::Unavailable("the scribe is shutting down");
  if (Status over; archive_ != nullptr && archive_->BudgetRefusal(&over)) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return over;
  }
  uint64_t queued = 0;
  if (admission_.TryReserve(reserved, &queued)) return Status::Ok();
  refused_.fetch_add(1, std::memory_order_relaxed);
  return Status::ResourceExhausted("the scribe's queue is full (" + std::to_string(queued) +
                                   " bytes queued or being read, -queue-bytes " +
                                   std::to_string(options_.max_queued_bytes) + "); retry later");
}

void FileSink::Release(uint64_t reserved) { admission_.Release(reserved); }

Status FileSink::Reserve(uint64_t bytes) {
  uint64_t queued = 0;
  if (admission_.TryReserveBytes(bytes, &queued)) return Status::Ok();
  refused_.fetch_add(1, std::memory_order_relaxed);
  return Status::ResourceExhausted("the scribe's queue has no room for the request's inflated bytes (" +
                                   std::to_string(queued) + " bytes queued or being read, -queue-bytes " +
                                   std::to_string(options_.max_queued_bytes) + "); retry later");
}

bool FileSink::Drain(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (counters_.queued_chunks.load(std::memory_order_acquire) > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

void FileSink::Stop() {
  stopped_.store(true, std::memory_order_seq_cst);
  while (submitters_.load(std::memory_order_seq_cst) > 0) std::this_thread::yield();
  for (auto& w : writers_) w->Stop();
  // After the writers: no rotation can queue work any more.
  if (archive_ != nullptr) archive_->Stop();
}

SinkStats FileSink::Stats() const {
  SinkStats s;
  s.lines_written = counters_.lines_written.load(std::memory_order_relaxed);
  s.bytes_written = counters_.bytes_written.load(std::memory_order_relaxed);
  s.files_opened = counters_.files_opened.load(std::memory_order_relaxed);
  s.rotations = counters_.rotations.load(std::memory_order_relaxed);
  s.write_errors = counters_.write_errors.load(std::memory_order_relaxed);
  s.refused_batches = refused_.load(std::memory_order_relaxed);
  s.queued_bytes = counters_.queued_bytes.load(std::memory_order_relaxed);
  return s;
}

}  // namespace logscribe
