// The scribe's -mediator flags turned into a running Registrar: the defaults
// of -id and -advertise, and TLS to the mediator.
//
// Thread contract: called once by main's thread.
#pragma once

#include <memory>
#include <string>

#include "registrar.h"
#include "scribe_options.h"

namespace logscribe {

// With no -mediator: OK and *out stays null. Otherwise registers (blocking, up
// to -register-timeout) as -id (default scribe-<hostname>-<port>) at
// -advertise (default 127.0.0.1:<port> for a wildcard or loopback -bind, never
// ::1:<port>), and sets *summary to one line for the start-up block. With -ca,
// the mediator is dialled with TLS: its certificate must chain to -ca, and the
// scribe presents -crt. Fails with one sentence.
// `pings` is the server's record of answered Pings (ScribeServer::pings()).
Status StartScribeRegistrar(const ScribeOptions& options, int port, const PingMonitor* pings,
                            const std::string& version, std::unique_ptr<Registrar>* out,
                            std::string* summary);

// The address the mediator should dial when -advertise is not given.
std::string DefaultAdvertise(const std::string& bind, int port);

}  // namespace logscribe
