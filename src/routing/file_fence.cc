#include "file_fence.h"

#include <unordered_set>

namespace logscribe {

void FileFence::SendTo(FileState* file, ForwardPart* part, const ScribeEndpoint* owner,
                       std::vector<Send>* out) {
  if (owner != nullptr) {
    file->owner = owner->id;
    ++file->inflight;
    part->owner = owner->id;
  } else {
    part->owner.clear();
  }
  out->push_back({part, owner});
}

void FileFence::Admit(ForwardPart* part, const Router& router, std::vector<Send>* out) {
  auto [it, fresh] = files_.try_emplace(part->key());
  FileState& file = it->second;
  const ScribeEndpoint* owner = router.Route(part->key());
  if (file.held.empty() && (file.inflight == 0 || (owner != nullptr && file.owner == owner->id))) {
    SendTo(&file, part, owner, out);
    if (file.inflight == 0) files_.erase(it);  // no owner: nothing stays behind
    return;
  }
  // The owner changed under lines still in flight (invariant 1), or earlier
  // parts wait already (invariant 3).
  file.held.push_back(part);
}

void FileFence::Done(ForwardPart* part, const Router& router, std::vector<Send>* out) {
  auto it = files_.find(part->key());
  part->owner.clear();
  if (it == files_.end()) return;  // not in flight: nothing to account
  if (--it->second.inflight <= 0) Release(it, router, out);
}

void FileFence::Retry(const std::vector<ForwardPart*>& parts, const Router& router,
                      std::vector<Send>* out) {
  // Backwards, so that push_front leaves them in their order (invariant 3).
  for (auto p = parts.rbegin(); p != parts.rend(); ++p) {
    ForwardPart* part = *p;
    auto [it, fresh] = files_.try_emplace(part->key());
    FileState& file = it->second;
    if (!fresh && file.inflight > 0) --file.inflight;
    part->owner.clear();
    file.held.push_front(part);
  }
  // Release in the order the files were first sent, so the output is stable.
  std::unordered_set<std::string_view> seen;
  for (ForwardPart* part : parts) {
    if (!seen.insert(part->key()).second) continue;
    auto it = files_.find(part->key());
    if (it != files_.end() && it->second.inflight == 0) Release(it, router, out);
  }
}

void FileFence::Release(Map::iterator it, const Router& router, std::vector<Send>* out) {
  FileState& file = it->second;
  file.inflight = 0;
  if (!file.held.empty()) {
    const ScribeEndpoint* owner = router.Route(it->first);
    std::deque<ForwardPart*> held;
    held.swap(file.held);
    for (ForwardPart* part : held) SendTo(&file, part, owner, out);
  }
  if (file.inflight == 0 && file.held.empty()) files_.erase(it);
}

std::vector<ForwardPart*> FileFence::TakeHeld() {
  std::vector<ForwardPart*> out;
  for (auto it = files_.begin(); it != files_.end();) {
    for (ForwardPart* part : it->second.held) out.push_back(part);
    it->second.held.clear();
    if (it->second.inflight == 0) {
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

int FileFence::InFlight(std::string_view key) const {
  auto it = files_.find(std::string(key));
  return it == files_.end() ? 0 : it->second.inflight;
}

size_t FileFence::Held(std::string_view key) const {
  auto it = files_.find(std::string(key));
  return it == files_.end() ? 0 : it->second.held.size();
}

std::string FileFence::Owner(std::string_view key) const {
  auto it = files_.find(std::string(key));
  return it == files_.end() ? std::string() : it->second.owner;
}

}  // namespace logscribe
