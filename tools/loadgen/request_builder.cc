#include "request_builder.h"

namespace logscribe::loadgen {

void RequestBuilder::Fill(OutstandingBatch* batch, logscribe::v1::LogRequest* request) const {
  const LineId id{conn_, batch->seq, 0};
  const int file = codec_.FileIndex(id);
  request->set_path(codec_.PathName(file));
  request->set_filename(codec_.FileName(file));
  codec_.Format(id, request->mutable_line());
  batch->bytes = request->line().size();
}

void RequestBuilder::Fill(OutstandingBatch* batch, logscribe::v1::LogBatch* request) const {
  auto* entries = request->mutable_entries();
  const int lines = static_cast<int>(batch->lines);
  while (entries->size() > lines) entries->RemoveLast();
  while (entries->size() < lines) entries->Add();
  uint64_t bytes = 0;
  for (int i = 0; i < lines; ++i) {
    const LineId id{conn_, batch->seq, static_cast<uint32_t>(i)};
    const int file = codec_.FileIndex(id);
    logscribe::v1::LogRequest* entry = entries->Mutable(i);
    entry->set_path(codec_.PathName(file));
    entry->set_filename(codec_.FileName(file));
    codec_.Format(id, entry->mutable_line());
    bytes += entry->line().size();
  }
  request->set_seq(batch->seq);
  batch->bytes = bytes;
}

}  // namespace logscribe::loadgen
