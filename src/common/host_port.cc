#include "host_port.h"

#include <charconv>
#include <string>

namespace logscribe {

Status ValidateHostPort(std::string_view addr, std::string_view what) {
  const std::string name(what);
  const size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument(name + " must be host:port, not '" + std::string(addr) + "'");
  }
  const std::string_view host = addr.substr(0, colon);
  const std::string_view port_text = addr.substr(colon + 1);
  int port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
    return Status::InvalidArgument(name + " must end in a port between 1 and 65535, not '" +
                                   std::string(addr) + "'");
  }
  const bool bracketed = host.front() == '[' && host.back() == ']' && host.size() > 2;
  if (!bracketed && host.find(':') != std::string_view::npos) {
    return Status::InvalidArgument(name + " must bracket an IPv6 address ([::1]:8080), not '" +
                                   std::string(addr) + "'");
  }
  for (unsigned char c : host) {
    if (c <= 0x20 || c == 0x7f || c == '/') {
      return Status::InvalidArgument(name + " has a character a host name cannot have: '" +
                                     std::string(addr) + "'");
    }
  }
  return Status::Ok();
}

}  // namespace logscribe
