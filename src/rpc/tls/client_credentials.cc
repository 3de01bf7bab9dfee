#include "client_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

namespace logscribe {

using grpc::experimental::FileWatcherCertificateProvider;

Status MakeClientSecurity(const ClientSecurityOptions& options, ClientSecurity* out) {
  const TlsFiles& f = options.files;
  if (Status s = CheckTlsPair(f); !s.ok()) return s;
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
  if (Status s = CheckTlsFiles(f); !s.ok()) return s;
  out->mode = f.crt.empty() ? TlsMode::kTls : TlsMode::kMutualTls;
  auto provider = f.crt.empty()
                      ? std::make_shared<FileWatcherCertificateProvider>(f.ca, TlsRefreshSeconds(f))
                      : std::make_shared<FileWatcherCertificateProvider>(f.pk, f.crt, f.ca,
                                                                         TlsRefreshSeconds(f));
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
