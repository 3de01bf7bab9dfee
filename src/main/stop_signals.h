// How every logscribe binary waits for SIGINT/SIGTERM.
//
// Thread contract: call BlockStopSignals() on the main thread before any other
// thread starts (they inherit the mask), then WaitForStopSignal() from it.
#pragma once

#include <signal.h>

namespace logscribe {

// Blocks SIGINT and SIGTERM in this thread and those it starts later, and
// ignores SIGPIPE (a vanished peer is an error code, not a death).
inline sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

// Waits for one of `signals`; returns "SIGINT" or "SIGTERM".
inline const char* WaitForStopSignal(const sigset_t& signals) {
  int sig = 0;
  sigwait(&signals, &sig);
  return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

}  // namespace logscribe
