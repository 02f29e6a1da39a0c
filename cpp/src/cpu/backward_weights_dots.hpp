// Internal: backward-weights as dot products over the positions
// (cpu/backward_weights.cpp weighs it against the GEMM strategies). Where
// dW is small next to its reduction (a long thin signal: 8 filters x 16
// channels x 8 taps over 16384 positions) the GEMM strategies pack, per
// chunk of positions, pair rows and a transposed input for a few tiles that
// are mostly padding, and the packing outweighs the products ((1, 16, 8, 8,
// 2, 16384, 0) float32, one thread: 1.95 ms, 17 GFLOP/s). Here each weight
// is one dot product of two rows over the positions:
//     dW[f, k, c] = sum over (n, i) of dy_full[n, k, i*S + f] * x[n, c, i]
// the pair's row of dy_full gathered (zero outside the kept window: the
// re-padding's products are summed like any other, so a non-finite input
// gives R3.6's NaN with no second look), the channel's row of x read in
// place where contiguous; the dot kernel (MicroKernels::dots) runs kDotRows
// pairs against kDotCols channels over a chunk of positions.
//
// Tasks: a group of pairs and a range of the positions (n, i) taken as one
// sequence. The ranges and the chunks within them (cut at every item's end)
// depend on the shape alone; each range's partial sums are added in range
// order at the end, so the result does not depend on the threads.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cpu/budget.hpp"
#include "cpu/index.hpp"
#include "cpu/microkernel.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"
#include "threads.hpp"
#include "workspace.hpp"

namespace tconv1d::cpu {

using std::int64_t;

// Positions per chunk: the channels' rows of a chunk within 256 KiB (read
// again by every pair block of a task, from L2), at least 256 and at most
// 4096 (each dot call ends with a sum across its lanes, which a long chunk
// amortizes: 4096 float32 positions, about 5% of the call).
template <class T>
int64_t dot_chunk(int64_t C) {
    const int64_t fit = int64_t((256 << 10) / sizeof(T)) / std::max<int64_t>(1, C);
    return std::clamp<int64_t>(fit / 64 * 64, 256, 4096);
}

// Ranges of positions: enough to give threads work where the pairs are few,
// each of 8 chunks at least (shape only).
inline int64_t dot_ranges(int64_t positions, int64_t chunk) {
    return std::clamp<int64_t>(positions / (8 * chunk), 1, 8);
}

// Elements of the workspace: the ranges' partial sums (ranges x F*K*C), and
// per thread a chunk of its pair rows (kDotRows * pairs_per_task) and, where
// x's positions are not contiguous, of its channels.
struct DotsPlan {
    int64_t chunk = 0, ranges = 1, pairs_per_task = 0, sums = 0, per_thread = 0;
};

template <class T>
DotsPlan dots_plan(const DataView<const T>& x, const Geometry& geo, int64_t K) {
    const int64_t B = x.batch(), C = x.channels, F = geo.filter_size, FK = F * K;
    DotsPlan plan;
    plan.chunk = dot_chunk<T>(C);
    plan.ranges = dot_ranges(saturating_mul(B, geo.length), plan.chunk);
    plan.pairs_per_task = std::min(round_up(FK, kDotRows), 8 * kDotRows);
    plan.sums = saturating_mul(plan.ranges, saturating_mul(FK, C));
    plan.per_thread = saturating_mul(plan.chunk, plan.pairs_per_task + (x.length_stride == 1 ? 0 : C));
    return plan;
}

// Estimated cycles (the scale of the GEMM strategies' estimates): the
// products at two vector FMAs per cycle, each call's sum across its lanes,
// the pair rows gathered (one per pair and position), x packed where not
// contiguous, the partial sums cleared and added.
template <class T>
double dots_cycles(const MicroKernels<T>& mk, const DataView<const T>& x, const Geometry& geo, int64_t K,
                   const DotsPlan& plan) {
    const double B = double(x.batch()), C = double(x.channels), L = double(geo.length),
                 FK = double(geo.filter_size) * double(K), lanes = double(mk.lanes);
    const double positions = B * L;
    const double calls = std::ceil(FK / double(kDotRows)) * std::ceil(C / double(kDotCols)) *
                         std::ceil(positions / double(plan.chunk) + B);
    return positions * FK * C / lanes * 0.5 + calls * (double(kDotRows * kDotCols) * lanes * 0.5 + 20.0) +
           positions * FK * 1.0 + (x.length_stride == 1 ? 0.0 : positions * C) + 2.0 * double(plan.sums);
}

// dy_full[n, k, (i0 + j)*S + f] for j < len into row (zero outside the kept window).
template <class T>
void gather_pair_row(const DataView<const T>& dy, const Geometry& geo, int64_t n, int64_t f, int64_t k,
                     int64_t i0, int64_t len, T* row) {
    const int64_t S = geo.stride, l = geo.crop_left, Lo = geo.out_length;
    // Inputs i whose position i*S + f - l lies in [0, Lo).
    const int64_t i_lo = l > f ? ceil_div(l - f, S) : 0;
    const int64_t i_hi = l + Lo > f ? ceil_div(l + Lo - f, S) : 0;
    const int64_t j_lo = std::clamp<int64_t>(i_lo - i0, 0, len),
                  j_hi = std::clamp<int64_t>(i_hi - i0, j_lo, len);
    std::fill(row, row + j_lo, T(0));
    const T* in = dy.data + dy.batch_offset(n) + k * dy.channel_stride;
    const int64_t step = S * dy.length_stride;
    const T* at = in + ((i0 + j_lo) * S + f - l) * dy.length_stride;
    for (int64_t j = j_lo; j < j_hi; ++j, at += step) row[j] = *at;
    std::fill(row + j_hi, row + len, T(0));
}

template <class T>
void backward_weights_dots(const MicroKernels<T>& mk, const DataView<const T>& x, const DataView<const T>& dy,
                           const Geometry& geo, const WeightsView<T>& dw, const DotsPlan& plan, int nt) {
    const int64_t B = x.batch(), C = x.channels, K = dy.channels, L = geo.length, F = geo.filter_size;
    const int64_t FK = F * K, positions = B * L, chunk = plan.chunk, ranges = plan.ranges;
    const int64_t per_range = ceil_div(positions, ranges), P = plan.pairs_per_task;
    const int64_t groups = ceil_div(FK, P), tasks = groups * ranges;
    const int threads = int(std::min<int64_t>(nt, tasks));
    detail::WorkspaceSize size;
    size.add<T>(plan.sums);
    size.add<T>(int64_t(threads) * plan.per_thread);
    detail::Workspace ws(size, "backward-weights");
    T* sums = ws.take<T>(plan.sums);  // [range][pair][c]
    T* scratch = ws.take<T>(int64_t(threads) * plan.per_thread);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t task = 0; task < tasks; ++task) {
        const int64_t range = task % ranges, p0 = task / ranges * P, p1 = std::min(FK, p0 + P);
        T* rows = scratch + int64_t(detail::thread_index()) * plan.per_thread;
        T* xs = rows + P * chunk;  // x's chunk, packed where its positions are not contiguous
        T* out = sums + range * FK * C;
        std::fill(out + p0 * C, out + p1 * C, T(0));
        const int64_t first = range * per_range, last = std::min(positions, first + per_range);
        for (int64_t at = first; at < last;) {
            // A chunk: positions [i0, i0 + len) of item n, within the range.
            const int64_t n = at / L, i0 = at % L, len = std::min({chunk, L - i0, last - at});
            at += len;
            for (int64_t p = p0; p < p1; ++p)
                gather_pair_row(dy, geo, n, p / K, p % K, i0, len, rows + (p - p0) * chunk);
            const T* xc = x.data + x.batch_offset(n) + i0 * x.length_stride;
            int64_t ldx = x.channel_stride;
            if (x.length_stride != 1) {
                for (int64_t c = 0; c < C; ++c)
                    for (int64_t j = 0; j < len; ++j)
                        xs[c * chunk + j] = xc[c * x.channel_stride + j * x.length_stride];
                xc = xs;
                ldx = chunk;
            }
            for (int64_t c0 = 0; c0 < C; c0 += kDotCols) {
                const int64_t cols = std::min(kDotCols, C - c0);
                for (int64_t q = p0; q < p1; q += kDotRows) {
                    const int64_t r = std::min(kDotRows, p1 - q);
                    T part[kDotRows * kDotCols];
                    mk.dots(rows + (q - p0) * chunk, chunk, r, xc + c0 * ldx, ldx, cols, len, part, kDotCols);
                    for (int64_t e = 0; e < r; ++e)
                        for (int64_t j = 0; j < cols; ++j)
                            out[(q + e) * C + c0 + j] += part[e * kDotCols + j];
                }
            }
        }
    }
    // dW: the ranges' partial sums, added in range order.
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int64_t p = 0; p < FK; ++p) {
        T* w = &dw.at(p / K, p % K, 0);
        for (int64_t c = 0; c < C; ++c) {
            T v = sums[p * C + c];
            for (int64_t range = 1; range < ranges; ++range) v += sums[(range * FK + p) * C + c];
            w[c * dw.channel_stride] = v;
        }
    }
}

}  // namespace tconv1d::cpu
