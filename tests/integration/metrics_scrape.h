// A scraper's side of the -pprof endpoint, for integration tests: a plain
// HTTP GET on loopback, a strict parser of the Prometheus text format, and the
// endpoint's port as the start-up block prints it.
//
// Thread contract: thread-safe functions.
#pragma once

#include <map>
#include <string>

#include "scribe_process.h"

namespace logscribe::testing {

// GET http://127.0.0.1:port/path with "Connection: close"; returns the status
// code (0 when nothing answered) and the body.
int HttpGet(int port, const std::string& path, std::string* body);

// The samples of a Prometheus text body, keyed by "name{labels}" as written;
// fails the test on a line that is not a comment or a well-formed sample, or
// a sample whose family has no # TYPE.
std::map<std::string, double> ParseMetrics(const std::string& body);

// GET /metrics, parsed; empty (and a test failure) unless it answered 200.
std::map<std::string, double> Scrape(int port);

// The port of the "metrics:   http://127.0.0.1:PORT/metrics" start-up line
// (waits for it, bounded); 0 when it never came.
int MetricsPort(const ScribeProcess& p);

}  // namespace logscribe::testing
