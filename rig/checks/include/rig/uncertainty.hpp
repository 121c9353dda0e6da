// Margins with uncertainty: every measured instant and value carries how far it may be off, and a check whose
// margin lies within that uncertainty is inconclusive (Verdict::kInconclusive), never passed.
//
// Where a signal's uncertainty comes from (the runner supplies it per signal, see rig/runner.hpp):
//   SIL / PIL: an analog value is recorded when it moves by its resolution (signals.hpp), so a recorded value may
//              be off by up to one resolution step; an instant of a plant signal is known to one sample period
//              (the true crossing lies between two samples: 1 ms plant step or 10 ms tick). The firmware's outputs
//              and what it sampled at its ticks (bms/in/*, the sense inputs a bench drives: cell sense, cable lines,
//              heatsink and remote readings) are exact in time: the firmware acts only at its ticks, on those samples.
//   HIL:       a measured channel's declared accuracy and reading period, plus one loop period for the plant's
//              values reaching the board; a kernel-timestamped output its timestamp resolution.
// A check's uncertainty: for a margin in time ("s"), the largest time uncertainty among the signals it uses (an
// instant difference such as a lead takes both ends: the sum of the two largest); for a margin in a value unit,
// the largest value uncertainty among its signals of that unit.
//
// The rule: with uncertainty u > 0, a check is inconclusive when −u ≤ margin < u. A margin ≥ u passes for sure
// (limits are inclusive, so a true value exactly at the limit passes); a margin < −u fails for sure. Checks with
// no margin (a discrete invariant that held) or with u = 0 keep their verdict; errors are never changed.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rig/checks.hpp"

namespace rig::checks {

struct Accuracy {
  double value = 0.0;   // in the signal's unit
  double time_s = 0.0;  // of its instants
  std::string basis;    // one phrase, e.g. "sample period 1 ms, resolution 0.01 A"
};

// The accuracy of a signal by name, with its unit; nullopt: unknown signal (treated as exact).
struct SignalAccuracy {
  std::string unit;
  Accuracy accuracy;
};
using AccuracyFn = std::function<std::optional<SignalAccuracy>(const std::string& signal)>;

// Fills r.uncertainty / r.uncertainty_basis and turns a verdict whose margin is within it into kInconclusive
// (its message then says so).
void apply_uncertainty(CheckResult& r, const AccuracyFn& accuracy);
void apply_uncertainty(std::vector<CheckResult>& results, const AccuracyFn& accuracy);

// Whether a margin is within an uncertainty (the rule above).
bool within_uncertainty(double margin, double uncertainty);

}  // namespace rig::checks
