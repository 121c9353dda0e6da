// bmsrig history add|trend: the margin history in SQLite (rig/app/include/rig/app/history.hpp).
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "rig/app/exit_codes.hpp"
#include "rig/app/history.hpp"
#include "rig/writers.hpp"

namespace rig::app::cli {

Command add_history(CLI::App& app, const Context&) {
  struct Options {
    std::string results, db, json, mode;
    std::size_t last = 5;
  };
  auto o = std::make_shared<Options>();
  auto* history = app.add_subcommand("history", "the margin history of past runs (SQLite)");
  history->require_subcommand(1);
  auto* add = history->add_subcommand(
      "add", "record a results file (run --json, certify's or merge's results.json) in the history database; one "
             "transaction: an interrupted add changes nothing; a file added before is not added again");
  add->add_option("results", o->results, "results.json")->required()->check(CLI::ExistingFile);
  add->add_option("--db", o->db, "the history database (created if missing)")->required();
  auto* trend = history->add_subcommand(
      "trend", "each check's margin over the last runs; flags verdict changes, margins that shrank by more than their "
               "uncertainty, cases that appeared or vanished; exit 0 nothing flagged, 1 something flagged, 2 the "
               "database cannot be read");
  trend->add_option("--db", o->db, "the history database")->required();
  trend->add_option("--last", o->last, "the runs per mode the trend looks at (K ≥ 2)")->capture_default_str()->check(CLI::Range(2, 10000));
  trend->add_option("--mode", o->mode, "only this mode's runs")->check(CLI::IsMember({"sil", "pil", "hil"}));
  trend->add_option("--json", o->json, "also write the trend as JSON here");
  return {history, [o, add, trend]() -> int {
            if (*add) {
              try {
                const auto r = history_add(o->db, o->results);
                if (r.already_recorded)
                  std::printf("history: %s is already recorded in %s (run %lld); nothing added\n", o->results.c_str(),
                              o->db.c_str(), r.run_id);
                else
                  std::printf("history: run %lld added to %s (%zu cases, %zu checks)\n", r.run_id, o->db.c_str(),
                              r.cases, r.checks);
                return kExitPass;
              } catch (const HistoryError& e) {
                std::fprintf(stderr, "bmsrig history add: %s\n", e.what());
                return kExitError;
              } catch (const std::exception& e) {
                std::fprintf(stderr, "bmsrig history add: %s\n", e.what());
                return kExitBadInput;
              }
            }
            (void)trend;
            try {
              const auto t = history_trend(o->db, o->last, o->mode);
              std::fputs(trend_text(t).c_str(), stdout);
              if (!o->json.empty()) rig::report::write_file_atomic(o->json, trend_json(t));
              return t.flagged() ? kExitFail : kExitPass;
            } catch (const std::exception& e) {
              std::fprintf(stderr, "bmsrig history trend: %s\n", e.what());
              return kExitError;
            }
          }};
}

}  // namespace rig::app::cli
