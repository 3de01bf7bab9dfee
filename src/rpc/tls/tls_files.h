// TlsFiles: the TLS files a process is given on its command line (-ca, -crt,
// -pk), the mode they select, and the checks both the server and the client
// side run on them before any credentials are built.
//
// Both sides use gRPC's FileWatcherCertificateProvider: every
// `refresh_seconds` gRPC re-reads the files, so renewed certificates and keys
// are used by new connections without a restart; connections already open keep
// the certificate they were made with.
//
// Thread contract: thread-safe; the functions keep no state.
#pragma once

#include <string>

#include "status.h"  // src/common/status.h

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

// -crt and -pk come as a pair: InvalidArgument naming the missing one.
Status CheckTlsPair(const TlsFiles& files);

// The OpenSSL checks (certificate_check.h) of whichever files are given.
Status CheckTlsFiles(const TlsFiles& files);

// gRPC re-reads the files on a timer of whole seconds; 0 would spin.
unsigned TlsRefreshSeconds(const TlsFiles& files);

// "files re-read every Ns", for the start-up block.
std::string TlsRefreshText(const TlsFiles& files);

}  // namespace logscribe
