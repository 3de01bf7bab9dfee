// PeerIdentity: who a peer is, as its verified certificate says: the CN and
// every SAN (DNS names, IP addresses, URIs, emails, as text). Empty without
// mutual TLS (no certificate, no identity).
//
// Two identities are the same when their CNs are equal and their SAN sets are
// equal: a renewed certificate keeps both, another certificate of the same CA
// differs in one of them.
//
// Thread contract: a value type; thread-compatible.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace logscribe {

struct PeerIdentity {
  std::string cn;
  std::vector<std::string> sans;  // sorted, no duplicates (Normalize)

  bool empty() const { return cn.empty() && sans.empty(); }
  void Normalize() {
    std::sort(sans.begin(), sans.end());
    sans.erase(std::unique(sans.begin(), sans.end()), sans.end());
  }
  friend bool operator==(const PeerIdentity&, const PeerIdentity&) = default;

  // "CN=node-1 SAN=[127.0.0.1, localhost]", control bytes as \xNN so a crafted
  // name cannot forge log lines or messages.
  std::string Describe() const {
    auto printable = [](const std::string& v) {
      std::string out;
      for (const char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f && c != '\\') {
          out += c;
        } else {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        }
      }
      return out;
    };
    std::string out = "CN=" + (cn.empty() ? std::string("(none)") : printable(cn)) + " SAN=[";
    for (size_t i = 0; i < sans.size(); ++i) out += (i == 0 ? "" : ", ") + printable(sans[i]);
    return out + "]";
  }
};

}  // namespace logscribe
