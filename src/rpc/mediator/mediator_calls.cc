#include "mediator_calls.h"

#include "file_key.h"
#include "grpc_status.h"

namespace logscribe {

grpc::Status HandleRegister(const MediatorState& state, const PeerIdentity& who,
                            const logscribe::v1::RegisterRequest& request,
                            logscribe::v1::RegisterResponse* response) {
  Registry::Registration what;
  if (Status s = state.registry->Register(request.id(), request.addr(), request.version(), who, &what);
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (state.log != nullptr && what != Registry::Registration::kUnchanged) {
    std::fprintf(state.log, "%s: %s scribe %s at %s\n", state.name.c_str(),
                 what == Registry::Registration::kAdded ? "registered" : "moved",
                 request.id().c_str(), request.addr().c_str());
    std::fflush(state.log);
  }
  response->set_res("Success");
  return grpc::Status::OK;
}

grpc::Status HandleDeregister(const MediatorState& state, const PeerIdentity& who,
                              const logscribe::v1::DeregisterRequest& request,
                              logscribe::v1::RegisterResponse* response) {
  // Marked first: the registry's change reaches the forwarder (OnRouter)
  // inside Deregister, and must find the link leaving rather than dead.
  state.forwarder->MarkLeaving(request.id());
  bool removed = false;
  const Status s = state.registry->Deregister(request.id(), request.addr(), who, &removed);
  state.forwarder->UnmarkLeaving(request.id());
  if (!s.ok()) return ToGrpcStatus(s);
  if (removed && state.log != nullptr) {
    std::fprintf(state.log, "%s: scribe %s at %s left\n", state.name.c_str(), request.id().c_str(),
                 request.addr().c_str());
    std::fflush(state.log);
  }
  response->set_res(removed ? "Success" : "Unknown");
  return grpc::Status::OK;
}

grpc::Status HandleRoute(const MediatorState& state, const logscribe::v1::RouteRequest& request,
                         logscribe::v1::RouteResponse* response) {
  std::string key;
  if (Status s = ValidateFileKey(request.path(), request.filename(), &key); !s.ok()) {
    return ToGrpcStatus(s);
  }
  const std::shared_ptr<const Router> router = state.registry->router();
  const ScribeEndpoint* owner = router->Route(key);
  if (owner == nullptr) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "no live scribe");
  }
  response->set_scribe_id(owner->id);
  response->set_addr(owner->addr);
  return grpc::Status::OK;
}

grpc::Status HandleVersion(const MediatorState& state, const logscribe::v1::VersionRequest& request,
                           logscribe::v1::VersionResponse* response) {
  logscribe::v1::Version* self = response->add_results();
  self->set_type(logscribe::v1::MEDIATOR);
  self->set_name(state.name);
  self->set_version(state.version);
  if (request.all()) {
    for (const ScribeRecord& scribe : state.registry->Scribes()) {
      logscribe::v1::Version* v = response->add_results();
      v->set_type(logscribe::v1::SCRIBE);
      v->set_name(scribe.id);
      v->set_version(scribe.version);
    }
  }
  return grpc::Status::OK;
}

grpc::Status HandleStats(const MediatorState& state, const logscribe::v1::StatsRequest& /*request*/,
                         logscribe::v1::StatsResponse* response) {
  const ForwarderStats stats = state.forwarder->Detailed();
  // Every live scribe, even one that got nothing yet, then the dropped ones
  // the forwarder still has numbers for.
  std::map<std::string, ScribeForwardStats> by_id;
  for (const ScribeForwardStats& s : stats.scribes) by_id[s.id] = s;
  for (const ScribeRecord& r : state.registry->Scribes()) {
    ScribeForwardStats& s = by_id[r.id];
    s.id = r.id;
    s.addr = r.addr;
    s.live = true;
  }
  for (const auto& [id, s] : by_id) {
    auto* result = response->add_result();
    result->set_name(s.id);
    result->set_count(static_cast<int64_t>(s.lines));
    result->set_bytes(static_cast<int64_t>(s.bytes));
    result->set_addr(s.addr);
    result->set_retried_lines(static_cast<int64_t>(s.retried_lines));
    result->set_live(s.live);
  }
  response->set_retried_lines(static_cast<int64_t>(stats.retried_lines));
  response->set_failed_lines(static_cast<int64_t>(stats.failed_lines));
  response->set_refused_requests(static_cast<int64_t>(stats.refused_requests));
  response->set_queued_bytes(static_cast<int64_t>(stats.queued_bytes));
  response->set_routing(state.registry->routing());
  return grpc::Status::OK;
}

grpc::Status HandleResponsibility(const MediatorState& state,
                                  const logscribe::v1::ResponsibilityRequest& /*request*/,
                                  logscribe::v1::ResponsibilityResponse* response) {
  const std::shared_ptr<const Router> router = state.registry->router();
  const auto* first_char = dynamic_cast<const FirstCharRouter*>(router.get());
  const std::vector<ScribeEndpoint>& scribes = router->scribes();
  for (size_t i = 0; i < scribes.size(); ++i) {
    auto* result = response->add_result();
    result->set_name(scribes[i].id);
    result->set_addr(scribes[i].addr);
    result->set_responsibility(first_char != nullptr ? first_char->RangeOf(i) : router->name());
  }
  response->set_routing(router->name());
  return grpc::Status::OK;
}

}  // namespace logscribe
