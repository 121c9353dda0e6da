#include "virtual_bench.hpp"

#include "fw/alt_controller.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace vboard {

std::optional<Fault> parse_fault(std::string_view name) {
  if (name == "none") return Fault::kNone;
  if (name == "limit-at-fuse") return Fault::kLimitAtFuse;
  if (name == "reverse") return Fault::kReverse;
  if (name == "no-soft-start") return Fault::kNoSoftStart;
  return std::nullopt;
}

const char* to_string(Fault fault) {
  switch (fault) {
    case Fault::kNone: return "none";
    case Fault::kLimitAtFuse: return "limit-at-fuse";
    case Fault::kReverse: return "reverse";
    case Fault::kNoSoftStart: return "no-soft-start";
  }
  return "?";
}

void VirtualBench::advance(std::int64_t t_ns) {
  if (t_ns_ >= 0 && t_ns > t_ns_) {
    const double dt = static_cast<double>(t_ns - t_ns_) * 1e-9;
    limit_a_ += (target_a_ - limit_a_) * (1.0 - std::exp(-dt / kStageLoopTauS));
  }
  if (t_ns > t_ns_) t_ns_ = t_ns;
}

void VirtualBench::command(const fw::Outputs& out, std::int32_t fuse_rating_a) {
  gate_ = out.alt_path_on;
  const double cmd_a = out.alt_limit_ma / 1000.0;
  const double fuse_a = fuse_rating_a;
  double target = 0.0;
  if (gate_) {
    switch (fault_) {
      case Fault::kNone:
      case Fault::kReverse:
        target = cmd_a;
        break;
      case Fault::kLimitAtFuse:
        target = cmd_a > 0.0 ? std::min(cmd_a / kGainErrorDivisor, fuse_a) : 0.0;
        break;
      case Fault::kNoSoftStart:
        target = fw::current_limit_ma(fuse_rating_a) / 1000.0;
        break;
    }
  }
  target_a_ = std::max(0.0, target);
  if (!gate_) limit_a_ = 0.0;  // switch off: the loop restarts from 0 when the path opens again
}

OperatingPoint VirtualBench::point() const {
  OperatingPoint p;
  p.li_bus_v = battery_.on ? battery_.volt_v : cells_v_;
  p.eload_a = eload_.on && p.li_bus_v >= kEloadMinBusV ? eload_.curr_a : 0.0;
  if (!gate_ && psu_.on && fault_ == Fault::kReverse && psu_.volt_v < p.li_bus_v) {
    // The broken switch conducts backwards even while commanded off (a shorted reverse-blocking device).
    // The PSU sinks it up to its sink rating (a bidirectional supply's negative limit is its own, not CURR).
    double i = (psu_.volt_v - p.li_bus_v) / kStageResistanceOhm;
    p.alt_port_v = psu_.volt_v;
    if (i < -kPsuSinkLimitA) {
      i = -kPsuSinkLimitA;
      p.alt_port_v = p.li_bus_v + i * kStageResistanceOhm;
      p.psu_cc = true;
    }
    p.stage_a = i;
  } else if (!gate_) {
    p.alt_port_v = psu_.on ? psu_.volt_v : 0.0;
  } else if (!psu_.on) {
    p.alt_port_v = fault_ == Fault::kReverse ? p.li_bus_v : 0.0;  // back-fed through the broken switch, no current
  } else {
    const double lo = fault_ == Fault::kReverse ? -std::numeric_limits<double>::infinity() : 0.0;
    double i = std::clamp((psu_.volt_v - p.li_bus_v) / kStageResistanceOhm, lo, limit_a_);
    p.alt_port_v = psu_.volt_v;
    if (std::fabs(i) > psu_.curr_a) {  // the PSU's own limit binds (sourcing, or sinking in reverse)
      i = std::copysign(psu_.curr_a, i);
      p.alt_port_v = p.li_bus_v + i * kStageResistanceOhm;
      p.psu_cc = true;
    }
    p.stage_a = i;
  }
  p.battery_a = battery_.on ? p.stage_a - p.eload_a : 0.0;
  return p;
}

void VirtualBench::sense(fw::Inputs& in) const {
  const OperatingPoint p = point();
  in.alt_port_mv = static_cast<std::int32_t>(std::lround(p.alt_port_v * 1000.0));
  in.li_port_mv = static_cast<std::int32_t>(std::lround(p.li_bus_v * 1000.0));
  in.alt_current_ma = static_cast<std::int32_t>(std::lround(p.stage_a * 1000.0));
  in.heatsink_temp_dc = 250;
}

std::optional<std::string> VirtualBench::supply_scpi(const ScpiCommand& c, SupplyState& s, const char* idn,
                                                     double max_v, double max_a, bool is_psu) {
  if (c.is("*IDN") && c.query) return idn;
  if (c.is("*RST") && !c.query) {
    c.no_param();
    s = SupplyState{};
    return std::nullopt;
  }
  if (c.is("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]")) {
    if (c.query) return ScpiServer::format(s.volt_v);
    s.volt_v = c.number(0.0, max_v);
    return std::nullopt;
  }
  if (c.is("[SOURce:]CURRent[:LEVel][:IMMediate][:AMPLitude]")) {
    if (c.query) return ScpiServer::format(s.curr_a);
    s.curr_a = c.number(0.0, max_a);
    return std::nullopt;
  }
  if (c.is("OUTPut[:STATe]")) {
    if (c.query) return s.on ? "1" : "0";
    s.on = c.boolean();
    return std::nullopt;
  }
  if (c.query && c.is("MEASure[:SCALar]:VOLTage[:DC]")) {
    const OperatingPoint p = point();
    return ScpiServer::format(is_psu ? p.alt_port_v : p.li_bus_v);
  }
  if (c.query && c.is("MEASure[:SCALar]:CURRent[:DC]")) {
    const OperatingPoint p = point();
    return ScpiServer::format(is_psu ? p.stage_a : p.battery_a);
  }
  throw kUndefinedHeader;
}

std::optional<std::string> VirtualBench::psu_scpi(const ScpiCommand& c) {
  return supply_scpi(c, psu_, kPsuIdn, kPsuMaxV, kPsuMaxA, true);
}

std::optional<std::string> VirtualBench::battery_scpi(const ScpiCommand& c) {
  return supply_scpi(c, battery_, kBatteryIdn, kBatteryMaxV, kBatteryMaxA, false);
}

std::optional<std::string> VirtualBench::eload_scpi(const ScpiCommand& c) {
  if (c.is("*IDN") && c.query) return kEloadIdn;
  if (c.is("*RST") && !c.query) {
    c.no_param();
    eload_ = LoadState{};
    return std::nullopt;
  }
  if (c.is("[SOURce:]FUNCtion[:MODE]")) {
    if (c.query) return "CURR";
    if (c.param.empty()) throw ScpiFault{-109, "Missing parameter"};
    ScpiCommand mode;
    mode.nodes = {c.param};
    for (auto& ch : mode.nodes[0]) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (!mode.is("CURRent")) throw ScpiFault{-224, "Illegal parameter value"};  // constant current only
    return std::nullopt;
  }
  if (c.is("[SOURce:]CURRent[:LEVel][:IMMediate]")) {
    if (c.query) return ScpiServer::format(eload_.curr_a);
    eload_.curr_a = c.number(0.0, kEloadMaxA);
    return std::nullopt;
  }
  if (c.is("INPut[:STATe]")) {
    if (c.query) return eload_.on ? "1" : "0";
    eload_.on = c.boolean();
    return std::nullopt;
  }
  if (c.query && c.is("MEASure[:SCALar]:VOLTage[:DC]")) return ScpiServer::format(point().li_bus_v);
  if (c.query && c.is("MEASure[:SCALar]:CURRent[:DC]")) return ScpiServer::format(point().eload_a);
  throw kUndefinedHeader;
}

}  // namespace vboard
