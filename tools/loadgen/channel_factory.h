// Channels for the load generator: TLS or insecure credentials from the
// options, and one distinct channel per connection.
//
// Thread contract: thread-compatible; used once at start-up.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "loadgen_options.h"

namespace logscribe::loadgen {

// SslCredentials when -ca is given (with -crt/-pk as the client certificate),
// else insecure. nullptr with one sentence in *error when a file can't be read.
std::shared_ptr<grpc::ChannelCredentials> MakeCredentials(const LoadgenOptions& options,
                                                          std::string* error);

// A channel of its own for connection `index`: the distinct "logscribe.channel"
// argument keeps gRPC from sharing one subchannel (and TCP connection) among them.
std::shared_ptr<grpc::Channel> MakeChannel(const LoadgenOptions& options, int index,
                                           const std::shared_ptr<grpc::ChannelCredentials>& credentials);

}  // namespace logscribe::loadgen
