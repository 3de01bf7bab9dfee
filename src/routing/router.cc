#include "router.h"

#include <algorithm>

namespace logscribe {
namespace {

constexpr char kFirstChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr size_t kFirstCharCount = 36;

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Index of c among kFirstChars, or -1.
int FirstCharIndex(unsigned char c) {
  if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '0' && c <= '9') return 26 + (c - '0');
  return -1;
}

std::string_view FilenameOf(std::string_view key) {
  const size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

}  // namespace

uint64_t RoutingHash(std::string_view data, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ Mix(seed);
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return Mix(h);
}

Router::Router(std::vector<ScribeEndpoint> scribes) : scribes_(std::move(scribes)) {
  std::sort(scribes_.begin(), scribes_.end(),
            [](const ScribeEndpoint& a, const ScribeEndpoint& b) { return a.id < b.id; });
}

RendezvousRouter::RendezvousRouter(std::vector<ScribeEndpoint> scribes) : Router(std::move(scribes)) {
  for (const auto& s : scribes_) id_hashes_.push_back(RoutingHash(s.id));
}

const ScribeEndpoint* RendezvousRouter::Route(std::string_view key) const {
  if (scribes_.empty()) return nullptr;
  const uint64_t key_hash = RoutingHash(key);
  size_t best = 0;
  uint64_t best_score = 0;
  for (size_t i = 0; i < scribes_.size(); ++i) {
    const uint64_t score = Mix(key_hash ^ id_hashes_[i]);
    if (i == 0 || score > best_score) {
      best = i;
      best_score = score;
    }
  }
  return &scribes_[best];
}

FirstCharRouter::FirstCharRouter(std::vector<ScribeEndpoint> scribes) : Router(std::move(scribes)) {}

const ScribeEndpoint* FirstCharRouter::Route(std::string_view key) const {
  if (scribes_.empty()) return nullptr;
  const std::string_view filename = FilenameOf(key);
  const size_t n = scribes_.size();
  const unsigned char first = filename.empty() ? 0 : static_cast<unsigned char>(filename[0]);
  const int index = FirstCharIndex(first);
  if (index < 0) return &scribes_[first % n];
  // Scribe i owns [i*36/n, (i+1)*36/n): contiguous, in id order.
  return &scribes_[static_cast<size_t>(index) * n / kFirstCharCount];
}

std::string FirstCharRouter::RangeOf(size_t index) const {
  const size_t n = scribes_.size();
  if (index >= n) return "";
  const size_t begin = (index * kFirstCharCount + n - 1) / n;
  size_t end = ((index + 1) * kFirstCharCount + n - 1) / n;  // exclusive
  if (begin >= end) return "";
  return std::string(1, kFirstChars[begin]) + "-" + std::string(1, kFirstChars[end - 1]);
}

std::unique_ptr<Router> MakeRouter(std::string_view kind, std::vector<ScribeEndpoint> scribes) {
  if (kind == "rendezvous") return std::make_unique<RendezvousRouter>(std::move(scribes));
  if (kind == "first-char") return std::make_unique<FirstCharRouter>(std::move(scribes));
  return nullptr;
}

}  // namespace logscribe
