// MetricsHttpServer: the operator's HTTP port (-pprof, -pport, -pprof-bind):
// GET /metrics answers with a Prometheus text body, GET /healthz with 200
// "ok" while the process serves and 503 once it drains. Built on cpp-httplib.
//
// Thread contract: Start() and Stop() are called by main's thread. The
// callbacks run on the server's own threads (at most kThreads at once) and
// must be thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "status.h"

namespace httplib {
class Server;
}

namespace logscribe {

struct MetricsHttpOptions {
  // Address to listen on. Default: 127.0.0.1 (-pprof-bind): metrics name
  // files and clients, so they stay on the host unless asked otherwise.
  std::string bind = "127.0.0.1";
  // Port; 0 picks a free one (see port()). Default: 1111 (-pport).
  int port = 1111;
  // Renders the /metrics body.
  std::function<std::string()> render_metrics;
  // Whether /healthz answers 200; *why says what is wrong otherwise.
  std::function<bool(std::string* why)> healthy;
};

class MetricsHttpServer {
 public:
  // Threads answering requests; scrapes are rare and cheap.
  static constexpr int kThreads = 2;

  // Binds and starts serving. Fails with one sentence when the address cannot
  // be bound.
  static Status Start(MetricsHttpOptions options, std::unique_ptr<MetricsHttpServer>* out);
  ~MetricsHttpServer();  // Stop()

  int port() const { return port_; }
  // Stops listening, lets requests under way finish, joins. Idempotent.
  void Stop();

 private:
  MetricsHttpServer() = default;

  MetricsHttpOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace logscribe
