// The one place where our Status becomes a grpc::Status.
//
// Thread contract: pure functions.
#pragma once

#include <grpcpp/support/status.h>

#include "status.h"  // src/common/status.h

namespace logscribe {

inline grpc::Status ToGrpcStatus(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(static_cast<int>(s.code())), s.message());
}

}  // namespace logscribe
