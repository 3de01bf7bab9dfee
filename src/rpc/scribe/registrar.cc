#include "registrar.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <algorithm>


namespace logscribe {
namespace {

std::string Seconds(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000);
  return buf;
}

}  // namespace

Registrar::Registrar(RegistrarOptions options)
    : options_(std::move(options)),
      channel_(grpc::CreateCustomChannel(
          options_.mediator,
          options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials(),
          options_.channel_args)),
      stub_(logscribe::v1::Register::NewStub(channel_)) {}

Status Registrar::Start(RegistrarOptions options, std::unique_ptr<Registrar>* out) {
  std::unique_ptr<Registrar> registrar(new Registrar(std::move(options)));
  const RegistrarOptions& o = registrar->options_;
  const auto deadline = std::chrono::steady_clock::now() + o.register_timeout;
  auto backoff = std::chrono::milliseconds(100);
  std::string error;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds(0)) break;
    error = registrar->RegisterOnce(std::min<std::chrono::milliseconds>(left, std::chrono::seconds(2)));
    if (error.empty()) {
      registrar->watcher_ = std::thread([r = registrar.get()] { r->Watch(); });
      *out = std::move(registrar);
      return Status::Ok();
    }
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        backoff, std::chrono::duration_cast<std::chrono::milliseconds>(
                     deadline - std::chrono::steady_clock::now())));
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(2));
  }
  return Status::Unavailable("could not register with the mediator at " + o.mediator + " within " +
                             Seconds(o.register_timeout) + " (-register-timeout): " + error);
}

std::string Registrar::RegisterOnce(std::chrono::milliseconds deadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  logscribe::v1::RegisterRequest request;
  request.set_id(options_.id);
  request.set_addr(options_.advertise);
  request.set_version(options_.version);
  logscribe::v1::RegisterResponse response;
  const grpc::Status status = stub_->Register(&ctx, request, &response);
  if (!status.ok()) return status.error_message().empty() ? "status " + std::to_string(status.error_code())
                                                          : status.error_message();
  if (response.res() != "Success") return "the mediator answered '" + response.res() + "'";
  registrations_.fetch_add(1, std::memory_order_relaxed);
  return "";
}

void Registrar::Watch() {
  const auto interval = options_.ping_interval;
  const auto step = std::max<std::chrono::milliseconds>(interval / 4, std::chrono::milliseconds(10));
  auto registered_at = std::chrono::steady_clock::now();
  bool failing = false;
  mu_.Lock();
  while (!stop_cv_.WaitFor(&mu_, step, [this]() REQUIRES(mu_) { return stop_; })) {
    const auto now = std::chrono::steady_clock::now();
    const auto heard =
        options_.pings == nullptr ? registered_at : std::max(options_.pings->Last(), registered_at);
    if (now - heard < 2 * interval) continue;
    mu_.Unlock();
    const std::string error =
        RegisterOnce(std::min<std::chrono::milliseconds>(interval, std::chrono::seconds(2)));
    mu_.Lock();
    if (error.empty()) {
      registered_at = std::chrono::steady_clock::now();
      if (options_.log != nullptr) {
        std::fprintf(options_.log, "logscribe: registered again with the mediator at %s (no ping for %s)\n",
                     options_.mediator.c_str(),
                     Seconds(std::chrono::duration_cast<std::chrono::milliseconds>(now - heard)).c_str());
        std::fflush(options_.log);
      }
      failing = false;
    } else if (!failing) {
      failing = true;  // said once per outage
      if (options_.log != nullptr) {
        std::fprintf(options_.log, "logscribe: not pinged for %s and cannot register again with %s: %s; "
                     "retrying\n",
                     Seconds(std::chrono::duration_cast<std::chrono::milliseconds>(now - heard)).c_str(),
                     options_.mediator.c_str(), error.c_str());
        std::fflush(options_.log);
      }
    }
  }
  mu_.Unlock();
}

void Registrar::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  stop_cv_.NotifyAll();
  if (watcher_.joinable()) watcher_.join();
}

void Registrar::Leave(std::chrono::milliseconds deadline) {
  Stop();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  logscribe::v1::DeregisterRequest request;
  request.set_id(options_.id);
  request.set_addr(options_.advertise);
  logscribe::v1::RegisterResponse response;
  const grpc::Status status = stub_->Deregister(&ctx, request, &response);
  if (!status.ok() && options_.log != nullptr) {
    std::fprintf(options_.log,
                 "logscribe: could not tell the mediator at %s that this scribe is leaving (%s); "
                 "it will drop it after its missed pings\n",
                 options_.mediator.c_str(), status.error_message().c_str());
    std::fflush(options_.log);
  }
}

Registrar::~Registrar() { Stop(); }

}  // namespace logscribe
