// The state of LFP cells as lanes: one cell (`double`) or two cells side by side (`Lanes2`, one value per cell
// in a GCC/Clang vector of two doubles, the width of an SSE2 register, which every x86-64 has). The cell's step
// is written once, as templates over the lane type (src/cell_kernel.hpp); LfpCell runs it on one lane, Battery
// on its four cells two at a time. Four lanes in a 32-byte vector were twice as slow without AVX: the compiler
// splits such vectors and does their comparisons one element at a time.
//
// Two lanes do exactly what two single cells do, bit for bit: every lane operation is the IEEE operation of the
// scalar code in the same order; a branch of the step becomes a select of the value the branch computes; the
// table lookup and the characteristic functions run one lane at a time on the scalar code; and the plant is
// compiled with -ffp-contract=off, so no multiply and add are fused into one rounding on a target with FMA.
#pragma once

#include <cmath>
#include <type_traits>

namespace plant::lanes {

inline constexpr int kLanes = 2;
using Lanes2 = double __attribute__((vector_size(16)));
using Mask2 = decltype(Lanes2{} < Lanes2{});   // per lane: all ones (true) or zero

template <class V> using MaskOf = decltype(V{} < V{});   // bool for one lane

template <class V> inline V splat(double x) {
  if constexpr (std::is_same_v<V, double>) return x;
  else return V{x, x};
}

// Per lane: m ? a : b.
inline double select(bool m, double a, double b) { return m ? a : b; }
inline Lanes2 select(Mask2 m, Lanes2 a, Lanes2 b) {
  return reinterpret_cast<Lanes2>((reinterpret_cast<Mask2>(a) & m) | (reinterpret_cast<Mask2>(b) & ~m));
}

inline bool mask_not(bool m) { return !m; }
inline Mask2 mask_not(Mask2 m) { return ~m; }
inline bool mask_or(bool a, bool b) { return a || b; }
inline Mask2 mask_or(Mask2 a, Mask2 b) { return a | b; }
inline bool mask_and(bool a, bool b) { return a && b; }
inline Mask2 mask_and(Mask2 a, Mask2 b) { return a & b; }
inline bool all_of(bool m) { return m; }
inline bool all_of(Mask2 m) { return (m[0] & m[1]) != 0; }
inline bool none_of(bool m) { return !m; }
inline bool none_of(Mask2 m) { return (m[0] | m[1]) == 0; }

inline double abs(double x) { return std::fabs(x); }
inline Lanes2 abs(Lanes2 x) {   // clears the sign bit, as std::fabs
  constexpr long long kMag = 0x7fffffffffffffffLL;
  return reinterpret_cast<Lanes2>(reinterpret_cast<Mask2>(x) & Mask2{kMag, kMag});
}

// The state of one cell (V = double) or of two (V = Lanes2), and what it gives, cached for the next step.
template <class V> struct CellState {
  V soc{}, v1{}, v2{};
  V hyst{};                            // -1..+1
  V cold_u{};                          // charge not available at once (SOC units; two-well model)
  V temp_c{};
  V capacity_scale{}, r0_scale{}, ocv_offset_v{};
  V inv_q_as{};                        // 1 / (3600 · capacity_ah · capacity_scale)
  V last_current_a{}, last_heat_w{}, terminal_v{};
  // What the present state gives, recomputed whenever it changes (a step's finish, every setter): the rest OCV
  // with offset and hysteresis, its slope dOCV/dSOC, the resistance factor k(T, SOC), the capacity factor k(T).
  V s_ocv{}, s_slope{}, s_k{}, s_kt{};
  V step_r0{};                         // R0 of the last step (its start's factors), between the step's halves
  MaskOf<V> temp_hold{};               // while set, the thermal node does not move (override fault)
};

}  // namespace plant::lanes
