#include "mediator_options.h"

#include <algorithm>
#include <cstdio>

#include "duration_flag.h"
#include "flags.h"

namespace logscribe {

int ParseMediatorOptions(int argc, const char* const* argv, MediatorOptions* o) {
  FlagSet flags("logmediator");
  o->server.security.mediator = true;  // the scribe and admin rights: before Register()
  o->server.Register(&flags, "the mediator");

  flags.Group("Mediator");
  flags.AddCustom("ping-interval", DurationInto(&o->ping_interval),
                  "time between two health checks of every scribe (default \"5s\")");
  flags.AddCustom("ping-timeout", DurationInto(&o->ping_timeout),
                  "deadline of one ping, at most -ping-interval (default \"2s\", or -ping-interval if shorter)");
  flags.AddInt("max-misses", &o->max_misses, "consecutive failed pings that drop a scribe (default 3)");
  flags.AddCustom("routing", [&](std::string_view v) -> std::string {
        if (v != "rendezvous" && v != "first-char") {
          return "wants rendezvous or first-char, not '" + std::string(v) + "'";
        }
        o->routing = std::string(v);
        return "";
      }, "which scribe owns a file: rendezvous (hash of path/filename) or first-char (the original's a-r/s-9 split) (default \"rendezvous\")");

  std::string error;
  if (!flags.Parse(argc, argv, &error)) {
    if (error.empty()) {
      std::fputs(flags.Usage().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "logmediator: %s\n", error.c_str());
    return 2;
  }
  auto fail = [](const std::string& sentence) {
    std::fprintf(stderr, "logmediator: %s\n", sentence.c_str());
    return 2;
  };
  if (std::string e = flags.UnexpectedArgument(); !e.empty()) return fail(e);
  if (std::string e = o->server.Validate(flags); !e.empty()) return fail(e);
  if (o->max_misses < 1 || o->max_misses > 1000) return fail("-max-misses must be between 1 and 1000");
  if (o->ping_interval < std::chrono::milliseconds(10)) return fail("-ping-interval must be at least 10ms");
  if (!flags.WasSet("ping-timeout")) o->ping_timeout = std::min(o->ping_timeout, o->ping_interval);
  if (o->ping_timeout < std::chrono::milliseconds(1)) return fail("-ping-timeout must be at least 1ms");
  if (o->ping_timeout > o->ping_interval) return fail("-ping-timeout must not exceed -ping-interval");
  return -1;
}

}  // namespace logscribe
