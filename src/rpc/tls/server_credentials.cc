#include "server_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

namespace logscribe {

using grpc::experimental::FileWatcherCertificateProvider;

Status ServerTlsMode(const ServerSecurityOptions& options, TlsMode* mode) {
  const TlsFiles& f = options.files;
  if (Status s = CheckTlsPair(f); !s.ok()) return s;
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
  std::unique_ptr<Rights> rights;
  return Rights::Make(options, *mode, &rights);
}

Status MakeServerSecurity(const ServerSecurityOptions& options, ServerSecurity* out) {
  const TlsFiles& f = options.files;
  if (Status s = ServerTlsMode(options, &out->mode); !s.ok()) return s;
  std::unique_ptr<Rights> rights;
  if (Status s = Rights::Make(options, out->mode, &rights); !s.ok()) return s;
  out->rights = std::move(rights);
  if (out->mode == TlsMode::kInsecure) {
    out->credentials = grpc::InsecureServerCredentials();
    out->description = "insecure (plaintext; no -crt/-pk given)";
    return Status::Ok();
  }
  if (Status s = CheckTlsFiles(f); !s.ok()) return s;
  const bool mutual = out->mode == TlsMode::kMutualTls;
  auto provider = std::make_shared<FileWatcherCertificateProvider>(f.pk, f.crt, mutual ? f.ca : "",
                                                                   TlsRefreshSeconds(f));
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
                       TlsRefreshText(f) + ")";
    return Status::Ok();
  }
  out->description = "mutual TLS (certificate " + f.crt + "; clients need a certificate signed by " +
                     f.ca + "; ";
  if (out->rights->write_listed()) {
    // The union of every right's lists: a reader or a scribe that may not
    // write still gets in; its handler checks its own right (rights.h).
    out->allow_list = std::make_shared<PeerAllowList>(out->rights->AllCns(), out->rights->AllSans(),
                                                      options.refusal_report);
    // One check per call, before any handler: see peer_allow_list.h.
    out->credentials->SetAuthMetadataProcessor(out->allow_list);
    out->description += "allow-list: " + out->allow_list->Describe() + " (the union of every right's lists)";
  } else {
    out->description += "no allow-list: any such certificate connects";
  }
  out->description += "; " + TlsRefreshText(f) + ")";
  return Status::Ok();
}

}  // namespace logscribe
