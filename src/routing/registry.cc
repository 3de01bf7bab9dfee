#include "registry.h"

#include "host_port.h"

namespace logscribe {
namespace {

Status ValidateRegistration(std::string_view id, std::string_view addr) {
  if (id.empty()) return Status::InvalidArgument("id must not be empty");
  if (id.size() > kMaxScribeIdBytes) {
    return Status::InvalidArgument("id must be at most " + std::to_string(kMaxScribeIdBytes) + " bytes");
  }
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument("id must not contain control characters");
  }
  return ValidateHostPort(addr, "addr");
}

Status TakenBy(std::string_view id, const PeerIdentity& holder, const PeerIdentity& who) {
  return Status::PermissionDenied("scribe id " + std::string(id) + " is held by the certificate " +
                                  holder.Describe() + ", not " + who.Describe() +
                                  " (a scribe id belongs to the certificate that first registered it)");
}

}  // namespace

const char* Registry::RegistrationName(Registration r) {
  switch (r) {
    case Registration::kAdded: return "added";
    case Registration::kMoved: return "moved";
    case Registration::kUnchanged: return "unchanged";
  }
  return "?";
}

Registry::Registry(std::string routing, int max_misses)
    : routing_(std::move(routing)), max_misses_(max_misses < 1 ? 1 : max_misses) {
  MutexLock lock(&mu_);
  RecomputeLocked();
}

void Registry::SetListener(Listener listener) {
  MutexLock lock(&mu_);
  listener_ = std::move(listener);
  if (listener_) listener_(router_.load());
}

Status Registry::Register(std::string_view id, std::string_view addr, std::string_view version,
                          const PeerIdentity& who, Registration* outcome) {
  if (Status s = ValidateRegistration(id, addr); !s.ok()) {
    counters_.registrations_refused.fetch_add(1, std::memory_order_relaxed);
    return s;
  }

  MutexLock lock(&mu_);
  if (auto held = holders_.find(id); held != holders_.end() && !(held->second == who)) {
    counters_.takeovers_refused.fetch_add(1, std::memory_order_relaxed);
    return TakenBy(id, held->second, who);
  }
  holders_.try_emplace(std::string(id), who);
  Registration what = Registration::kUnchanged;
  auto it = scribes_.find(id);
  if (it == scribes_.end()) {
    ScribeRecord record;
    record.id.assign(id);
    record.addr.assign(addr);
    record.version.assign(version);
    record.identity = who;
    scribes_.emplace(record.id, std::move(record));
    what = Registration::kAdded;
  } else {
    if (it->second.addr != addr) {
      it->second.addr.assign(addr);
      what = Registration::kMoved;
    }
    if (!version.empty()) it->second.version.assign(version);  // the original's scribes send none
    it->second.misses = 0;
  }
  RecomputeLocked();
  counters_.registrations[static_cast<int>(what)].fetch_add(1, std::memory_order_relaxed);
  if (outcome != nullptr) *outcome = what;
  return Status::Ok();
}

std::vector<ScribeRecord> Registry::EndRound(const std::vector<PingResult>& results) {
  std::vector<ScribeRecord> dropped;
  MutexLock lock(&mu_);
  for (const PingResult& r : results) {
    counters_.pings.fetch_add(1, std::memory_order_relaxed);
    if (!r.ok) counters_.pings_failed.fetch_add(1, std::memory_order_relaxed);
    auto it = scribes_.find(r.id);
    if (it == scribes_.end() || it->second.addr != r.addr) continue;
    if (r.ok) {
      it->second.misses = 0;
    } else if (++it->second.misses >= max_misses_) {
      dropped.push_back(std::move(it->second));
      scribes_.erase(it);
    }
  }
  RecomputeLocked();
  counters_.dropped.fetch_add(dropped.size(), std::memory_order_relaxed);
  return dropped;
}

std::vector<ScribeRecord> Registry::Scribes() const {
  MutexLock lock(&mu_);
  std::vector<ScribeRecord> out;
  out.reserve(scribes_.size());
  for (const auto& [id, record] : scribes_) out.push_back(record);
  return out;
}

size_t Registry::size() const {
  MutexLock lock(&mu_);
  return scribes_.size();
}

void Registry::RecomputeLocked() {
  std::vector<ScribeEndpoint> endpoints;
  endpoints.reserve(scribes_.size());
  for (const auto& [id, record] : scribes_) endpoints.push_back({record.id, record.addr, record.identity});
  std::shared_ptr<const Router> router = MakeRouter(routing_, std::move(endpoints));
  if (router == nullptr) router = std::make_shared<RendezvousRouter>(std::vector<ScribeEndpoint>{});
  router_.store(router, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_relaxed);
  if (listener_) listener_(router);
}

Status Registry::Deregister(std::string_view id, std::string_view addr, const PeerIdentity& who,
                            bool* removed) {
  *removed = false;
  MutexLock lock(&mu_);
  auto held = holders_.find(id);
  if (held != holders_.end() && !(held->second == who)) {
    counters_.takeovers_refused.fetch_add(1, std::memory_order_relaxed);
    return TakenBy(id, held->second, who);
  }
  auto it = scribes_.find(id);
  if (it == scribes_.end() || it->second.addr != addr) return Status::Ok();
  scribes_.erase(it);
  if (held != holders_.end()) holders_.erase(held);  // leaving on purpose frees the id
  RecomputeLocked();
  counters_.deregistered.fetch_add(1, std::memory_order_relaxed);
  *removed = true;
  return Status::Ok();
}

}  // namespace logscribe
