// Status: the result of an operation in src/io and src/routing.
//
// Thread contract: a Status is a value; distinct objects may be used from
// different threads, one object needs external synchronization.
//
// The codes carry gRPC's numbers on purpose, so a Status crosses the wire
// (LogAck.code) without a table. ToGrpcStatus (src/rpc/grpc_status.h) turns
// one into a grpc::Status; errno is mapped in exactly one place,
// Status::FromErrno.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace logscribe {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// Arrays indexed by code (metrics per code) have this many entries.
inline constexpr int kStatusCodes = 17;  // 0..16, gRPC's numbers

// `code` as an index into such an array: itself in 0..16, else kUnknown (a
// newer peer may send codes we do not know).
inline constexpr int StatusCodeIndex(int code) {
  return code >= 0 && code < kStatusCodes ? code : static_cast<int>(StatusCode::kUnknown);
}

class Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }

  // Maps an errno value from a file operation to a status whose message reads
  // "<what>: <strerror>". The one place where errno becomes a code:
  //   ENOSPC, EDQUOT, EMFILE, ENFILE, ENOMEM -> RESOURCE_EXHAUSTED (retry later)
  //   EACCES, EPERM, EROFS                   -> PERMISSION_DENIED (the scribe's own rights)
  //   ELOOP, EXDEV, ENOTDIR, EISDIR, ENAMETOOLONG -> INVALID_ARGUMENT (the name leads nowhere allowed)
  //   anything else (EIO, ...)               -> UNAVAILABLE
  static Status FromErrno(int err, std::string_view what);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// "INVALID_ARGUMENT" etc., as gRPC spells the code.
const char* StatusCodeName(StatusCode code);

}  // namespace logscribe
