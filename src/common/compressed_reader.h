// CompressedReader: reads a log file back, decompressing a rotated .zst or
// .gz one on the fly with fixed buffers. For the verifier and the tests; the
// scribe itself never reads its logs back this way.
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
  // Takes `fd` (open for reading; closed by the reader, also on error) with
  // the given codec; `name` is for messages.
  static Status FromFd(int fd, Codec codec, const std::string& name, std::unique_ptr<CompressedReader>* out);
  ~CompressedReader();
  CompressedReader(const CompressedReader&) = delete;
  CompressedReader& operator=(const CompressedReader&) = delete;

  // Reads up to `n` bytes of content; *got is 0 only at the end. A damaged or
  // truncated compressed file is DATA_LOSS.
  Status Read(char* data, size_t n, size_t* got);

  // Reads everything that is left into *content.
  Status ReadAll(std::string* content);

  Codec codec() const { return codec_; }

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
};

}  // namespace logscribe
