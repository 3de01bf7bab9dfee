#include "peer_allow_list.h"

namespace logscribe {
namespace {

constexpr const char* kCommonName = "x509_common_name";
constexpr const char* kSubjectAltName = "x509_subject_alternative_name";

std::string Joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A certificate's names go to the log as printable text: control bytes as \xNN,
// so a crafted CN cannot forge log lines.
std::string Printable(grpc::string_ref value) {
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
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
  std::string cn;
  for (const auto& v : context.FindPropertyValues(kCommonName)) cn = Printable(v);
  std::string sans;
  for (const auto& v : context.FindPropertyValues(kSubjectAltName)) {
    sans += (sans.empty() ? "" : ", ") + Printable(v);
  }
  return "CN=" + (cn.empty() ? std::string("(none)") : cn) + " SAN=[" + sans + "]";
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
