// ScribeOptions: everything the logscribe binary can be told, parsed and
// validated once at start-up.
//
// Thread contract: thread-compatible; filled by main() before any thread starts.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "codec.h"
#include "file_sink.h"
#include "server_flags.h"

namespace logscribe {

struct ScribeOptions {
  // The flags both servers share (server_flags.h): -bind, -port, the
  // service limits, -queue-bytes, -batch-bytes, -shutdown-timeout, TLS and
  // -pprof. Default port: 8080 (-port), metrics port: 1111 (-pport).
  ServerFlags server{8080, 1111};
  // Log root. Default: ./logs (-path).
  std::string path = "./logs";
  // Rotate a file before a line would take it past this. Default: 1MB (-size; -1B never).
  uint64_t rotate_bytes = 1000 * 1000;
  // Rotate a non-empty file once its content is this old; 0: never.
  // Default: 0 (-rotate-every).
  std::chrono::nanoseconds rotate_every{0};
  // Rotated files kept per log, the newest; 0 keeps all. Default: 0 (-max-backups).
  int max_backups = 0;
  // --- Disk budget of the whole root (rotated pieces only are ever deleted) ---
  // Rotated pieces whose rotation is older than this are deleted; 0: no
  // limit. Default: 0 (-max-age).
  std::chrono::nanoseconds max_age{0};
  // Bytes the whole root may hold; the oldest pieces of any log go first; 0:
  // no limit. Default: 0 (-max-root-bytes).
  uint64_t max_root_bytes = 0;
  // Free bytes to keep on the root's filesystem; 0: none. Default: 0 (-min-free-bytes).
  uint64_t min_free_bytes = 0;
  // --- end of the disk budget ---
  // Compression of rotated files, in the background. Default: none (-compress none|zstd|gzip).
  Codec compress = Codec::kNone;
  // Its level; 0: zstd 3, gzip 6. Default: 0 (-compress-level).
  int compress_level = 0;
  // Echo each line to stdout. Default: false (-console).
  bool console = false;
  // Writer threads. Default: 1 (-writer-threads).
  int writer_threads = 1;
  // Open log files across writers. Default: 16384 (-max-open-files), lowered
  // at start-up to what the descriptor limit allows.
  int max_open_files = 16384;
  // Log files the root may hold before no new one is created (existing ones
  // are still written); 0: no limit. Counted at start-up. Default: 0 (-max-files).
  uint64_t max_files = 0;
  // Reads (LogReader.Read) at once; the next is RESOURCE_EXHAUSTED. Default: 64 (-max-readers).
  int max_readers = 64;
  // Memory one read may hold. Default: 1 MiB (-read-buffer-bytes).
  uint64_t read_buffer_bytes = 1 << 20;
  // A chunk a reader's client leaves untaken this long ends the read.
  // Default: 10s (-read-stall-timeout).
  std::chrono::nanoseconds read_stall_timeout = std::chrono::seconds(10);
  // When a request counts as done. Default: written (-ack received|written|fsync).
  AckMode ack = AckMode::kWritten;
  // File writer. Default: auto (-writer auto|uring|writev).
  WriterKind writer = WriterKind::kAuto;
  // Mode bits of new files and directories. Default: 0640 / 0750 (-file-mode, -dir-mode).
  mode_t file_mode = 0640;
  mode_t dir_mode = 0750;
  // Write embedded newlines as "\n". Default: false (-escape-newlines).
  bool escape_newlines = false;
  // file, or null to run everything but the write. Default: file (-sink).
  bool null_sink = false;
  // The mediator to register with, host:port; empty: none. Default: none (-mediator).
  std::string mediator;
  // The id to register under. Default: scribe-<hostname>-<port> (-id).
  std::string id;
  // host:port the mediator dials. Default: 127.0.0.1:<port> when bound to a
  // wildcard or loopback address, else <bind>:<port> (-advertise).
  std::string advertise;
  // How long start-up keeps trying to register. Default: 10s (-register-timeout).
  std::chrono::milliseconds register_timeout{10000};
  // The mediator's ping interval; no ping for twice this and the scribe
  // registers again. Default: 5s (-ping-interval).
  std::chrono::milliseconds ping_interval{5000};
  // Test hook: delay before each writer round. Default: 0 (-test-write-delay).
  std::chrono::nanoseconds test_write_delay{0};
  // Test hook: delay after each compressed block. Default: 0 (-test-compress-delay).
  std::chrono::nanoseconds test_compress_delay{0};
};

// Parses argv into *options. Returns -1 to go on, or the exit code to leave
// with after printing: 0 for -help (usage on stdout), 2 for a bad command line
// (one sentence on stderr).
int ParseScribeOptions(int argc, const char* const* argv, ScribeOptions* options);

const char* AckModeName(AckMode mode);

}  // namespace logscribe
