#include "rights.h"

#include "file_key.h"  // src/common
#include "server_credentials.h"

namespace logscribe {
namespace {

constexpr const char* kCommonName = "x509_common_name";
constexpr const char* kSubjectAltName = "x509_subject_alternative_name";
constexpr std::string_view kCnTemplate = "{cn}";

unsigned Bit(Right right) { return 1u << static_cast<int>(right); }

// The canonical directory of a request path, or InvalidArgument.
Status CanonicalDir(std::string_view path, std::string* out) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string key;
  if (Status s = ValidateFileKey(path, "f", &key); !s.ok()) return s;
  out->assign(KeyDir(key));
  return Status::Ok();
}

std::string ReplaceAll(std::string_view text, std::string_view what, std::string_view with) {
  std::string out;
  size_t from = 0;
  for (size_t at; (at = text.find(what, from)) != std::string_view::npos; from = at + what.size()) {
    out.append(text.substr(from, at - from)).append(with);
  }
  return out.append(text.substr(from));
}

bool UnderPrefix(std::string_view dir, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (dir.size() < prefix.size() || dir.compare(0, prefix.size(), prefix) != 0) return false;
  return dir.size() == prefix.size() || dir[prefix.size()] == '/';
}

std::string Joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

const char* RightName(Right right) {
  switch (right) {
    case Right::kWrite: return "write";
    case Right::kRead: return "read";
    case Right::kScribe: return "scribe";
    case Right::kAdmin: return "admin";
  }
  return "?";
}

std::string Rights::FlagsOf(Right right) {
  switch (right) {
    case Right::kWrite: return "-allow-cn, -allow-san";
    case Right::kRead: return "-allow-read-cn, -allow-read-san";
    case Right::kScribe: return "-allow-scribe-cn, -allow-scribe-san";
    case Right::kAdmin: return "-allow-admin-cn, -allow-admin-san";
  }
  return "?";
}

Status ParseWriteScope(std::string_view text, WriteScopeRule* out) {
  const size_t eq = text.find('=');
  std::string_view who = "*";
  std::string_view prefix = text;
  if (eq != std::string_view::npos) {
    who = text.substr(0, eq);
    prefix = text.substr(eq + 1);
    if (who.empty()) {
      return Status::InvalidArgument("-write-scope '" + std::string(text) +
                                     "': the name before '=' (a CN, a SAN or *) is empty");
    }
  }
  // The template must make a valid path with any valid CN in it.
  std::string canonical;
  if (Status s = CanonicalDir(ReplaceAll(prefix, kCnTemplate, "cn"), &canonical); !s.ok()) {
    return Status::InvalidArgument("-write-scope '" + std::string(text) + "': the prefix is not a path a request " +
                                   "could name (" + s.message() + ")");
  }
  out->who.assign(who);
  // Canonical with the template kept: "{cn}" is one component of its own or
  // part of one, and canonicalizing never splits or merges components.
  std::string kept;
  if (Status s = CanonicalDir(prefix, &kept); !s.ok()) return s;  // cannot fail when the above did not
  out->prefix = std::move(kept);
  return Status::Ok();
}

Status Rights::Make(const ServerSecurityOptions& o, TlsMode mode, std::unique_ptr<Rights>* out) {
  std::unique_ptr<Rights> r(new Rights());
  r->mode_ = mode;
  r->mediator_ = o.mediator;
  r->allow_insecure_read_ = o.allow_insecure_read;
  const bool mutual = mode == TlsMode::kMutualTls;
  struct Lists {
    Right right;
    const std::vector<std::string>* cn;
    const std::vector<std::string>* san;
    const char* flags;
  };
  const Lists lists[] = {
      {Right::kWrite, &o.allow_cn, &o.allow_san, "-allow-cn and -allow-san"},
      {Right::kRead, &o.allow_read_cn, &o.allow_read_san, "-allow-read-cn and -allow-read-san"},
      {Right::kScribe, &o.allow_scribe_cn, &o.allow_scribe_san, "-allow-scribe-cn and -allow-scribe-san"},
      {Right::kAdmin, &o.allow_admin_cn, &o.allow_admin_san, "-allow-admin-cn and -allow-admin-san"},
  };
  for (const Lists& l : lists) {
    if (l.cn->empty() && l.san->empty()) continue;
    if (!mutual) {
      return Status::InvalidArgument(std::string(l.flags) +
                                     " need mutual TLS (-ca, -crt and -pk): without client "
                                     "certificates there is no name to allow");
    }
    if (!o.mediator && (l.right == Right::kScribe || l.right == Right::kAdmin)) {
      return Status::InvalidArgument(std::string(l.flags) + " are the mediator's: the scribe has no " +
                                     RightName(l.right) + " calls");
    }
    const int i = static_cast<int>(l.right);
    r->cns_[i].insert(l.cn->begin(), l.cn->end());
    r->sans_[i].insert(l.san->begin(), l.san->end());
  }
  if (!o.write_scope.empty() && !mutual) {
    return Status::InvalidArgument(
        "-write-scope needs mutual TLS (-ca, -crt and -pk): without client certificates there is no "
        "identity to scope");
  }
  if (o.allow_insecure_read && mutual) {
    return Status::InvalidArgument(
        "-allow-insecure-read is for servers without mutual TLS; with it, readers are named by "
        "-allow-read-cn and -allow-read-san");
  }
  for (const std::string& text : o.write_scope) {
    WriteScopeRule rule;
    if (Status s = ParseWriteScope(text, &rule); !s.ok()) return s;
    r->scope_.push_back(std::move(rule));
  }
  r->write_checked_ = mutual && (r->write_listed() || !r->scope_.empty());
  *out = std::move(r);
  return Status::Ok();
}

bool Rights::write_listed() const {
  const int i = static_cast<int>(Right::kWrite);
  return !cns_[i].empty() || !sans_[i].empty();
}

std::vector<std::string> Rights::AllCns() const {
  std::set<std::string> all;
  for (const auto& s : cns_) all.insert(s.begin(), s.end());
  return {all.begin(), all.end()};
}

std::vector<std::string> Rights::AllSans() const {
  std::set<std::string> all;
  for (const auto& s : sans_) all.insert(s.begin(), s.end());
  return {all.begin(), all.end()};
}

PeerIdentity PeerIdentityOf(const grpc::AuthContext& context) {
  PeerIdentity id;
  for (const auto& v : context.FindPropertyValues(kCommonName)) id.cn.assign(v.data(), v.size());
  for (const auto& v : context.FindPropertyValues(kSubjectAltName)) id.sans.emplace_back(v.data(), v.size());
  id.Normalize();
  return id;
}

bool Rights::IsLoopback(std::string_view peer) {
  return peer.starts_with("ipv4:127.") || peer.starts_with("ipv6:[::1]:") ||
         peer.starts_with("ipv6:[::ffff:127.") || peer.starts_with("unix:");
}

Rights::Peer Rights::Identify(const grpc::ServerContext& ctx) const {
  PeerIdentity identity;
  if (mode_ == TlsMode::kMutualTls) {
    if (const std::shared_ptr<const grpc::AuthContext> auth = ctx.auth_context(); auth != nullptr) {
      identity = PeerIdentityOf(*auth);
    }
  }
  return Resolve(std::move(identity), IsLoopback(ctx.peer()));
}

Rights::Peer Rights::IdentifyForTest(const PeerIdentity& identity, std::string_view peer_address) const {
  PeerIdentity copy = identity;
  copy.Normalize();
  return Resolve(std::move(copy), IsLoopback(peer_address));
}

Rights::Peer Rights::Resolve(PeerIdentity identity, bool loopback) const {
  Peer p;
  p.identity = std::move(identity);
  p.loopback = loopback;
  auto named = [&p](const std::set<std::string>& cns, const std::set<std::string>& sans) {
    if (!p.identity.cn.empty() && cns.count(p.identity.cn) != 0) return true;
    for (const auto& san : p.identity.sans) {
      if (sans.count(san) != 0) return true;
    }
    return false;
  };
  if (mode_ != TlsMode::kMutualTls) {
    p.held = Bit(Right::kWrite) | Bit(Right::kScribe) | Bit(Right::kAdmin);
    if (loopback || allow_insecure_read_) p.held |= Bit(Right::kRead);
    return p;
  }
  for (int i = 0; i < kRights; ++i) {
    const auto right = static_cast<Right>(i);
    const bool open_write = right == Right::kWrite && !write_listed();
    if (open_write || named(cns_[i], sans_[i])) p.held |= Bit(right);
  }
  if (!scope_.empty()) {
    p.scoped = true;
    for (const WriteScopeRule& rule : scope_) {
      const bool names = rule.who == "*" || rule.who == p.identity.cn ||
                         std::binary_search(p.identity.sans.begin(), p.identity.sans.end(), rule.who);
      if (!names) continue;
      if (rule.prefix.find(kCnTemplate) == std::string::npos) {
        p.prefixes.push_back(rule.prefix);
        continue;
      }
      const std::string& cn = p.identity.cn;
      if (cn.empty() || cn == "." || cn == ".." || cn.find('/') != std::string::npos) continue;
      std::string dir;
      if (CanonicalDir(ReplaceAll(rule.prefix, kCnTemplate, cn), &dir).ok()) p.prefixes.push_back(dir);
    }
  }
  return p;
}

Status Rights::Check(const Peer& peer, Right right) const {
  if ((peer.held & Bit(right)) != 0) return Status::Ok();
  refusals_[static_cast<int>(right)].fetch_add(1, std::memory_order_relaxed);
  if (mode_ != TlsMode::kMutualTls) {  // only reads are ever refused here
    return Status(StatusCode::kPermissionDenied,
                  "reads are served to loopback peers only on a server without mutual TLS "
                  "(see -allow-insecure-read)");
  }
  return Status(StatusCode::kPermissionDenied, "the certificate " + peer.identity.Describe() + " has no " +
                                                   RightName(right) + " right (see " + FlagsOf(right) + ")");
}

grpc::Status Rights::Check(const grpc::ServerContext& ctx, Right right) const {
  if (right == Right::kWrite && !write_checked_) return grpc::Status::OK;
  const Status s = Check(Identify(ctx), right);
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, s.message());
}

Status Rights::CheckWriteScope(const Peer& peer, std::string_view key) const {
  if (!peer.scoped) return Status::Ok();
  const std::string_view dir = KeyDir(key);
  for (const std::string& prefix : peer.prefixes) {
    if (UnderPrefix(dir, prefix)) return Status::Ok();
  }
  refusals_[static_cast<int>(Right::kWrite)].fetch_add(1, std::memory_order_relaxed);
  scope_refusals_.fetch_add(1, std::memory_order_relaxed);
  std::string allowed;
  for (const std::string& prefix : peer.prefixes) {
    allowed += (allowed.empty() ? "" : ", ") + ("/" + prefix);
  }
  return Status(StatusCode::kPermissionDenied,
                "the certificate " + peer.identity.Describe() + " may not write " + std::string(key) +
                    (allowed.empty() ? ": no -write-scope rule names it" : ": it may write under " + allowed) +
                    " (see -write-scope)");
}

std::vector<std::string> Rights::Describe() const {
  std::vector<std::string> out;
  const bool mutual = mode_ == TlsMode::kMutualTls;
  for (int i = 0; i < kRights; ++i) {
    const auto right = static_cast<Right>(i);
    if (!mediator_ && (right == Right::kScribe || right == Right::kAdmin)) continue;
    std::string line = std::string(RightName(right)) + ": ";
    if (!mutual) {
      line += right == Right::kRead
                  ? (allow_insecure_read_ ? "anyone (-allow-insecure-read)" : "loopback peers only")
                  : "anyone (no client certificates)";
    } else if (cns_[i].empty() && sans_[i].empty()) {
      line += right == Right::kWrite ? "any certificate signed by -ca"
                                     : "no one (see " + FlagsOf(right) + ")";
    } else {
      if (!cns_[i].empty()) line += "CN " + Joined(cns_[i]);
      if (!sans_[i].empty()) line += (cns_[i].empty() ? "" : "; ") + std::string("SAN ") + Joined(sans_[i]);
    }
    if (right == Right::kWrite && !scope_.empty()) {
      line += "; scoped by -write-scope:";
      for (const WriteScopeRule& rule : scope_) line += " " + rule.who + "=/" + rule.prefix;
    }
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace logscribe
