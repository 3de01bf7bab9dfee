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
#include "status.h"  // src/common/status.h
#include "tls_files.h"

namespace logscribe {

struct ServerSecurityOptions {
  TlsFiles files;
  // Mutual TLS only: the client certificate CNs, and SANs, that may call; a
  // client matching either list is let in. Both empty: every client whose
  // certificate chains to -ca. Default: empty (-allow-cn, -allow-san; repeatable).
  std::vector<std::string> allow_cn;
  std::vector<std::string> allow_san;
  // Where refused clients are reported, one line each. Default: stderr.
  std::FILE* refusal_report = stderr;
};

// The server's mode from which files were given, or InvalidArgument with one
// sentence for a combination that makes no sense (-crt without -pk, -ca
// without -crt/-pk, an allow-list without mutual TLS). Looks at no file.
Status ServerTlsMode(const ServerSecurityOptions& options, TlsMode* mode);

struct ServerSecurity {
  TlsMode mode = TlsMode::kInsecure;
  // Never null once MakeServerSecurity succeeded.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // Set as the credentials' AuthMetadataProcessor; null without an allow-list.
  std::shared_ptr<PeerAllowList> allow_list;
  // One line for the start-up block: "insecure", "TLS (...)", "mutual TLS (...)".
  std::string description;
};

// Checks the files with OpenSSL (readable; -crt valid now; -pk its key; -ca a
// CA certificate, valid now) and builds the credentials. Fails with one
// sentence naming the flag and the file.
Status MakeServerSecurity(const ServerSecurityOptions& options, ServerSecurity* out);

}  // namespace logscribe
