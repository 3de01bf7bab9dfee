// Routers: which live scribe owns a file.
//
// Thread contract: a Router is immutable after construction, so const methods
// may be called from any thread; the mediator swaps whole routers when the set
// of live scribes changes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "peer_identity.h"  // src/common

namespace logscribe {

struct ScribeEndpoint {
  std::string id;    // unique, chosen by the scribe (-id)
  std::string addr;  // host:port the mediator dials
  // The certificate that registered the id (empty without mutual TLS): the
  // scribe at `addr` must present it when the mediator dials.
  PeerIdentity identity = {};
};

class Router {
 public:
  virtual ~Router() = default;
  // The owner of the file with canonical key `key` ("dir/filename", see
  // file_key.h), or null when there is no scribe.
  virtual const ScribeEndpoint* Route(std::string_view key) const = 0;
  virtual const char* name() const = 0;
  const std::vector<ScribeEndpoint>& scribes() const { return scribes_; }

 protected:
  // Keeps the scribes sorted by id, so the result does not depend on the order
  // in which they registered.
  explicit Router(std::vector<ScribeEndpoint> scribes);
  std::vector<ScribeEndpoint> scribes_;
};

// Highest-random-weight hashing of the whole key: each scribe scores
// hash(key, scribe id) and the highest wins. A file moves only when its owner
// leaves or a new scribe out-scores the owner for it.
class RendezvousRouter final : public Router {
 public:
  explicit RendezvousRouter(std::vector<ScribeEndpoint> scribes);
  const ScribeEndpoint* Route(std::string_view key) const override;
  const char* name() const override { return "rendezvous"; }

 private:
  std::vector<uint64_t> id_hashes_;
};

// The seed's algorithm: the first character of the filename (not the path),
// folded to lower case, is looked up among the 36 characters a-z then 0-9,
// split into contiguous ranges, one per scribe in id order: with two scribes,
// a-r and s-9. Any other first byte (punctuation, non-ASCII) goes to scribe
// number (byte % scribes), so every name has exactly one owner.
class FirstCharRouter final : public Router {
 public:
  explicit FirstCharRouter(std::vector<ScribeEndpoint> scribes);
  const ScribeEndpoint* Route(std::string_view key) const override;
  const char* name() const override { return "first-char"; }

  // The range owned by scribe `index` as "a-r", for GetScribesResponsibility.
  std::string RangeOf(size_t index) const;
};

// "rendezvous" or "first-char"; null for another name.
std::unique_ptr<Router> MakeRouter(std::string_view kind, std::vector<ScribeEndpoint> scribes);

// 64-bit hash used for routing (FNV-1a with a strong finalizer); stable across
// processes and builds, as every mediator must agree.
uint64_t RoutingHash(std::string_view data, uint64_t seed = 0);

}  // namespace logscribe
