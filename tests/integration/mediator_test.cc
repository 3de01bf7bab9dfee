// The mediator as a user meets it: the real logmediator and logscribe
// binaries on 127.0.0.1, real gRPC clients, files checked in every scribe's
// root. Loads are bounded; waits poll with generous limits and nothing
// asserts on how long anything took.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "logscribe.grpc.pb.h"
#include "log_client.h"
#include "mediator_cluster.h"
#include "version.h"

namespace logscribe::testing {
namespace {

namespace v1 = logscribe::v1;

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

// One client streaming `batches` batches (built by `fill`) with all of them
// in flight, pausing `pause` after every `pause_every` (0: never); counts the
// OK acks in *acked and reports any other. Returns whether every batch was
// acknowledged OK and the stream finished OK.
bool StreamLoad(MediatorCluster* c, int batches, const std::function<void(int, v1::LogBatch*)>& fill,
                std::atomic<int>* acked, int pause_every = 0,
                std::chrono::milliseconds pause = std::chrono::milliseconds(10)) {
  auto stub = c->LogStub();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  auto stream = stub->LogStream(&ctx);
  std::atomic<int> mine{0};
  std::thread reader([&] {
    v1::LogAck ack;
    while (stream->Read(&ack)) {
      if (ack.code() != 0) {
        ADD_FAILURE() << "batch " << ack.seq() << ": " << ack.code() << " " << ack.message();
        continue;
      }
      ++mine;
      ++*acked;
    }
  });
  for (int b = 0; b < batches; ++b) {
    v1::LogBatch batch;
    batch.set_seq(b);
    fill(b, &batch);
    if (!stream->Write(batch)) break;
    if (pause_every > 0 && b % pause_every == pause_every - 1) std::this_thread::sleep_for(pause);
  }
  stream->WritesDone();
  reader.join();
  const bool finished = stream->Finish().ok();
  return finished && mine.load() == batches;
}

TEST(Mediator, RegistersScribesAndAnswersTheAdminCalls) {
  MediatorCluster c;
  ASSERT_TRUE(c.StartMediator());
  ASSERT_TRUE(c.StartScribe("s1"));
  ASSERT_TRUE(c.StartScribe("s2"));
  // A scribe prints "listening on" only once registered.
  std::string routing;
  auto live = c.LiveScribes(&routing);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(routing, "rendezvous");
  // The advertised address is one the mediator can dial, never ::1:port.
  EXPECT_EQ(live["s1"], c.scribe("s1")->target());
  EXPECT_EQ(live["s2"], c.scribe("s2")->target());
  EXPECT_NE(c.scribe("s1")->output().find("registered with " + c.mediator()->target()), std::string::npos)
      << c.scribe("s1")->output();

  // Registering twice with the same id is harmless.
  {
    auto stub = v1::Register::NewStub(
        grpc::CreateChannel(c.mediator()->target(), grpc::InsecureChannelCredentials()));
    v1::RegisterRequest q;
    q.set_id("s1");
    q.set_addr(live["s1"]);
    v1::RegisterResponse r;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub->Register(&ctx, q, &r).ok());
    EXPECT_EQ(r.res(), "Success");
    grpc::ClientContext bad;
    q.set_addr("::1:8080");
    grpc::Status s = stub->Register(&bad, q, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find("addr"), std::string::npos) << s.error_message();
  }
  EXPECT_EQ(c.LiveScribes().size(), 2u);

  grpc::ClientContext ctx;
  v1::VersionRequest vq;
  vq.set_all(true);
  v1::VersionResponse vr;
  ASSERT_TRUE(c.AdminStub()->GetVersion(&ctx, vq, &vr).ok());
  ASSERT_EQ(vr.results_size(), 3);
  EXPECT_EQ(vr.results(0).type(), v1::MEDIATOR);
  EXPECT_EQ(vr.results(0).version(), LOGSCRIBE_VERSION);
  EXPECT_EQ(vr.results(1).type(), v1::SCRIBE);
  EXPECT_EQ(vr.results(1).version(), LOGSCRIBE_VERSION);

  const std::string owner = c.RouteOf("svc/api", "app");
  EXPECT_TRUE(owner == "s1" || owner == "s2") << owner;
  {
    grpc::ClientContext rctx;
    v1::RouteRequest q;
    q.set_path("svc");
    v1::RouteResponse r;
    grpc::Status s = c.AdminStub()->Route(&rctx, q, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find("filename"), std::string::npos) << s.error_message();
  }
  ASSERT_TRUE(c.Log("svc/api", "app", "hello").ok());
  EXPECT_EQ(c.Lines(owner, "svc/api/app.log"), std::vector<std::string>{"hello"});
  const auto stats = c.Stats();
  ASSERT_EQ(stats.result_size(), 2);
  int64_t lines = 0;
  for (const auto& r : stats.result()) lines += r.count();
  EXPECT_EQ(lines, 1);
  EXPECT_EQ(stats.retried_lines(), 0);

  EXPECT_EQ(c.StopScribe("s1"), 0);
  EXPECT_EQ(c.StopScribe("s2"), 0);
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

TEST(Mediator, WithoutScribesAnswersUnavailableAndNeverCrashes) {
  MediatorCluster c;
  ASSERT_TRUE(c.StartMediator());
  grpc::Status s = c.Log("p", "f", "x");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  s = c.Log("p", "", "x");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("filename"), std::string::npos) << s.error_message();
  s = c.Log("../etc", "passwd", "x");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("path"), std::string::npos) << s.error_message();
  auto stub = c.LogStub();
  std::vector<v1::LogBatch> batches(2);
  batches[0].set_seq(1);
  batches[0].add_entries()->set_filename("f");
  batches[1].set_seq(2);
  batches[1].add_entries()->set_filename("");
  auto codes = StreamBatches(stub.get(), batches);
  EXPECT_EQ(codes[1], static_cast<int>(grpc::StatusCode::UNAVAILABLE));
  EXPECT_EQ(codes[2], static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(c.RouteOf("p", "f"), "");
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

TEST(Mediator, QueueBytesBoundsWhatIsAcceptedAndNotYetAcknowledged) {
  MediatorCluster c;
  ASSERT_TRUE(c.StartMediator({"-queue-bytes", "4KiB"}));
  ASSERT_TRUE(c.StartScribe("s1"));
  v1::LogBatch big;
  for (int i = 0; i < 100; ++i) {
    auto* e = big.add_entries();
    e->set_filename("big");
    e->set_line(std::string(100, 'x'));
  }
  v1::LogResponse resp;
  grpc::ClientContext ctx;
  grpc::Status s = c.LogStub()->LogBatch(&ctx, big, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_NE(s.error_message().find("-queue-bytes"), std::string::npos) << s.error_message();
  EXPECT_TRUE(c.Log("", "small", "fits").ok());
  EXPECT_EQ(c.Holders("big.log").size(), 0u) << "nothing of a refused request is written";
  EXPECT_EQ(c.Stats().refused_requests(), 1);
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

TEST(Mediator, FirstCharReproducesTheSeedTableForTwoScribes) {
  MediatorCluster c;
  ASSERT_TRUE(c.StartMediator({"-routing", "first-char"}));
  // Registered in the reverse of id order: the table follows ids.
  ASSERT_TRUE(c.StartScribe("scribe-b"));
  ASSERT_TRUE(c.StartScribe("scribe-a"));
  std::map<std::string, std::string> ranges;
  std::string routing;
  c.LiveScribes(&routing, &ranges);
  EXPECT_EQ(routing, "first-char");
  EXPECT_EQ(ranges["scribe-a"], "a-r");
  EXPECT_EQ(ranges["scribe-b"], "s-9");
  const std::string a_names = "abcdefghijklmnopqr";
  const std::string b_names = "stuvwxyz0123456789";
  for (char ch : a_names + b_names) {
    const std::string name = std::string(1, ch) + "file";
    ASSERT_TRUE(c.Log("seed", name, "line of " + name).ok());
  }
  ASSERT_TRUE(c.Log("seed", "Rose", "upper case folds").ok());
  ASSERT_TRUE(c.Log("seed", "Sun", "upper case folds").ok());
  for (char ch : a_names) {
    const std::string rel = "seed/" + std::string(1, ch) + "file.log";
    EXPECT_EQ(c.Holders(rel), std::vector<std::string>{"scribe-a"}) << rel;
  }
  for (char ch : b_names) {
    const std::string rel = "seed/" + std::string(1, ch) + "file.log";
    EXPECT_EQ(c.Holders(rel), std::vector<std::string>{"scribe-b"}) << rel;
  }
  EXPECT_EQ(c.Holders("seed/Rose.log"), std::vector<std::string>{"scribe-a"});
  EXPECT_EQ(c.Holders("seed/Sun.log"), std::vector<std::string>{"scribe-b"});
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

// Three scribes, rendezvous: Log, LogBatch and LogStream through the mediator
// put every line exactly once, each file in exactly one root (the one Route
// names), in the order sent.
TEST(Mediator, EveryLineLandsExactlyOnceAndEachFileInOneRoot) {
  MediatorCluster c;
  ASSERT_TRUE(c.StartMediator());
  for (const char* id : {"s1", "s2", "s3"}) ASSERT_TRUE(c.StartScribe(id));
  constexpr int kFiles = 60;
  std::map<std::string, std::vector<std::string>> expected;  // rel -> lines
  auto file = [](int f) { return "f" + std::to_string(f); };
  auto path = [](int f) { return "dir" + std::to_string(f % 4) + "/sub"; };
  // Unary.
  for (int f = 0; f < kFiles; ++f) {
    const std::string line = "unary " + std::to_string(f);
    ASSERT_TRUE(c.Log(path(f), file(f), line).ok());
    expected[path(f) + "/" + file(f) + ".log"].push_back(line);
  }
  // One LogBatch over every file.
  {
    v1::LogBatch batch;
    for (int i = 0; i < kFiles * 5; ++i) {
      const int f = i % kFiles;
      auto* e = batch.add_entries();
      e->set_path(path(f));
      e->set_filename(file(f));
      e->set_line("batch " + std::to_string(i));
      expected[path(f) + "/" + file(f) + ".log"].push_back(e->line());
    }
    v1::LogResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = c.LogStub()->LogBatch(&ctx, batch, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.res(), "true");
  }
  // One stream, many batches in flight.
  {
    std::vector<v1::LogBatch> batches(200);
    for (int b = 0; b < 200; ++b) {
      batches[b].set_seq(b);
      for (int i = 0; i < 30; ++i) {
        const int f = (b * 7 + i) % kFiles;
        auto* e = batches[b].add_entries();
        e->set_path(path(f));
        e->set_filename(file(f));
        e->set_line("stream " + std::to_string(b) + " " + std::to_string(i));
        expected[path(f) + "/" + file(f) + ".log"].push_back(e->line());
      }
    }
    auto stub = c.LogStub();
    auto codes = StreamBatches(stub.get(), batches);
    ASSERT_EQ(codes.size(), 200u);
    for (const auto& [seq, code] : codes) ASSERT_EQ(code, 0) << "seq " << seq;
  }
  std::map<std::string, int> files_per_scribe;
  for (const auto& [rel, lines] : expected) {
    const auto holders = c.Holders(rel);
    ASSERT_EQ(holders.size(), 1u) << rel << " in " << Join(holders);
    const std::string dir = rel.substr(0, rel.rfind('/'));
    const std::string name = rel.substr(rel.rfind('/') + 1, rel.size() - rel.rfind('/') - 5);
    EXPECT_EQ(holders[0], c.RouteOf(dir, name)) << rel;
    EXPECT_EQ(c.Lines(holders[0], rel), lines) << rel;
    ++files_per_scribe[holders[0]];
  }
  EXPECT_EQ(files_per_scribe.size(), 3u) << "60 files should reach all three scribes";
  const auto stats = c.Stats();
  EXPECT_EQ(stats.retried_lines(), 0);
  EXPECT_EQ(stats.failed_lines(), 0);
  int64_t lines = 0;
  for (const auto& r : stats.result()) lines += r.count();
  EXPECT_EQ(lines, kFiles + kFiles * 5 + 200 * 30);
  for (const char* id : {"s1", "s2", "s3"}) EXPECT_EQ(c.StopScribe(id), 0);
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

TEST(Mediator, RendezvousMovesOnlyTheFilesANewScribeWins) {
  MediatorCluster c;
  ASSERT_TRUE(c.StartMediator());
  ASSERT_TRUE(c.StartScribe("s1"));
  ASSERT_TRUE(c.StartScribe("s2"));
  std::map<std::string, std::string> before;
  for (int f = 0; f < 200; ++f) before["f" + std::to_string(f)] = c.RouteOf("p", "f" + std::to_string(f));
  ASSERT_TRUE(c.StartScribe("s3"));
  int moved = 0;
  for (const auto& [name, owner] : before) {
    const std::string now = c.RouteOf("p", name);
    if (now != owner) {
      EXPECT_EQ(now, "s3") << name << " moved from " << owner << " to " << now;
      ++moved;
    }
  }
  EXPECT_GT(moved, 0);
  EXPECT_LT(moved, 200);
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

TEST(Mediator, KilledScribeIsDroppedAndItsFilesMove) {
  MediatorCluster c("200ms", 3);
  ASSERT_TRUE(c.StartMediator());
  ASSERT_TRUE(c.StartScribe("s1"));
  ASSERT_TRUE(c.StartScribe("s2"));
  std::vector<std::string> on_s2;
  for (int f = 0; f < 40; ++f) {
    const std::string name = "f" + std::to_string(f);
    ASSERT_TRUE(c.Log("k", name, "before").ok());
    if (c.Holders("k/" + name + ".log") == std::vector<std::string>{"s2"}) on_s2.push_back(name);
  }
  ASSERT_FALSE(on_s2.empty());
  c.StopScribe("s2", SIGKILL);
  ASSERT_TRUE(c.WaitForScribes({"s1"})) << c.mediator()->output();
  EXPECT_NE(c.mediator()->output().find("dropped scribe s2"), std::string::npos) << c.mediator()->output();
  for (const auto& name : on_s2) {
    EXPECT_EQ(c.RouteOf("k", name), "s1");
    ASSERT_TRUE(c.Log("k", name, "after").ok());
    EXPECT_EQ(c.Lines("s1", "k/" + name + ".log"), std::vector<std::string>{"after"});
  }
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

TEST(Mediator, RestartedMediatorRelearnsEveryScribe) {
  MediatorCluster c("200ms", 3);
  ASSERT_TRUE(c.StartMediator());
  const int port = c.mediator()->port();
  ASSERT_TRUE(c.StartScribe("s1"));
  ASSERT_TRUE(c.StartScribe("s2"));
  ASSERT_TRUE(c.Log("r", "before", "x").ok());
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
  std::string out;
  ASSERT_TRUE(c.StartMediator({}, port, &out)) << out;
  // No scribe restarts: each notices it is not pinged any more and registers again.
  ASSERT_TRUE(c.WaitForScribes({"s1", "s2"})) << c.mediator()->output();
  ASSERT_TRUE(c.Log("r", "after", "y").ok());
  EXPECT_EQ(c.Holders("r/after.log").size(), 1u);
  EXPECT_NE(c.scribe("s1")->output().find("registered again"), std::string::npos) << c.scribe("s1")->output();
  EXPECT_EQ(c.StopScribe("s1"), 0);
  EXPECT_EQ(c.StopScribe("s2"), 0);
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

// Clients stream unique lines while one scribe is SIGKILLed: every batch is
// acknowledged OK, every acknowledged line is on disk in some root, and a line
// is there twice only if the mediator counted it as retried.
TEST(Mediator, ScribeKilledUnderLoadLosesNoAcknowledgedLine) {
  MediatorCluster c("200ms", 3);
  ASSERT_TRUE(c.StartMediator());
  // Slow writers keep lines in flight at the scribe when it dies.
  ASSERT_TRUE(c.StartScribe("s1", {"-test-write-delay", "2ms"}));
  ASSERT_TRUE(c.StartScribe("s2", {"-test-write-delay", "2ms"}));
  constexpr int kClients = 3;
  constexpr int kBatches = 400;
  constexpr int kLines = 25;
  constexpr int kFiles = 16;
  std::atomic<int> acked_batches{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int cl = 0; cl < kClients; ++cl) {
    clients.emplace_back([&, cl] {
      const bool ok = StreamLoad(&c, kBatches, [&](int b, v1::LogBatch* batch) {
        for (int i = 0; i < kLines; ++i) {
          auto* e = batch->add_entries();
          e->set_path("load");
          e->set_filename("f" + std::to_string((b + i) % kFiles));
          e->set_line("c" + std::to_string(cl) + "-b" + std::to_string(b) + "-l" + std::to_string(i));
        }
      }, &acked_batches);
      if (!ok) ++failures;
    });
  }
  ASSERT_TRUE(MediatorCluster::WaitUntil([&] { return acked_batches.load() >= kClients * kBatches / 4; }));
  c.StopScribe("s2", SIGKILL);
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(acked_batches.load(), kClients * kBatches);

  const std::map<std::string, int> seen = c.LineCounts();
  int64_t duplicates = 0;
  int missing = 0;
  for (int cl = 0; cl < kClients; ++cl) {
    for (int b = 0; b < kBatches; ++b) {
      for (int i = 0; i < kLines; ++i) {
        auto it = seen.find("c" + std::to_string(cl) + "-b" + std::to_string(b) + "-l" + std::to_string(i));
        if (it == seen.end()) {
          ++missing;
        } else {
          duplicates += it->second - 1;
        }
      }
    }
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kClients * kBatches * kLines)) << "no stray lines";
  const auto stats = c.Stats();
  EXPECT_LE(duplicates, stats.retried_lines()) << "every duplicate is a counted retry";
  RecordProperty("duplicates", static_cast<int>(duplicates));
  RecordProperty("retried_lines", static_cast<int>(stats.retried_lines()));
  EXPECT_EQ(stats.failed_lines(), 0);
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

// One writer per file while a scribe joins under load: a file that moves is
// written by its old owner up to some line and by its new owner after it,
// never by both at once, and nothing is lost or repeated.
TEST(Mediator, OneWriterPerFileWhileAScribeJoinsUnderLoad) {
  MediatorCluster c;
  ASSERT_TRUE(c.StartMediator());
  ASSERT_TRUE(c.StartScribe("s1"));
  constexpr int kFiles = 24;
  constexpr int kBatches = 1000;
  std::atomic<int> acked{0};
  std::thread client([&] {
    EXPECT_TRUE(StreamLoad(&c, kBatches, [&](int b, v1::LogBatch* batch) {
      for (int f = 0; f < kFiles; ++f) {
        auto* e = batch->add_entries();
        e->set_filename("f" + std::to_string(f));
        e->set_line(std::to_string(b));
      }
    }, &acked, 20));
  });
  ASSERT_TRUE(MediatorCluster::WaitUntil([&] { return acked.load() >= kBatches / 5; }));
  ASSERT_TRUE(c.StartScribe("s2"));
  ASSERT_TRUE(c.StartScribe("s3"));
  client.join();
  ASSERT_EQ(acked.load(), kBatches);
  int moved = 0;
  for (int f = 0; f < kFiles; ++f) {
    const std::string rel = "f" + std::to_string(f) + ".log";
    std::vector<std::pair<int, std::string>> pieces;  // (first number, id)
    std::vector<int> all;
    for (const std::string& id : {std::string("s1"), std::string("s2"), std::string("s3")}) {
      const auto lines = c.Lines(id, rel);
      if (lines.empty()) continue;
      std::vector<int> nums;
      for (const auto& l : lines) nums.push_back(std::stoi(l));
      for (size_t i = 1; i < nums.size(); ++i) ASSERT_EQ(nums[i], nums[i - 1] + 1) << rel << " in " << id;
      pieces.emplace_back(nums.front(), id);
      all.insert(all.end(), nums.begin(), nums.end());
    }
    ASSERT_FALSE(pieces.empty());
    ASSERT_LE(pieces.size(), 3u) << rel << ": two joins move a file at most twice";
    std::sort(all.begin(), all.end());
    ASSERT_EQ(all.size(), static_cast<size_t>(kBatches)) << rel;
    for (int i = 0; i < kBatches; ++i) ASSERT_EQ(all[i], i) << rel;  // contiguous, disjoint ranges
    if (pieces.size() == 2) {
      ++moved;
      std::sort(pieces.begin(), pieces.end());
      EXPECT_EQ(pieces[0].second, "s1") << rel << " starts at the first owner";
    }
  }
  EXPECT_GT(moved, 0) << "with 24 files some should move to the new scribes";
  EXPECT_EQ(c.Stats().retried_lines(), 0);
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

// Scribes s1 and s2 under stream load through the mediator; s2 is stopped
// with SIGTERM a quarter of the way in, then `after_stop` runs. Every line
// must end up on disk exactly once, and nothing is retried.
void StopAScribeUnderStreamLoad(MediatorCluster* c, const std::function<void()>& after_stop) {
  ASSERT_TRUE(c->StartMediator());
  ASSERT_TRUE(c->StartScribe("s1"));
  ASSERT_TRUE(c->StartScribe("s2"));
  constexpr int kBatches = 600;
  constexpr int kLines = 20;
  std::atomic<int> acked{0};
  std::thread client([&] {
    EXPECT_TRUE(StreamLoad(c, kBatches, [&](int b, v1::LogBatch* batch) {
      for (int i = 0; i < kLines; ++i) {
        auto* e = batch->add_entries();
        e->set_filename("g" + std::to_string(i % 10));
        e->set_line("b" + std::to_string(b) + "-" + std::to_string(i));
      }
    }, &acked, 30));
  });
  const bool loaded = MediatorCluster::WaitUntil([&] { return acked.load() >= kBatches / 4; });
  EXPECT_TRUE(loaded);
  if (loaded) {
    EXPECT_EQ(c->StopScribe("s2"), 0) << c->scribe("s2")->output();
    after_stop();
  }
  client.join();
  ASSERT_EQ(acked.load(), kBatches);
  const std::map<std::string, int> seen = c->LineCounts();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kBatches * kLines));
  for (const auto& [line, n] : seen) ASSERT_EQ(n, 1) << line;
  EXPECT_EQ(c->Stats().retried_lines(), 0);
}

// A scribe stopped with SIGTERM under load: it deregisters (and the mediator
// sees its GOAWAY), the mediator stops sending on its stream and half-closes
// it, the scribe acknowledges what it got and exits; the rest goes to the
// other scribe. Nothing is retried, so every line is on disk exactly once.
TEST(Mediator, GracefullyStoppedScribeHandsOverWithoutRetries) {
  MediatorCluster c("200ms", 3);
  StopAScribeUnderStreamLoad(&c, [] {});
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

TEST(Mediator, StoppingScribeLeavesAtOnceAndNothingIsWrittenTwice) {
  // Pings every 30 s: only the scribe's Deregister can move its files before
  // the end of this test.
  MediatorCluster c("30s", 3);
  StopAScribeUnderStreamLoad(&c, [&] {
    // Gone from the routing as soon as it stopped, long before a ping round.
    const std::map<std::string, std::string> live = c.LiveScribes();
    EXPECT_EQ(live.size(), 1u);
    EXPECT_EQ(live.count("s1"), 1u);
  });
  EXPECT_TRUE(c.mediator()->WaitFor("scribe s2 at", std::chrono::seconds(5)));
  EXPECT_NE(c.mediator()->output().find(" left"), std::string::npos) << c.mediator()->output();
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

TEST(Mediator, ScribeThatCannotRegisterExitsWithOneSentence) {
  TempDir root;
  std::string out;
  const int code = ScribeProcess::RunToExit(
      LOGSCRIBE_BINARY,
      {"-port", "0", "-bind", "127.0.0.1", "-path", root.path(), "-mediator", "127.0.0.1:1",
       "-register-timeout", "500ms"},
      &out);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("could not register with the mediator at 127.0.0.1:1"), std::string::npos) << out;
  EXPECT_EQ(out.find("listening on"), std::string::npos) << out;
}

TEST(Mediator, BadFlagsExitWithStatusTwo) {
  std::string out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGMEDIATOR_BINARY, {"-routing", "random"}, &out), 2) << out;
  EXPECT_NE(out.find("-routing"), std::string::npos) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGMEDIATOR_BINARY, {"-ping-interval", "1s", "-ping-timeout", "2s"}, &out), 2)
      << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGMEDIATOR_BINARY, {"-max-misses", "0"}, &out), 2) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-id", "x"}, &out), 2) << out;
  EXPECT_NE(out.find("-id needs -mediator"), std::string::npos) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-mediator", "nohostport"}, &out), 2) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBE_BINARY, {"-mediator", "h:1", "-advertise", "::1:80"}, &out), 2)
      << out;
}

TEST(Mediator, CtlPrintsScribesStatsRouteAndVersion) {
  MediatorCluster c;
  ASSERT_TRUE(c.StartMediator({"-routing", "first-char"}));
  ASSERT_TRUE(c.StartScribe("a1"));
  ASSERT_TRUE(c.StartScribe("b1"));
  ASSERT_TRUE(c.Log("x", "apple", "1").ok());
  const std::string target = c.mediator()->target();
  std::string out;
  ASSERT_EQ(ScribeProcess::RunToExit(LOGSCRIBECTL_BINARY, {"-target", target, "scribes"}, &out), 0) << out;
  EXPECT_NE(out.find("a1"), std::string::npos) << out;
  EXPECT_NE(out.find("a-r"), std::string::npos) << out;
  EXPECT_NE(out.find("s-9"), std::string::npos) << out;
  EXPECT_NE(out.find(c.scribe("b1")->target()), std::string::npos) << out;
  ASSERT_EQ(ScribeProcess::RunToExit(LOGSCRIBECTL_BINARY, {"-target", target, "route", "x", "zebra"}, &out), 0)
      << out;
  EXPECT_EQ(out, "b1 " + c.scribe("b1")->target() + "\n");
  ASSERT_EQ(ScribeProcess::RunToExit(LOGSCRIBECTL_BINARY, {"-target", target, "stats"}, &out), 0) << out;
  EXPECT_NE(out.find("retried lines 0"), std::string::npos) << out;
  ASSERT_EQ(ScribeProcess::RunToExit(LOGSCRIBECTL_BINARY, {"-target", target, "version"}, &out), 0) << out;
  EXPECT_NE(out.find("mediator"), std::string::npos) << out;
  EXPECT_NE(out.find("a1"), std::string::npos) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBECTL_BINARY, {"-target", target, "route", "x", ""}, &out), 1) << out;
  EXPECT_NE(out.find("INVALID_ARGUMENT"), std::string::npos) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGSCRIBECTL_BINARY, {"-target", target, "frobnicate"}, &out), 2) << out;
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

}  // namespace
}  // namespace logscribe::testing
