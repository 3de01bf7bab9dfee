#include "load_runner.h"

#include <algorithm>
#include <optional>
#include <thread>

#include "channel_factory.h"
#include "report.h"

namespace logscribe::loadgen {

LoadRunner::LoadRunner(const LoadgenOptions& options)
    : options_(options),
      codec_(options.run_id, static_cast<size_t>(options.line_bytes), options.files, options.paths,
             options.lines_per_batch()) {}

LoadRunner::~LoadRunner() {
  if (control_) control_->RequestStop();
  connections_.clear();  // each joins its thread
}

bool LoadRunner::Run(const std::atomic<bool>* interrupted, std::ostream* progress, std::string* error) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = MakeCredentials(options_, error);
  if (!credentials) return false;

  // Connect all channels at once, then wait for each against one deadline.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < options_.connections; ++i) {
    channels.push_back(MakeChannel(options_, i, credentials));
    channels.back()->GetState(/*try_to_connect=*/true);
  }
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(options_.connect_timeout);
  for (const auto& channel : channels) {
    if (!channel->WaitForConnected(deadline)) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.connect_timeout).count();
      *error = "cannot connect to " + options_.target + " within " + std::to_string(ms) + "ms";
      return false;
    }
  }

  start_ = Clock::now();
  std::optional<Clock::time_point> end;
  if (options_.has_duration) {
    end = start_ + std::chrono::duration_cast<Clock::duration>(options_.duration);
  }
  control_ = std::make_unique<RunControl>(start_, end, options_.lines);
  for (int i = 0; i < options_.connections; ++i) {
    connections_.push_back(std::make_unique<Connection>(options_, codec_, static_cast<uint32_t>(i),
                                                        channels[static_cast<size_t>(i)], control_.get()));
  }
  for (auto& connection : connections_) connection->Start();

  RunTotals last;
  Clock::time_point next_report = start_ + std::chrono::seconds(1);
  for (;;) {
    if (interrupted != nullptr && interrupted->load(std::memory_order_relaxed)) control_->RequestStop();
    bool all_finished = true;
    for (const auto& connection : connections_) all_finished = all_finished && connection->finished();
    if (all_finished) break;
    if (progress != nullptr && Clock::now() >= next_report) {
      RunTotals now = Totals();
      *progress << FormatProgress(now, last) << std::flush;
      last = std::move(now);
      next_report += std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(kPoll);
  }
  end_ = start_;
  for (auto& connection : connections_) {
    connection->Join();
    end_ = std::max(end_, connection->finished_at());
  }
  ended_ = true;
  return true;
}

RunTotals LoadRunner::Totals() const {
  RunTotals t;
  const Clock::time_point until = ended_ ? end_ : Clock::now();
  t.elapsed_s = std::chrono::duration<double>(until - start_).count();
  for (const auto& connection : connections_) {
    const ConnectionStats& s = connection->stats();
    t.lines_sent += s.lines_sent.load(std::memory_order_relaxed);
    t.lines_acked += s.lines_acked.load(std::memory_order_relaxed);
    t.lines_failed += s.lines_failed.load(std::memory_order_relaxed);
    t.bytes_acked += s.bytes_acked.load(std::memory_order_relaxed);
    t.in_flight += s.batches_in_flight.load(std::memory_order_relaxed);
    for (int k = 0; k < kErrorKinds; ++k) t.errors[k] += s.errors[k].load(std::memory_order_relaxed);
    t.latency_us.Add(s.latency_us.Snapshot());
  }
  return t;
}

std::vector<const BatchLedger*> LoadRunner::Ledgers() const {
  std::vector<const BatchLedger*> out;
  for (const auto& connection : connections_) out.push_back(&connection->ledger());
  return out;
}

}  // namespace logscribe::loadgen
