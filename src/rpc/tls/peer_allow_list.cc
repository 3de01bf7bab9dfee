#include "peer_allow_list.h"

#include "rights.h"

namespace logscribe {
namespace {

constexpr const char* kCommonName = "x509_common_name";
constexpr const char* kSubjectAltName = "x509_subject_alternative_name";

std::string Joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

PeerAllowList::PeerAllowList(const std::vector<std::string>& cns,
                             const std::vector<std::string>& sans, std::FILE* report)
    : cns_(cns.begin(), cns.end()), sans_(sans.begin(), sans.end()), report_(report) {}

bool PeerAllowList::Allows(const grpc::AuthContext& context) const {
  for (const auto& cn : context.FindPropertyValues(kCommonName)) {
    if (cns_.count(std::string(cn.data(), cn.size())) != 0) return true;
  }
  for (const auto& san : context.FindPropertyValues(kSubjectAltName)) {
    if (sans_.count(std::string(san.data(), san.size())) != 0) return true;
  }
  return false;
}

grpc::Status PeerAllowList::Process(const InputMetadata&, grpc::AuthContext* context,
                                    OutputMetadata*, OutputMetadata*) {
  if (context != nullptr && Allows(*context)) return grpc::Status::OK;
  refused_calls_.fetch_add(1, std::memory_order_relaxed);
  const std::string identity = context != nullptr ? Identity(*context) : "(no auth context)";
  Report(identity);
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                      "client certificate " + identity + " is on none of this server's allow-lists "
                      "(-allow-cn, -allow-san and those of the other rights)");
}

std::string PeerAllowList::Identity(const grpc::AuthContext& context) {
  return PeerIdentityOf(context).Describe();  // printable: a crafted CN cannot forge log lines
}

void PeerAllowList::Report(const std::string& identity) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (reported_.size() >= kMaxReported || !reported_.insert(identity).second) return;
  }
  std::fprintf(report_,
               "logscribe: refused a call from %s: on no allow-list (-allow-cn, -allow-san, "
               "-allow-read-*, -allow-scribe-*, -allow-admin-*) "
               "(further refusals of it are counted, not printed)\n",
               identity.c_str());
  std::fflush(report_);
}

std::string PeerAllowList::Describe() const {
  std::string out;
  if (!cns_.empty()) out += "CN " + Joined(cns_);
  if (!sans_.empty()) out += (out.empty() ? "" : "; ") + std::string("SAN ") + Joined(sans_);
  return out;
}

}  // namespace logscribe
