// Client credentials: the TLS files of a client (-ca, -crt, -pk,
// -server-name), checked once at start-up and turned into gRPC channel
// credentials. Used by every client and by the servers when they dial.
//
//   none         -> insecure
//   -ca          -> TLS, the server's certificate must chain to -ca and
//                   name the target host (or -server-name)
//   -ca -crt -pk -> the same, presenting -crt as the client certificate
//
// Thread contract: thread-safe; the functions keep no state. The credentials
// they build watch their files on a thread of gRPC's own.
#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "status.h"  // src/common/status.h
#include "tls_files.h"

namespace logscribe {

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

// Checks the combination (-crt and -pk together, both only with -ca;
// -server-name only with -ca) and the files, and builds the channel
// credentials.
Status MakeClientSecurity(const ClientSecurityOptions& options, ClientSecurity* out);

}  // namespace logscribe
