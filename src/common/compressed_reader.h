// CompressedReader: reads a log file back, decompressing a rotated .zst or
// .gz one on the fly with fixed buffers. For the verifier, the tests and
// logscribe-cat (rotated copies logrotate compressed); the scribe itself
// never reads its logs back this way. A .gz file may hold several members
// and a .zst one several frames, read one after the other (as gzip -d and
// zstd -d do); the input must end where a member or frame ends.
//
// Thread contract: thread-compatible.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codec.h"
#include "status.h"

namespace logscribe {

class CompressedReader {
 public:
  // Opens `path`; the codec comes from its name (".zst", ".gz", else plain).
  // NOT_FOUND when the file does not exist.
  static Status Open(const std::string& path, std::unique_ptr<CompressedReader>* out);
  // Reads the open descriptor `fd` (from its current offset) with `codec`;
  // takes it (closed by the reader, also when this fails). `name` goes into
  // messages.
  static Status FromFd(int fd, Codec codec, std::string name, std::unique_ptr<CompressedReader>* out);
  ~CompressedReader();
  CompressedReader(const CompressedReader&) = delete;
  CompressedReader& operator=(const CompressedReader&) = delete;

  // Reads up to `n` bytes of content; *got is 0 only at the end. A damaged or
  // truncated compressed file is DATA_LOSS (truncated() tells which).
  Status Read(char* data, size_t n, size_t* got);

  // Reads everything that is left into *content.
  Status ReadAll(std::string* content);

  Codec codec() const { return codec_; }
  int fd() const { return fd_; }
  // Whether the input ended in the middle of a member or frame (a copy still
  // being compressed, or cut short): the DATA_LOSS Read() returned then.
  bool truncated() const { return truncated_; }

 private:
  struct Engine;

  CompressedReader(int fd, Codec codec, std::string path);
  Status Fill();

  const int fd_;
  const Codec codec_;
  const std::string path_;
  std::unique_ptr<Engine> engine_;
  std::vector<char> in_;
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  bool in_eof_ = false;
  bool done_ = false;
  bool truncated_ = false;
};

}  // namespace logscribe
