// LogReader.Read: one log, or every log under a path, as a stream of chunks
// of whole lines. All disk work runs on a reader thread (Run), one chunk at a
// time: the call holds at most one chunk and the cursor's buffer, so its
// memory stays within -read-buffer-bytes whatever the client does. A chunk
// the client does not take within -read-stall-timeout ends the read.
//
// Thread contract: CQ thread, except Run() (one reader thread at a time; the
// CQ thread touches nothing Run() uses until Deliver()).
#pragma once

#include <grpcpp/alarm.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/async_stream.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "call.h"
#include "cq_context.h"
#include "line_filter.h"
#include "log_cursor.h"
#include "read_service.h"

namespace logscribe {

class ReadCall final : public ReadJob, public Deliverable {
 public:
  static void Post(CqContext* ctx, ReadService* reads);
  void Run() override;
  void Deliver() override;

 private:
  enum class Produced { kChunk, kWait, kDone };

  ReadCall(CqContext* ctx, ReadService* reads) : ctx_(ctx), reads_(reads) {}
  void OnRequest(bool ok);
  void OnWrite(bool ok);
  void OnAlarm(bool ok);
  void OnFinish(bool ok);
  void OnDone(bool ok);
  void Finish(const Status& s);
  void MaybeDelete();
  // Reader thread:
  Status Setup();
  Status Produce();
  Status OpenLog(const std::string& key, const CursorPosition* at);

  CqContext* const ctx_;
  ReadService* const reads_;
  grpc::ServerContext server_ctx_;
  logscribe::v1::ReadRequest request_;
  grpc::ServerAsyncWriter<logscribe::v1::ReadChunk> writer_{&server_ctx_};
  grpc::Alarm alarm_;
  MemberTag<ReadCall> request_tag_{this, &ReadCall::OnRequest};
  MemberTag<ReadCall> write_tag_{this, &ReadCall::OnWrite};
  MemberTag<ReadCall> alarm_tag_{this, &ReadCall::OnAlarm};
  MemberTag<ReadCall> finish_tag_{this, &ReadCall::OnFinish};
  MemberTag<ReadCall> done_tag_{this, &ReadCall::OnDone};

  // CQ thread.
  bool counted_ = false;
  bool follower_counted_ = false;
  bool write_pending_ = false;
  bool alarm_pending_ = false;
  bool finishing_ = false;
  bool finished_ = false;
  bool done_ = false;
  bool cut_off_ = false;
  bool alarm_cancelled_ = false;
  std::chrono::system_clock::time_point write_started_;
  std::atomic<bool> cancelled_{false};

  // Reader thread until Deliver().
  bool set_up_ = false;
  Status status_;
  Produced produced_ = Produced::kDone;
  uint64_t generation_ = 0;
  LineFilter filter_;
  CursorOptions cursor_options_;
  std::vector<std::string> keys_;  // the logs left to read, in order
  size_t key_index_ = 0;
  std::unique_ptr<LogCursor> cursor_;
  uint64_t skip_lines_ = 0;        // tail: lines of this log not sent
  uint64_t lines_sent_ = 0;
  uint64_t bytes_sent_ = 0;
  logscribe::v1::ReadChunk chunk_;
};

}  // namespace logscribe
