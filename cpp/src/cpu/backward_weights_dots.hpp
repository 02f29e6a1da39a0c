// Internal: backward-weights as dot products along the positions
// (cpu/backward_weights.cpp weighs it against the others). With few pairs
// (f, k) of tap and filter and few channels (one output channel, a handful
// of taps) the GEMM strategies' tiles are mostly padding: one pair row of a
// tile of MR, a few channel columns of NR. Here each weight gradient
//     dW[f, k, c] = sum over n, i of dy_full[n, k, i*S + f] * x[n, c, i]
// is a dot product of a phase-split dy row (phase p = f % S, shifted by
// m = f / S) with an input row, both contiguous along the positions: up to
// kDotRows pairs by kDotCols channels per micro-kernel call, the vector lanes
// across positions, so no tile is padded whatever F, K and C are.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cpu/budget.hpp"
#include "cpu/cost.hpp"
#include "cpu/index.hpp"
#include "cpu/microkernel.hpp"
#include "cpu/packing.hpp"
#include "parallel.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::cpu {

using std::int64_t;

// Up to kDotRows pairs (f, k) whose phase-split rows lie evenly apart: the
// filters k, k+1 of one tap (rows `row` apart), or, with one filter, the
// taps m, m+1 of one phase (the same row shifted by one position). Member r
// is the pair (f + r*df, k + r*dk), its row at offset + r*stride in a
// chunk's phase-split dy (rows of `row` elements).
struct PairGroup {
    int64_t offset, stride, count, f, k, df, dk;
};

// Whether the pairs are grouped by filters of a tap (where that makes no
// more groups than by taps of a phase), and how many groups of one and of
// kDotRows pairs that makes (shape only, no allocation: the cost model asks
// on every call).
struct PairGrouping {
    bool by_filters;
    int64_t of[kDotRows + 1];  // of[count]: the groups of `count` pairs
};

inline PairGrouping pair_grouping(int64_t F, int64_t S, int64_t K) {
    static_assert(kDotRows == 2, "groups are of one or two pairs");
    PairGrouping g{true, {0, 0, 0}};
    int64_t one = 0, two = 0;  // by taps of a phase
    for (int64_t p = 0; p < phases_with_taps(F, S); ++p) {
        one += K * (taps(p, F, S) % 2);
        two += K * (taps(p, F, S) / 2);
    }
    g.by_filters = F * ceil_div(K, kDotRows) <= one + two;
    if (g.by_filters) {
        g.of[1] = F * (K % 2);
        g.of[2] = F * (K / 2);
    } else {
        g.of[1] = one;
        g.of[2] = two;
    }
    return g;
}

// The pair groups in the order the driver runs them (pair_grouping's way).
inline std::vector<PairGroup> pair_groups(int64_t F, int64_t S, int64_t K, int64_t row) {
    std::vector<PairGroup> groups;
    if (pair_grouping(F, S, K).by_filters) {
        for (int64_t f = 0; f < F; ++f)
            for (int64_t k = 0; k < K; k += kDotRows)
                groups.push_back(
                    {((f % S) * K + k) * row + f / S, row, std::min(kDotRows, K - k), f, k, 0, 1});
    } else {
        for (int64_t p = 0; p < phases_with_taps(F, S); ++p)
            for (int64_t k = 0; k < K; ++k)
                for (int64_t m = 0; m < taps(p, F, S); m += kDotRows)
                    groups.push_back({(p * K + k) * row + m, 1, std::min(kDotRows, taps(p, F, S) - m),
                                      p + m * S, k, S, 0});
    }
    return groups;
}

// Positions per micro-kernel call: each lane sums at most 128 terms in
// registers before they are added into its running sum (the other strategies
// flush every 128 positions: float32 rounding error grows with the chunks,
// not the terms), and a call's rows, 4 KiB each, stay in L1 while the
// task's pair groups are run over its input rows.
template <class T>
int64_t weight_dots_chunk(const MicroKernels<T>& mk) {
    return std::min<int64_t>(128 * int64_t(mk.lanes), 4096 / int64_t(sizeof(T)));
}

// The running sums: a tile of kDotRows x kDotCols outputs of `lanes` sums
// each per pair group and channel block (shape only).
template <class T>
int64_t weight_dots_sums(const MicroKernels<T>& mk, const Geometry& geo, int64_t C, int64_t K) {
    const PairGrouping g = pair_grouping(geo.filter_size, geo.stride, K);
    const int64_t groups = g.of[1] + g.of[2];
    return saturating_mul(saturating_mul(groups, ceil_div(C, kDotCols)),
                          kDotRows * kDotCols * int64_t(mk.lanes));
}

// A thread's workspace: a chunk of phase-split dy (every pair's row, the
// chunk's positions and the taps' reach past it) and room for a channel
// block's rows over the chunk, which are copied where the input's positions
// are not contiguous: counted for every layout, so that whether the
// strategy fits depends on the shape alone (R8.5).
template <class T>
int64_t weight_dots_per_thread(const MicroKernels<T>& mk, const Geometry& geo, int64_t K) {
    const int64_t chunk = weight_dots_chunk(mk);
    const int64_t rows = phases_with_taps(geo.filter_size, geo.stride) * K;  // a weights array's: no overflow
    return rows * (chunk + ceil_div(geo.filter_size, geo.stride)) + kDotCols * chunk;
}

// Estimated cycles (cpu/cost.hpp), kWeightDotsFit times: per call of R
// pairs x J channels over cnt positions, a step per vector of positions bound
// by its R*J FMAs (two per cycle), its R + J loads (one per cycle: the rows
// are shifted by a tap's m, most vectors straddle two cache lines) or the
// FMAs' latency (4 cycles, the R*J sums each waiting on its last); then the
// sums added into their lanes and the positions past the last whole vector
// one by one. Per item, the packing of phase-split dy and, where a chunk of
// it lies beyond L2, its lines read again from memory by every channel
// block (4 cycles each); once, the lanes added into dW. From the shape
// alone (R8.5): the copy of input rows whose positions are not contiguous
// is not counted.
// The fit: 240 draws of the sweep's families (seeds 111-116, float32 and
// float64, the per-item, batched and dots strategies alternated in one
// process, 1 thread) ranked best with the estimate times 1.3; on 160 draws
// not used for it (seeds 117-120), summed log(chosen / fastest) went from
// 10.9 to 1.7 (float32) and 8.2 to 3.2 (float64) against the two GEMM
// strategies alone.
constexpr double kWeightDotsFit = 1.3;

template <class T>
double weight_dots_cycles(const MicroKernels<T>& mk, const DataView<const T>& x, const Geometry& geo,
                          int64_t K) {
    const int64_t B = x.batch(), C = x.channels, L = geo.length, F = geo.filter_size, S = geo.stride;
    const int64_t W = mk.lanes, chunk = weight_dots_chunk(mk), Lc = chunk + ceil_div(F, S);
    const int64_t Sp = phases_with_taps(F, S), Lq = L + ceil_div(F, S);
    const PairGrouping grouping = pair_grouping(F, S, K);
    const auto call = [&](int64_t R, int64_t J, int64_t cnt) {
        const double rj = double(R * J), step = std::max({4.0, rj / 2.0, double(R + J)});
        const int64_t vectors = cnt / W;  // whole vectors; the rest one by one
        return double(vectors) * step + rj * double(cnt % W + 2) + 20.0;
    };
    const double per_item = over_blocks(L, chunk, [&](int64_t cnt) {
        double cycles = 0;
        for (int64_t R = 1; R <= kDotRows; ++R)
            cycles +=
                double(grouping.of[R]) * over_blocks(C, kDotCols, [&](int64_t J) { return call(R, J, cnt); });
        return cycles;
    });
    const double chunk_bytes = double(Sp * K) * double(Lc) * double(sizeof(T));
    const double packing =
        double(Sp * K) * double(Lq) *
        (0.5 +
         (chunk_bytes > kBeyondL2Bytes ? 4.0 * double(ceil_div(C, kDotCols)) * double(sizeof(T)) / 64 : 0.0));
    return kWeightDotsFit * (double(B) * (per_item + packing) + double(weight_dots_sums(mk, geo, C, K)));
}

// dW on `threads` threads: `sums` holds weight_dots_sums elements, `ws`
// threads * weight_dots_per_thread. Threads take the outputs, runs of a
// channel block by a run of pair groups, never the positions, and walk the
// positions chunk by chunk, each packing the chunk's phase-split dy itself
// (a long item's dy, packed whole, was read back from memory by every
// channel block: (1, 32, 16, 4, 2, 65536) float32 took 7.4 ms): every lane
// of every output adds its items' chunks in order, and the lanes are added in
// order at the end, whatever the threads.
template <class T>
void backward_weights_dots(const MicroKernels<T>& mk, const DataView<const T>& x, const DataView<const T>& dy,
                           const Geometry& geo, const WeightsView<T>& dw, T* sums, T* ws, int threads) {
    const int64_t B = x.batch(), C = x.channels, K = dy.channels, L = geo.length, F = geo.filter_size;
    const int64_t S = geo.stride, Sp = phases_with_taps(F, S), W = mk.lanes, l = geo.crop_left;
    const int64_t chunk = weight_dots_chunk(mk), Lc = chunk + ceil_div(F, S), tile = kDotRows * kDotCols * W;
    const int64_t jend = std::min(geo.full_length, l + geo.out_length);  // kept full positions: [l, jend)
    const int64_t per_thread = weight_dots_per_thread(mk, geo, K);
    const bool in_place = x.length_stride == 1;
    const std::vector<PairGroup> groups = pair_groups(F, S, K, Lc);
    const int64_t ngroups = int64_t(groups.size()), ncb = ceil_div(C, kDotCols);
    // Tasks: the channel blocks, each cut into runs of pair groups where they
    // are too few to balance the threads; a thread takes a contiguous run.
    const int64_t runs = std::clamp<int64_t>(ceil_div(4 * int64_t(threads), ncb), 1, ngroups);
    const int64_t tasks = ncb * runs;
    const int stripes = int(std::min<int64_t>(threads, tasks));
    const auto sums_of = [&](int64_t gi, int64_t cb) { return sums + (gi * ncb + cb) * tile; };
    std::fill(sums, sums + ngroups * ncb * tile, T(0));
    detail::parallel_for(stripes, stripes, [&](int64_t stripe) {
        const int64_t task0 = tasks * stripe / stripes, task1 = tasks * (stripe + 1) / stripes;
        T* const d = ws + int64_t(stripe) * per_thread;
        T* const rows = d + Sp * K * Lc;  // a channel block's input rows, where copied
        for (int64_t n = 0; n < B; ++n)
            for (int64_t i0 = 0; i0 < L; i0 += chunk) {
                const int64_t cnt = std::min(chunk, L - i0);
                // d[(p*K + k)*Lc + v] = dy_full[n, k, (i0 + v)*S + p], zero
                // outside the kept window.
                for (int64_t k = 0; k < K; ++k)
                    gather_phase_rows(mk, dy.data + dy.batch_offset(n) + k * dy.channel_stride,
                                      dy.length_stride, i0 * S, S, Sp, l, jend, Lc, d + k * Lc, K * Lc);
                for (int64_t task = task0; task < task1; ++task) {
                    const int64_t cb = task / runs, run = task % runs;
                    const int64_t c0 = cb * kDotCols, cols = std::min(kDotCols, C - c0);
                    const int64_t g0 = ngroups * run / runs, g1 = ngroups * (run + 1) / runs;
                    const T* xr = x.data + x.batch_offset(n) + c0 * x.channel_stride + i0;
                    int64_t ldx = x.channel_stride;
                    if (!in_place) {
                        for (int64_t j = 0; j < cols; ++j)
                            for (int64_t i = 0; i < cnt; ++i)
                                rows[j * chunk + i] = x.data[x.batch_offset(n) + (c0 + j) * x.channel_stride +
                                                             (i0 + i) * x.length_stride];
                        xr = rows;
                        ldx = chunk;
                    }
                    for (int64_t gi = g0; gi < g1; ++gi) {
                        const PairGroup& pg = groups[std::size_t(gi)];
                        mk.dot_lanes(d + pg.offset, pg.stride, pg.count, xr, ldx, cols, cnt, sums_of(gi, cb));
                    }
                }
            }
    });
    // dW: each output's lanes, added in order.
    detail::parallel_for(threads, ngroups * ncb, [&](int64_t task) {
        const int64_t gi = task / ncb, cb = task % ncb;
        const PairGroup& pg = groups[std::size_t(gi)];
        const T* tile_sums = sums_of(gi, cb);
        for (int64_t r = 0; r < pg.count; ++r)
            for (int64_t j = 0; j < std::min(kDotCols, C - cb * kDotCols); ++j) {
                const T* lane = tile_sums + (r * kDotCols + j) * W;
                T sum = lane[0];
                for (int64_t e = 1; e < W; ++e) sum += lane[e];
                dw.at(pg.f + r * pg.df, pg.k + r * pg.dk, cb * kDotCols + j) = sum;
            }
    });
}

}  // namespace tconv1d::cpu
