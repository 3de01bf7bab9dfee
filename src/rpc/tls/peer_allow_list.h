// PeerAllowList: in mutual TLS, lets a call through only when the client
// certificate's CN, or one of its SANs, is on the list (-allow-cn,
// -allow-san). Set as the server credentials' AuthMetadataProcessor, so gRPC
// runs it once per call, before any handler (and before health checks or
// reflection) sees the call; a refused call ends with PERMISSION_DENIED.
//
// gRPC has verified the certificate chain by then; this class only reads the
// identity gRPC put in the call's auth context: "x509_common_name" and every
// "x509_subject_alternative_name" (DNS names, IP addresses, URIs, emails, as
// text). Matching is exact and case-sensitive.
//
// The first refused call of each identity is reported with one line on
// `report`; later ones are only counted (a refused client that retries must
// not flood the log).
//
// Thread contract: thread-safe; gRPC calls Process() from many threads.
#pragma once

#include <grpcpp/security/auth_context.h>
#include <grpcpp/security/auth_metadata_processor.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

namespace logscribe {

class PeerAllowList final : public grpc::AuthMetadataProcessor {
 public:
  PeerAllowList(const std::vector<std::string>& cns, const std::vector<std::string>& sans,
                std::FILE* report);

  // Runs inline on gRPC's thread: a set lookup never blocks.
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

  // Whether the peer described by `context` may call.
  bool Allows(const grpc::AuthContext& context) const;
  // Calls refused so far.
  uint64_t refused_calls() const { return refused_calls_.load(std::memory_order_relaxed); }
  // "CN a, b; SAN c" for the start-up block.
  std::string Describe() const;

 private:
  // Identities remembered as already reported; past this, refusals are only counted.
  static constexpr size_t kMaxReported = 1024;

  // "CN=x, SAN=[a, b]" as the peer presented itself.
  static std::string Identity(const grpc::AuthContext& context);
  void Report(const std::string& identity);

  // Constant after construction.
  const std::set<std::string> cns_;
  const std::set<std::string> sans_;
  std::FILE* const report_;

  std::atomic<uint64_t> refused_calls_{0};
  std::mutex mu_;
  std::unordered_set<std::string> reported_;  // guarded by mu_
};

}  // namespace logscribe
