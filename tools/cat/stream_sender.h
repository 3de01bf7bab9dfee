// StreamSender: writes the Outbox's batches on one LogStream at a time and
// feeds the acks back; reconnects with backoff when a stream fails.
//
// Thread contract: Run() on the sender thread, which starts one ack reader
// thread per stream; CancelStream() from any thread.
//
// One stream's life: BeginStream(); Write() each batch the Outbox hands out
// (sync API: Write blocks under gRPC flow control); a reader thread Read()s
// acks into Outbox::OnAck. The stream ends
//  - cleanly: the input is done and every batch retired: WritesDone, Finish;
//  - broken: a non-OK ack, the end of the acks, a failed Write, or
//    CancelStream() (no ack for -ack-timeout): TryCancel, join the reader,
//    Finish for the status. The unacknowledged batches are resent in order on
//    the next stream after a backoff delay (reset once a stream got an OK ack).
// Permanent failures end Run() through Outbox::SetFatal: a stream status of
// INVALID_ARGUMENT, UNIMPLEMENTED (not a logscribe target), UNAUTHENTICATED or
// PERMISSION_DENIED (refused by mutual TLS's allow-list), or an
// INVALID_ARGUMENT ack. stderr gets one line when the target is lost (or
// cannot be reached) and one when it is back, not one per attempt; a target
// that keeps failing gets at most one such pair every 10 seconds.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <string>

#include "logscribe.grpc.pb.h"
#include "outbox.h"

namespace logscribe::cat {

class StreamSender {
 public:
  struct Options {
    std::string target;  // for messages
    std::chrono::nanoseconds backoff_min = std::chrono::milliseconds(100);
    std::chrono::nanoseconds backoff_max = std::chrono::seconds(5);
  };

  // A fresh channel for every stream: its own connection, with no
  // reconnection backoff left over from a failed one.
  using ChannelFactory = std::function<std::shared_ptr<grpc::ChannelInterface>()>;

  StreamSender(Options options, ChannelFactory channels, Outbox* outbox)
      : options_(std::move(options)), channels_(std::move(channels)), outbox_(outbox) {}

  // Until the input is done and drained, Outbox::Abort(), or a fatal error.
  void Run();
  // Cancels the current stream, if any (its batches will be resent).
  void CancelStream();
  // Since when the current stream is being opened (connecting); nullopt when
  // no stream is being opened. Opening blocks until the connection is up or
  // failed, so main() cancels one that takes longer than -ack-timeout.
  std::optional<std::chrono::steady_clock::time_point> OpeningSince();

 private:
  // One stream from start to end; true when it ended cleanly.
  bool RunStream(uint64_t stream, grpc::Status* status);
  void AnnounceUp();
  void AnnounceDown(const std::string& reason);

  // Constant after construction.
  const Options options_;
  const ChannelFactory channels_;
  Outbox* const outbox_;

  std::mutex mu_;
  grpc::ClientContext* context_ = nullptr;  // of the current stream; guarded by mu_
  std::optional<std::chrono::steady_clock::time_point> opening_since_;  // guarded by mu_
  bool ever_up_ = false;                    // guarded by mu_
  bool down_ = false;                       // an outage was announced; guarded by mu_
  bool down_announced_ = false;             // guarded by mu_
  std::chrono::steady_clock::time_point last_announced_;  // guarded by mu_
  int attempts_ = 0;                        // failed streams in this outage; guarded by mu_
  std::chrono::steady_clock::time_point down_since_;  // guarded by mu_
};

}  // namespace logscribe::cat
