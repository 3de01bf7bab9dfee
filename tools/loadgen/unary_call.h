// UnaryCall: one LogScribe.Log or LogScribe.LogBatch RPC, recycled by its
// connection for the next one.
//
// Thread contract: its connection's thread only.
//
// States: idle → Start() → (Finish completes) Proceed() → back to idle via
// Connection::Recycle(). One completion per RPC, so Proceed is the only
// method the queue calls.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>

#include "loadgen_options.h"
#include "logscribe.grpc.pb.h"
#include "request_builder.h"
#include "tag.h"

namespace logscribe::loadgen {

class Connection;

class UnaryCall final : public Tag {
 public:
  UnaryCall(Connection* connection, LoadMode mode) : connection_(connection), mode_(mode) {}

  // REQUIRES: !active().
  void Start(OutstandingBatch batch, logscribe::v1::LogScribe::Stub* stub, grpc::CompletionQueue* cq,
             const RequestBuilder& builder);
  void Cancel();
  bool active() const { return active_; }

  // The Finish completion (for a unary client call `ok` is always true; a
  // false one is still counted, as UNKNOWN).
  void Proceed(bool ok) override;

 private:
  Connection* const connection_;
  const LoadMode mode_;

  OutstandingBatch batch_;
  bool active_ = false;
  std::optional<grpc::ClientContext> context_;  // a context serves one RPC only
  logscribe::v1::LogRequest line_request_;      // kUnary
  logscribe::v1::LogBatch batch_request_;       // kBatch
  logscribe::v1::LogResponse response_;
  grpc::Status status_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<logscribe::v1::LogResponse>> reader_;
};

}  // namespace logscribe::loadgen
