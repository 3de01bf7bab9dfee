// Credentials: the TLS files a process is given on its command line (-ca,
// -crt, -pk), checked once at start-up and turned into gRPC server or channel
// credentials.
//
// Server:  none         -> insecure (plaintext)
//          -crt -pk     -> TLS: clients check the scribe, the scribe does not check them
//          -crt -pk -ca -> mutual TLS: a client must present a certificate that
//                          chains to -ca, optionally with a CN/SAN on the allow-list
// Client:  none         -> insecure
//          -ca          -> TLS, the server's certificate must chain to -ca and
//                          name the target host (or -server-name)
//          -ca -crt -pk -> the same, presenting -crt as the client certificate
//
// Both sides use gRPC's FileWatcherCertificateProvider: every
// `refresh_seconds` gRPC re-reads the files, so renewed certificates and keys
// are used by new connections without a restart; connections already open keep
// the certificate they were made with.
//
// Thread contract: thread-safe; the functions keep no state. The credentials
// they build watch their files on a thread of gRPC's own.
#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "peer_allow_list.h"
#include "status.h"  // src/io/status.h

namespace logscribe {

struct TlsFiles {
  // PEM CA certificate(s). Server: the CA client certificates must chain to
  // (turns on mutual TLS). Client: the CA the server's certificate must chain
  // to (turns on TLS). Default: none (-ca).
  std::string ca;
  // PEM certificate chain, leaf first, presented to the peer. Default: none (-crt).
  std::string crt;
  // Unencrypted PEM private key of -crt. Default: none (-pk).
  std::string pk;
  // How often gRPC re-reads the three files for renewed ones (at least 1).
  // Default: 1 s.
  unsigned refresh_seconds = 1;
};

enum class TlsMode { kInsecure, kTls, kMutualTls };

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

struct ClientSecurityOptions {
  TlsFiles files;
  // The name the server's certificate must carry, when it differs from the
  // host of the target (GRPC_SSL_TARGET_NAME_OVERRIDE_ARG). Needs -ca.
  // Default: the target's host (-server-name).
  std::string server_name;
};

struct ClientSecurity {
  TlsMode mode = TlsMode::kInsecure;
  // Never null once MakeClientSecurity succeeded.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // To pass to grpc::CreateCustomChannel (carries -server-name); callers may
  // add their own arguments.
  grpc::ChannelArguments args;
  std::string description;
};

// The client's counterpart of ServerTlsMode + MakeServerSecurity: checks the
// combination (-crt and -pk together, both only with -ca; -server-name only
// with -ca) and the files, and builds the channel credentials.
Status MakeClientSecurity(const ClientSecurityOptions& options, ClientSecurity* out);

}  // namespace logscribe
