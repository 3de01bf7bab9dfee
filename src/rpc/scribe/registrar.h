// Registrar: a scribe's side of the mediator. It registers (id, advertised
// address, version) at start-up, retrying with backoff, and afterwards
// registers again whenever no Ping came for twice the ping interval: a
// mediator that restarted relearns every live scribe without restarting any.
//
// Thread contract: Start() and Stop() are called by main's thread; the
// re-registration watch runs on one thread of its own (one per process, not
// per request), which Stop() joins.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "logscribe.grpc.pb.h"
#include "mutex.h"  // src/common
#include "ping_monitor.h"
#include "status.h"  // src/common/status.h

namespace logscribe {

struct RegistrarOptions {
  // The mediator, host:port.
  std::string mediator;
  // What the scribe registers: its id, the host:port the mediator dials, and
  // its version.
  std::string id;
  std::string advertise;
  std::string version;
  // How long Start() keeps trying. Default: 10s (-register-timeout).
  std::chrono::milliseconds register_timeout{10000};
  // The mediator's ping interval: no ping for twice this, register again.
  // Default: 5s (-ping-interval).
  std::chrono::milliseconds ping_interval{5000};
  // The scribe server's record of answered Pings; must outlive the Registrar.
  // Default: null, as if no Ping ever came: it registers again every two
  // ping intervals.
  const PingMonitor* pings = nullptr;
  // How to dial the mediator. Default: null, insecure.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments channel_args;
  // Re-registrations and their failures, one line each. Default: stderr.
  std::FILE* log = stderr;
};

class Registrar {
 public:
  // Registers, retrying with backoff (100 ms doubling to 2 s) until
  // register_timeout; on failure one sentence naming the mediator and the
  // last error. On success the watch thread runs until Stop().
  static Status Start(RegistrarOptions options, std::unique_ptr<Registrar>* out);
  ~Registrar();
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;

  void Stop();
  // Stop(), then tells the mediator this scribe is leaving (Deregister), so
  // that its files move at once, waiting at most `deadline`. One line on the
  // log when the mediator could not be told (it then drops the scribe after
  // its missed pings, as for a crash).
  void Leave(std::chrono::milliseconds deadline);
  // Successful registrations so far, the first included.
  uint64_t registrations() const { return registrations_.load(std::memory_order_relaxed); }

 private:
  explicit Registrar(RegistrarOptions options);
  // One Register call with this deadline; "" or why it failed.
  std::string RegisterOnce(std::chrono::milliseconds deadline);
  void Watch();

  // Constant after construction.
  const RegistrarOptions options_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<logscribe::v1::Register::Stub> stub_;

  Mutex mu_;
  CondVar stop_cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread watcher_;
  std::atomic<uint64_t> registrations_{0};
};

}  // namespace logscribe
