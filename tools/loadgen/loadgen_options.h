// LoadgenOptions: everything logscribe-loadgen is told on its command line.
//
// Thread contract: thread-compatible. Filled once by ParseLoadgenOptions()
// before any thread starts, then only read.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace logscribe::loadgen {

enum class LoadMode {
  kUnary,   // LogScribe.Log: one line per RPC
  kBatch,   // LogScribe.LogBatch: one batch per RPC
  kStream,  // LogScribe.LogStream: many batches in flight on one stream
};

const char* LoadModeName(LoadMode mode);

struct LoadgenOptions {
  // The scribe, host:port. Default: 127.0.0.1:8080.
  std::string target = "127.0.0.1:8080";
  // Which RPC carries the lines. Default: kStream.
  LoadMode mode = LoadMode::kStream;
  // Connections, each its own channel, completion queue and thread. Default: 1.
  int connections = 1;
  // RPCs (unary, batch) or batches (stream) in flight per connection. Default: 8.
  int concurrency = 8;
  // Lines per LogBatch in batch and stream mode (unary sends one). Default: 256.
  int batch_lines = 256;
  // Bytes per line, id included, newline excluded; a line is never shorter
  // than its id. Default: 100.
  int line_bytes = 100;
  // Files f0..f<files-1>; file f<k> lives in path p<k % paths>. Default: 16, 1.
  int files = 16;
  int paths = 1;
  // How long to issue lines. Default: 10s, or unlimited when only -lines is given.
  std::chrono::nanoseconds duration = std::chrono::seconds(10);
  bool has_duration = true;
  // Stop after this many lines were issued; 0 means no limit. Default: 0.
  uint64_t lines = 0;
  // Open loop at this many lines/s over all connections; 0 means closed loop.
  // Default: 0.
  double rate = 0;
  // TLS: root certificates (PEM file), client certificate and key, and the name
  // to expect in the server's certificate. No -ca means an insecure channel.
  // Default: "" each.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  // Scribe roots to read back after the run, one per scribe. Default: none.
  std::vector<std::string> verify_roots;
  // How long verification keeps re-reading while acknowledged lines are
  // missing (a scribe acking before it writes needs a moment). Default: 2s.
  std::chrono::nanoseconds verify_wait = std::chrono::seconds(2);
  // Tells lines of different runs apart: [A-Za-z0-9_], at most 32 characters.
  // Default: 8 random hex digits.
  std::string run_id;
  // No progress lines on stderr. Default: false.
  bool quiet = false;
  // One JSON object on stdout instead of the summary table. Default: false.
  bool json = false;
  // After the last issue, how long in-flight RPCs may take before they are
  // cancelled. Default: 10s.
  std::chrono::nanoseconds drain_timeout = std::chrono::seconds(10);
  // How long each connection may take to become ready. Default: 5s.
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(5);

  // Lines carried by one RPC or stream batch: 1 in unary mode, else batch_lines.
  int lines_per_batch() const { return mode == LoadMode::kUnary ? 1 : batch_lines; }
};

enum class ParseOutcome { kOk, kHelp, kError };

// Parses and validates argv. kHelp: *message holds the usage text. kError:
// *message holds one sentence. A missing -run-id is filled in at random.
ParseOutcome ParseLoadgenOptions(int argc, const char* const* argv, LoadgenOptions* options,
                                 std::string* message);

// A random run id: 8 hex digits.
std::string RandomRunId();

}  // namespace logscribe::loadgen
