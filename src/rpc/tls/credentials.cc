#include "credentials.h"

#include <algorithm>

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "certificate_check.h"

namespace logscribe {
namespace {

using grpc::experimental::FileWatcherCertificateProvider;

// -crt and -pk come as a pair.
Status CheckPair(const TlsFiles& files) {
  if (!files.crt.empty() && files.pk.empty()) {
    return Status::InvalidArgument("-crt needs -pk, the private key of that certificate");
  }
  if (files.crt.empty() && !files.pk.empty()) {
    return Status::InvalidArgument("-pk needs -crt, the certificate of that key");
  }
  return Status::Ok();
}

// The OpenSSL checks of whichever files are given.
Status CheckFiles(const TlsFiles& files) {
  if (!files.crt.empty()) {
    if (Status s = CheckCertificateFile("-crt", files.crt); !s.ok()) return s;
    if (Status s = CheckKeyMatchesCertificate("-pk", files.pk, "-crt", files.crt); !s.ok()) return s;
  }
  if (!files.ca.empty()) {
    if (Status s = CheckCaFile("-ca", files.ca); !s.ok()) return s;
  }
  return Status::Ok();
}

// gRPC re-reads the files on a timer of whole seconds; 0 would spin.
unsigned RefreshSeconds(const TlsFiles& files) { return std::max(1u, files.refresh_seconds); }

std::string RefreshText(const TlsFiles& files) {
  return "files re-read every " + std::to_string(RefreshSeconds(files)) + "s";
}

}  // namespace

Status ServerTlsMode(const ServerSecurityOptions& options, TlsMode* mode) {
  const TlsFiles& f = options.files;
  if (Status s = CheckPair(f); !s.ok()) return s;
  if (!f.ca.empty() && f.crt.empty()) {
    return Status::InvalidArgument(
        "-ca needs -crt and -pk: mutual TLS needs the scribe's own certificate and key too");
  }
  *mode = f.crt.empty() ? TlsMode::kInsecure : f.ca.empty() ? TlsMode::kTls : TlsMode::kMutualTls;
  if (*mode != TlsMode::kMutualTls && (!options.allow_cn.empty() || !options.allow_san.empty())) {
    return Status::InvalidArgument(
        "-allow-cn and -allow-san need mutual TLS (-ca, -crt and -pk): without client "
        "certificates there is no name to allow");
  }
  return Status::Ok();
}

Status MakeServerSecurity(const ServerSecurityOptions& options, ServerSecurity* out) {
  const TlsFiles& f = options.files;
  if (Status s = ServerTlsMode(options, &out->mode); !s.ok()) return s;
  if (out->mode == TlsMode::kInsecure) {
    out->credentials = grpc::InsecureServerCredentials();
    out->description = "insecure (plaintext; no -crt/-pk given)";
    return Status::Ok();
  }
  if (Status s = CheckFiles(f); !s.ok()) return s;
  const bool mutual = out->mode == TlsMode::kMutualTls;
  auto provider = std::make_shared<FileWatcherCertificateProvider>(f.pk, f.crt, mutual ? f.ca : "",
                                                                   RefreshSeconds(f));
  grpc::experimental::TlsServerCredentialsOptions tls(provider);
  tls.watch_identity_key_cert_pairs();
  if (mutual) {
    tls.watch_root_certs();
    tls.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  out->credentials = grpc::experimental::TlsServerCredentials(tls);
  if (out->credentials == nullptr) {
    return Status::Internal("gRPC could not make TLS credentials from -crt " + f.crt + " and -pk " + f.pk);
  }
  if (!mutual) {
    out->description = "TLS (certificate " + f.crt + "; clients are not authenticated; " +
                       RefreshText(f) + ")";
    return Status::Ok();
  }
  out->description = "mutual TLS (certificate " + f.crt + "; clients need a certificate signed by " +
                     f.ca + "; ";
  if (!options.allow_cn.empty() || !options.allow_san.empty()) {
    out->allow_list =
        std::make_shared<PeerAllowList>(options.allow_cn, options.allow_san, options.refusal_report);
    // One check per call, before any handler: see peer_allow_list.h.
    out->credentials->SetAuthMetadataProcessor(out->allow_list);
    out->description += "allow-list: " + out->allow_list->Describe();
  } else {
    out->description += "no allow-list: any such certificate";
  }
  out->description += "; " + RefreshText(f) + ")";
  return Status::Ok();
}

Status MakeClientSecurity(const ClientSecurityOptions& options, ClientSecurity* out) {
  const TlsFiles& f = options.files;
  if (Status s = CheckPair(f); !s.ok()) return s;
  if (f.ca.empty()) {
    if (!f.crt.empty()) {
      return Status::InvalidArgument(
          "-crt and -pk need -ca: a client certificate is only sent over TLS, and TLS needs the CA "
          "that signed the server's certificate");
    }
    if (!options.server_name.empty()) {
      return Status::InvalidArgument("-server-name needs -ca: it names the server's certificate");
    }
    out->mode = TlsMode::kInsecure;
    out->credentials = grpc::InsecureChannelCredentials();
    out->description = "insecure (plaintext; no -ca given)";
    return Status::Ok();
  }
  if (Status s = CheckFiles(f); !s.ok()) return s;
  out->mode = f.crt.empty() ? TlsMode::kTls : TlsMode::kMutualTls;
  auto provider = f.crt.empty()
                      ? std::make_shared<FileWatcherCertificateProvider>(f.ca, RefreshSeconds(f))
                      : std::make_shared<FileWatcherCertificateProvider>(f.pk, f.crt, f.ca,
                                                                         RefreshSeconds(f));
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_certificate_provider(provider);
  tls.watch_root_certs();
  if (!f.crt.empty()) tls.watch_identity_key_cert_pairs();
  tls.set_verify_server_certs(true);
  // The chain check alone would accept any certificate -ca signed; this one
  // also wants the target's host (or -server-name) among its names.
  tls.set_certificate_verifier(std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
  out->credentials = grpc::experimental::TlsCredentials(tls);
  if (out->credentials == nullptr) {
    return Status::Internal("gRPC could not make TLS channel credentials from -ca " + f.ca);
  }
  if (!options.server_name.empty()) out->args.SetSslTargetNameOverride(options.server_name);
  out->description = std::string(f.crt.empty() ? "TLS" : "mutual TLS") + " (server checked against " +
                     f.ca + (options.server_name.empty() ? "" : " as " + options.server_name) +
                     (f.crt.empty() ? "" : "; client certificate " + f.crt) + ")";
  return Status::Ok();
}

}  // namespace logscribe
