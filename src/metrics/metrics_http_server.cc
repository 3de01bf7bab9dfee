#include "metrics_http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

#include "prometheus_text.h"

namespace logscribe {

Status MetricsHttpServer::Start(MetricsHttpOptions options, std::unique_ptr<MetricsHttpServer>* out) {
  std::unique_ptr<MetricsHttpServer> self(new MetricsHttpServer());
  self->options_ = std::move(options);
  self->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *self->server_;
  server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  // httplib's default adds SO_REUSEPORT, which would let a second scribe
  // share the port; a busy port must be an error.
  server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.set_keep_alive_max_count(100);
  // Short timeouts: a stuck scraper must not hold up shutdown for long.
  server.set_read_timeout(2);
  server.set_write_timeout(2);

  MetricsHttpServer* raw = self.get();
  server.Get("/metrics", [raw](const httplib::Request&, httplib::Response& res) {
    res.set_content(raw->options_.render_metrics ? raw->options_.render_metrics() : std::string(),
                    PrometheusText::kContentType);
  });
  server.Get("/healthz", [raw](const httplib::Request&, httplib::Response& res) {
    std::string why;
    const bool ok = !raw->options_.healthy || raw->options_.healthy(&why);
    res.status = ok ? 200 : 503;
    res.set_content(ok ? std::string("ok\n") : why + "\n", "text/plain; charset=utf-8");
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("/metrics  Prometheus metrics\n/healthz  200 while serving\n",
                    "text/plain; charset=utf-8");
  });

  const std::string where = self->options_.bind + ":" + std::to_string(self->options_.port);
  if (self->options_.port == 0) {
    self->port_ = server.bind_to_any_port(self->options_.bind);
    if (self->port_ <= 0) return Status::Unavailable("cannot listen for metrics on " + where);
  } else {
    if (!server.bind_to_port(self->options_.bind, self->options_.port)) {
      return Status::Unavailable("cannot listen for metrics on " + where +
                                 " (in use, or not an address of this host; see -pport, -pprof-bind)");
    }
    self->port_ = self->options_.port;
  }
  self->thread_ = std::thread([raw] { raw->server_->listen_after_bind(); });
  // stop() only takes effect once the loop runs; wait for it so that a quick
  // Stop() cannot leave the thread listening forever.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  *out = std::move(self);
  return Status::Ok();
}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

void MetricsHttpServer::Stop() {
  if (server_ == nullptr) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace logscribe
