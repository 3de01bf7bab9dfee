// Registry: the live scribes the mediator knows, and the Router over them.
//
// Thread contract: thread-safe; every method may be called from any thread.
// The Router snapshot is immutable: a reader may keep it as long as it likes,
// and a new one replaces it atomically after every registration and every
// health round, as the seed says.
//
// The listener is told every new snapshot while the registry's lock is held,
// so listeners see snapshots in the order they were made. Lock order:
// Registry::mu_ before any lock the listener takes; the listener must not call
// back into the Registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mutex.h"  // src/common
#include "peer_identity.h"  // src/common
#include "router.h"
#include "scribe_id.h"  // src/common: kMaxScribeIdBytes
#include "status.h"  // src/common/status.h

namespace logscribe {

struct ScribeRecord {
  std::string id;
  std::string addr;     // host:port the mediator dials
  std::string version;  // as the scribe sent it when it registered
  int misses = 0;       // consecutive failed pings
  // The certificate that registered it (empty without mutual TLS): the
  // mediator expects the same one when it dials the scribe.
  PeerIdentity identity;
};

// The outcome of one ping of one scribe.
struct PingResult {
  std::string id;
  std::string addr;  // the address that was pinged
  bool ok = false;
};

// What the registry has seen, for /metrics; relaxed atomics, bumped once per
// registration or ping result.
inline constexpr int kRegistrationKinds = 3;  // Registry::Registration
struct RegistryCounters {
  std::atomic<uint64_t> registrations[kRegistrationKinds] = {};  // by Registry::Registration
  std::atomic<uint64_t> registrations_refused{0};  // InvalidArgument
  std::atomic<uint64_t> takeovers_refused{0};      // PermissionDenied: an id another certificate holds
  std::atomic<uint64_t> dropped{0};                // scribes dropped after max_misses
  std::atomic<uint64_t> deregistered{0};           // scribes that left on their own (Deregister)
  std::atomic<uint64_t> pings{0};                  // ping results applied by EndRound
  std::atomic<uint64_t> pings_failed{0};
};

class Registry {
 public:
  using Listener = std::function<void(const std::shared_ptr<const Router>&)>;

  enum class Registration {
    kAdded,      // a new scribe
    kMoved,      // a known id with another address: the address is updated
    kUnchanged,  // a known id and address: harmless, its misses are cleared
  };
  static const char* RegistrationName(Registration r);

  // `routing` is a name MakeRouter accepts ("rendezvous", "first-char");
  // `max_misses` >= 1 consecutive failed pings drop a scribe.
  Registry(std::string routing, int max_misses);

  // Replaces the listener and tells it the current snapshot at once.
  void SetListener(Listener listener);

  // Adds or refreshes a scribe. InvalidArgument when the id is empty, too
  // long or has control characters, or `addr` is not host:port with a port
  // in 1..65535. Recomputes the router either way it succeeds.
  //
  // `who` is the registering peer's certificate. An id is held by the first
  // identity that registers it, for the registry's lifetime, even after the
  // scribe is dropped for missed pings: a Register or Deregister of that id
  // from another identity is PermissionDenied, so no certificate can take
  // over a scribe id it did not register. A Deregister by the holder frees
  // the id.
  Status Register(std::string_view id, std::string_view addr, std::string_view version,
                  const PeerIdentity& who, Registration* outcome = nullptr);
  Status Register(std::string_view id, std::string_view addr, std::string_view version,
                  Registration* outcome = nullptr) {
    return Register(id, addr, version, PeerIdentity(), outcome);
  }

  // Applies one health round: a failed ping adds a miss, a good one clears
  // them; a scribe with max_misses misses is dropped. A result for an address
  // the scribe no longer has (it registered again meanwhile), or for a scribe
  // not known any more, is ignored. Recomputes the router; returns the
  // dropped scribes.
  std::vector<ScribeRecord> EndRound(const std::vector<PingResult>& results);

  // Removes a scribe that is leaving: true when `id` was registered at
  // `addr`. Recomputes the router when it removed one.
  bool Deregister(std::string_view id, std::string_view addr) {
    bool removed = false;
    return Deregister(id, addr, PeerIdentity(), &removed).ok() && removed;
  }
  // The same, PermissionDenied (nothing removed) when `id` is held by an
  // identity other than `who`.
  Status Deregister(std::string_view id, std::string_view addr, const PeerIdentity& who, bool* removed);

  // The live scribes, sorted by id.
  std::vector<ScribeRecord> Scribes() const;
  size_t size() const;

  // The current snapshot; never null (it routes nowhere with no scribe).
  std::shared_ptr<const Router> router() const { return router_.load(std::memory_order_acquire); }
  // Bumped with every snapshot.
  uint64_t generation() const { return generation_.load(std::memory_order_relaxed); }
  const std::string& routing() const { return routing_; }
  const RegistryCounters& counters() const { return counters_; }

 private:
  void RecomputeLocked() REQUIRES(mu_);

  // Constant after construction.
  const std::string routing_;
  const int max_misses_;

  mutable Mutex mu_;
  // State below is protected by mu_.
  std::map<std::string, ScribeRecord, std::less<>> scribes_ GUARDED_BY(mu_);
  std::map<std::string, PeerIdentity, std::less<>> holders_ GUARDED_BY(mu_);  // id -> who registered it
  Listener listener_ GUARDED_BY(mu_);

  // Written under mu_, read without it.
  std::atomic<std::shared_ptr<const Router>> router_;
  std::atomic<uint64_t> generation_{0};

  // Relaxed; bumped with or without mu_.
  RegistryCounters counters_;
};

}  // namespace logscribe
