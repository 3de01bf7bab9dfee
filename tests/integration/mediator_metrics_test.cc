// The mediator's -pprof endpoint as Prometheus and a probe meet it: a real
// logmediator and two real scribes, a known load through the mediator, then
// /metrics parsed and its counters checked against the load and the routing;
// a scribe killed and its drop seen in the counters; /healthz; the flags.
// Loads are bounded; waits poll with generous limits.
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "log_client.h"
#include "logscribe.grpc.pb.h"
#include "mediator_cluster.h"
#include "metrics_scrape.h"
#include "version.h"

namespace logscribe::testing {
namespace {

namespace v1 = logscribe::v1;

constexpr int kFiles = 20;

std::string File(int f) { return "f" + std::to_string(f); }

// The value of `key`, 0 when absent.
double Get(const std::map<std::string, double>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

std::string Scribe(const std::string& family, const std::string& id) {
  return family + "{scribe=\"" + id + "\"}";
}

TEST(MediatorMetrics, CountersFollowALoadAndADrop) {
  // Pings every 500 ms; three misses in a row drop a scribe.
  MediatorCluster c("500ms", 3);
  std::string out;
  ASSERT_TRUE(c.StartMediator({"-pprof", "-pport", "0"}, 0, &out)) << out;
  const int port = MetricsPort(*c.mediator());
  ASSERT_GT(port, 0) << c.mediator()->output();

  // No scribe yet: not ready, and every log request is refused.
  std::string body;
  EXPECT_EQ(HttpGet(port, "/healthz", &body), 503);
  EXPECT_NE(body.find("no live scribe"), std::string::npos) << body;
  EXPECT_EQ(c.Log("m", "early", "refused").error_code(), grpc::StatusCode::UNAVAILABLE);

  ASSERT_TRUE(c.StartScribe("s1"));
  ASSERT_TRUE(c.StartScribe("s2"));
  ASSERT_TRUE(c.WaitForScribes({"s1", "s2"}));
  EXPECT_EQ(HttpGet(port, "/healthz", &body), 200) << body;

  // The load: 100 unary Log calls (5 per file), then 4 LogBatch calls of 100
  // lines (5 per file each), and one refused request.
  std::map<std::string, double> expect;  // lines per owner
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(c.Log("m", File(i % kFiles), "unary " + std::to_string(i)).ok());
  }
  auto stub = c.LogStub();
  for (int b = 0; b < 4; ++b) {
    v1::LogBatch batch;
    for (int i = 0; i < 100; ++i) {
      auto* e = batch.add_entries();
      e->set_path("m");
      e->set_filename(File(i % kFiles));
      e->set_line("batch " + std::to_string(b) + " " + std::to_string(i));
    }
    v1::LogResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ASSERT_TRUE(stub->LogBatch(&ctx, batch, &resp).ok());
  }
  EXPECT_EQ(c.Log("m", "../escape", "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  constexpr double kLines = 100 + 400;
  for (int f = 0; f < kFiles; ++f) {
    const std::string owner = c.RouteOf("m", File(f));
    ASSERT_FALSE(owner.empty());
    expect[owner] += kLines / kFiles;
  }

  // At least one whole ping round after the scribes registered, and the
  // last part freed (just after its client was answered).
  std::map<std::string, double> m;
  ASSERT_TRUE(MediatorCluster::WaitUntil([&] {
    m = Scrape(port);
    return Get(m, "logmediator_pings_total") >= 2 && Get(m, "logmediator_parts_in_flight") == 0;
  })) << c.mediator()->output();

  EXPECT_EQ(Get(m, "logmediator_scribes_live"), 2);
  EXPECT_EQ(Get(m, "logmediator_routing_scribes"), 2);
  EXPECT_EQ(Get(m, "logmediator_routing_files_in_flight"), 0);
  EXPECT_GE(Get(m, "logmediator_routing_updates_total"), 2);
  EXPECT_EQ(Get(m, "logmediator_registrations_total{outcome=\"added\"}"), 2);
  EXPECT_EQ(Get(m, "logmediator_registrations_total{outcome=\"refused\"}"), 0);
  EXPECT_EQ(Get(m, "logmediator_scribes_dropped_total"), 0);
  EXPECT_GE(Get(m, "logmediator_ping_rounds_total"), 1);
  double forwarded = 0;
  for (const std::string id : {"s1", "s2"}) {
    EXPECT_EQ(Get(m, Scribe("logmediator_scribe_live", id)), 1) << id;
    ASSERT_TRUE(m.count(Scribe("logmediator_scribe_lines_forwarded_total", id))) << id;
    EXPECT_EQ(Get(m, Scribe("logmediator_scribe_lines_acked_total", id)), expect[id]) << id;
    EXPECT_EQ(Get(m, Scribe("logmediator_scribe_lines_forwarded_total", id)), expect[id]) << id;
    EXPECT_EQ(Get(m, Scribe("logmediator_scribe_lines_retried_total", id)), 0) << id;
    EXPECT_EQ(Get(m, Scribe("logmediator_scribe_batches_in_flight", id)), 0) << id;
    EXPECT_EQ(Get(m, Scribe("logmediator_scribe_queued_parts", id)), 0) << id;
    EXPECT_EQ(Get(m, Scribe("logmediator_scribe_missed_pings", id)), 0) << id;
    EXPECT_GE(Get(m, Scribe("logmediator_scribe_batches_forwarded_total", id)), expect[id] > 0 ? 1 : 0) << id;
    forwarded += Get(m, Scribe("logmediator_scribe_lines_forwarded_total", id));
  }
  EXPECT_EQ(forwarded, kLines);
  EXPECT_EQ(Get(m, "logmediator_lines_acked_total"), kLines);
  EXPECT_EQ(Get(m, "logmediator_lines_received_total"), kLines);
  EXPECT_EQ(Get(m, "logmediator_bytes_acked_total"), Get(m, "logmediator_bytes_received_total"));
  EXPECT_EQ(Get(m, "logmediator_lines_failed_total"), 0);
  EXPECT_EQ(Get(m, "logmediator_lines_retried_total"), 0);
  EXPECT_EQ(Get(m, "logmediator_refused_requests_total{reason=\"no_scribe\"}"), 1);
  EXPECT_EQ(Get(m, "logmediator_refused_requests_total{reason=\"queue_full\"}"), 0);
  EXPECT_EQ(Get(m, "logmediator_queue_bytes"), 0);
  EXPECT_EQ(Get(m, "logmediator_parts_in_flight"), 0);
  EXPECT_EQ(Get(m, "logmediator_queue_limit_bytes"), 256.0 * 1024 * 1024);
  // 101 + 1 Log calls (the refused one and the invalid one answered too), 4 LogBatch.
  EXPECT_EQ(Get(m, "logmediator_rpc_started_total{method=\"Log\"}"), 102);
  EXPECT_EQ(Get(m, "logmediator_rpc_started_total{method=\"LogBatch\"}"), 4);
  EXPECT_EQ(Get(m, "logmediator_rpc_answers_total{method=\"Log\",code=\"OK\"}"), 100);
  EXPECT_EQ(Get(m, "logmediator_rpc_answers_total{method=\"Log\",code=\"UNAVAILABLE\"}"), 1);
  EXPECT_EQ(Get(m, "logmediator_rpc_answers_total{method=\"Log\",code=\"INVALID_ARGUMENT\"}"), 1);
  EXPECT_EQ(Get(m, "logmediator_rpc_answers_total{method=\"LogBatch\",code=\"OK\"}"), 4);
  EXPECT_EQ(Get(m, "logmediator_ack_latency_seconds_count"), 106);
  EXPECT_EQ(Get(m, "logmediator_batches_received_total"), 104);
  EXPECT_GE(Get(m, "logmediator_admin_answers_total{method=\"Register\",code=\"OK\"}"), 2);
  EXPECT_EQ(Get(m, "logmediator_admin_answers_total{method=\"Route\",code=\"OK\"}"), kFiles);
  EXPECT_EQ(Get(m, "logmediator_build_info{version=\"" LOGSCRIBE_VERSION "\"}"), 1);

  // s2 dies without a word: its pings fail, it is dropped, its numbers stay.
  const double failed_before = Get(m, "logmediator_pings_failed_total");
  ASSERT_EQ(c.StopScribe("s2", SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(MediatorCluster::WaitUntil([&] {
    m = Scrape(port);
    return Get(m, "logmediator_scribes_live") == 1;
  })) << c.mediator()->output();
  EXPECT_EQ(Get(m, "logmediator_routing_scribes"), 1);
  EXPECT_GE(Get(m, "logmediator_pings_failed_total"), failed_before + 3);
  EXPECT_EQ(Get(m, "logmediator_scribes_dropped_total"), 1);
  EXPECT_EQ(Get(m, Scribe("logmediator_scribe_live", "s2")), 0);
  EXPECT_EQ(Get(m, Scribe("logmediator_scribe_live", "s1")), 1);
  EXPECT_EQ(Get(m, Scribe("logmediator_scribe_lines_acked_total", "s2")), expect["s2"]);
  EXPECT_FALSE(m.count(Scribe("logmediator_scribe_missed_pings", "s2")));
  EXPECT_EQ(HttpGet(port, "/healthz", &body), 200) << body;

  // Everything goes to s1 now.
  for (int f = 0; f < kFiles; ++f) ASSERT_TRUE(c.Log("m", File(f), "after").ok());
  m = Scrape(port);
  EXPECT_EQ(Get(m, Scribe("logmediator_scribe_lines_acked_total", "s1")), expect["s1"] + kFiles);
  EXPECT_EQ(Get(m, "logmediator_lines_acked_total"), kLines + kFiles);
  EXPECT_EQ(c.StopMediator(), 0) << c.mediator()->output();
}

TEST(MediatorMetrics, FlagsOfTheEndpoint) {
  MediatorCluster c;
  std::string out;
  ASSERT_TRUE(c.StartMediator({"-pprof", "-pport", "0"}, 0, &out)) << out;
  const int port = MetricsPort(*c.mediator());
  ASSERT_GT(port, 0);
  // A busy -pport fails at start-up with status 1 and one sentence.
  EXPECT_EQ(ScribeProcess::RunToExit(LOGMEDIATOR_BINARY,
                                     {"-port", "0", "-pprof", "-pport", std::to_string(port)}, &out),
            1);
  EXPECT_NE(out.find("cannot listen for metrics"), std::string::npos) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGMEDIATOR_BINARY, {"-port", "0", "-pport", "0"}, &out), 2);
  EXPECT_NE(out.find("-pport needs -pprof"), std::string::npos) << out;
  EXPECT_EQ(ScribeProcess::RunToExit(LOGMEDIATOR_BINARY, {"-pprof", "-pport", "70000"}, &out), 2);
  EXPECT_EQ(ScribeProcess::RunToExit(LOGMEDIATOR_BINARY, {"-help"}, &out), 0);
  EXPECT_NE(out.find("default 1112"), std::string::npos) << out;
  EXPECT_EQ(c.StopMediator(), 0);
}

}  // namespace
}  // namespace logscribe::testing
