// Internal: the forward pass's tap-wise strategy for inputs of one position
// (L = 1: a latent vector expanded; cpu/forward.cpp weighs it against the
// others). Each output then takes the products of one tap at most, so the
// tap-wise GEMM runs transposed: batch items are the tile's rows and the
// pairs (filter k, output position t) its columns, in y's own order, and
// the tiles are the outputs themselves, stored with the bias. No pass sets
// y to the bias first and no tile row is added into y: the tap-wise adds,
// one output of one item at a time across a tile's 48 items, held
// (128, 128, 256, 2, 2, 1, same) float32 to 29 GMAC/s at one thread, and the
// bias pass over outputs of two positions took a quarter of its time.
#pragma once

#include <algorithm>
#include <cstdint>

#include "cpu/cost.hpp"
#include "cpu/index.hpp"
#include "cpu/microkernel.hpp"
#include "cpu/packing.hpp"
#include "parallel.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::cpu {

using std::int64_t;

// The GEMM's columns: filter k's output positions t in [t_lo, t_lo + taps),
// those whose tap f = t + l lies in [0, F), are column k*taps + (t - t_lo)
// (the other outputs lie past the full length and hold the bias alone:
// fill_bias_only). The packed weights' rows are `ld` apart, whole vectors.
struct LatentColumns {
    int64_t t_lo = 0, taps = 0, count = 0, ld = 0;
};

inline LatentColumns latent_columns(const Geometry& geo, int64_t K, int64_t lanes, std::size_t elem) {
    LatentColumns lc;
    const int64_t l = geo.crop_left;
    lc.t_lo = std::clamp<int64_t>(-l, 0, geo.out_length);
    lc.taps = std::clamp<int64_t>(geo.filter_size - l, lc.t_lo, geo.out_length) - lc.t_lo;
    lc.count = K * lc.taps;  // at most F*K: the weights' own elements
    lc.ld = round_up(lc.count, lanes);
    // Rows a multiple of 1 KiB apart share their cache sets (every 4 KiB one
    // set): the packing's stores, a line in each of 16 rows at a time, and the
    // GEMM's reads of a column block down the rows evicted each other
    // ((32, 512, 128, 16, 8, 1, same) float32, rows of 1024 columns: 5 times
    // the time of the adds it replaced). A vector more drifts each row a line.
    if (lc.ld * int64_t(elem) % 1024 == 0) lc.ld += lanes;
    return lc;
}

// Workspace elements of T: the packed weights (C rows of ld), the items
// interleaved MR at a time, and per column its bias and its offset in an
// item's output (an int64_t: 8 / sizeof(T) elements).
inline int64_t latent_workspace(const LatentColumns& lc, int64_t B, int64_t C, int64_t MR, std::size_t elem) {
    return saturating_add(saturating_add(saturating_mul(C, lc.ld), saturating_mul(round_up(B, MR), C)),
                          saturating_mul(lc.count, 1 + int64_t(sizeof(int64_t) / elem)));
}

// Estimated cycles (on the scale of forward_costs): the weights transposed
// into their columns (half a cycle each, and the interleave's permutes,
// more per element the more taps: measured 0.5 cycles for two taps in
// float32 in cache, 3 for sixteen in float64 from memory), beyond L2 their
// bytes read and written again; the items interleaved; the panel calls
// (item blocks of MR rows, or of the few rows of a last block) with a cycle
// per output stored; and the bias-only outputs.
template <class T>
double latent_cycles(const MicroKernels<T>& mk, const LatentColumns& lc, const Geometry& geo, int64_t B,
                     int64_t C, int64_t K) {
    const int64_t MR = mk.mr, full = B / MR, rest = B % MR;
    const auto items = [&](int64_t rows) {
        const int64_t r = rows == 1 ? 1 : 2 * rows <= MR ? MR / 2 : MR;
        return over_blocks(lc.count, mk.nr,
                           [&](int64_t cols) { return panel_cycles_loads(mk, double(C), cols, 1.0, r); });
    };
    const double bias_only = double(B) * double(K) * double(geo.out_length - lc.taps);
    const double weight_bytes = double(C) * double(lc.ld) * double(sizeof(T));
    const double memory = weight_bytes > kBeyondL2Bytes ? 0.3 * weight_bytes : 0.0;
    const double per_weight = 0.5 + 0.5 * double(lc.taps) / double(mk.lanes);
    return per_weight * double(C) * double(lc.ld) + memory + 0.5 * double(round_up(B, MR)) * double(C) +
           double(full) * items(MR) + (rest > 0 ? items(rest) : 0.0) + 0.05 * bias_only;
}

// A task of pack_latent_weights packs this many bytes of channels (whole
// blocks of `lanes`, at least one): each filter's row is then read in runs of
// 256 bytes, four whole lines. With a block of `lanes` channels per task,
// the 256-bit body read half of each 64-byte line, the other half left to
// another task after the line had left the caches, and 8 MB of float64
// weights packed at 7 cycles per element. The rows of the filter block
// kLatentAheadBlocks blocks on are prefetched: the walk down the filters takes a
// row a page apart, which the hardware prefetchers do not follow. Float64
// (32, 512, 256, 8, 8, 1, 0) 5.6 -> 4.6 ms by the runs, -> 4.3 with the
// prefetch; float32 (8, 128, 256, 8, 4, 1, same) 0.145 -> 0.136 ms (Zen 3,
// one thread, alternated in one process).
constexpr int64_t kLatentPackBytes = 256;
constexpr int64_t kLatentAheadBlocks = 2;

// wr[c*ld + k*taps + u] = w(t_lo + u + l, k, c), zero from `count` to ld.
// Weights in the layer's layout, a square block of `lanes` channels by
// `lanes` filters at a time: each tap's block transposed in registers, then
// each channel's row of the block (its filters' taps side by side) written
// as one run, the taps interleaved by the body's permutes or transposes
// where those pay (interleave_pays: with the 256-bit body from 3 taps in
// float32, 4 in float64).
// Element by element, the stores `ld` apart cost 2 cycles each in cache, and
// 4 MB of weights took twice the GEMM's time ((32, 512, 128, 16, 8, 1, same)
// float32). The edges (and other layouts) element by element.
template <class T>
void pack_latent_weights(const MicroKernels<T>& mk, const WeightsView<const T>& w, const LatentColumns& lc,
                         int64_t l, T* wr, int nt) {
    const int64_t C = w.channels, K = w.num_filters, V = mk.lanes, taps = lc.taps, ld = lc.ld;
    const bool blocks = w.channel_stride == 1 && taps <= kInterleaveMax;
    const int64_t k_blocks = blocks ? K / V * V : 0;
    // Channel blocks per task: kLatentPackBytes of them, fewer where that
    // would leave a thread without a task (a copy: the split changes no value).
    const int64_t ncv = ceil_div(C, V);
    const int64_t per_task = std::clamp<int64_t>(
        ceil_div(ncv, std::max(nt, 1)), 1, std::max<int64_t>(1, kLatentPackBytes / (V * int64_t(sizeof(T)))));
    const auto at = [&](int64_t u, int64_t k, int64_t c) -> const T& { return w.at(lc.t_lo + u + l, k, c); };
    detail::parallel_for(nt, ceil_div(ncv, per_task), [&](int64_t task) {
        const int64_t cv0 = task * per_task, cv1 = std::min(ncv, cv0 + per_task);
        // Filters done in blocks: those of the whole channel blocks.
        const auto k_end = [&](int64_t cv) { return std::min(C, cv * V + V) - cv * V == V ? k_blocks : 0; };
        alignas(64) T block[kInterleaveMax * 256];  // a tap's transposed block each: lanes^2 <= 256
        const int64_t c_lo = cv0 * V, c_hi = std::min(C, cv1 * V);
        for (int64_t k0 = 0; k0 < k_end(cv0); k0 += V) {  // none where the task's one block is partial
            if (const int64_t kn = k0 + kLatentAheadBlocks * V; kn < k_blocks)
                for (int64_t u = 0; u < taps; ++u)
                    for (int64_t k = kn; k < kn + V; ++k)
                        for (int64_t c = c_lo; c < c_hi; c += 64 / int64_t(sizeof(T)))
                            __builtin_prefetch(&at(u, k, c), 0, 3);
            for (int64_t cv = cv0; cv < cv1 && k0 < k_end(cv); ++cv) {
                const int64_t c0 = cv * V;
                for (int64_t u = 0; u < taps; ++u)
                    mk.transpose(&at(u, k0, c0), w.filter_index_stride, block + u * V * V, V);
                for (int64_t i = 0; i < V; ++i) {
                    T* out = wr + (c0 + i) * ld + k0 * taps;
                    const T* row[kInterleaveMax];
                    for (int64_t u = 0; u < taps; ++u) row[u] = block + (u * V + i) * V;
                    if (taps >= 2 && interleave_pays(mk, taps, taps)) {
                        mk.interleave_add(row, taps, V * taps, T(-0.0), out);  // x + -0 is x, -0 included
                    } else {
                        for (int64_t j = 0; j < V; ++j)
                            for (int64_t u = 0; u < taps; ++u) out[j * taps + u] = row[u][j];
                    }
                }
            }
        }
        for (int64_t cv = cv0; cv < cv1; ++cv)
            for (int64_t c = cv * V; c < std::min(C, cv * V + V); ++c) {
                T* out = wr + c * ld;
                for (int64_t k = k_end(cv); k < K; ++k)
                    for (int64_t u = 0; u < taps; ++u) out[k * taps + u] = at(u, k, c);
                std::fill(out + lc.count, out + ld, T(0));
            }
    });
}

// The GEMM: a task per (column block, item block), column blocks outermost
// so that a thread's consecutive tasks read the same block of wr (C rows of
// NR) from L1. Each output is one panel call's sum over the channels in
// order, whatever the threads. `column_bias[j]` and `offset[j]` (column j's
// output relative to its item's first) come from the caller.
template <class T>
void forward_latent(const MicroKernels<T>& mk, const DataView<const T>& x, const T* wr,
                    const LatentColumns& lc, const T* column_bias, const int64_t* offset,
                    const DataView<T>& y, T* xp, int nt, int threads) {
    const int64_t B = x.batch(), C = x.channels, MR = mk.mr, NR = mk.nr;
    const int64_t nib = ceil_div(B, MR), ncb = ceil_div(lc.count, NR), zero = 0;
    detail::parallel_for(nt, nib, [&](int64_t ib) {
        const int64_t n0 = ib * MR, rows = std::min(MR, B - n0);
        const T* from[kMaxMR];
        for (int64_t r = 0; r < rows; ++r) from[r] = x.data + x.batch_offset(n0 + r);
        interleave_rows(mk, from, rows, x.channel_stride, MR, C, xp + ib * C * MR);
    });
    // Columns in y's order (an item's outputs contiguous, every position
    // with a tap): a tile row is one run of y.
    const bool runs =
        y.length_stride == 1 && lc.t_lo == 0 && (y.channels == 1 || y.channel_stride == lc.taps);
    detail::parallel_for(threads, ncb * nib, [&](int64_t task) {
        const int64_t cb = task / nib, ib = task % nib;
        const int64_t j0 = cb * NR, cols = std::min(NR, lc.count - j0);
        const int64_t n0 = ib * MR, rows = std::min(MR, B - n0);
        alignas(64) T tile[kMaxMR * 64];  // mr * nr <= 8 * 48 for every body
        panel_rows_for(mk, rows, cols)(xp + ib * C * MR, MR, wr + j0, &zero, 1, C, lc.ld, tile, false);
        for (int64_t r = 0; r < rows; ++r) {
            T* item = y.data + y.batch_offset(n0 + r);
            const T* sums = tile + r * NR;
            const T* b = column_bias + j0;
            if (runs) {
                T* out = item + j0;
                for (int64_t j = 0; j < cols; ++j) out[j] = sums[j] + b[j];
            } else {
                const int64_t* at = offset + j0;
                for (int64_t j = 0; j < cols; ++j) item[at[j]] = sums[j] + b[j];
            }
        }
    });
}

}  // namespace tconv1d::cpu
