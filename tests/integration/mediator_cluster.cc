#include "mediator_cluster.h"
#include "log_client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <thread>

namespace logscribe::testing {

namespace v1 = logscribe::v1;

MediatorCluster::~MediatorCluster() {
  for (auto& [id, p] : scribes_) {
    if (p != nullptr) p->Stop(SIGKILL, std::chrono::seconds(10));
  }
  if (mediator_ != nullptr) mediator_->Stop(SIGKILL, std::chrono::seconds(10));
}

bool MediatorCluster::StartMediator(std::vector<std::string> extra, int port, std::string* output) {
  std::vector<std::string> args = {"-ping-interval", ping_interval_, "-max-misses", std::to_string(max_misses_)};
  if (port != 0) args.insert(args.end(), {"-port", std::to_string(port), "-bind", "127.0.0.1"});
  args.insert(args.end(), extra.begin(), extra.end());
  mediator_ = ScribeProcess::Start(LOGMEDIATOR_BINARY, args, output);
  log_stub_.reset();
  return mediator_ != nullptr;
}

int MediatorCluster::StopMediator() {
  const int code = mediator_ == nullptr ? -1 : mediator_->Stop();
  return code;
}

bool MediatorCluster::StartScribe(const std::string& id, std::vector<std::string> extra, std::string* output) {
  auto& root = roots_[id];
  if (root == nullptr) root = std::make_unique<TempDir>();
  std::vector<std::string> args = {"-path", root->path(), "-size", "-1B", "-mediator", mediator_->target(),
                                   "-id", id, "-ping-interval", ping_interval_};
  args.insert(args.end(), extra.begin(), extra.end());
  auto p = ScribeProcess::Start(LOGSCRIBE_BINARY, args, output);
  if (p == nullptr) return false;
  scribes_[id] = std::move(p);
  return true;
}

int MediatorCluster::StopScribe(const std::string& id, int sig) {
  auto it = scribes_.find(id);
  if (it == scribes_.end() || it->second == nullptr) return -1;
  return it->second->Stop(sig, std::chrono::seconds(30));
}

std::vector<std::string> MediatorCluster::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, root] : roots_) out.push_back(id);
  return out;
}

std::unique_ptr<v1::LogScribe::Stub> MediatorCluster::LogStub() {
  grpc::ChannelArguments args;
  args.SetInt("logscribe.test.channel", ++channel_counter_);
  return v1::LogScribe::NewStub(
      grpc::CreateCustomChannel(mediator_->target(), grpc::InsecureChannelCredentials(), args));
}

std::unique_ptr<v1::Mediator::Stub> MediatorCluster::AdminStub() {
  grpc::ChannelArguments args;
  args.SetInt("logscribe.test.channel", ++channel_counter_);
  return v1::Mediator::NewStub(
      grpc::CreateCustomChannel(mediator_->target(), grpc::InsecureChannelCredentials(), args));
}

std::map<std::string, std::string> MediatorCluster::LiveScribes(std::string* routing,
                                                                std::map<std::string, std::string>* ranges) {
  std::map<std::string, std::string> out;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::ResponsibilityResponse r;
  if (!AdminStub()->GetScribesResponsibility(&ctx, v1::ResponsibilityRequest(), &r).ok()) {
    out[""] = "";
    return out;
  }
  for (const auto& x : r.result()) {
    out[x.name()] = x.addr();
    if (ranges != nullptr) (*ranges)[x.name()] = x.responsibility();
  }
  if (routing != nullptr) *routing = r.routing();
  return out;
}

bool MediatorCluster::WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

bool MediatorCluster::WaitForScribes(const std::vector<std::string>& ids) {
  return WaitUntil([&] {
    const auto live = LiveScribes();
    if (live.size() != ids.size()) return false;
    for (const auto& id : ids) {
      if (live.count(id) == 0) return false;
    }
    return true;
  });
}

std::string MediatorCluster::RouteOf(const std::string& path, const std::string& filename) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::RouteRequest q;
  q.set_path(path);
  q.set_filename(filename);
  v1::RouteResponse r;
  if (!AdminStub()->Route(&ctx, q, &r).ok()) return "";
  return r.scribe_id();
}

v1::StatsResponse MediatorCluster::Stats() {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::StatsResponse r;
  (void)AdminStub()->GetStats(&ctx, v1::StatsRequest(), &r);
  return r;
}

std::vector<std::string> MediatorCluster::Lines(const std::string& id, const std::string& rel) {
  return SplitLines(ReadFile(root(id) + "/" + rel));
}

std::vector<std::string> MediatorCluster::Holders(const std::string& rel) {
  std::vector<std::string> out;
  for (const auto& [id, root] : roots_) {
    if (!ReadFile(root->path() + "/" + rel).empty()) out.push_back(id);
  }
  return out;
}

std::map<std::string, int> MediatorCluster::LineCounts() {
  std::map<std::string, int> counts;
  for (const auto& [id, root] : roots_) {
    for (const auto& rel : ListFiles(root->path())) {
      for (const auto& line : SplitLines(ReadFile(root->path() + "/" + rel))) ++counts[line];
    }
  }
  return counts;
}

grpc::Status MediatorCluster::Log(const std::string& path, const std::string& filename,
                                  const std::string& line) {
  if (log_stub_ == nullptr) log_stub_ = LogStub();
  v1::LogResponse resp;
  grpc::Status s = CallLog(log_stub_.get(), path, filename, line, &resp);
  if (s.ok() && resp.res() != "true") return grpc::Status(grpc::StatusCode::INTERNAL, "res " + resp.res());
  return s;
}

}  // namespace logscribe::testing
