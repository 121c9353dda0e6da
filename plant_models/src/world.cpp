#include "plant/world.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

namespace plant {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kLeakS = 1e-6;     // 1 MΩ leakage from each node to minus: keeps a floating node defined
constexpr double kKneeV = 1.0;      // constant-current / -power loads fall off linearly below this voltage
constexpr int kMaxClamps = 24;

[[noreturn]] void bad(const char* name, double v, const char* range) {
  std::ostringstream os;
  os << "plant: World." << name << " = " << v << " is outside " << range;
  throw std::invalid_argument(os.str());
}
void check(const char* name, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi)) {
    std::ostringstream r;
    r << "[" << lo << ", " << hi << "]";
    bad(name, v, r.str().c_str());
  }
}

// A piecewise-linear element from a node to minus: current INTO the node = clamp((e - V) / r, lo, hi).
struct Clamp {
  double e, r, lo, hi;
  double unclamped(double v) const { return (e - v) / r; }
  double current(double v) const { return std::clamp(unclamped(v), lo, hi); }
  int regime_of(double u) const { return u < lo ? -1 : (u > hi ? 1 : 0); }
};

// A node: linear part (current into node = j - g V) plus clamp elements. Fixed capacity, no heap.
struct Node {
  double j = 0.0, g = kLeakS;
  Clamp c[kMaxClamps];
  signed char reg[kMaxClamps];
  // Each element's (e - V)/r at the voltage the regimes were last decided at (u_at): the element currents at the
  // solution are taken from it instead of dividing again (the same operation on the same operands).
  double u[kMaxClamps];
  std::uint64_t u_at = ~std::uint64_t{0};   // the bits of that voltage (none yet: a NaN pattern no solve gives)
  int n = 0;
  void add(double e, double r, double lo, double hi) { c[n++] = Clamp{e, r, lo, hi}; }
  double h(double v) const {  // total current into the node from its elements
    double s = j - g * v;
    for (int k = 0; k < n; ++k) s += c[k].current(v);
    return s;
  }
  void init_regimes(double v) {
    for (int k = 0; k < n; ++k) {
      u[k] = c[k].unclamped(v);
      reg[k] = static_cast<signed char>(c[k].regime_of(u[k]));
    }
    u_at = std::bit_cast<std::uint64_t>(v);
  }
  // Element k's current into the node at v.
  double current(int k, double v) const {
    return std::bit_cast<std::uint64_t>(v) == u_at ? std::clamp(u[k], c[k].lo, c[k].hi) : c[k].current(v);
  }
  // Linearisation for the present regimes: current into node = a - b V.
  void linear(double* a, double* b) const {
    double aa = j, bb = g;
    for (int k = 0; k < n; ++k) {
      if (reg[k] == 0) { aa += c[k].e / c[k].r; bb += 1.0 / c[k].r; }
      else aa += reg[k] < 0 ? c[k].lo : c[k].hi;
    }
    *a = aa;
    *b = bb;
  }
  bool update_regimes(double v) {  // returns true if any regime changed
    bool changed = false;
    u_at = std::bit_cast<std::uint64_t>(v);
    for (int k = 0; k < n; ++k) {
      const double uk = u[k] = c[k].unclamped(v);
      const auto r = static_cast<signed char>(c[k].regime_of(uk));
      if (r == reg[k]) continue;
      if (reg[k] == 0) {  // a linear solution sitting on its bound (round-off) stays linear
        if ((r < 0 && uk > c[k].lo - 1e-9) || (r > 0 && uk < c[k].hi + 1e-9)) continue;
      }
      reg[k] = r;
      changed = true;
    }
    return changed;
  }
  // Exact solve of h(V) + inject = 0 (h is piecewise linear and strictly decreasing): locate the
  // segment between the clamps' breakpoints, then interpolate (h is linear inside a segment).
  double solve(double inject) const {
    double bp[2 * kMaxClamps];
    int m = 0;
    for (int k = 0; k < n; ++k) {
      if (std::isfinite(c[k].hi)) bp[m++] = c[k].e - c[k].hi * c[k].r;
      if (std::isfinite(c[k].lo)) bp[m++] = c[k].e - c[k].lo * c[k].r;
    }
    std::sort(bp, bp + m);
    auto f = [&](double v) { return h(v) + inject; };
    if (m == 0) {
      const double f0 = f(0.0), f1 = f(1.0);
      return f0 / (f0 - f1);
    }
    double prev_v = bp[0], prev_f = f(bp[0]);
    if (prev_f <= 0.0) {  // root at or below the first breakpoint: linear region below it
      const double slope = prev_f - f(bp[0] - 1.0);
      return slope < 0.0 ? bp[0] + prev_f / -slope : bp[0];
    }
    for (int k = 1; k < m; ++k) {
      const double fk = f(bp[k]);
      if (fk <= 0.0) {
        if (bp[k] == prev_v) return bp[k];
        return prev_v + (bp[k] - prev_v) * prev_f / (prev_f - fk);
      }
      prev_v = bp[k];
      prev_f = fk;
    }
    const double slope = f(prev_v + 1.0) - prev_f;  // linear region above the last breakpoint
    return prev_v + prev_f / -slope;
  }
};

}  // namespace

void CellFault::validate() const {
  check("CellFault.capacity_scale", capacity_scale, 1e-3, 2.0);
  check("CellFault.r0_scale", r0_scale, 1e-3, 100.0);
  check("CellFault.ocv_offset_v", ocv_offset_v, -1.0, 1.0);
}

World::World(const WorldParams& p) : p_(p) {
  p.validate();
  ambient_c_ = p.ambient_c;
  const auto nb = p.bank.batteries.size();
  batteries_.reserve(nb);
  for (const auto& bp : p.bank.batteries) batteries_.emplace_back(bp, ambient_c_);
  models_.assign(nb, StepModel{});
  battery_in_a_.assign(nb, 0.0);
  factors_.assign(nb, CellStepFactors{});
  spread_cap_.assign(nb, {1.0, 1.0, 1.0, 1.0});
  spread_r0_.assign(nb, {1.0, 1.0, 1.0, 1.0});
  cell_faults_.assign(nb, {});
  loads_ = p.loads;
  load_current_a_.assign(loads_.size(), 0.0);
  load_on_.assign(loads_.size(), 0);
  update_pin_loads();
  alternator_ = Alternator(p.alternator, ambient_c_);
  alternator_.set_engine_rpm(p.engine_rpm);
  starter_ = StarterBattery(p.starter);
  stage_ = PowerStage(p.power_stage, ambient_c_);
  fuse_ = Fuse(p.fuse);
  apply_spread(false);
  apply_sensor_params();
  // Initial operating point (no time passes): valid getters from t = 0.
  li_v_ = 0.0;
  for (const auto& b : batteries_) li_v_ += b.terminal_v();
  li_v_ /= static_cast<double>(nb);
  alt_node_v_ = starter_.ocv_v(ambient_c_);
  set_factors(1e-3);
  update_pins(li_v_);
  for (std::size_t b = 0; b < nb; ++b) models_[b] = batteries_[b].step_model(factors_[b]);
  solve();
  update_pins(li_v_);
  update_remote();
  heatsink_sensor_.sample(stage_.heatsink_temperature_c());
}

void World::set_factors(double dt_s) {
  if (dt_s == factors_dt_s_) return;
  factors_dt_s_ = dt_s;
  for (std::size_t b = 0; b < batteries_.size(); ++b)
    factors_[b] = CellStepFactors::make(batteries_[b].params().cell, dt_s);
}

void World::apply_cell_scales(int b, int c) {
  const auto bi = static_cast<std::size_t>(b), ci = static_cast<std::size_t>(c);
  auto cell = batteries_[bi].cell(c);
  const auto& f = cell_faults_[bi][ci];
  cell.set_capacity_scale(spread_cap_[bi][ci] * f.capacity_scale);
  cell.set_r0_scale(spread_r0_[bi][ci] * f.r0_scale);
  cell.set_ocv_offset_v(f.ocv_offset_v);
}

void World::apply_spread(bool keep_mean_soc) {
  const auto& s = p_.bank.spread;
  Rng rng(s.seed);
  for (int b = 0; b < battery_count(); ++b) {
    const auto bi = static_cast<std::size_t>(b);
    const double base = keep_mean_soc ? batteries_[bi].soc() : batteries_[bi].params().initial_soc;
    for (int c = 0; c < kCellsPerBattery; ++c) {
      const auto ci = static_cast<std::size_t>(c);
      const double u_cap = rng.uniform_pm1(), u_r0 = rng.uniform_pm1(), u_soc = rng.uniform_pm1();
      spread_cap_[bi][ci] = 1.0 + s.capacity_rel * u_cap;
      spread_r0_[bi][ci] = 1.0 + s.r0_rel * u_r0;
      apply_cell_scales(b, c);
      batteries_[bi].cell(c).set_soc(std::clamp(base + s.soc_abs * u_soc, 0.0, 1.0));
    }
    batteries_[bi].resample_sensors();
  }
}

void World::apply_sensor_params() {
  // Each sensor gets its own offset (uniform in ±offset_max) and its own noise stream, both from the seed,
  // in a fixed order (battery, cell; voltage then temperature; heatsink last): the same seed, the same traces.
  const auto& sp = p_.sensors;
  Rng rng(sp.seed ^ 0x5EC5EC5EC5EC5EC5ull);
  const double t_open = sp.ntc.open_c(), t_short = sp.ntc.short_c();
  auto noise = [&](double offset_max, double sigma) {
    SensorNoise n;
    n.offset = offset_max * rng.uniform_pm1();
    n.sigma = sigma;
    n.seed = rng.next_u64();
    return n;
  };
  for (auto& bat : batteries_) {
    for (int c = 0; c < kCellsPerBattery; ++c) {
      bat.voltage_sensor(c).set_front_end(0.0, 0.0);
      bat.voltage_sensor(c).set_noise(noise(sp.cell_v_offset_max_v, sp.cell_v_sigma_v));
      bat.temperature_sensor(c).set_front_end(t_open, t_short);
      bat.temperature_sensor(c).set_noise(noise(sp.cell_temp_offset_max_c, sp.cell_temp_sigma_c));
    }
    bat.resample_sensors();
  }
  heatsink_sensor_.set_front_end(t_open, t_short);
  heatsink_sensor_.set_noise(noise(sp.heatsink_offset_max_c, sp.heatsink_sigma_c));
}

void World::update_pin_loads() {
  double g_ld = 0.0, g_cd = 0.0;
  for (const auto& l : loads_) {
    if (l.switched_by == LoadSwitch::kLd) g_ld += 1.0 / l.input_ohm;
    else if (l.switched_by == LoadSwitch::kCd) g_cd += 1.0 / l.input_ohm;
  }
  if (p_.charger.switched_by_cd) g_cd += 1.0 / p_.charger.input_ohm;
  pin_g_ld_ = g_ld;
  pin_g_cd_ = g_cd;
}

void World::update_pins(double li_v) {
  const auto& pp = p_.pins;
  const double g_ld = pin_g_ld_, g_cd = pin_g_cd_;
  auto ld_cd = [&](bool high, double g, double* v, double* i) {
    if (!high) { *v = 0.0; *i = 0.0; return; }
    const double vo = std::max(0.0, li_v - pp.ld_cd_drop_v);
    if (g <= 0.0) { *v = vo; *i = 0.0; return; }
    const double ii = std::min(vo * g, pp.ld_cd_current_limit_a);  // short-circuit protected source
    *i = ii;
    *v = ii / g;
  };
  ld_cd(pins_.load_high, g_ld, &ld_pin_v_, &ld_pin_a_);
  ld_cd(pins_.charge_high, g_cd, &cd_pin_v_, &cd_pin_a_);
  if (pins_.prealarm_high) {
    const double vl = std::max(0.0, li_v);
    if (pp.pa_load_ohm > 0.0) {
      pa_pin_a_ = vl / (pp.pa_source_ohm + pp.pa_load_ohm);
      pa_pin_v_ = pa_pin_a_ * pp.pa_load_ohm;
      if (pa_pin_a_ > pp.pa_rated_a) pa_overloaded_ = true;
    } else {
      pa_pin_a_ = 0.0;
      pa_pin_v_ = vl;
    }
  } else {
    pa_pin_a_ = 0.0;
    pa_pin_v_ = 0.0;
  }
  pin_current_a_ = ld_pin_a_ + cd_pin_a_ + pa_pin_a_;
  for (std::size_t i = 0; i < loads_.size(); ++i) {
    const auto& l = loads_[i];
    bool on = true;
    if (l.switched_by == LoadSwitch::kLd) on = ld_pin_v_ > l.input_threshold_v;
    else if (l.switched_by == LoadSwitch::kCd) on = cd_pin_v_ > l.input_threshold_v;
    load_on_[i] = on ? 1 : 0;
  }
  charger_on_ = shore_power_ && (!p_.charger.switched_by_cd || cd_pin_v_ > p_.charger.input_threshold_v);
}

void World::update_remote() {
  const auto& r = p_.remote;
  const double vl = std::max(0.0, li_v_);
  switch (remote_mode_) {
    case RemoteMode::kA: remote_h_v_ = remote_l_v_ = vl * r.h_pulldown_ohm / (r.l_pullup_ohm + r.h_pulldown_ohm); break;
    case RemoteMode::kB: remote_l_v_ = 0.0; remote_h_v_ = 0.0; break;
    case RemoteMode::kC: remote_h_v_ = r.h_drive_v < 0.0 ? vl : r.h_drive_v; remote_l_v_ = vl; break;
    case RemoteMode::kD: remote_l_v_ = vl; remote_h_v_ = 0.0; break;
  }
  if (remote_h_drive_v_) remote_h_v_ = *remote_h_drive_v_;
  if (remote_l_drive_v_) remote_l_v_ = *remote_l_drive_v_;
}

void World::solve() {
  const double amb = ambient_c_;
  // ---- alternator / starter node ----
  Node a;
  int i_starter = -1, i_alt = -1, i_dump = -1, i_crank = -1, i_veh = -1;
  if (starter_.connected()) {
    // Piecewise-linear battery (StarterStepModel): charge branch through r_charge everywhere, the extra
    // discharge conductance below e_v, the gassing branch above gassing_v (currents INTO the node).
    const StarterStepModel sm = starter_.step_model(amb, step_dt_s_);
    i_starter = a.n;
    a.add(sm.e_v, sm.r_charge_ohm, -kInf, kInf);
    if (sm.r_charge_ohm > sm.r_discharge_ohm)
      a.add(sm.e_v, 1.0 / (1.0 / sm.r_discharge_ohm - 1.0 / sm.r_charge_ohm), 0.0, kInf);
    else
      a.add(sm.e_v, 1.0, 0.0, 0.0);  // (graded acceptance off) a placeholder that carries no current
    a.add(sm.gassing_v, sm.gassing_ohm, -kInf, 0.0);
  }
  const double ceil_a = alternator_.ceiling_a();
  if (ceil_a > 0.0) { i_alt = a.n; a.add(alternator_.transient_emf_v(), alternator_.transient_ohm(), 0.0, ceil_a); }
  if (alternator_.load_dump_active()) {
    i_dump = a.n;
    a.add(alternator_.load_dump_emf_v(), alternator_.load_dump_ohm(), 0.0, kInf);
  }
  const double crank = crank_.demand_a();
  if (crank > 0.0) { i_crank = a.n; a.add(0.0, crank_.profile().stall_v / crank, -crank, 0.0); }
  if (vehicle_load_a_ > 0.0) { i_veh = a.n; a.add(0.0, kKneeV / vehicle_load_a_, -vehicle_load_a_, 0.0); }

  // ---- Li bus node ----
  Node l;
  for (const auto& m : models_) { l.j += m.e_v / m.r_ohm; l.g += 1.0 / m.r_ohm; }
  l.j -= pin_current_a_;
  const double v_prev = std::max(li_v_, kKneeV);
  int first_load_clamp = l.n;
  int load_clamp[kMaxClamps];
  for (std::size_t i = 0; i < loads_.size(); ++i) {
    load_clamp[i] = -1;
    if (!load_on_[i]) continue;
    const auto& ld = loads_[i];
    if (ld.resistance_ohm > 0.0) l.g += 1.0 / ld.resistance_ohm;
    const double ic = ld.current_a + ld.power_w / v_prev;
    if (ic > 0.0) { load_clamp[i] = l.n; l.add(0.0, kKneeV / ic, -ic, 0.0); }
  }
  (void)first_load_clamp;
  int i_chg = -1;
  if (charger_on_) { i_chg = l.n; l.add(p_.charger.cv_v, p_.charger.output_ohm, 0.0, p_.charger.cc_a); }

  // ---- power stage between the nodes ----
  // With a measured port current imposed, the stage model is bypassed: the port is a fixed current
  // between the nodes (the ps_reg != 0 branch below with that current), in either direction.
  const bool imposed = port_current_input_a_.has_value();
  const double i_imposed = imposed ? *port_current_input_a_ : 0.0;
  // The stage conducts clamp((V_a - V_l) / R, i_lo, i_lim): forward up to the loop's limit, backwards
  // through the on-resistance while switched on (reverse_conduction) or failed short.
  const double r_ps = p_.power_stage.wiring_ohm + p_.power_stage.on_resistance_ohm;
  const bool ps_can = !imposed && !fuse_.blown() && stage_.conducting();
  double i_lim = 0.0, i_lo = 0.0;
  if (ps_can) {
    if (stage_.failed()) {
      i_lim = p_.power_stage.reverse_limit_a;
      i_lo = -p_.power_stage.reverse_limit_a;
    } else {
      i_lim = stage_.effective_limit_a();
      i_lo = p_.power_stage.reverse_conduction ? -p_.power_stage.reverse_limit_a : 0.0;
    }
  }

  // ---- active-set solve, warm-started from the previous operating point ----
  double va = alt_node_v_, vl = li_v_, ips = 0.0;
  a.init_regimes(va);
  l.init_regimes(vl);
  int ps_reg = -1;  // -1 off, 0 linear, 1 at limit
  if (ps_can) { const double u = (va - vl) / r_ps; ps_reg = u <= i_lo ? -1 : (u >= i_lim ? 1 : 0); }
  bool ok = false;
  double aa = 0.0, ba = 1.0, al = 0.0, bl = 1.0;  // the nodes' linearisations at the final regimes
  for (int it = 0; it < 8; ++it) {
    a.linear(&aa, &ba);
    l.linear(&al, &bl);
    if (ps_reg == 0) {
      const double gp = 1.0 / r_ps;
      const double m11 = ba + gp, m22 = bl + gp, det = m11 * m22 - gp * gp;
      va = (aa * m22 + gp * al) / det;
      vl = (m11 * al + gp * aa) / det;
      ips = (va - vl) * gp;
    } else {
      ips = imposed ? i_imposed : (ps_reg > 0 ? i_lim : (ps_can ? i_lo : 0.0));
      va = (aa - ips) / ba;
      vl = (al + ips) / bl;
    }
    bool changed = a.update_regimes(va);
    changed = l.update_regimes(vl) || changed;
    if (ps_can) {
      const double u = (va - vl) / r_ps;
      const int r = u <= i_lo ? -1 : (u >= i_lim ? 1 : 0);
      if (r != ps_reg) {
        // accept boundary cases where the linear solution sits exactly on the clamp
        if (!(ps_reg == 0 && ((r == -1 && u - i_lo > -1e-12) || (r == 1 && u - i_lim < 1e-9)))) { ps_reg = r; changed = true; }
      }
    }
    if (!changed) { ok = true; break; }
  }
  if (!ok) {
    ++solver_fallbacks_;
    // Robust fallback: nested monotone solves (never seen to be needed in the tests; kept for safety).
    // g(I) = V_a(I) - V_l(I) - R·I is piecewise linear and strictly decreasing in the stage current I.
    auto g_of = [&](double i) { return a.solve(-i) - l.solve(i) - r_ps * i; };
    ips = imposed ? i_imposed : 0.0;
    double g0;
    if (ps_can && (g0 = g_of(i_lo)) <= 0.0) {
      ips = i_lo;
    } else if (ps_can) {
      const double g1 = g_of(i_lim);
      if (g1 >= 0.0) ips = i_lim;
      else {  // Illinois regula falsi: exact once the bracket lies on one linear piece
        double x0 = i_lo, x1 = i_lim, f0 = g0, f1 = g1;
        int side = 0;
        for (int k = 0; k < 100; ++k) {
          const double x = x1 - f1 * (x1 - x0) / (f1 - f0);
          const double fx = g_of(x);
          ips = x;
          if (std::fabs(fx) < 1e-12 || std::fabs(x1 - x0) < 1e-12) break;
          if (fx > 0.0) { x0 = x; f0 = fx; if (side == -1) f1 *= 0.5; side = -1; }
          else { x1 = x; f1 = fx; if (side == 1) f0 *= 0.5; side = 1; }
        }
      }
    }
    va = a.solve(-ips);
    vl = l.solve(ips);
    a.init_regimes(va);
    l.init_regimes(vl);
    a.linear(&aa, &ba);
    l.linear(&al, &bl);
  }
  alt_thevenin_j_ = aa;
  alt_thevenin_g_ = ba;
  li_thevenin_j_ = al;
  li_thevenin_g_ = bl;
  alt_ceiling_a_ = ceil_a;
  alt_node_v_ = va;
  li_v_ = vl;
  ps_current_a_ = ips;
  alt_port_v_ = va - ips * p_.power_stage.wiring_ohm;

  // ---- element currents at the solution ----
  starter_in_a_ = i_starter >= 0 ? -(a.current(i_starter, va) + a.current(i_starter + 1, va) +
                                      a.current(i_starter + 2, va))
                                   : 0.0;
  alternator_out_a_ = i_alt >= 0 ? a.current(i_alt, va) : 0.0;
  dump_current_a_ = i_dump >= 0 ? a.current(i_dump, va) : 0.0;
  crank_current_a_ = i_crank >= 0 ? -a.current(i_crank, va) : 0.0;
  vehicle_drawn_a_ = i_veh >= 0 ? -a.current(i_veh, va) : 0.0;
  bank_current_a_ = 0.0;
  for (std::size_t b = 0; b < models_.size(); ++b) {
    battery_in_a_[b] = (vl - models_[b].e_v) / models_[b].r_ohm;
    bank_current_a_ += battery_in_a_[b];
  }
  load_total_a_ = 0.0;
  for (std::size_t i = 0; i < loads_.size(); ++i) {
    double ii = 0.0;
    if (load_on_[i]) {
      if (loads_[i].resistance_ohm > 0.0) ii += vl / loads_[i].resistance_ohm;
      if (load_clamp[i] >= 0) ii -= l.current(load_clamp[i], vl);
    }
    load_current_a_[i] = ii;
    load_total_a_ += ii;
  }
  charger_current_a_ = i_chg >= 0 ? l.current(i_chg, vl) : 0.0;
}

void World::step(double dt_s) {
  if (!(dt_s >= 1e-5 && dt_s <= 1.0)) bad("step.dt_s", dt_s, "[1e-05, 1]");
  step_dt_s_ = dt_s;
  set_factors(dt_s);
  // The pins need no update here: every input of update_pins() (the pin command, the bus voltage, the loads on LD
  // and CD, shore power) was last changed by a call that updated them (the end of the last step, or a setter).
  for (std::size_t b = 0; b < batteries_.size(); ++b) models_[b] = batteries_[b].step_model(factors_[b]);
  solve();

  // Energy bookkeeping (terminal powers of the step × dt).
  const double va = alt_node_v_, vl = li_v_;
  energy_.alternator_out_j += va * (alternator_out_a_ + dump_current_a_) * dt_s;
  energy_.starter_in_j += va * starter_in_a_ * dt_s;
  energy_.crank_j += va * crank_current_a_ * dt_s;
  energy_.vehicle_load_j += va * vehicle_drawn_a_ * dt_s;
  energy_.wiring_loss_j += ps_current_a_ * ps_current_a_ * p_.power_stage.wiring_ohm * dt_s;
  energy_.stage_loss_j += ps_current_a_ * (alt_port_v_ - vl) * dt_s;
  energy_.bank_in_j += vl * bank_current_a_ * dt_s;
  energy_.loads_j += vl * load_total_a_ * dt_s;
  energy_.pins_j += vl * pin_current_a_ * dt_s;
  energy_.charger_out_j += vl * charger_current_a_ * dt_s;

  // Advance every state with the solved currents.
  // Stage by stage over the bank (Battery::advance_cells): the same arithmetic as advancing one battery after
  // the other, with more independent work in flight.
  for (std::size_t b = 0; b < batteries_.size(); ++b) batteries_[b].advance_cells(battery_in_a_[b], factors_[b], ambient_c_);
  for (auto& bat : batteries_) bat.finish_cells();
  for (auto& bat : batteries_) bat.finish_step(dt_s);
  alternator_.advance(alternator_out_a_, va, dt_s, ambient_c_);
  starter_.advance(starter_.connected() ? starter_in_a_ : 0.0,
                   starter_.connected() ? va : starter_.ocv_v(ambient_c_) + starter_.surface_v(), dt_s, ambient_c_);
  crank_.advance(dt_s);
  stage_.advance(ps_current_a_, alt_port_v_ - vl, dt_s, ambient_c_);
  fuse_.advance(ps_current_a_, dt_s);
  heatsink_sensor_.sample(stage_.heatsink_temperature_c());
  update_pins(li_v_);
  update_remote();
  time_s_ += dt_s;
}

// ---------------------------------------------------------------- actions, faults, getters

void World::bad_index(int b, int c) const {
  if (b < 0 || b >= battery_count())
    throw std::out_of_range("plant: battery index " + std::to_string(b) + " is outside [0, " +
                            std::to_string(battery_count() - 1) + "]");
  throw std::out_of_range("plant: cell index " + std::to_string(c) + " is outside [0, 3]");
}
void World::bad_load_index(int i) const {
  throw std::out_of_range("plant: load index " + std::to_string(i) + " is outside [0, " +
                          std::to_string(load_count() - 1) + "]");
}

void World::set_command(bool path_on, double limit_a) {
  if (std::isnan(limit_a)) bad("set_command.limit_a", limit_a, "finite values");
  stage_.set_command(path_on, limit_a);
}
void World::set_pins(const PinCommand& pins) {
  if (pins == pins_) return;  // as they are: the pins were updated with this command and the present bus voltage
  pins_ = pins;
  update_pins(li_v_);
}

void World::set_alt_port_current_input(std::optional<double> current_a) {
  if (current_a && !std::isfinite(*current_a)) bad("set_alt_port_current_input.current_a", *current_a, "finite values");
  port_current_input_a_ = current_a;
}

PortSource World::alt_port_source() const {
  // Alternator node at its solved regimes: current into the node from its elements = j - g·V, so with a
  // port current I drawn through the wiring: V_port = j/g - (1/g + R_wiring)·I.
  const double node_loads_a = vehicle_drawn_a_ + crank_current_a_;
  return PortSource{alt_thevenin_j_ / alt_thevenin_g_, 1.0 / alt_thevenin_g_ + p_.power_stage.wiring_ohm,
                    std::max(0.0, alt_ceiling_a_ - node_loads_a)};
}

PortSource World::li_port_source() const {
  // Li bus at its solved regimes: current into the bus from its elements = j - g·V; the side delivers
  // I_out = -(port current), so V = j/g - I_out/g.
  return PortSource{li_thevenin_j_ / li_thevenin_g_, 1.0 / li_thevenin_g_, kInf};
}

void World::set_engine_rpm(double rpm) { check("engine_rpm", rpm, 0.0, 8000.0); alternator_.set_engine_rpm(rpm); }
void World::set_ambient_c(double t) { check("ambient_c", t, -40.0, 85.0); ambient_c_ = t; }
void World::set_load(int i, const LoadParams& load) {
  check_load(i);
  load.validate();
  loads_[static_cast<std::size_t>(i)] = load;
  update_pin_loads();
  update_pins(li_v_);
}
void World::set_load_current_a(int i, double a) {
  check_load(i);
  check("load_current_a", a, 0.0, 2000.0);
  loads_[static_cast<std::size_t>(i)].current_a = a;
}
void World::set_load_power_w(int i, double w) {
  check_load(i);
  check("load_power_w", w, 0.0, 30000.0);
  loads_[static_cast<std::size_t>(i)].power_w = w;
}
void World::set_load_resistance_ohm(int i, double ohm) {
  check_load(i);
  if (!(ohm == 0.0 || (ohm >= 1e-3 && ohm <= 1e9))) bad("load_resistance_ohm", ohm, "{0} or [0.001, 1e9]");
  loads_[static_cast<std::size_t>(i)].resistance_ohm = ohm;
}
void World::set_vehicle_load_a(double a) { check("vehicle_load_a", a, 0.0, 2000.0); vehicle_load_a_ = a; }
void World::set_shore_power(bool on) { shore_power_ = on; update_pins(li_v_); }
void World::set_remote_mode(RemoteMode m) { remote_mode_ = m; update_remote(); }
void World::set_remote_h_v(std::optional<double> v) {
  if (v) check("remote_h_v", *v, 0.0, 60.0);
  remote_h_drive_v_ = v;
  update_remote();
}
void World::set_remote_l_v(std::optional<double> v) {
  if (v) check("remote_l_v", *v, 0.0, 60.0);
  remote_l_drive_v_ = v;
  update_remote();
}
void World::set_heatsink_temperature_c(double t) {
  stage_.set_heatsink_temperature_c(t);
  heatsink_sensor_.sample(stage_.heatsink_temperature_c());
}
void World::set_cell_soc(int b, int c, double soc) {
  check_bc(b, c);
  check("cell_soc", soc, 0.0, 1.0);
  batteries_[static_cast<std::size_t>(b)].cell(c).set_soc(soc);
  batteries_[static_cast<std::size_t>(b)].resample_sensors();
}
void World::set_battery_soc(int b, double soc) {
  for (int c = 0; c < kCellsPerBattery; ++c) set_cell_soc(b, c, soc);
}
void World::set_bank_soc(double soc) {
  for (int b = 0; b < battery_count(); ++b) set_battery_soc(b, soc);
}
void World::set_cell_temperature_c(int b, int c, double t) {
  check_bc(b, c);
  check("cell_temperature_c", t, -40.0, 120.0);
  batteries_[static_cast<std::size_t>(b)].cell(c).set_temperature_c(t);
  batteries_[static_cast<std::size_t>(b)].resample_sensors();
}
void World::reseed_spread(std::uint64_t seed) {
  p_.bank.spread.seed = seed;
  apply_spread(true);
}
void World::set_starter_soc(double soc) { starter_.set_soc(soc); }

void World::set_sense_wire_open(int b, int c, bool open) {
  SensorFault f;
  if (open) f.kind = SensorFaultKind::kOpen;   // reads 0 V
  set_cell_voltage_sensor_fault(b, c, f);
}
void World::set_temperature_sense_open(int b, int c, bool open) {
  SensorFault f;
  if (open) f.kind = SensorFaultKind::kOpen;   // the thermistor input's open-circuit code (NtcFrontEnd)
  set_cell_temperature_sensor_fault(b, c, f);
}
void World::set_heatsink_sensor_fault(const SensorFault& f) {
  heatsink_sensor_.set_fault(f);
  heatsink_sensor_.sample(stage_.heatsink_temperature_c());
}
void World::set_cell_voltage_sensor_fault(int b, int c, const SensorFault& f) {
  check_bc(b, c);
  auto& bat = batteries_[static_cast<std::size_t>(b)];
  bat.voltage_sensor(c).set_fault(f);
  bat.voltage_sensor(c).sample(bat.cell(c).terminal_v());
}
void World::set_cell_temperature_sensor_fault(int b, int c, const SensorFault& f) {
  check_bc(b, c);
  auto& bat = batteries_[static_cast<std::size_t>(b)];
  bat.temperature_sensor(c).set_fault(f);
  bat.temperature_sensor(c).sample(bat.cell(c).temperature_c());
}
void World::set_cell_temperature_override(int b, int c, std::optional<double> t) {
  check_bc(b, c);
  auto cell = batteries_[static_cast<std::size_t>(b)].cell(c);
  if (t) {
    check("cell_temperature_override_c", *t, -40.0, 120.0);
    cell.set_temperature_c(*t);
    cell.set_temperature_hold(true);
  } else {
    cell.set_temperature_hold(false);
  }
  batteries_[static_cast<std::size_t>(b)].resample_sensors();
}
void World::set_cell_fault(int b, int c, const CellFault& f) {
  check_bc(b, c);
  f.validate();
  cell_faults_[static_cast<std::size_t>(b)][static_cast<std::size_t>(c)] = f;
  apply_cell_scales(b, c);
  batteries_[static_cast<std::size_t>(b)].resample_sensors();
}
void World::set_bms_cable_connected(int b, bool connected) {
  check_bc(b, 0);
  batteries_[static_cast<std::size_t>(b)].set_cable_connected(connected);
}
void World::set_bms_cable_line(int b, CableLine line, std::optional<bool> forced) {
  check_bc(b, 0);
  if (static_cast<int>(line) > 2) bad("set_bms_cable_line.line", static_cast<int>(line), "[0, 2]");
  batteries_[static_cast<std::size_t>(b)].set_cable_line(line, forced);
}
void World::fail_power_stage() { stage_.fail(); }
void World::repair_power_stage() { stage_.repair(); }
void World::blow_fuse() { fuse_.blow(); }
void World::replace_fuse() { fuse_.replace(); }
void World::set_regulator_failure(std::optional<double> v) { alternator_.set_regulator_failure(v); }
void World::start_load_dump(const LoadDumpParams& p) { alternator_.start_load_dump(p); }
void World::set_belt_slip(double fraction) { alternator_.set_belt_slip(fraction); }
void World::start_crank(const CrankProfile& p) { crank_.start(p); }
void World::set_starter_connected(bool connected) { starter_.set_connected(connected); }

double World::battery_soc(int b) const { check_bc(b, 0); return batteries_[static_cast<std::size_t>(b)].soc(); }
double World::battery_voltage_v(int b) const { check_bc(b, 0); return batteries_[static_cast<std::size_t>(b)].terminal_v(); }
double World::load_current_a(int i) const { check_load(i); return load_current_a_[static_cast<std::size_t>(i)]; }
bool World::load_on(int i) const { check_load(i); return load_on_[static_cast<std::size_t>(i)] != 0; }
const LoadParams& World::load(int i) const { check_load(i); return loads_[static_cast<std::size_t>(i)]; }
double World::bank_soc() const {
  double s = 0.0;
  for (const auto& b : batteries_) s += b.soc();
  return s / static_cast<double>(batteries_.size());
}
const Battery& World::battery(int b) const { check_bc(b, 0); return batteries_[static_cast<std::size_t>(b)]; }

}  // namespace plant
