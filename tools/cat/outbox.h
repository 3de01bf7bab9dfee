// Outbox: the lines logscribe-cat has read and the target has not yet
// acknowledged, cut into batches; the one place where the input, the sender,
// the ack reader, the checkpoint writer and main() meet.
//
// Thread contract: thread-safe; every method takes mu_. Add() may block (the
// memory bound), as may the Wait* methods; everything else returns at once.
//
// Life of a line: Add() appends it to the open batch. The open batch is
// closed (given the next seq and queued) when it is full (-batch-lines,
// -batch-bytes), when its first line waited -flush-interval, when Add() must
// wait for memory, when the input moves to another file generation (Move()),
// or at the end of the input. Queued batches are sent in seq order, at most
// -inflight of them past the oldest one not yet retired (the window). An OK
// ack marks a batch acknowledged; an acknowledged batch is retired (its memory
// released, its window slot freed) once every batch before it is retired and,
// with a checkpoint, once a checkpoint covering it has been written. So after
// a crash at most -inflight batches are sent again.
//
// Streams: BeginStream() starts a new stream generation; every batch sent on
// an earlier one and not acknowledged becomes due again, in seq order. A
// non-OK ack (except INVALID_ARGUMENT, which is fatal), the end of the stream
// or BreakStream() mark the current stream broken: the sender tears it down.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "logscribe.pb.h"
#include "position.h"
#include "status.h"  // src/io

namespace logscribe::cat {

// Every buffered line counts its bytes plus this much for the bookkeeping
// around it (protobuf message, strings): the -max-buffer-bytes unit.
inline constexpr uint64_t kLineOverheadBytes = 64;

class Outbox {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::string path;      // LogRequest.path of every line
    std::string filename;  // LogRequest.filename of every line
    int batch_lines = 512;
    uint64_t batch_bytes = 1 << 20;
    std::chrono::nanoseconds flush_interval = std::chrono::milliseconds(200);
    uint64_t max_buffer_bytes = 64ull << 20;
    int inflight = 8;
    // Acknowledged batches retire only through Retire() (a checkpoint was
    // written); otherwise at once.
    bool checkpointed = false;
  };

  struct Stats {
    uint64_t lines_read = 0;      // lines given to Add()
    uint64_t lines_acked = 0;
    uint64_t bytes_acked = 0;     // line bytes, newlines excluded
    uint64_t batches_sent = 0;    // Write()s, resends included
    uint64_t batches_resent = 0;  // batches sent again on a later stream
    uint64_t lines_unacked = 0;   // read and not acknowledged (now)
  };

  enum class Next {
    kSend,    // *batch is to be written on the stream
    kDone,    // the input ended and every batch is retired: half-close
    kBroken,  // the stream failed: tear it down
    kAbort,   // give up now
  };

  explicit Outbox(Options options);
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // --- The input thread.
  // Adds a line that starts at `before` and ends at `after` in the input.
  // Waits while the buffer is full, unless StopWaiting() was called (then the
  // line is taken over the bound).
  void Add(std::string_view line, const Position& before, const Position& after);
  // The input moved without taking a line: a new file generation, or offset 0
  // after a truncation. Closes the open batch, so a batch never spans two.
  void Move(const Position& to);
  // The input ended (EOF, stop). Closes the open batch; Add() must not follow.
  void CloseInput();
  // Add() stops waiting for memory from now on.
  void StopWaiting();

  // --- The sender thread.
  // Waits until a batch is due, the input is done (kDone) or Abort() (kAbort);
  // returns kSend when a stream should be opened.
  Next WaitForWork();
  // A new stream: returns its generation; batches sent and not acknowledged
  // on earlier streams become due again.
  uint64_t BeginStream();
  // The next step on stream `stream`.
  Next WaitNext(uint64_t stream, std::shared_ptr<const logscribe::v1::LogBatch>* batch);
  // Sleeps until `until`; false if Abort() came first.
  bool SleepUnlessAborted(Clock::time_point until);
  // Why the current stream was marked broken ("" when it was not).
  std::string BrokenReason() const;
  // Whether `stream` got at least one OK ack.
  bool StreamHadAck(uint64_t stream) const;

  // --- The ack reader thread (and the sender after a failed Write).
  // Returns true for the first OK ack of `stream`.
  bool OnAck(uint64_t stream, const logscribe::v1::LogAck& ack);
  void OnStreamEnded(uint64_t stream, const std::string& reason);

  // --- The checkpoint thread.
  // Waits until `not_before` and until ResumePosition() differs from
  // `written` (or acknowledged batches wait to be retired); false once
  // StopCheckpoints() was called. *through: the last seq the position covers
  // (0: none).
  bool WaitCheckpoint(const Position& written, Clock::time_point not_before, Position* next,
                      uint64_t* through);
  // A checkpoint covering batches up to seq `through` is written.
  void Retire(uint64_t through);
  void StopCheckpoints();

  // --- main().
  // Where a restart should resume: the start of the first line not yet
  // acknowledged, or past everything read when all is acknowledged.
  Position ResumePosition(uint64_t* through = nullptr) const;
  // Marks the current stream broken (no ack for too long).
  void BreakStream(const std::string& reason);
  // Every Wait* returns; the sender gives up.
  void Abort();
  bool input_closed() const;
  // The input ended and every line is retired.
  bool Drained() const;
  // The first fatal refusal (INVALID_ARGUMENT ack, or SetFatal()).
  std::optional<Status> fatal() const;
  void SetFatal(Status status);
  // When the oldest batch sent on the current stream and not acknowledged
  // was sent; nullopt when there is none.
  std::optional<Clock::time_point> OldestUnacked() const;
  Stats stats() const;

 private:
  struct Batch {
    uint64_t seq = 0;
    std::shared_ptr<logscribe::v1::LogBatch> msg;
    uint64_t lines = 0;
    uint64_t bytes = 0;  // line bytes
    uint64_t cost = 0;   // toward max_buffer_bytes
    Position start;      // where its first line starts
    uint64_t sent_stream = 0;  // generation it was last written on; 0: never
    Clock::time_point sent_at;
    bool acked = false;
  };

  // REQUIRES: mu_ held.
  void CloseOpenLocked();
  void FlushIfDueLocked(Clock::time_point now);
  void AdvanceLocked();
  void RetireLocked(uint64_t through);
  Position ResumePositionLocked(uint64_t* through) const;
  bool WorkDueLocked() const;

  // Constant after construction.
  const Options options_;

  // State below is protected by mu_.
  mutable std::mutex mu_;
  std::condition_variable changed_;  // any state change; every waiter re-checks
  std::deque<Batch> batches_;        // closed, not retired, in seq order
  Batch open_;                       // lines not yet in a closed batch
  Clock::time_point open_since_;     // when open_ got its first line
  uint64_t next_seq_ = 1;
  uint64_t buffered_ = 0;            // cost of open_ and batches_
  size_t acked_prefix_ = 0;          // leading batches_ that are acknowledged
  Position input_position_;          // past the last line read
  bool input_closed_ = false;
  bool stop_waiting_ = false;
  bool aborted_ = false;
  bool checkpoints_stopped_ = false;
  uint64_t stream_ = 0;              // current stream generation
  bool broken_ = false;
  std::string broken_reason_;
  uint64_t acked_stream_ = 0;        // last generation that got an OK ack
  std::optional<Status> fatal_;
  Stats stats_;
};

}  // namespace logscribe::cat
