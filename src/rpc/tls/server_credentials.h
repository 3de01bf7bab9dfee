// Server credentials: the TLS files of a server (-ca, -crt, -pk) and its
// client allow-list, checked once at start-up and turned into gRPC server
// credentials.
//
//   none         -> insecure (plaintext)
//   -crt -pk     -> TLS: clients check the server, the server does not check them
//   -crt -pk -ca -> mutual TLS: a client must present a certificate that
//                   chains to -ca, optionally with a CN/SAN on the allow-list
//
// Thread contract: thread-safe; the functions keep no state. The credentials
// they build watch their files on a thread of gRPC's own.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "peer_allow_list.h"
#include "rights.h"
#include "status.h"  // src/common/status.h
#include "tls_files.h"

namespace logscribe {

struct ServerSecurityOptions {
  TlsFiles files;
  // Mutual TLS only: the client certificate CNs, and SANs, that may write
  // (Log, LogBatch, LogStream); a client matching either list may. Both
  // empty: every client whose certificate chains to -ca.
  // Default: empty (-allow-cn, -allow-san; repeatable).
  std::vector<std::string> allow_cn;
  std::vector<std::string> allow_san;
  // Mutual TLS only: who may read (the read service). Both empty: no one.
  // Default: empty (-allow-read-cn, -allow-read-san; repeatable).
  std::vector<std::string> allow_read_cn;
  std::vector<std::string> allow_read_san;
  // The mediator, mutual TLS only: who may Register and Deregister scribes.
  // Both empty: no one. Default: empty (-allow-scribe-cn, -allow-scribe-san).
  std::vector<std::string> allow_scribe_cn;
  std::vector<std::string> allow_scribe_san;
  // The mediator, mutual TLS only: who may call Route, GetStats, GetVersion
  // and GetScribesResponsibility. Both empty: no one.
  // Default: empty (-allow-admin-cn, -allow-admin-san).
  std::vector<std::string> allow_admin_cn;
  std::vector<std::string> allow_admin_san;
  // Mutual TLS only: -write-scope rules (rights.h, ParseWriteScope).
  // Default: none, every writer writes anywhere (-write-scope; repeatable).
  std::vector<std::string> write_scope;
  // Without mutual TLS: serve reads to any peer, not only loopback ones.
  // Default: false (-allow-insecure-read).
  bool allow_insecure_read = false;
  // Whether this is the mediator (the scribe and admin rights exist). Default: false.
  bool mediator = false;
  // Where refused clients are reported, one line each. Default: stderr.
  std::FILE* refusal_report = stderr;
};

// The server's mode from which files were given, or InvalidArgument with one
// sentence for a combination that makes no sense (-crt without -pk, -ca
// without -crt/-pk, an allow-list or -write-scope without mutual TLS, a bad
// -write-scope). Looks at no file.
Status ServerTlsMode(const ServerSecurityOptions& options, TlsMode* mode);

struct ServerSecurity {
  TlsMode mode = TlsMode::kInsecure;
  // Never null once MakeServerSecurity succeeded.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // Set as the credentials' AuthMetadataProcessor; null without an allow-list.
  std::shared_ptr<PeerAllowList> allow_list;
  // Never null once MakeServerSecurity succeeded.
  std::shared_ptr<const Rights> rights;
  // One line for the start-up block: "insecure", "TLS (...)", "mutual TLS (...)".
  std::string description;
};

// Checks the files with OpenSSL (readable; -crt valid now; -pk its key; -ca a
// CA certificate, valid now) and builds the credentials. Fails with one
// sentence naming the flag and the file.
Status MakeServerSecurity(const ServerSecurityOptions& options, ServerSecurity* out);

}  // namespace logscribe
