// EncodeForwardBatch: the wire bytes of a logscribe.v1.LogBatch holding the
// lines of some ForwardParts, written straight from their chunks into one
// slice. The mediator forwards every line this way: building the LogBatch
// message first cost it a third of its instructions per line (three string
// assignments per entry, ByteSizeLong, serialise, a UTF-8 check of path and
// filename that the client's request already passed).
//
// Thread contract: thread-safe (pure function of its arguments).
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "forward_part.h"

namespace logscribe {

// The line as the client sent it, from its copy in a chunk (which always ends
// in '\n'): the builder added that newline unless the line had one, so drop it
// unless what is left still ends in '\n'. The scribe adds it back, writing
// exactly what it would have written for the client, and the line is never
// longer than the client's (so it passes the same -max-line-bytes).
std::string_view ForwardedLine(std::string_view with_newline);

// LogBatch{entries: one LogRequest{filename, path, line} per line of each
// part, in order; seq}. Empty fields are left out, as protobuf does.
grpc::ByteBuffer EncodeForwardBatch(uint64_t seq, const std::vector<ForwardPart*>& parts);

}  // namespace logscribe
