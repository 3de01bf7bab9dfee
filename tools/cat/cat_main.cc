// logscribe-cat: streams lines from stdin, or from a file followed like
// `tail -F`, to a scribe or a mediator with LogStream. See README.md here.
//
// Threads: main (options, signals, the drain, the ack timeout, the exit), the
// input thread (a LineSource), the sender (StreamSender, plus one ack reader
// per stream) and, with -checkpoint, the checkpoint writer. They meet only in
// the Outbox.
//
// Shutdown, in this order: the input ends (EOF) or is stopped (SIGINT,
// SIGTERM) and closes the Outbox's input; main waits up to -drain-timeout for
// every line to be acknowledged; the sender half-closes (or, past the
// deadline, is aborted and its stream cancelled); the checkpoint thread stops
// and a last checkpoint is written; one summary line; exit.
#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "cat_options.h"
#include "checkpoint.h"
#include "client_credentials.h"
#include "file_follower.h"
#include "logscribe.grpc.pb.h"
#include "outbox.h"
#include "stdin_source.h"
#include "stop_signals.h"
#include "stream_sender.h"

namespace logscribe::cat {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kTick = std::chrono::milliseconds(50);
// After the drain, how long the half-closed stream may take to finish.
constexpr auto kFinishGrace = std::chrono::seconds(5);

int ToMillis(std::chrono::nanoseconds d) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

// Fails early when the checkpoint cannot be written where it is to go.
Status CheckCheckpointWritable(const std::string& file) {
  const std::string probe = file + ".tmp";
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno(errno, "-checkpoint: cannot create " + probe);
  close(fd);
  unlink(probe.c_str());
  return Status::Ok();
}

// Writes the checkpoint whenever the acknowledged position moves, at most
// once per -checkpoint-interval, and retires the batches it covers.
void CheckpointLoop(const CatOptions& o, Outbox* outbox, Position* written) {
  bool failing = false;
  Clock::time_point not_before = Clock::now();
  Position next;
  uint64_t through = 0;
  while (outbox->WaitCheckpoint(*written, not_before, &next, &through)) {
    if (next.ino != 0 && !(next == *written)) {
      const Status s = WriteCheckpoint(o.checkpoint, CheckpointRecord{o.follow, next});
      if (!s.ok() && !failing) {
        std::fprintf(stderr, "logscribe-cat: %s; going on without (a restart may send lines again)\n",
                     s.message().c_str());
      } else if (s.ok() && failing) {
        std::fprintf(stderr, "logscribe-cat: checkpoint %s written again\n", o.checkpoint.c_str());
      }
      failing = !s.ok();
      *written = next;
      not_before = Clock::now() + o.checkpoint_interval;
    }
    // Retired even when the write failed: shipping logs matters more than
    // the duplicate bound of a restart.
    outbox->Retire(through);
  }
}

int Run(int argc, char** argv) {
  // First of all: MakeClientSecurity starts gRPC's executor and timer
  // threads, and a thread that does not block SIGTERM takes it with the
  // default action (death, no last checkpoint) whenever main is not inside
  // sigtimedwait at that moment.
  const sigset_t signals = BlockStopSignals();
  CatOptions o;
  std::string message;
  switch (ParseCatOptions(argc, argv, &o, &message)) {
    case ParseOutcome::kHelp:
      std::fputs(message.c_str(), stdout);
      return 0;
    case ParseOutcome::kError:
      std::fprintf(stderr, "logscribe-cat: %s\n", message.c_str());
      return 2;
    case ParseOutcome::kOk:
      break;
  }
  ClientSecurity security;
  if (Status s = MakeClientSecurity(o.security, &security); !s.ok()) {
    std::fprintf(stderr, "logscribe-cat: %s\n", s.message().c_str());
    return 2;
  }
  std::optional<Position> resume;
  if (!o.checkpoint.empty()) {
    CheckpointRecord record;
    const Status s = ReadCheckpoint(o.checkpoint, &record);
    if (s.ok()) {
      if (record.follow != o.follow) {
        std::fprintf(stderr, "logscribe-cat: checkpoint %s belongs to -follow %s, not %s; give another -checkpoint\n",
                     o.checkpoint.c_str(), record.follow.c_str(), o.follow.c_str());
        return 2;
      }
      resume = record.position;
    } else if (s.code() != StatusCode::kNotFound) {
      std::fprintf(stderr, "logscribe-cat: %s\n", s.message().c_str());
      return 1;
    }
    if (Status w = CheckCheckpointWritable(o.checkpoint); !w.ok()) {
      std::fprintf(stderr, "logscribe-cat: %s\n", w.message().c_str());
      return 1;
    }
  }
  // Every stream gets a channel of its own (a distinct argument keeps gRPC
  // from sharing the subchannel): gRPC's reconnection backoff (1s growing to
  // 120s) would otherwise make our retries fail at once without dialing.
  int channel_index = 0;
  auto channels = [&]() -> std::shared_ptr<grpc::ChannelInterface> {
    grpc::ChannelArguments args = security.args;
    args.SetInt("logscribe.cat.channel", ++channel_index);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, ToMillis(o.backoff_min));
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, ToMillis(o.backoff_max));
    return grpc::CreateCustomChannel(o.target, security.credentials, args);
  };

  Outbox::Options box;
  box.path = o.path;
  box.filename = o.filename;
  box.batch_lines = o.batch_lines;
  box.batch_bytes = o.batch_bytes;
  box.flush_interval = o.flush_interval;
  box.max_buffer_bytes = o.max_buffer_bytes;
  box.inflight = o.inflight;
  box.checkpointed = !o.checkpoint.empty();
  Outbox outbox(box);

  std::unique_ptr<LineSource> source;
  if (o.follow.empty()) {
    source = std::make_unique<StdinSource>(&outbox, o.max_line_bytes);
  } else {
    source = std::make_unique<FileFollower>(
        FileFollower::Options{o.follow, o.max_line_bytes, o.poll_interval}, &outbox, resume);
  }
  StreamSender sender(StreamSender::Options{o.target, o.backoff_min, o.backoff_max}, channels, &outbox);

  std::atomic<bool> input_ok{true};
  std::atomic<bool> sender_done{false};
  std::thread input([&] { input_ok = source->Run(); });
  std::thread send([&] {
    sender.Run();
    sender_done = true;
  });
  Position checkpointed = resume.value_or(Position());
  std::thread checkpointer;
  if (!o.checkpoint.empty()) checkpointer = std::thread([&] { CheckpointLoop(o, &outbox, &checkpointed); });

  const char* stop_signal = nullptr;
  std::optional<Clock::time_point> drain_deadline;
  for (;;) {
    const timespec tick{0, std::chrono::duration_cast<std::chrono::nanoseconds>(kTick).count()};
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    const Clock::time_point now = Clock::now();
    if (sig > 0 && stop_signal == nullptr) {
      stop_signal = sig == SIGINT ? "SIGINT" : "SIGTERM";
      const uint64_t unacked = outbox.stats().lines_unacked;
      std::fprintf(stderr, "logscribe-cat: %s: stopping; waiting up to %.1fs for %llu unacknowledged line%s\n",
                   stop_signal, std::chrono::duration<double>(o.drain_timeout).count(),
                   static_cast<unsigned long long>(unacked), unacked == 1 ? "" : "s");
      source->RequestStop();
      outbox.StopWaiting();
    }
    if (outbox.fatal()) break;
    if (outbox.input_closed() && !drain_deadline) drain_deadline = now + o.drain_timeout;
    if (outbox.Drained() || sender_done) break;
    if (drain_deadline && now >= *drain_deadline) break;
    if (const auto oldest = outbox.OldestUnacked(); oldest && now - *oldest > o.ack_timeout) {
      outbox.BreakStream("no ack for " + std::to_string(ToMillis(o.ack_timeout)) + "ms");
      sender.CancelStream();
    }
    if (const auto opening = sender.OpeningSince(); opening && now - *opening > o.ack_timeout) {
      outbox.BreakStream("no connection within " + std::to_string(ToMillis(o.ack_timeout)) + "ms");
      sender.CancelStream();
    }
  }

  source->RequestStop();
  outbox.StopWaiting();
  input.join();
  if (!outbox.Drained()) {
    outbox.Abort();
    sender.CancelStream();
  }
  // Drained: the sender half-closes and waits for the target's end of the stream.
  const Clock::time_point grace = Clock::now() + kFinishGrace;
  while (!sender_done && Clock::now() < grace) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!sender_done) {
    outbox.Abort();
    sender.CancelStream();
  }
  send.join();
  if (checkpointer.joinable()) {
    outbox.StopCheckpoints();
    checkpointer.join();
    const Position last = outbox.ResumePosition();
    if (last.ino != 0 && !(last == checkpointed)) {
      if (Status s = WriteCheckpoint(o.checkpoint, CheckpointRecord{o.follow, last}); !s.ok()) {
        std::fprintf(stderr, "logscribe-cat: %s\n", s.message().c_str());
      }
    }
  }

  const Outbox::Stats st = outbox.stats();
  std::fprintf(stderr,
               "logscribe-cat: %llu lines acknowledged (%llu bytes), %llu batches sent (%llu resent), %llu "
               "lines split\n",
               static_cast<unsigned long long>(st.lines_acked), static_cast<unsigned long long>(st.bytes_acked),
               static_cast<unsigned long long>(st.batches_sent), static_cast<unsigned long long>(st.batches_resent),
               static_cast<unsigned long long>(source->split_lines()));
  if (const std::optional<Status> fatal = outbox.fatal()) {
    std::fprintf(stderr, "logscribe-cat: giving up: %s\n", fatal->message().c_str());
    if (fatal->message().find("line: ") != std::string::npos) {
      std::fprintf(stderr, "logscribe-cat: give -max-line-bytes at most the target's own limit\n");
    }
    return 1;
  }
  if (st.lines_unacked > 0) {
    if (!o.checkpoint.empty()) {
      std::fprintf(stderr, "logscribe-cat: %llu lines unacknowledged; the next start reads them again from %s\n",
                   static_cast<unsigned long long>(st.lines_unacked), o.checkpoint.c_str());
      return 0;
    }
    std::fprintf(stderr, "logscribe-cat: %llu lines read and not acknowledged within -drain-timeout: lost\n",
                 static_cast<unsigned long long>(st.lines_unacked));
    return 1;
  }
  return input_ok ? 0 : 1;
}

}  // namespace
}  // namespace logscribe::cat

int main(int argc, char** argv) { return logscribe::cat::Run(argc, argv); }
