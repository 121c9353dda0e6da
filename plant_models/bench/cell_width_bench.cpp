// Google Benchmark: the cells' share of a plant step at 1, 2, 4 and 8 cells per vector register. It measures what a
// wider-vector plant would gain (README, Speed, "What the goals would take"); the product does not run this code.
//
// The product steps a battery's four cells two at a time in SSE2 registers, which every x86-64 has
// (plant/cell_lanes.hpp). Here the same kernel (src/cell_kernel.hpp: the step equivalent, the state advance; the
// finish, OCV lookup and characteristic functions, one lane at a time as in the product) runs on the 20 cells of a
// five-battery bank held in one array, at each width. Four lanes are compiled for AVX2 and eight for AVX-512, each
// in its own function chosen at run time; a width this processor lacks is skipped. The *_VectorFinish variants run
// the finish for all lanes at once, its branches as selects; before timing they check, over 10,000 steps, that it
// gives the lane-by-lane finish's bits. The battery-level work around the cells (sensors, the Smart BMS emulation,
// the network solve) is not included.
//
// Run: build/<dir>/plant_models/bench/cell_width_bench
#include <benchmark/benchmark.h>

#include <array>
#include <bit>
#include <cstdint>
#include <type_traits>

#include "plant/cell_lanes.hpp"

namespace plant::lanes {

// Four and eight lanes, with the helpers the kernel calls on two (forced inline: they are compiled into the
// AVX2 / AVX-512 functions that use them). Declared before the kernel, which names them.
using Lanes4 = double __attribute__((vector_size(32)));
using Lanes8 = double __attribute__((vector_size(64)));
template <class V> concept Wide = std::is_same_v<V, Lanes4> || std::is_same_v<V, Lanes8>;
template <class M> concept WideMask = std::is_same_v<M, MaskOf<Lanes4>> || std::is_same_v<M, MaskOf<Lanes8>>;

template <> inline Lanes4 splat<Lanes4>(double x) { return Lanes4{x, x, x, x}; }
template <> inline Lanes8 splat<Lanes8>(double x) { return Lanes8{x, x, x, x, x, x, x, x}; }
template <Wide V> [[gnu::always_inline]] inline V select(MaskOf<V> m, V a, V b) {
  return reinterpret_cast<V>((reinterpret_cast<MaskOf<V>>(a) & m) | (reinterpret_cast<MaskOf<V>>(b) & ~m));
}
template <WideMask M> [[gnu::always_inline]] inline M mask_and(M a, M b) { return a & b; }
template <WideMask M> [[gnu::always_inline]] inline bool all_of(M m) {
  for (unsigned i = 0; i < sizeof(M) / sizeof(long long); ++i)
    if (m[i] == 0) return false;
  return true;
}
template <WideMask M> [[gnu::always_inline]] inline bool none_of(M m) {
  for (unsigned i = 0; i < sizeof(M) / sizeof(long long); ++i)
    if (m[i] != 0) return false;
  return true;
}
template <Wide V> [[gnu::always_inline]] inline V abs(V x) {
  return reinterpret_cast<V>(reinterpret_cast<MaskOf<V>>(x) & ~reinterpret_cast<MaskOf<V>>(splat<V>(-0.0)));
}

}  // namespace plant::lanes

#include "../src/cell_kernel.hpp"

namespace {

using plant::lanes::CellState;
using plant::lanes::Lanes2;
using plant::lanes::Lanes4;
using plant::lanes::Lanes8;

template <class V> constexpr int kWidth = std::is_same_v<V, double> ? 1 : static_cast<int>(sizeof(V) / sizeof(double));
constexpr int kCells = 20;   // five batteries

template <class V> [[gnu::always_inline]] inline double get(const V& v, int k) {
  if constexpr (std::is_same_v<V, double>) return v;
  else return v[k];
}
template <class V> [[gnu::always_inline]] inline void put(V& v, int k, double x) {
  if constexpr (std::is_same_v<V, double>) v = x;
  else v[k] = x;
}

// The finish's cache for all lanes at once: the OCV grid lookup (its two table values loaded lane by lane, as no
// gather exists below AVX2) and every branch of the characteristic functions as a select of the value it computes,
// in the scalar code's order of operations (src/lfp_inline.hpp, src/cell_kernel.hpp).
template <class V> struct CacheLanes {
  V ocv, slope, k, kt;
};
template <class V>
[[gnu::always_inline]] inline CacheLanes<V> state_cache_lanes(const plant::CellParams& p, V soc, V cold_u, V temp_c,
                                                               V hyst, V ocv_offset_v) {
  namespace d = plant::detail;
  using plant::lanes::select;
  using plant::lanes::splat;
  constexpr int w = kWidth<V>;
  const V one = splat<V>(1.0), zero = splat<V>(0.0);
  const V se = soc - cold_u;
  // OCV and its slope on the 0.5 % grid.
  const V x = (se - d::kGridLo) * (1.0 / d::kGridStep);
  V g0{}, g1{};
  for (int k = 0; k < w; ++k) {
    const double xk = x[k];
    const auto i = (xk > 0.0 && xk < d::kGridN - 1) ? static_cast<std::size_t>(xk) : std::size_t{0};
    g0[k] = d::kOcvGrid.v[i];
    g1[k] = d::kOcvGrid.v[i + 1];
  }
  V i_f{};
  for (int k = 0; k < w; ++k) i_f[k] = static_cast<double>(static_cast<long long>(x[k] > 0.0 ? x[k] : 0.0));
  const V dd = g1 - g0;
  const auto below = !(x > 0.0), above = x >= static_cast<double>(d::kGridN - 1);
  V ocv = select(below, splat<V>(d::kOcvGrid.v[0]),
                 select(above, splat<V>(d::kOcvGrid.v[d::kGridN - 1]), g0 + (x - i_f) * dd));
  CacheLanes<V> c;
  c.slope = select(below | above, zero, dd * (1.0 / d::kGridStep));
  ocv = ocv + ocv_offset_v;
  if (p.hysteresis_v > 0.0) {
    V hw = one;
    hw = select(soc > 0.85, (0.90 - soc) * 20.0, hw);
    hw = select(soc < 0.25, (soc - 0.20) * 20.0, hw);
    hw = select((soc <= 0.20) | (soc >= 0.90), zero, hw);
    ocv = ocv + p.hysteresis_v * hyst * hw;
  }
  c.ocv = ocv;
  // Resistance: the Arrhenius factor of the temperature, the SOC factor.
  constexpr double kX25 = 1.0 / 298.15, kX0 = 1.0 / 273.15, kX20 = 1.0 / 253.15;
  const V tx = 1.0 / (select(temp_c < -60.0, splat<V>(-60.0), temp_c) + 273.15);
  V f = select(tx <= kX0, 1.0 + (tx - kX25) * (1.0 / (kX0 - kX25)), 2.0 + 2.0 * (tx - kX0) * (1.0 / (kX20 - kX0)));
  f = select(f < 0.5, splat<V>(0.5), select(20.0 < f, splat<V>(20.0), f));
  f = select(temp_c == 25.0, one, f);
  V rs = one;
  rs = select(se > 0.95, select(se >= 1.0, splat<V>(1.5), 1.0 + 10.0 * (se - 0.95)), rs);
  rs = select(se < 0.10, select(se <= 0.0, splat<V>(1.5), 1.5 - 5.0 * se), rs);
  c.k = f * rs;
  // Capacity factor.
  V kt = splat<V>(0.5);
  kt = select(temp_c >= -20.0, 0.5 + 0.3 * (temp_c + 20.0) / 20.0, kt);
  kt = select(temp_c >= 0.0, 0.8 + 0.2 * temp_c / 25.0, kt);
  c.kt = select(temp_c >= 25.0, one, kt);
  return c;
}

// One step of every cell.
template <class V, bool kVectorFinish, std::size_t N>
[[gnu::always_inline]] inline void step_cells(const plant::CellParams& p, const plant::CellStepFactors& f,
                                              std::array<CellState<V>, N>& cells, double& bus) {
  constexpr int w = kWidth<V>;
  for (auto& s : cells) {
    const auto m = plant::detail::step_model(p, f, s);
    const V current = plant::lanes::splat<V>(-40.0) + 0.0 * m.r_ohm;   // the solved current (here fixed)
    plant::detail::advance_state(p, f, current, 25.0, s);
    if constexpr (kVectorFinish) {
      const auto c = state_cache_lanes<V>(p, s.soc, s.cold_u, s.temp_c, s.hyst, s.ocv_offset_v);
      s.s_ocv = c.ocv;
      s.s_slope = c.slope;
      s.s_k = c.k;
      s.s_kt = c.kt;
      s.terminal_v = c.ocv + s.last_current_a * s.step_r0 + s.v1 + s.v2;
    } else {
      for (int k = 0; k < w; ++k) {
        const auto c = plant::detail::state_cache(p, get(s.soc, k), get(s.cold_u, k), get(s.temp_c, k),
                                                  get(s.hyst, k), get(s.ocv_offset_v, k));
        put(s.s_ocv, k, c.ocv);
        put(s.s_slope, k, c.slope);
        put(s.s_k, k, c.k);
        put(s.s_kt, k, c.kt);
        put(s.terminal_v, k, c.ocv + get(s.last_current_a, k) * get(s.step_r0, k) + get(s.v1, k) + get(s.v2, k));
      }
    }
    bus += get(m.e_v, 0);
  }
  benchmark::ClobberMemory();
}

// Steps the 20 cells at width V, as the product's Battery steps its cells: the step equivalent, the state advance
// with the solved current, the finish (cache and terminal voltage) lane by lane as in the product, or for all lanes
// at once (kVectorFinish).
template <class V, bool kVectorFinish = false> [[gnu::always_inline]] inline void run(benchmark::State& state) {
  constexpr int w = kWidth<V>, groups = (kCells + w - 1) / w;
  const plant::CellParams p;
  const auto f = plant::CellStepFactors::make(p, 1e-3);
  std::array<CellState<V>, groups> cells{};
  for (int c = 0; c < groups * w; ++c) {
    auto& s = cells[static_cast<std::size_t>(c / w)];
    const int k = c % w;
    put(s.soc, k, 0.4 + 0.01 * c);
    put(s.temp_c, k, 25.0);
    put(s.capacity_scale, k, 1.0);
    put(s.r0_scale, k, 1.0);
    put(s.inv_q_as, k, 1.0 / (3600.0 * p.capacity_ah));
    const auto cache = plant::detail::state_cache(p, get(s.soc, k), 0.0, 25.0, 0.0, 0.0);
    put(s.s_ocv, k, cache.ocv);
    put(s.s_slope, k, cache.slope);
    put(s.s_k, k, cache.k);
    put(s.s_kt, k, cache.kt);
  }
  if constexpr (kVectorFinish) {   // the same model: 10,000 steps give the lane-by-lane finish's bits
    auto lane_by_lane = cells, at_once = cells;
    double sink = 0.0;
    for (int n = 0; n < 10000; ++n) {
      step_cells<V, false>(p, f, lane_by_lane, sink);
      step_cells<V, true>(p, f, at_once, sink);
    }
    for (std::size_t g = 0; g < cells.size(); ++g)
      for (int k = 0; k < w; ++k)
        for (auto field : {&CellState<V>::terminal_v, &CellState<V>::s_ocv, &CellState<V>::s_slope,
                           &CellState<V>::s_k, &CellState<V>::s_kt, &CellState<V>::soc, &CellState<V>::temp_c})
          if (std::bit_cast<std::uint64_t>(get(lane_by_lane[g].*field, k)) !=
              std::bit_cast<std::uint64_t>(get(at_once[g].*field, k))) {
            state.SkipWithError("the finish for all lanes at once differs from the lane-by-lane finish");
            return;
          }
  }
  double bus = 0.0;
  for (auto _ : state) step_cells<V, kVectorFinish>(p, f, cells, bus);
  benchmark::DoNotOptimize(bus);
  state.counters["cells"] = groups * w;
}

void BM_Cells20_Scalar(benchmark::State& s) { run<double>(s); }
void BM_Cells20_Sse2x2(benchmark::State& s) { run<Lanes2>(s); }
__attribute__((target("avx2"))) void BM_Cells20_Avx2x4(benchmark::State& s) {
  if (!__builtin_cpu_supports("avx2")) {
    s.SkipWithError("this processor has no AVX2");
    return;
  }
  run<Lanes4>(s);
}
__attribute__((target("avx512f"))) void BM_Cells20_Avx512x8(benchmark::State& s) {
  if (!__builtin_cpu_supports("avx512f")) {
    s.SkipWithError("this processor has no AVX-512");
    return;
  }
  run<Lanes8>(s);
}
void BM_Cells20_Sse2x2_VectorFinish(benchmark::State& s) { run<Lanes2, true>(s); }
__attribute__((target("avx2"))) void BM_Cells20_Avx2x4_VectorFinish(benchmark::State& s) {
  if (!__builtin_cpu_supports("avx2")) {
    s.SkipWithError("this processor has no AVX2");
    return;
  }
  run<Lanes4, true>(s);
}
__attribute__((target("avx512f"))) void BM_Cells20_Avx512x8_VectorFinish(benchmark::State& s) {
  if (!__builtin_cpu_supports("avx512f")) {
    s.SkipWithError("this processor has no AVX-512");
    return;
  }
  run<Lanes8, true>(s);
}
BENCHMARK(BM_Cells20_Scalar);
BENCHMARK(BM_Cells20_Sse2x2);
BENCHMARK(BM_Cells20_Avx2x4);
BENCHMARK(BM_Cells20_Avx512x8);
BENCHMARK(BM_Cells20_Sse2x2_VectorFinish);
BENCHMARK(BM_Cells20_Avx2x4_VectorFinish);
BENCHMARK(BM_Cells20_Avx512x8_VectorFinish);

}  // namespace
