#include "batch_builder.h"

#include <functional>

#include "file_key.h"

namespace logscribe {

Status BatchBuilder::Locate(std::string_view path, std::string_view filename, bool cache,
                            uint32_t* chunk) {
  CacheSlot* slot = nullptr;
  if (cache) {
    const size_t h = std::hash<std::string_view>()(path) * 31 + std::hash<std::string_view>()(filename);
    slot = &cache_[h % kCacheSlots];
    if (slot->generation == generation_ && slot->path == path && slot->filename == filename) {
      *chunk = slot->chunk;
      return Status::Ok();
    }
  }
  if (Status s = ValidateFileKey(path, filename, &key_); !s.ok()) return s;
  auto it = by_key_.find(key_);
  if (it != by_key_.end()) {
    *chunk = it->second;
  } else {
    auto fresh = std::make_unique<FileChunk>();
    fresh->key = key_;
    fresh->key_hash = std::hash<std::string_view>()(fresh->key);
    *chunk = static_cast<uint32_t>(chunks_.size());
    by_key_.emplace(fresh->key, *chunk);
    chunks_.push_back(std::move(fresh));
    reserve_bytes_.push_back(0);
    reserve_lines_.push_back(0);
  }
  if (slot != nullptr) {
    slot->path = path;
    slot->filename = filename;
    slot->chunk = *chunk;
    slot->generation = generation_;
  }
  return Status::Ok();
}

Status BatchBuilder::Add(std::string_view path, std::string_view filename, std::string_view line) {
  if (line.size() > format_.max_line_bytes) {
    return Status::InvalidArgument("line: " + std::to_string(line.size()) +
                                   " bytes is over -max-line-bytes (" +
                                   std::to_string(format_.max_line_bytes) + ")");
  }
  uint32_t chunk;
  // No cache: the caller's strings may not outlive this call.
  if (Status s = Locate(path, filename, /*cache=*/false, &chunk); !s.ok()) return s;
  AppendLine(chunks_[chunk].get(), line);
  return Status::Ok();
}

Status BatchBuilder::Route(std::string_view path, std::string_view filename, uint64_t line_bytes) {
  if (line_bytes > format_.max_line_bytes) {
    return Status::InvalidArgument("line: " + std::to_string(line_bytes) +
                                   " bytes is over -max-line-bytes (" +
                                   std::to_string(format_.max_line_bytes) + ")");
  }
  uint32_t chunk;
  if (Status s = Locate(path, filename, /*cache=*/true, &chunk); !s.ok()) return s;
  routes_.push_back(chunk);
  reserve_bytes_[chunk] += line_bytes + 1;
  reserve_lines_[chunk] += 1;
  return Status::Ok();
}

void BatchBuilder::Reserve() {
  for (size_t i = 0; i < chunks_.size(); ++i) {
    FileChunk* c = chunks_[i].get();
    c->data.reserve(c->data.size() + reserve_bytes_[i]);
    c->line_ends.reserve(c->line_ends.size() + reserve_lines_[i]);
    reserve_bytes_[i] = 0;
    reserve_lines_[i] = 0;
  }
}

void BatchBuilder::AppendNext(std::string_view line) {
  AppendLine(chunks_[routes_[next_route_++]].get(), line);
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
  reserve_bytes_.clear();
  reserve_lines_.clear();
  routes_.clear();
  next_route_ = 0;
  ++generation_;  // forgets every cached raw name (they point into the old request)
  bytes_ = 0;
  lines_ = 0;
}

}  // namespace logscribe
