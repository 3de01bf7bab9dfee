// Rights: what an admitted peer may do, each right with its own allow-lists.
//
//   right   calls                                  mutual TLS: who             without mutual TLS
//   write   Log, LogBatch, LogStream               -allow-cn/-allow-san;       anyone
//                                                  both empty: any certificate
//   read    the read service                       -allow-read-cn/-san only    loopback peers, or anyone
//                                                                              with -allow-insecure-read
//   scribe  Register, Deregister (mediator)        -allow-scribe-cn/-san only  anyone
//   admin   Route, GetStats, GetVersion,           -allow-admin-cn/-san only   anyone
//           GetScribesResponsibility (mediator)
//
// One identity may hold several rights. The connection-level PeerAllowList
// admits the union of the lists; each handler then checks its own right with
// Check(), which answers OK or PERMISSION_DENIED naming the flags that would
// allow the call.
//
// Write scope (-write-scope, repeatable; only with mutual TLS): with at least
// one rule, an identity writes only under the path prefixes of the rules that
// name it (see ParseWriteScope for the syntax); with none, anywhere.
//
// Thread contract: thread-safe. Constant after construction apart from the
// refusal counters (relaxed atomics).
#pragma once

#include <grpcpp/security/auth_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "peer_identity.h"  // src/common
#include "status.h"         // src/common
#include "tls_files.h"

namespace logscribe {

struct ServerSecurityOptions;

enum class Right { kWrite, kRead, kScribe, kAdmin };
inline constexpr int kRights = 4;
// "write", "read", "scribe", "admin".
const char* RightName(Right right);

// One -write-scope rule: who it names, and the path prefix it allows.
struct WriteScopeRule {
  // A CN or SAN matched exactly, or "*" for every identity.
  std::string who;
  // A canonical path prefix ("" is the whole root), possibly with "{cn}" in
  // it, replaced by the writer's CN.
  std::string prefix;
};

// Parses one -write-scope value:
//   WHO=PREFIX   the identity whose CN or one of whose SANs is WHO (exactly)
//                may write under PREFIX; WHO "*" means every identity
//   PREFIX       alone (no '='): the same as "*=PREFIX"
// PREFIX is a path as requests name them (a leading '/' is allowed and
// dropped; "a//b/." is "a/b"); "" or "/" is the whole root. "{cn}" anywhere in
// it stands for the writer's CN, which must then be one valid path component
// (no '/', not "." or ".."), or the rule allows that writer nothing.
// A file is under PREFIX when its path equals PREFIX or begins with PREFIX
// followed by '/': "nodes/node-1" allows "nodes/node-1" and
// "nodes/node-1/app", not "nodes/node-10". So `-write-scope '{cn}'` lets
// each node write only under a directory named after its own CN.
// InvalidArgument with one sentence for an empty WHO or a PREFIX that no
// request path could be (a ".." component, a control character, ...).
Status ParseWriteScope(std::string_view text, WriteScopeRule* out);

// The identity in a verified peer certificate as gRPC reports it (a server's
// own call, or the scribe a client call reached).
PeerIdentity PeerIdentityOf(const grpc::AuthContext& context);

class Rights {
 public:
  // What one call's peer holds, resolved once per call (a stream checks every
  // batch against it).
  struct Peer {
    PeerIdentity identity;
    bool loopback = false;
    unsigned held = 0;  // bit per Right
    bool scoped = false;  // -write-scope rules exist: writes only under `prefixes`
    std::vector<std::string> prefixes;
  };

  // InvalidArgument with one sentence for lists or rules that make no sense
  // in `mode` (any right list, -write-scope without mutual TLS;
  // -allow-insecure-read with it) or a bad -write-scope. `options` must
  // outlive nothing: everything is copied.
  static Status Make(const ServerSecurityOptions& options, TlsMode mode, std::unique_ptr<Rights>* out);

  // The peer of `ctx` (its auth context and address).
  Peer Identify(const grpc::ServerContext& ctx) const;
  // Exposed for tests: the peer with this identity at this address
  // ("ipv4:127.0.0.1:5000").
  Peer IdentifyForTest(const PeerIdentity& identity, std::string_view peer_address) const;

  // OK, or PERMISSION_DENIED naming the flags (counted under `right`).
  grpc::Status Check(const grpc::ServerContext& ctx, Right right) const;
  Status Check(const Peer& peer, Right right) const;
  // OK when `peer` may write the file of canonical key `key` (file_key.h),
  // or PERMISSION_DENIED naming -write-scope (counted under write).
  Status CheckWriteScope(const Peer& peer, std::string_view key) const;
  // Whether checking a write needs the peer at all: false when anyone may
  // write anywhere (no mutual TLS, or no write list and no scope), which
  // spares the data path the auth-context lookup.
  bool write_checked() const { return write_checked_; }

  // The connection-level union (PeerAllowList): every CN and SAN of every list.
  std::vector<std::string> AllCns() const;
  std::vector<std::string> AllSans() const;
  // Whether the write right is limited to its lists (so the connection-level
  // check must keep out the certificates on no list).
  bool write_listed() const;

  // Refusals so far, by right (scope refusals count under write).
  uint64_t refusals(Right right) const {
    return refusals_[static_cast<int>(right)].load(std::memory_order_relaxed);
  }
  uint64_t scope_refusals() const { return scope_refusals_.load(std::memory_order_relaxed); }

  // Lines for the start-up block, one per right: "write: CN node-1; ..."
  std::vector<std::string> Describe() const;
  // The flags that grant `right`: "-allow-scribe-cn, -allow-scribe-san".
  static std::string FlagsOf(Right right);

 private:
  Rights() = default;
  static bool IsLoopback(std::string_view peer_address);
  Peer Resolve(PeerIdentity identity, bool loopback) const;

  // Constant after construction.
  TlsMode mode_ = TlsMode::kInsecure;
  bool mediator_ = false;
  bool allow_insecure_read_ = false;
  std::set<std::string> cns_[kRights];
  std::set<std::string> sans_[kRights];
  std::vector<WriteScopeRule> scope_;
  bool write_checked_ = false;

  mutable std::atomic<uint64_t> refusals_[kRights] = {};
  mutable std::atomic<uint64_t> scope_refusals_{0};
};

}  // namespace logscribe
