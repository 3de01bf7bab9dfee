#include "scribe_registration.h"

#include <unistd.h>

#include "client_credentials.h"

namespace logscribe {

std::string DefaultAdvertise(const std::string& bind, int port) {
  const std::string p = std::to_string(port);
  // A wildcard or loopback bind says nothing dialable from elsewhere; the
  // loopback IPv4 address is the one that works on this host (the original's
  // "::1:port" could not even be parsed).
  if (bind.empty() || bind == "0.0.0.0" || bind == "::" || bind == "127.0.0.1" || bind == "::1" ||
      bind == "localhost" || bind == "[::]" || bind == "[::1]") {
    return "127.0.0.1:" + p;
  }
  if (bind.find(':') != std::string::npos && bind.front() != '[') return "[" + bind + "]:" + p;
  return bind + ":" + p;
}

Status StartScribeRegistrar(const ScribeOptions& options, int port, const PingMonitor* pings,
                            const std::string& version, std::unique_ptr<Registrar>* out,
                            std::string* summary) {
  if (options.mediator.empty()) return Status::Ok();
  RegistrarOptions r;
  r.mediator = options.mediator;
  r.advertise = options.advertise.empty() ? DefaultAdvertise(options.server.bind, port) : options.advertise;
  r.id = options.id;
  if (r.id.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "host");
    r.id = "scribe-" + std::string(host) + "-" + std::to_string(port);
  }
  r.version = version;
  r.pings = pings;
  r.register_timeout = options.register_timeout;
  r.ping_interval = options.ping_interval;
  std::string security = "insecure";
  if (!options.server.security.files.ca.empty()) {
    ClientSecurityOptions client;
    client.files = options.server.security.files;
    ClientSecurity made;
    if (Status s = MakeClientSecurity(client, &made); !s.ok()) return s;
    r.credentials = made.credentials;
    r.channel_args = made.args;
    security = "TLS";
  }
  if (Status s = Registrar::Start(r, out); !s.ok()) return s;
  *summary = "registered with " + r.mediator + " (" + security + ") as " + r.id + ", dialled at " +
             r.advertise;
  return Status::Ok();
}

}  // namespace logscribe
