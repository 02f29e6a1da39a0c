// Internal: the direct path of the fast CPU passes. Loop nests that need no
// workspace, with the tap ranges computed up front and pointers hoisted,
// accumulated in double (as the reference) in a fixed order, so the result does
// not depend on the thread count.
//
// They run where the packed kernels of cpu/kernels.cpp would not fit in the
// workspace budget (short inputs with few batches, tiny layers), and they
// recompute what those kernels cannot get right for non-finite operands
// (cpu/nonfinite.hpp). For that they evaluate R3's sums term by term, the
// products with dy's zero re-padding included.
#pragma once

#include <algorithm>
#include <cstdint>

#include "cpu/index.hpp"
#include "parallel.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::cpu::direct {

using std::int64_t;

// Taps f of full-output position j that read an input i in range:
// f = j - i*S, f in [0, F), i in [0, L).
struct TapRange {
    int64_t f0, i0, count;  // f = f0 + s*S, i = i0 - s for s < count
};

inline TapRange taps_of(int64_t j, const Geometry& g) {
    const int64_t S = g.stride;
    const int64_t i_hi = std::min(j / S, g.length - 1);  // largest i with i*S <= j
    const int64_t i_lo = j - g.filter_size + 1 <= 0 ? 0 : ceil_div(j - g.filter_size + 1, S);
    if (i_hi < i_lo) return {0, 0, 0};
    return {j - i_hi * S, i_hi, i_hi - i_lo + 1};
}

// Inputs i whose taps f land in the kept window, t = i*S + f - l in
// [0, out_length): i in [lo, hi). The others meet dy's zero re-padding.
struct InputRange {
    int64_t lo, hi;
};

inline InputRange kept_inputs(int64_t f, const Geometry& g) {
    const int64_t L = g.length, S = g.stride;
    const int64_t lo = std::min(L, f >= g.crop_left ? 0 : ceil_div(g.crop_left - f, S));
    const int64_t end = g.out_length + g.crop_left - f;
    return {lo, std::clamp<int64_t>(end <= 0 ? 0 : ceil_div(end, S), lo, L)};
}

// sum over c < C of a[c*as] * b[c*bs] in double, in four interleaved partial
// sums (c mod 4) added at the end: a fixed order that does not wait on one
// chain of additions.
// The partial sums are four named locals, the last C mod 4 terms added to
// the first of them in order: indexed by c % 4, they lived on the stack, and
// each term waited on a store and a load (about 30 cycles an output where
// each output takes one product, C = 1 and F = S).
template <class T>
double dot(const T* a, int64_t as, const T* b, int64_t bs, int64_t C) {
    double p0 = 0.0, p1 = 0.0, p2 = 0.0, p3 = 0.0;
    int64_t c = 0;
    for (; c + 4 <= C; c += 4) {
        p0 += double(a[c * as]) * double(b[c * bs]);
        p1 += double(a[(c + 1) * as]) * double(b[(c + 1) * bs]);
        p2 += double(a[(c + 2) * as]) * double(b[(c + 2) * bs]);
        p3 += double(a[(c + 3) * as]) * double(b[(c + 3) * bs]);
    }
    if (c < C) p0 += double(a[c * as]) * double(b[c * bs]);
    if (c + 1 < C) p1 += double(a[(c + 1) * as]) * double(b[(c + 1) * bs]);
    if (c + 2 < C) p2 += double(a[(c + 2) * as]) * double(b[(c + 2) * bs]);
    return (p0 + p1) + (p2 + p3);
}

// Outputs t in [t_begin, t_end) of every batch item and filter (R3.1: only
// the products W * x that exist; none with padding).
template <class T>
void forward(const DataView<const T>& x, const WeightsView<const T>& w, const BiasView<const T>& bias,
             const Geometry& geo, const DataView<T>& y, int nt, int64_t t_begin, int64_t t_end) {
    const int64_t B = x.batch(), C = x.channels, K = w.num_filters, S = geo.stride;
    detail::parallel_for_2d(nt, B, K, [&](int64_t n, int64_t k) {
        const T* xn = x.data + x.batch_offset(n);
        T* yrow = y.data + y.batch_offset(n) + k * y.channel_stride;
        for (int64_t t = t_begin; t < t_end; ++t) {
            const int64_t j = t + geo.crop_left;
            double sum = bias.data ? double(bias.at(k)) : 0.0;
            if (j < geo.full_length) {  // else the bias-only extension (R2.3)
                const TapRange r = taps_of(j, geo);
                for (int64_t s = 0; s < r.count; ++s) {
                    const T* wf = &w.at(r.f0 + s * S, k, 0);
                    const T* xi = xn + (r.i0 - s) * x.length_stride;
                    sum += dot(wf, w.channel_stride, xi, x.channel_stride, C);
                }
            }
            yrow[t * y.length_stride] = T(sum);
        }
    });
}

// dx of every input position (R3.3: dx = C * dy_full). A task is a batch item
// and a block of channels whose sums (double, on the stack) run over the
// weights' rows W[f, k, c0..c1) as they lie in memory, f then k, the same
// order for every element as one element at a time would take.
template <class T>
void backward_data(const DataView<const T>& dy, const WeightsView<const T>& w, const Geometry& geo,
                   const DataView<T>& dx, int nt) {
    const int64_t B = dy.batch(), C = dx.channels, K = w.num_filters, S = geo.stride;
    constexpr int64_t kBlock = 64;  // channels per task: 512 bytes of sums
    const int64_t blocks = ceil_div(C, kBlock);
    detail::parallel_for_2d(nt, B, blocks, [&](int64_t n, int64_t cb) {
        const int64_t c0 = cb * kBlock, width = std::min(kBlock, C - c0);
        const T* dyn = dy.data + dy.batch_offset(n);
        double sum[kBlock];
        for (int64_t i = 0; i < geo.length; ++i) {
            std::fill(sum, sum + width, 0.0);
            // dy_full[i*S + f] is dy[t], t = i*S + f - l, inside the kept window.
            const int64_t f_lo = std::max<int64_t>(0, geo.crop_left - i * S);
            const int64_t f_hi = std::min(geo.filter_size, geo.out_length + geo.crop_left - i * S);
            for (int64_t f = f_lo; f < f_hi; ++f) {
                const T* d = dyn + (i * S + f - geo.crop_left) * dy.length_stride;
                for (int64_t k = 0; k < K; ++k) {
                    const double v = double(d[k * dy.channel_stride]);
                    const T* wr = &w.at(f, k, c0);
                    for (int64_t c = 0; c < width; ++c) sum[c] += double(wr[c * w.channel_stride]) * v;
                }
            }
            // The other taps meet the zero re-padding: still terms of the
            // sum, NaN for a non-finite weight (R3.6).
            for (int64_t f = 0; f < geo.filter_size; ++f) {
                if (f >= f_lo && f < f_hi) continue;
                for (int64_t k = 0; k < K; ++k) {
                    const T* wr = &w.at(f, k, c0);
                    for (int64_t c = 0; c < width; ++c) sum[c] += double(wr[c * w.channel_stride]) * 0.0;
                }
            }
            T* out = dx.data + dx.batch_offset(n) + c0 * dx.channel_stride + i * dx.length_stride;
            for (int64_t c = 0; c < width; ++c) out[c * dx.channel_stride] = T(sum[c]);
        }
    });
}

// Every dW[f, k, c] (R3.3: the sum over n and i of x * dy_full).
template <class T>
void backward_weights(const DataView<const T>& x, const DataView<const T>& dy, const Geometry& geo,
                      const WeightsView<T>& dw, int nt) {
    const int64_t B = x.batch(), C = x.channels, K = dy.channels, S = geo.stride, L = geo.length;
    detail::parallel_for_2d(nt, geo.filter_size, K, [&](int64_t f, int64_t k) {
        const auto [lo, hi] = kept_inputs(f, geo);
        for (int64_t c = 0; c < C; ++c) {
            double sum = 0.0;
            for (int64_t n = 0; n < B; ++n) {
                const T* xr = x.data + x.batch_offset(n) + c * x.channel_stride;
                // Input i meets dy[t], t = i*S + f - l, in [0, out_length) for
                // i in [lo, hi); offsets are formed for those only.
                if (hi > lo) {
                    const T* dr = dy.data + dy.batch_offset(n) + k * dy.channel_stride +
                                  (lo * S + f - geo.crop_left) * dy.length_stride;
                    for (int64_t i = lo; i < hi; ++i)
                        sum += double(xr[i * x.length_stride]) * double(dr[(i - lo) * S * dy.length_stride]);
                }
                // The other inputs meet the zero re-padding: still terms
                // of the sum, NaN for a non-finite x (R3.6).
                for (int64_t i = 0; i < lo; ++i) sum += double(xr[i * x.length_stride]) * 0.0;
                for (int64_t i = hi; i < L; ++i) sum += double(xr[i * x.length_stride]) * 0.0;
            }
            dw.at(f, k, c) = T(sum);
        }
    });
}

}  // namespace tconv1d::cpu::direct
