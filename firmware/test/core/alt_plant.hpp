// A minimal alternator-path plant for closed-loop unit tests of the floor / Li-port regulators: a source
// (alternator + starter battery) with EMF and resistance, the path resistance, the Li bank with OCV and
// resistance, and a current limiter that follows min(command, what the voltages drive) with a first-order lag.
#pragma once

#include <algorithm>
#include <cstdint>

#include "fw/io.hpp"

namespace fwtest {

struct AltPlant {
  std::int32_t src_mv = 14000;      // alternator / starter EMF
  std::int32_t r_src_mohm = 10;     // source resistance (alternator droop, starter battery)
  std::int32_t r_path_mohm = 3;     // cables, fuse, limiter
  std::int32_t li_ocv_mv = 13300;   // Li bank open-circuit voltage
  std::int32_t r_li_mohm = 5;       // Li bank resistance
  std::int32_t lag_ms = 20;         // limiter response
  double current_ma = 0;

  std::int32_t natural_ma() const {
    const double i = 1000.0 * (src_mv - li_ocv_mv) / (r_src_mohm + r_path_mohm + r_li_mohm);
    return static_cast<std::int32_t>(std::max(0.0, i));  // ideal diode: never reverse
  }
  void apply(const fw::Outputs& out, std::uint32_t dt_ms) {
    const double target =
        out.alt_path_on ? std::min<double>(out.alt_limit_ma, natural_ma()) : 0.0;
    const double k = std::min(1.0, static_cast<double>(dt_ms) / lag_ms);
    current_ma += (target - current_ma) * k;
    if (!out.alt_path_on) current_ma = std::min(current_ma, target + 0.0);
  }
  void measure(fw::Inputs& in) const {
    in.alt_current_ma = static_cast<std::int32_t>(current_ma);
    in.alt_port_mv = src_mv - static_cast<std::int32_t>(r_src_mohm * current_ma / 1000.0);
    in.li_port_mv = li_ocv_mv + static_cast<std::int32_t>(r_li_mohm * current_ma / 1000.0);
  }
};

}  // namespace fwtest
