// Internal: the forward pass's dot-product strategy (cpu/forward.cpp weighs it
// against the others). For inputs with few positions (a latent vector
// expanded, one short item) the weights are by far the largest operand, and
// packing them costs more than using them: here every output gathers dot
// products of a weight row W[f, k, :] with an input column x[n, :, i], the
// weights read once, in place, along their contiguous channel axis. Only real
// products are computed (no padding), so non-finite weights need no second
// look.
#pragma once

#include <algorithm>
#include <cstdint>

#include "cpu/direct.hpp"
#include "cpu/index.hpp"
#include "cpu/microkernel.hpp"
#include "parallel.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::cpu {

using std::int64_t;

// The workspace: the input columns, i-major, xt[(i*B + n)*C + c] = x[n, c, i]
// (the inputs of tap f that land in the kept window are then one contiguous
// run of columns).
template <class T>
int64_t dots_workspace(const DataView<const T>& x) {
    return saturating_mul(saturating_mul(x.batch(), x.length), x.channels);
}

// y = bias, then per stripe of filters (whole blocks of kDotRows, one
// stripe per thread) the taps f in ascending order, each tap's filters of
// the stripe in pairs: filter k with filter k + half, half the stripe
// apart, so that the weights are read as two runs, each front to back.
// Pairs of neighbouring filters (rows C apart, read in turns a vector of
// each) took twice the time from memory that one run takes on an AMD Zen 4
// core, whose prefetchers did not follow the alternation: (1, 256, 256,
// 32, 8, 1, 0) float32, 8 MB of weights, one thread, caches dirtied
// between calls: 0.93 -> 0.50 ms with this and the L2 prefetch of dots'
// rows (microkernel_body.inc), the same or faster from cache. Each output
// adds its taps in ascending order, whatever the threads, and the pairing
// does not change a dot product's sum.
template <class T>
void forward_dots(const MicroKernels<T>& mk, const DataView<const T>& x, const WeightsView<const T>& w,
                  const BiasView<const T>& bias, const Geometry& geo, const DataView<T>& y, T* xt, int nt) {
    const int64_t B = x.batch(), C = x.channels, K = w.num_filters, L = geo.length;
    const int64_t F = geo.filter_size, S = geo.stride, l = geo.crop_left;
    detail::parallel_for_2d(nt, L, B, [&](int64_t i, int64_t n) {
        T* out = xt + (i * B + n) * C;
        const T* in = x.data + x.batch_offset(n) + i * x.length_stride;
        for (int64_t c = 0; c < C; ++c) out[c] = in[c * x.channel_stride];
    });
    const int64_t blocks = ceil_div(K, kDotRows);
    const int stripes = int(std::min<int64_t>(nt, blocks));
    detail::parallel_for(stripes, stripes, [&](int64_t stripe) {
        const int64_t k_lo = blocks * stripe / stripes * kDotRows,
                      k_hi = std::min(K, blocks * (stripe + 1) / stripes * kDotRows);
        for (int64_t n = 0; n < B; ++n)
            for (int64_t k = k_lo; k < k_hi; ++k) {
                T* out = y.data + y.batch_offset(n) + k * y.channel_stride;
                const T b = bias.data ? bias.at(k) : T(0);
                for (int64_t t = 0; t < geo.out_length; ++t) out[t * y.length_stride] = b;
            }
        T sums[kDotRows * kDotCols];
        static_assert(kDotRows == 2, "filters in pairs");
        const int64_t half = ceil_div(k_hi - k_lo, int64_t(2));  // the pairs; the last one alone if odd
        for (int64_t f = 0; f < F; ++f) {
            const direct::InputRange kept = direct::kept_inputs(f, geo);
            for (int64_t k = k_lo; k < k_lo + half; ++k) {
                const int64_t rows = k + half < k_hi ? 2 : 1;
                const T* a = &w.at(f, k, 0);
                for (int64_t j0 = kept.lo * B; j0 < kept.hi * B; j0 += kDotCols) {
                    const int64_t cols = std::min(kDotCols, kept.hi * B - j0);
                    mk.dots(a, half * w.filter_index_stride, rows, xt + j0 * C, C, cols, C, sums, kDotCols);
                    // Column j0 + j is input i of item n: one division per
                    // call, the next columns by counting.
                    int64_t i = j0 / B, n = j0 % B;
                    for (int64_t j = 0; j < cols; ++j) {
                        T* out = y.data + y.batch_offset(n) + (i * S + f - l) * y.length_stride +
                                 k * y.channel_stride;
                        for (int64_t r = 0; r < rows; ++r)
                            out[r * half * y.channel_stride] += sums[r * kDotCols + j];
                        if (++n == B) n = 0, ++i;
                    }
                }
            }
        }
    });
}

}  // namespace tconv1d::cpu
