#include "channel_factory.h"

#include <fstream>
#include <sstream>

namespace logscribe::loadgen {
namespace {

bool ReadFile(const std::string& path, const char* flag, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = std::string("cannot read ") + flag + " file " + path;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return true;
}

}  // namespace

std::shared_ptr<grpc::ChannelCredentials> MakeCredentials(const LoadgenOptions& options,
                                                          std::string* error) {
  if (options.ca_file.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!ReadFile(options.ca_file, "-ca", &ssl.pem_root_certs, error)) return nullptr;
  if (!options.cert_file.empty()) {
    if (!ReadFile(options.cert_file, "-crt", &ssl.pem_cert_chain, error)) return nullptr;
    if (!ReadFile(options.key_file, "-pk", &ssl.pem_private_key, error)) return nullptr;
  }
  return grpc::SslCredentials(ssl);
}

std::shared_ptr<grpc::Channel> MakeChannel(const LoadgenOptions& options, int index,
                                           const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  grpc::ChannelArguments args;
  args.SetInt("logscribe.channel", index);
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  if (!options.server_name.empty()) args.SetSslTargetNameOverride(options.server_name);
  return grpc::CreateCustomChannel(options.target, credentials, args);
}

}  // namespace logscribe::loadgen
