// ParseLogBatchWire against protobuf on arbitrary bytes. Whenever protobuf
// parses the input as a LogBatch, the hand parser must agree exactly: the
// same seq, and the same outcome from the batch builder as FillFromBatch on
// protobuf's message (the same refusal, or the same chunks byte for byte).
// When protobuf refuses the input, the hand parser may refuse it too or,
// for oddities protobuf is stricter on, accept it; it must never crash.
// Builders live across calls, as on a CQ thread.
#include <string>
#include <string_view>
#include <vector>

#include "batch_builder.h"
#include "batch_wire.h"
#include "fuzz_check.h"
#include "fuzz_targets.h"
#include "logscribe.pb.h"

namespace logscribe::fuzz {
namespace {

std::string Describe(std::vector<std::unique_ptr<FileChunk>> chunks) {
  std::string out;
  for (const auto& c : chunks) {
    out += c->key + "|" + c->data + "|";
    for (uint32_t end : c->line_ends) out += std::to_string(end) + ",";
    out += "\n";
  }
  return out;
}

}  // namespace

int BatchWireOneInput(const uint8_t* data, size_t size) {
  static BatchBuilder ours(LineFormat{});
  static BatchBuilder theirs(LineFormat{});
  static WireEntries entries;
  const std::string_view wire(reinterpret_cast<const char*>(data), size);

  ours.Clear();
  uint64_t seq = 0;
  Status why;
  const WireParse parsed = ParseLogBatchWire(wire, &ours, &entries, &seq, &why);

  logscribe::v1::LogBatch batch;
  if (!batch.ParseFromArray(data, static_cast<int>(size))) {
    ours.Clear();
    return 0;
  }
  FUZZ_CHECK(parsed != WireParse::kMalformed, "protobuf parsed what the hand parser called malformed: " +
                                                  why.message());
  FUZZ_CHECK(seq == batch.seq(), "seq " + std::to_string(seq) + " vs " + std::to_string(batch.seq()));
  theirs.Clear();
  Status expected;
  for (int i = 0; i < batch.entries_size() && expected.ok(); ++i) {
    const auto& e = batch.entries(i);
    if (Status s = theirs.Route(e.path(), e.filename(), e.line().size()); !s.ok()) {
      expected = Status(s.code(), "entries[" + std::to_string(i) + "]: " + s.message());
    }
  }
  if (!expected.ok()) {
    FUZZ_CHECK(parsed == WireParse::kRefused, "protobuf's entries were refused: " + expected.message());
    FUZZ_CHECK(why.code() == expected.code() && why.message() == expected.message(),
               why.message() + " vs " + expected.message());
    ours.Clear();
    theirs.Clear();
    return 0;
  }
  FUZZ_CHECK(parsed == WireParse::kOk, "refused what protobuf's entries passed: " + why.message());
  theirs.Reserve();
  for (const auto& e : batch.entries()) theirs.AppendNext(e.line());
  FUZZ_CHECK(ours.lines() == theirs.lines() && ours.bytes() == theirs.bytes(), "line or byte counts differ");
  const std::string a = Describe(ours.Take());
  const std::string b = Describe(theirs.Take());
  FUZZ_CHECK(a == b, "chunks differ:\n" + a + "vs\n" + b);
  return 0;
}

}  // namespace logscribe::fuzz
