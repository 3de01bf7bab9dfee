#include "batch_builder.h"

#include <functional>

#include "file_key.h"

namespace logscribe {

Status BatchBuilder::Add(std::string_view path, std::string_view filename, std::string_view line) {
  if (line.size() > format_.max_line_bytes) {
    return Status::InvalidArgument("line: " + std::to_string(line.size()) +
                                   " bytes is over -max-line-bytes (" +
                                   std::to_string(format_.max_line_bytes) + ")");
  }
  FileChunk* chunk = last_;
  if (chunk == nullptr || path != last_path_ || filename != last_filename_) {
    if (Status s = ValidateFileKey(path, filename, &key_); !s.ok()) return s;
    auto it = by_key_.find(key_);
    if (it != by_key_.end()) {
      chunk = it->second;
    } else {
      auto fresh = std::make_unique<FileChunk>();
      fresh->key = key_;
      fresh->key_hash = std::hash<std::string_view>()(fresh->key);
      chunk = fresh.get();
      chunks_.push_back(std::move(fresh));
      by_key_.emplace(chunk->key, chunk);
    }
    last_ = chunk;
    last_path_.assign(path);
    last_filename_.assign(filename);
  }
  AppendLine(chunk, line);
  return Status::Ok();
}

void BatchBuilder::AppendLine(FileChunk* chunk, std::string_view line) {
  std::string& data = chunk->data;
  const size_t start = data.size();
  if (format_.escape_newlines) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    size_t pos = 0;
    while (pos < line.size()) {
      const size_t nl = line.find('\n', pos);
      if (nl == std::string_view::npos) {
        data.append(line.substr(pos));
        break;
      }
      data.append(line.substr(pos, nl - pos));
      data.append("\\n");
      pos = nl + 1;
    }
    data.push_back('\n');
  } else {
    data.append(line);
    if (line.empty() || line.back() != '\n') data.push_back('\n');
  }
  chunk->line_ends.push_back(static_cast<uint32_t>(data.size()));
  bytes_ += data.size() - start;
  ++lines_;
}

std::vector<std::unique_ptr<FileChunk>> BatchBuilder::Take() {
  std::vector<std::unique_ptr<FileChunk>> out;
  out.swap(chunks_);
  Clear();
  return out;
}

void BatchBuilder::Clear() {
  chunks_.clear();
  by_key_.clear();
  last_ = nullptr;
  last_path_.clear();
  last_filename_.clear();
  bytes_ = 0;
  lines_ = 0;
}

}  // namespace logscribe
