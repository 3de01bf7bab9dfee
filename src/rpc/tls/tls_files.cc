#include "tls_files.h"

#include <algorithm>

#include "certificate_check.h"

namespace logscribe {

Status CheckTlsPair(const TlsFiles& files) {
  if (!files.crt.empty() && files.pk.empty()) {
    return Status::InvalidArgument("-crt needs -pk, the private key of that certificate");
  }
  if (files.crt.empty() && !files.pk.empty()) {
    return Status::InvalidArgument("-pk needs -crt, the certificate of that key");
  }
  return Status::Ok();
}

Status CheckTlsFiles(const TlsFiles& files) {
  if (!files.crt.empty()) {
    if (Status s = CheckCertificateFile("-crt", files.crt); !s.ok()) return s;
    if (Status s = CheckKeyMatchesCertificate("-pk", files.pk, "-crt", files.crt); !s.ok()) return s;
  }
  if (!files.ca.empty()) {
    if (Status s = CheckCaFile("-ca", files.ca); !s.ok()) return s;
  }
  return Status::Ok();
}

unsigned TlsRefreshSeconds(const TlsFiles& files) { return std::max(1u, files.refresh_seconds); }

std::string TlsRefreshText(const TlsFiles& files) {
  return "files re-read every " + std::to_string(TlsRefreshSeconds(files)) + "s";
}

}  // namespace logscribe
