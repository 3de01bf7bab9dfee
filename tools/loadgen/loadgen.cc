#include "loadgen.h"

#include "load_runner.h"
#include "report.h"
#include "verifier.h"

namespace logscribe::loadgen {

int RunLoadgen(const LoadgenOptions& options, std::ostream& out, std::ostream& err,
               const std::atomic<bool>* interrupted) {
  LoadRunner runner(options);
  std::string error;
  if (!runner.Run(interrupted, options.quiet ? nullptr : &err, &error)) {
    err << "logscribe-loadgen: " << error << "\n";
    return kExitCannotStart;
  }
  RunSummary summary;
  summary.options = &options;
  summary.totals = runner.Totals();
  if (!options.verify_roots.empty()) {
    const Verifier verifier(runner.codec(), runner.Ledgers());
    summary.verify = verifier.ScanUntilComplete(options.verify_roots, options.verify_wait);
    for (const std::string& example : summary.verify->examples) err << "verify: " << example << "\n";
  }
  out << (options.json ? FormatJson(summary) : FormatTable(summary)) << std::flush;
  if (summary.verify && !summary.verify->clean()) return kExitVerifyFailed;
  return kExitOk;
}

}  // namespace logscribe::loadgen
