// MediatorCluster: a real logmediator and real logscribe processes registered
// with it, each scribe with its own root, all on 127.0.0.1 ports they pick
// themselves; and the clients a test needs.
//
// Thread contract: thread-compatible; the test thread drives it. The stubs
// are thread-safe gRPC objects.
#pragma once

#include <grpcpp/channel.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "logscribe.grpc.pb.h"
#include "scribe_process.h"

namespace logscribe::testing {

class MediatorCluster {
 public:
  // `mediator_args` are added to logmediator's; `ping_interval` is given to
  // the mediator and to every scribe.
  explicit MediatorCluster(std::string ping_interval = "500ms", int max_misses = 4)
      : ping_interval_(std::move(ping_interval)), max_misses_(max_misses) {}
  ~MediatorCluster();

  // Starts the mediator (port 0, or `port`); false with the output on failure.
  bool StartMediator(std::vector<std::string> extra = {}, int port = 0, std::string* output = nullptr);
  // SIGTERM; returns the exit code.
  int StopMediator();
  // Starts scribe `id` registered with the mediator, with its own root.
  bool StartScribe(const std::string& id, std::vector<std::string> extra = {}, std::string* output = nullptr);
  // Kills scribe `id` with `sig`; returns the exit code.
  int StopScribe(const std::string& id, int sig = SIGTERM);

  ScribeProcess* mediator() { return mediator_.get(); }
  ScribeProcess* scribe(const std::string& id) { return scribes_[id].get(); }
  std::string root(const std::string& id) { return roots_[id]->path(); }
  std::vector<std::string> ids() const;

  // Clients of the mediator; a fresh channel each time (no shared connection).
  std::unique_ptr<logscribe::v1::LogScribe::Stub> LogStub();
  std::unique_ptr<logscribe::v1::Mediator::Stub> AdminStub();

  // The live scribes the mediator reports, id -> addr ("" on error).
  std::map<std::string, std::string> LiveScribes(std::string* routing = nullptr,
                                                 std::map<std::string, std::string>* ranges = nullptr);
  // Polls `done` every 20 ms until it holds or `limit` passed; returns it.
  static bool WaitUntil(const std::function<bool()>& done,
                        std::chrono::milliseconds limit = std::chrono::seconds(30));
  // Waits until the mediator reports exactly these ids as live.
  bool WaitForScribes(const std::vector<std::string>& ids);

  // The owner of a file according to Route ("" on error).
  std::string RouteOf(const std::string& path, const std::string& filename);
  logscribe::v1::StatsResponse Stats();

  // Every line of <path>/<filename>.log in scribe `id`'s root.
  std::vector<std::string> Lines(const std::string& id, const std::string& rel);
  // Ids of the scribes whose root has the file `rel` (e.g. "p/f.log").
  std::vector<std::string> Holders(const std::string& rel);
  // How often each line occurs, over every file of every scribe's root.
  std::map<std::string, int> LineCounts();

  grpc::Status Log(const std::string& path, const std::string& filename, const std::string& line);

 private:
  const std::string ping_interval_;
  const int max_misses_;
  std::unique_ptr<ScribeProcess> mediator_;
  std::map<std::string, std::unique_ptr<TempDir>> roots_;
  std::map<std::string, std::unique_ptr<ScribeProcess>> scribes_;
  std::unique_ptr<logscribe::v1::LogScribe::Stub> log_stub_;
  int channel_counter_ = 0;
};

}  // namespace logscribe::testing
