// ParseLogBatchWire: the wire bytes of a logscribe.v1.LogBatch read straight
// into a BatchBuilder, without building the message. Protobuf's parse made
// three heap strings per entry, which the builder then copied once more; here
// path, filename and line are views into the received bytes.
//
// It accepts what protobuf accepts: fields in any order, unknown fields
// skipped, the last of a repeated singular field wins, and path and filename
// must be valid UTF-8 (proto3 strings; `line` is bytes).
//
// Thread contract: thread-compatible; one WireEntries per CQ thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "batch_builder.h"
#include "status.h"

namespace logscribe {

// Scratch space reused across batches.
struct WireEntry {
  std::string_view path;
  std::string_view filename;
  std::string_view line;
};
using WireEntries = std::vector<WireEntry>;

enum class WireParse {
  kOk,         // every entry is in `builder`
  kRefused,    // an entry is invalid (*why, INVALID_ARGUMENT naming entries[i]);
               // the framing was sound, so *seq is right and the stream can go on
  kMalformed,  // not a LogBatch at all (*why); nothing after it can be trusted
};

// `wire` must stay valid until the builder's chunks are taken. A batch of
// more than `max_entries` entries is refused (INVALID_ARGUMENT) after its
// framing is read, without keeping the entries past the limit: an entry can
// be two bytes on the wire and is 48 here, so a 64 MiB batch of empty
// entries would otherwise take 1.5 GiB before it was refused.
WireParse ParseLogBatchWire(std::string_view wire, BatchBuilder* builder, WireEntries* entries, uint64_t* seq,
                            Status* why, size_t max_entries = SIZE_MAX);

// The wire bytes of one logscribe.v1.LogRequest (the unary Log) into
// `builder`: INVALID_ARGUMENT when they do not parse or path or filename is
// not UTF-8, else what BatchBuilder::Route says. `wire` must stay valid until
// the builder's chunks are taken.
Status ParseLogRequestWire(std::string_view wire, BatchBuilder* builder);

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing past U+10FFFF), as protobuf checks proto3 strings.
bool IsValidUtf8(std::string_view s);

}  // namespace logscribe
