#include "metrics_scrape.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <set>
#include <string_view>
#include <thread>

namespace logscribe::testing {
namespace {

bool IsMetricName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
  }
  return true;
}

}  // namespace

int HttpGet(int port, const std::string& path, std::string* body) {
  body->clear();
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return 0;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return 0;
  }
  std::string response;
  char buf[8192];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<size_t>(n));
  close(fd);
  const size_t head_end = response.find("\r\n\r\n");
  if (response.compare(0, 9, "HTTP/1.1 ") != 0 || head_end == std::string::npos) return 0;
  *body = response.substr(head_end + 4);
  return std::stoi(response.substr(9, 3));
}

// No std::regex: GCC 12 warns inside it under the sanitizers.
std::map<std::string, double> ParseMetrics(const std::string& body) {
  std::map<std::string, double> samples;
  std::set<std::string> typed;
  for (const std::string& line : SplitLines(body)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      const size_t sp = rest.find(' ');
      const std::string name = rest.substr(0, sp);
      const std::string type = sp == std::string::npos ? "" : rest.substr(sp + 1);
      EXPECT_TRUE(IsMetricName(name)) << line;
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
      EXPECT_TRUE(typed.insert(name).second) << "two # TYPE for " << name;
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) continue;
    const size_t brace = line.find('{');
    const size_t close = brace == std::string::npos ? std::string::npos : line.find("} ", brace);
    const size_t value_at = close != std::string::npos ? close + 2 : line.find(' ') + 1;
    const std::string name = line.substr(0, brace != std::string::npos ? brace : value_at - 1);
    const std::string key = line.substr(0, value_at - 1);
    const std::string value = value_at == 0 ? "" : line.substr(value_at);
    if (!IsMetricName(name) || value.empty() || value.find(' ') != std::string::npos ||
        (brace != std::string::npos && close == std::string::npos)) {
      ADD_FAILURE() << "not a sample: '" << line << "'";
      continue;
    }
    std::string family = name;
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (!typed.count(family) && family.size() > suffix.size() &&
          family.compare(family.size() - suffix.size(), suffix.size(), suffix) == 0) {
        family.resize(family.size() - suffix.size());
      }
    }
    EXPECT_TRUE(typed.count(family)) << "sample before its # TYPE: " << line;
    EXPECT_FALSE(samples.count(key)) << "sample twice: " << key;
    samples[key] = value == "+Inf" ? INFINITY : std::stod(value);
  }
  return samples;
}

std::map<std::string, double> Scrape(int port) {
  std::string body;
  EXPECT_EQ(HttpGet(port, "/metrics", &body), 200);
  return ParseMetrics(body);
}

int MetricsPort(const ScribeProcess& p) {
  const std::string kPrefix = "metrics:   http://127.0.0.1:";
  for (int i = 0; i < 500; ++i) {
    const std::string out = p.output();
    const size_t at = out.find(kPrefix);
    const size_t end = at == std::string::npos ? at : out.find("/metrics", at + kPrefix.size());
    if (end != std::string::npos) return std::stoi(out.substr(at + kPrefix.size(), end - at - kPrefix.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

}  // namespace logscribe::testing
