#include "certificate_check.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace logscribe {
namespace {

// PEM files are small; a bigger one is a wrong path, not a certificate.
constexpr std::streamsize kMaxPemBytes = 1 << 20;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

Status Fail(std::string sentence) { return Status::FailedPrecondition(std::move(sentence)); }

std::string Named(const std::string& flag, const std::string& path) { return flag + " file " + path; }

Status ReadPem(const std::string& flag, const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno(errno, "cannot read " + Named(flag, path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::FromErrno(errno, "cannot read " + Named(flag, path));
  *out = text.str();
  if (static_cast<std::streamsize>(out->size()) > kMaxPemBytes) {
    return Fail(Named(flag, path) + " is larger than 1 MiB, which no PEM certificate or key is");
  }
  return Status::Ok();
}

BioPtr MemoryBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Never prompt on the terminal for a passphrase: an encrypted key just fails.
int NoPassphrase(char*, int, int, void*) { return -1; }

std::string SubjectOf(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  std::string subject(data, static_cast<size_t>(n));
  return subject.empty() ? "(empty subject)" : subject;
}

std::string TimeText(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "(unreadable date)";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

Status LoadCertificates(const std::string& flag, const std::string& path,
                        std::vector<X509Ptr>* certs) {
  std::string text;
  if (Status s = ReadPem(flag, path, &text); !s.ok()) return s;
  BioPtr bio = MemoryBio(text);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr)) {
    certs->emplace_back(cert);
  }
  // The loop ends on "no start line" after the last certificate.
  ERR_clear_error();
  if (certs->empty()) return Fail(Named(flag, path) + " holds no PEM certificate");
  return Status::Ok();
}

Status CheckValidNow(const std::string& flag, const std::string& path, X509* cert) {
  const ASN1_TIME* not_before = X509_get0_notBefore(cert);
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  // X509_cmp_current_time: -1 when the time is in the past, 1 in the future, 0 on error.
  if (X509_cmp_current_time(not_before) >= 0) {
    return Fail("the certificate " + SubjectOf(cert) + " in " + Named(flag, path) +
                " is not valid yet: it starts on " + TimeText(not_before));
  }
  if (X509_cmp_current_time(not_after) <= 0) {
    return Fail("the certificate " + SubjectOf(cert) + " in " + Named(flag, path) + " expired on " +
                TimeText(not_after));
  }
  return Status::Ok();
}

}  // namespace

Status CheckCertificateFile(const std::string& flag, const std::string& path) {
  std::vector<X509Ptr> certs;
  if (Status s = LoadCertificates(flag, path, &certs); !s.ok()) return s;
  for (const auto& cert : certs) {
    if (Status s = CheckValidNow(flag, path, cert.get()); !s.ok()) return s;
  }
  return Status::Ok();
}

Status CheckCaFile(const std::string& flag, const std::string& path) {
  std::vector<X509Ptr> certs;
  if (Status s = LoadCertificates(flag, path, &certs); !s.ok()) return s;
  for (const auto& cert : certs) {
    if ((X509_get_extension_flags(cert.get()) & EXFLAG_CA) == 0) {
      return Fail(Named(flag, path) + " is not a CA certificate: the basicConstraints of " +
                  SubjectOf(cert.get()) + " do not say CA:TRUE");
    }
    if (Status s = CheckValidNow(flag, path, cert.get()); !s.ok()) return s;
  }
  return Status::Ok();
}

Status CheckKeyMatchesCertificate(const std::string& key_flag, const std::string& key_path,
                                  const std::string& crt_flag, const std::string& crt_path) {
  std::string text;
  if (Status s = ReadPem(key_flag, key_path, &text); !s.ok()) return s;
  BioPtr bio = MemoryBio(text);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (key == nullptr) {
    return Fail(Named(key_flag, key_path) + " holds no unencrypted PEM private key");
  }
  std::vector<X509Ptr> certs;
  if (Status s = LoadCertificates(crt_flag, crt_path, &certs); !s.ok()) return s;
  const bool match = X509_check_private_key(certs.front().get(), key.get()) == 1;
  ERR_clear_error();
  if (!match) {
    return Fail("the key in " + Named(key_flag, key_path) + " does not belong to the certificate " +
                SubjectOf(certs.front().get()) + " in " + Named(crt_flag, crt_path));
  }
  return Status::Ok();
}

}  // namespace logscribe
