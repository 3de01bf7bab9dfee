// Certificate checks: what a process verifies about its TLS files with
// OpenSSL before it starts, so that a mistake is one sentence at start-up
// rather than failed handshakes later. The only file that includes OpenSSL.
//
// Thread contract: thread-safe; the functions keep no state.
//
// Each returns Ok, or a status whose message is one sentence naming the flag
// (`flag`, such as "-crt") and the file.
#pragma once

#include <string>

#include "status.h"  // src/common/status.h

namespace logscribe {

// The file can be read and holds one or more PEM certificates (a chain, leaf
// first), each valid now: not expired, not before its start.
Status CheckCertificateFile(const std::string& flag, const std::string& path);

// As CheckCertificateFile, and every certificate is a CA: its
// basicConstraints say CA:TRUE.
Status CheckCaFile(const std::string& flag, const std::string& path);

// The key file can be read, holds an unencrypted PEM private key, and that key
// belongs to the first certificate of `crt_path`.
Status CheckKeyMatchesCertificate(const std::string& key_flag, const std::string& key_path,
                                  const std::string& crt_flag, const std::string& crt_path);

}  // namespace logscribe
