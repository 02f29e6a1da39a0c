// Internal: integer helpers for the CPU kernels' index arithmetic.
#pragma once

#include <algorithm>
#include <cstdint>

#include "overflow.hpp"

namespace tconv1d::cpu {

// ceil(a / b) for b > 0 and any a, without forming a + b - 1 (which overflows
// when a stride or a crop is near 2^63).
inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return a / b + (a % b > 0 ? 1 : 0); }
// floor(a / b) for b > 0 and any a.
inline std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }
// The multiple of b at or above a (a, b small: block sizes and channel counts).
inline std::int64_t round_up(std::int64_t a, std::int64_t b) { return ceil_div(a, b) * b; }

// Phases of a stride-S transposed convolution that have taps: p < min(S, F).
// Full-output positions of the other phases (p >= F, only when S > F) receive
// no product at all, so no kernel loops over them: a stride far larger than
// the filter costs nothing extra.
inline std::int64_t phases_with_taps(std::int64_t filter_size, std::int64_t stride) {
    return stride < filter_size ? stride : filter_size;
}

// Taps of phase p: f = p + m*S for m < M_p.
inline std::int64_t taps(std::int64_t p, std::int64_t F, std::int64_t S) {
    return p < F ? ceil_div(F - p, S) : 0;
}

// The outputs of phase p kept by the window [l, jend) of full-output
// positions: q in [lo, hi) where l <= q*S + p < jend (hi = lo: none).
struct PhaseOutputs {
    std::int64_t lo = 0, hi = 0;
};
inline PhaseOutputs phase_outputs(std::int64_t p, std::int64_t S, std::int64_t l, std::int64_t jend) {
    const std::int64_t lo = l > p ? ceil_div(l - p, S) : 0;
    return {lo, jend > p ? std::max(lo, ceil_div(jend - p, S)) : lo};
}

// Workspace budgets: sums and products of element counts that stop at the
// largest int64 instead of wrapping.
inline std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
    std::int64_t r;
    return add_overflows(a, b, &r) ? INT64_MAX : r;
}
inline std::int64_t saturating_mul(std::int64_t a, std::int64_t b) {
    std::int64_t r;
    return mul_overflows(a, b, &r) ? INT64_MAX : r;
}

}  // namespace tconv1d::cpu
