// The mediator's small unary calls as plain functions of its state: Register
// (for scribes) and the Mediator service (Route and the original's admin
// calls). UnaryHandler runs them on the CQ threads.
//
// Thread contract: thread-safe; each reads the Registry and the Forwarder
// through their thread-safe methods.
#pragma once

#include <grpcpp/support/status.h>

#include <cstdio>
#include <string>

#include "forwarder.h"
#include "logscribe.pb.h"
#include "registry.h"

namespace logscribe {

struct MediatorState {
  Registry* registry = nullptr;
  Forwarder* forwarder = nullptr;
  std::string name = "logmediator";
  std::string version;
  // One line per scribe that registers or moves. Default: stderr; null: silent.
  std::FILE* log = stderr;
};

// res "Success", INVALID_ARGUMENT naming the field, or PERMISSION_DENIED
// when `who` (the caller's certificate) is not the identity holding the id.
grpc::Status HandleRegister(const MediatorState& state, const PeerIdentity& who,
                            const logscribe::v1::RegisterRequest& request,
                            logscribe::v1::RegisterResponse* response);
// A stopping scribe: its link drains (what was sent is acknowledged on it)
// while its files move to the other scribes. res "Success", or "Unknown" when
// no scribe had that id and address; PERMISSION_DENIED when another
// identity holds the id.
grpc::Status HandleDeregister(const MediatorState& state, const PeerIdentity& who,
                              const logscribe::v1::DeregisterRequest& request,
                              logscribe::v1::RegisterResponse* response);
// INVALID_ARGUMENT for a path or filename the scribes would refuse,
// UNAVAILABLE with no live scribe.
grpc::Status HandleRoute(const MediatorState& state, const logscribe::v1::RouteRequest& request,
                         logscribe::v1::RouteResponse* response);
grpc::Status HandleVersion(const MediatorState& state, const logscribe::v1::VersionRequest& request,
                           logscribe::v1::VersionResponse* response);
grpc::Status HandleStats(const MediatorState& state, const logscribe::v1::StatsRequest& request,
                         logscribe::v1::StatsResponse* response);
grpc::Status HandleResponsibility(const MediatorState& state,
                                  const logscribe::v1::ResponsibilityRequest& request,
                                  logscribe::v1::ResponsibilityResponse* response);

}  // namespace logscribe
