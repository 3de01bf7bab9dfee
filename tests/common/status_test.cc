#include "status.h"

#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

namespace logscribe {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, FactoriesSetCodeAndMessage) {
  EXPECT_EQ(Status::InvalidArgument("a").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Status::ResourceExhausted("b").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Status::Unavailable("c").code(), StatusCode::kUnavailable);
  EXPECT_EQ(Status::Internal("d").code(), StatusCode::kInternal);
  EXPECT_EQ(Status::FailedPrecondition("e").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Status::PermissionDenied("f").code(), StatusCode::kPermissionDenied);
  const Status s = Status::InvalidArgument("filename: must not be empty");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "filename: must not be empty");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: filename: must not be empty");
}

TEST(StatusTest, CodesCarryGrpcNumbers) {
  // The wire carries these numbers (LogAck.code); they must match gRPC's.
  EXPECT_EQ(static_cast<int>(StatusCode::kOk), 0);
  EXPECT_EQ(static_cast<int>(StatusCode::kInvalidArgument), 3);
  EXPECT_EQ(static_cast<int>(StatusCode::kPermissionDenied), 7);
  EXPECT_EQ(static_cast<int>(StatusCode::kResourceExhausted), 8);
  EXPECT_EQ(static_cast<int>(StatusCode::kFailedPrecondition), 9);
  EXPECT_EQ(static_cast<int>(StatusCode::kInternal), 13);
  EXPECT_EQ(static_cast<int>(StatusCode::kUnavailable), 14);
  EXPECT_EQ(static_cast<int>(StatusCode::kUnauthenticated), 16);
}

TEST(StatusTest, CodeNamesAreGrpcSpellings) {
  const std::pair<StatusCode, const char*> names[] = {
      {StatusCode::kOk, "OK"},
      {StatusCode::kCancelled, "CANCELLED"},
      {StatusCode::kUnknown, "UNKNOWN"},
      {StatusCode::kInvalidArgument, "INVALID_ARGUMENT"},
      {StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED"},
      {StatusCode::kNotFound, "NOT_FOUND"},
      {StatusCode::kAlreadyExists, "ALREADY_EXISTS"},
      {StatusCode::kPermissionDenied, "PERMISSION_DENIED"},
      {StatusCode::kResourceExhausted, "RESOURCE_EXHAUSTED"},
      {StatusCode::kFailedPrecondition, "FAILED_PRECONDITION"},
      {StatusCode::kAborted, "ABORTED"},
      {StatusCode::kOutOfRange, "OUT_OF_RANGE"},
      {StatusCode::kUnimplemented, "UNIMPLEMENTED"},
      {StatusCode::kInternal, "INTERNAL"},
      {StatusCode::kUnavailable, "UNAVAILABLE"},
      {StatusCode::kDataLoss, "DATA_LOSS"},
      {StatusCode::kUnauthenticated, "UNAUTHENTICATED"},
  };
  for (const auto& [code, name] : names) EXPECT_STREQ(StatusCodeName(code), name);
  EXPECT_STREQ(StatusCodeName(static_cast<StatusCode>(99)), "UNKNOWN");
}

TEST(StatusTest, FromErrnoMapsEveryDocumentedErrno) {
  const std::pair<int, StatusCode> table[] = {
      {ENOSPC, StatusCode::kResourceExhausted},   {EDQUOT, StatusCode::kResourceExhausted},
      {EMFILE, StatusCode::kResourceExhausted},   {ENFILE, StatusCode::kResourceExhausted},
      {ENOMEM, StatusCode::kResourceExhausted},   {EACCES, StatusCode::kPermissionDenied},
      {EPERM, StatusCode::kPermissionDenied},     {EROFS, StatusCode::kPermissionDenied},
      {ELOOP, StatusCode::kInvalidArgument},      {EXDEV, StatusCode::kInvalidArgument},
      {ENOTDIR, StatusCode::kInvalidArgument},    {EISDIR, StatusCode::kInvalidArgument},
      {ENAMETOOLONG, StatusCode::kInvalidArgument}, {EIO, StatusCode::kUnavailable},
      {EBADF, StatusCode::kUnavailable},          {EFBIG, StatusCode::kUnavailable},
  };
  for (const auto& [err, code] : table) {
    const Status s = Status::FromErrno(err, "write to x.log");
    EXPECT_EQ(s.code(), code) << std::strerror(err);
    EXPECT_EQ(s.message(), std::string("write to x.log: ") + std::strerror(err));
  }
}

TEST(StatusTest, CopiesAreIndependent) {
  Status a = Status::Internal("one");
  Status b = a;
  b = Status::Unavailable("two");
  EXPECT_EQ(a.code(), StatusCode::kInternal);
  EXPECT_EQ(a.message(), "one");
  EXPECT_EQ(b.message(), "two");
}

}  // namespace
}  // namespace logscribe
