#include "message_inflater.h"

#include <grpc/compression.h>

#include <string>

namespace grpc::internal {

// grpc::ByteBuffer keeps its C buffer, and with it the algorithm a message
// was compressed with, private; this friend (a test peer in gRPC's own tree,
// declared by its public header) is the one way to read it. Only this file
// defines it.
class GrpcByteBufferPeer {
 public:
  explicit GrpcByteBufferPeer(ByteBuffer* buffer) : buffer_(buffer) {}
  grpc_compression_algorithm compression() {
    grpc_byte_buffer* c = buffer_->c_buffer();
    return c != nullptr && c->type == GRPC_BB_RAW ? c->data.raw.compression : GRPC_COMPRESS_NONE;
  }

 private:
  ByteBuffer* const buffer_;
};

}  // namespace grpc::internal

namespace logscribe {

Status MessageInflater::Bytes(grpc::ByteBuffer* in, std::string_view* bytes) {
  Done();
  const grpc_compression_algorithm algorithm = grpc::internal::GrpcByteBufferPeer(in).compression();
  if (algorithm == GRPC_COMPRESS_NONE) {
    if (!in->TrySingleSlice(&hold_).ok() && !in->DumpToSingleSlice(&hold_).ok()) hold_ = grpc::Slice();
    *bytes = std::string_view(reinterpret_cast<const char*>(hold_.begin()), hold_.size());
    return Status::Ok();
  }
  DeflateFormat format;
  if (algorithm == GRPC_COMPRESS_GZIP) {
    format = DeflateFormat::kGzip;
  } else if (algorithm == GRPC_COMPRESS_DEFLATE) {
    format = DeflateFormat::kZlib;
  } else {
    return Status(StatusCode::kUnimplemented, "the request's compression (gRPC algorithm " +
                                                  std::to_string(static_cast<int>(algorithm)) +
                                                  ") is not supported: send identity, gzip or deflate");
  }
  // The compressed slices as gRPC holds them (its reader hands them over
  // unchanged once per-message decompression is off).
  if (!in->Dump(&slices_).ok()) return Status::InvalidArgument("no request message");
  std::vector<std::string_view> pieces;
  pieces.reserve(slices_.size());
  for (const grpc::Slice& s : slices_) pieces.emplace_back(reinterpret_cast<const char*>(s.begin()), s.size());
  Status s = BoundedInflate(format, pieces, max_bytes_, this, &inflated_);
  slices_.clear();
  if (!s.ok()) {
    Done();
    return s;
  }
  *bytes = inflated_.view();
  return Status::Ok();
}

void MessageInflater::Done() {
  hold_ = grpc::Slice();
  slices_.clear();
  inflated_.Clear(kKeptBytes);
  if (reserved_ != 0) sink_->Release(reserved_);
  reserved_ = 0;
}

Status MessageInflater::Reserve(uint64_t bytes) {
  Status s = sink_->Reserve(bytes);
  if (s.ok()) reserved_ += bytes;
  return s;
}

}  // namespace logscribe
