// Host:port addresses as flags and registrations name them.
//
// Thread contract: pure functions, safe from any thread.
#pragma once

#include <string_view>

#include "status.h"

namespace logscribe {

// Checks "host:port" (host a name, an IPv4 address or a bracketed IPv6
// address; port 1..65535). `what` names the flag or field in the message.
// Shared by the mediator's registry, the scribe's -mediator and -advertise,
// and the clients' -target.
Status ValidateHostPort(std::string_view addr, std::string_view what);

}  // namespace logscribe
