// The seed's Log call, and one LogStream with every batch in flight, as the
// integration tests make them.
//
// Thread contract: pure function over a thread-safe stub.
#pragma once

#include <grpcpp/client_context.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

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

// Sends `batches` on one LogStream, all in flight at once; returns the acks
// by seq, and the stream's final status in *end.
inline std::map<uint64_t, logscribe::v1::LogAck> StreamAcks(logscribe::v1::LogScribe::StubInterface* stub,
                                                            const std::vector<logscribe::v1::LogBatch>& batches,
                                                            grpc::Status* end) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  auto stream = stub->LogStream(&ctx);
  std::map<uint64_t, logscribe::v1::LogAck> acks;
  std::thread reader([&] {
    logscribe::v1::LogAck ack;
    while (stream->Read(&ack)) acks[ack.seq()] = ack;
  });
  for (const auto& b : batches) {
    if (!stream->Write(b)) break;
  }
  stream->WritesDone();
  reader.join();
  *end = stream->Finish();
  return acks;
}

// The same; returns the acks' codes by seq, and the stream's final code under
// UINT64_MAX when it failed.
inline std::map<uint64_t, int> StreamBatches(logscribe::v1::LogScribe::StubInterface* stub,
                                             const std::vector<logscribe::v1::LogBatch>& batches) {
  grpc::Status end;
  std::map<uint64_t, int> codes;
  for (const auto& [seq, ack] : StreamAcks(stub, batches, &end)) codes[seq] = ack.code();
  if (!end.ok()) codes[UINT64_MAX] = end.error_code();
  return codes;
}

}  // namespace logscribe::testing
