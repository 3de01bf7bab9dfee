// FileFence: one writer per file. It remembers, for every file with lines in
// flight, which scribe holds them and how many parts; a part for a file whose
// owner changed is held back until every part still in flight at the old
// owner is acknowledged or failed, then goes to the new owner.
//
// Thread contract: thread-compatible; the forwarder calls it under its mutex.
//
// Invariants (per file key):
//  1. Every part in flight for a file is at one scribe, `owner`; `inflight`
//     counts them.
//  2. held is non-empty only while inflight > 0: a file's held parts are
//     released, in order, the moment its last in-flight part is done.
//  3. Parts of one file leave the fence (as Sends) in the order they came in,
//     except that parts handed back by Retry() go ahead of the file's held
//     parts (they came in before any of them).
//  4. A file with nothing in flight and nothing held has no entry: the fence
//     costs memory only for files in flight.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "forward_part.h"
#include "router.h"

namespace logscribe {

class FileFence {
 public:
  // Send `part` to `owner` now. A null owner means no scribe is left to take
  // it: the caller fails it (the part is no longer in the fence).
  struct Send {
    ForwardPart* part;
    const ScribeEndpoint* owner;  // points into the Router given
  };

  // A new part: sent to its router owner at once, unless the file still has
  // parts in flight at another owner (or held), in which case it is held.
  void Admit(ForwardPart* part, const Router& router, std::vector<Send>* out);

  // Its owner acknowledged `part`, or failed it for good: it leaves the fence.
  // When it was the file's last part in flight, the held parts are released
  // to the file's current owner.
  void Done(ForwardPart* part, const Router& router, std::vector<Send>* out);

  // Its owner failed `parts` and they must be sent again (its stream broke, or
  // the scribe was dropped). `parts` in the order they were sent; they go
  // ahead of any held part of their file, and are released like held parts.
  void Retry(const std::vector<ForwardPart*>& parts, const Router& router, std::vector<Send>* out);

  // Removes and returns every held part (shutdown); parts in flight stay
  // counted until Done()/Retry().
  std::vector<ForwardPart*> TakeHeld();

  // Introspection, for tests and stats.
  size_t files() const { return files_.size(); }
  int InFlight(std::string_view key) const;
  size_t Held(std::string_view key) const;
  std::string Owner(std::string_view key) const;

 private:
  struct FileState {
    std::string owner;
    int inflight = 0;
    std::deque<ForwardPart*> held;
  };
  using Map = std::unordered_map<std::string, FileState>;

  // Releases a file whose inflight is 0: its held parts all go to the current
  // owner (or fail with no owner). Erases the entry when nothing is left.
  void Release(Map::iterator it, const Router& router, std::vector<Send>* out);
  void SendTo(FileState* file, ForwardPart* part, const ScribeEndpoint* owner, std::vector<Send>* out);

  Map files_;
};

}  // namespace logscribe
