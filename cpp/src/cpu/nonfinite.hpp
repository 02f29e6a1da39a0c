// Internal: exact IEEE results from the packed kernels when an operand holds
// an Inf or a NaN.
//
// The packed kernels of cpu/kernels.cpp sum only the terms that can differ
// from zero: the backward passes skip products with dy's zero re-padding (R3.3),
// and forward multiplies the weights by zero-padded input slabs at the edges,
// products R3.1 does not have. With finite operands neither changes a result.
// R3.6 asks for IEEE arithmetic on the spec's own terms, where Inf * 0 is NaN,
// so when the weights (forward, backward-data) or the input (backward-weights)
// hold a non-finite value, the entries such terms reach are repaired after the
// kernel has run:
//   forward          outputs with taps past the input's ends are recomputed by
//                    the direct loop nest;
//   backward-data    the products W * 0 of taps landing in the re-padding are added;
//   backward-weights the products x * 0 of inputs landing in the re-padding are added.
// Every other entry is exact already: each term the kernel summed there is one
// of the spec's, and every one of the spec's terms was summed.
//
// Finite calls pay almost nothing: forward and backward-data learn whether the
// weights are finite while packing them (any_nonfinite over what was just
// packed, still in L1), and backward-weights reads only the inputs that meet
// the padding.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cpu/direct.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::cpu {

// Whether any of p[0, n) is Inf or NaN. A product by zero is NaN exactly
// for those (and +-0 for every finite value), and a sum of +-0 stays +-0,
// so running sums of p[i] * 0 end NaN exactly when one of them is. Eight
// sums in plain floating point, which the compiler vectorizes at the
// baseline instruction set (a test of the exponent bits needs 64-bit lane
// compares, which SSE2 lacks, and ran scalar: 1.2 ns per float64 element
// against 0.4). Relies on IEEE arithmetic, which R3.6 asks of the whole
// library (it is built without -ffast-math).
template <class T>
bool any_nonfinite(const T* p, std::int64_t n) {
    T sums[8] = {};
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) sums[j] += p[i + j] * T(0);
    for (; i < n; ++i) sums[0] += p[i] * T(0);
    T all = 0;
    for (const T s : sums) all += s;
    return all != all;  // NOLINT(misc-redundant-expression): true for NaN alone
}

// Forward: full positions j in [F-1, (L-1)*S] read an input for every tap; the
// outputs of the others are recomputed. Past Lfull lies the bias-only
// extension (R2.3), which involves no product.
template <class T>
void recompute_forward_edges(const DataView<const T>& x, const WeightsView<const T>& w,
                             const BiasView<const T>& bias, const Geometry& g, const DataView<T>& y, int nt) {
    const std::int64_t end = std::min(g.out_length, g.full_length - g.crop_left);
    const std::int64_t inner_begin = std::clamp<std::int64_t>(g.filter_size - 1 - g.crop_left, 0, end);
    const std::int64_t inner_end =
        std::clamp<std::int64_t>((g.length - 1) * g.stride + 1 - g.crop_left, inner_begin, end);
    direct::forward(x, w, bias, g, y, nt, 0, inner_begin);
    direct::forward(x, w, bias, g, y, nt, inner_end, end);
}

// Backward-data: dx[n,c,i] += W[f,k,c] * 0 for every non-finite weight and
// every input i whose tap f lands in the re-padding.
template <class T>
void add_padding_terms_to_dx(const WeightsView<const T>& w, const Geometry& g, const DataView<T>& dx) {
    for (std::int64_t f = 0; f < g.filter_size; ++f) {
        const auto [lo, hi] = direct::kept_inputs(f, g);
        for (std::int64_t k = 0; k < w.num_filters; ++k)
            for (std::int64_t c = 0; c < w.channels; ++c) {
                const T v = w.at(f, k, c);
                if (std::isfinite(v)) continue;  // adds zero
                for (std::int64_t n = 0; n < dx.batch(); ++n) {
                    for (std::int64_t i = 0; i < lo; ++i) dx.at(n, c, i) += v * T(0);
                    for (std::int64_t i = hi; i < g.length; ++i) dx.at(n, c, i) += v * T(0);
                }
            }
    }
}

// Backward-weights: dW[f,k,c] += x[n,c,i] * 0 for every non-finite input and
// every tap f that takes it into the re-padding. Only inputs outside the range
// every tap keeps, [max lo, min hi), can meet the padding, so only those are read.
template <class T>
void add_padding_terms_to_dw(const DataView<const T>& x, const Geometry& g, const WeightsView<T>& dw) {
    std::int64_t edge_lo = 0, edge_hi = g.length;
    for (std::int64_t f = 0; f < g.filter_size; ++f) {
        const auto [lo, hi] = direct::kept_inputs(f, g);
        edge_lo = std::max(edge_lo, lo);
        edge_hi = std::min(edge_hi, hi);
    }
    edge_hi = std::max(edge_hi, edge_lo);
    const auto add = [&](std::int64_t n, std::int64_t c, std::int64_t i) {
        const T v = x.at(n, c, i);
        if (std::isfinite(v)) return;  // adds zero
        for (std::int64_t f = 0; f < g.filter_size; ++f) {
            const auto [lo, hi] = direct::kept_inputs(f, g);
            if (i >= lo && i < hi) continue;  // tap f keeps this input
            for (std::int64_t k = 0; k < dw.num_filters; ++k) dw.at(f, k, c) += v * T(0);
        }
    };
    // Where the edges are a quarter of the input or more (a latent input of a
    // few positions under a crop) and an item's C x L inputs are contiguous,
    // a finite item is passed over after one vectorized scan: testing its
    // edge inputs one by one cost 11 cycles each, a quarter of the pass.
    const std::int64_t edges = edge_lo + (g.length - edge_hi);
    const bool scan_items = 4 * edges >= g.length && x.length_stride == 1 && x.channel_stride == g.length;
    for (std::int64_t n = 0; n < x.batch(); ++n) {
        if (scan_items && !any_nonfinite(&x.at(n, 0, 0), x.channels * g.length)) continue;
        for (std::int64_t c = 0; c < x.channels; ++c) {
            for (std::int64_t i = 0; i < edge_lo; ++i) add(n, c, i);
            for (std::int64_t i = edge_hi; i < g.length; ++i) add(n, c, i);
        }
    }
}

}  // namespace tconv1d::cpu
