// Internal: integer helpers for the CPU kernels' index arithmetic (sizes are
// positive and already overflow-checked by the geometry).
#pragma once

#include <cstdint>

namespace tconv1d::cpu {

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
inline std::int64_t round_up(std::int64_t a, std::int64_t b) { return ceil_div(a, b) * b; }

}  // namespace tconv1d::cpu
