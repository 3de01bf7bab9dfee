// The seed's Log call as every integration test makes it.
//
// Thread contract: pure function over a thread-safe stub.
#pragma once

#include <grpcpp/client_context.h>

#include <chrono>
#include <string>

#include "logscribe.grpc.pb.h"

namespace logscribe::testing {

// LogScribe.Log{path, filename, line} with a deadline; the answer goes to
// *response when given.
inline grpc::Status CallLog(logscribe::v1::LogScribe::StubInterface* stub, const std::string& path,
                            const std::string& filename, const std::string& line,
                            logscribe::v1::LogResponse* response = nullptr,
                            std::chrono::seconds deadline = std::chrono::seconds(30)) {
  logscribe::v1::LogRequest req;
  req.set_path(path);
  req.set_filename(filename);
  req.set_line(line);
  logscribe::v1::LogResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  grpc::Status s = stub->Log(&ctx, req, &resp);
  if (response != nullptr) *response = resp;
  return s;
}

}  // namespace logscribe::testing
