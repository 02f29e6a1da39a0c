// Internal: backward-data with the weights streamed in place
// (cpu/backward_data.cpp weighs it against the others). For inputs of few
// columns B*L (a latent vector, one short item) the weights are by far the
// largest operand, and the GEMM strategies read each of them with a stride
// (a weight panel's MR channels per depth step, the rows C apart): a cache
// miss the prefetchers cannot foresee per few FMAs. Here the panel kernel
// takes the weights as its vector operand instead, rows j = (f, k) of C
// contiguous channels read in order, and dy as the broadcast one:
//     dx[n, c, i] = sum over j = f*K + k of W[f, k, c] * dy_full[n, k, i*S + f]
// (a tile is MR columns (n, i) of dx by NR channels), and up to
// kStreamedGroups groups of MR columns run over each chunk of weight rows
// while it is in L1, so the weights are streamed once, front to back, per
// kStreamedGroups * MR columns; a last group of fewer columns runs only the
// tile rows it needs (the panel's one-row and half-tile variants: a single
// column on the whole tile did 8 times its work). Every term of R3.3 is
// summed, the zero re-padding included: a non-finite weight gives R3.6's
// NaN with no second look.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "cpu/cost.hpp"
#include "cpu/index.hpp"
#include "cpu/microkernel.hpp"
#include "parallel.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::cpu {

using std::int64_t;

// Depth steps (weight rows) per panel call: a thread's share of a chunk of
// rows stays in L1 while each of its channel blocks is run over it, and the
// tiles' reload per chunk (MR x NR) stays small against the chunk's FMAs. A
// constant, so the order of the additions depends on the shape alone.
constexpr int64_t kStreamedRows = 32;

// Column groups (MR columns each) that share one stream of the weights:
// each reads a chunk of weight rows from L1 after the first brought it in,
// so weights beyond the caches come from memory once per this many groups
// (read once per group, 64 columns of an 18 MB float64 vocoder stage took
// 12 ms at one thread against 4-5 for its forward). Their tiles make the
// workspace: kStreamedGroups x the channels x MR at most.
constexpr int64_t kStreamedGroups = 8;

// Weights beyond L2 are prefetched into it this many chunks of rows ahead,
// each channel block's columns of them before the block's panel calls: the
// panels read a chunk a block at a time, kStreamedRows rows C apart, which
// the hardware prefetchers did not follow on an AMD Zen 4 core ((1, 512,
// 128, 16, 4, 2, 0) float32 backward-data, one thread, caches dirtied between
// calls: 0.54 -> 0.31 ms; a chunk ahead 0.37). Within L2 the prefetches
// only cost instructions (15% of a one-column pass from L3), so they are
// left out there.
constexpr int64_t kStreamedAhead = 2;

// Channel blocks: NR channels at a time over the whole vectors, then the
// last C % lanes channels (read in place, their vector would pass the
// weights' end: copied chunk by chunk into whole vectors). Columns: `groups`
// groups of MR per stream of the weights. The workspace is a tile per
// block and group.
struct StreamedLayout {
    int64_t whole = 0, rest = 0, blocks = 0;  // channels in whole vectors, the rest, blocks
    int64_t groups = 1;                       // column groups per stream of the weights
    int64_t tiles = 0;                        // workspace elements
};

template <class T>
StreamedLayout streamed_layout(const MicroKernels<T>& mk, int64_t C, int64_t columns) {
    StreamedLayout s;
    s.rest = C % mk.lanes;
    s.whole = C - s.rest;
    s.blocks = ceil_div(s.whole, int64_t(mk.nr)) + (s.rest > 0 ? 1 : 0);
    s.groups = std::clamp<int64_t>(ceil_div(columns, int64_t(mk.mr)), 1, kStreamedGroups);
    s.tiles = saturating_mul(saturating_mul(s.blocks, s.groups), int64_t(mk.mr) * mk.nr);
    return s;
}

// Weights in the layer's layout (the caller copies others first); `tiles`
// holds streamed_layout(...).tiles elements. Threads take contiguous runs
// of channel blocks, each gathering a chunk's dy operands itself (a few
// hundred elements per group); every tile sums its rows in the same chunks
// in the same order, whatever the threads and the grouping.
template <class T>
void backward_data_dots(const MicroKernels<T>& mk, const DataView<const T>& dy, const WeightsView<const T>& w,
                        const Geometry& geo, const DataView<T>& dx, T* tiles, int nt) {
    const int64_t MR = mk.mr, NR = mk.nr, W = mk.lanes, B = dx.batch(), C = dx.channels, K = w.num_filters;
    const int64_t F = geo.filter_size, S = geo.stride, L = geo.length, l = geo.crop_left, rows = F * K;
    const int64_t columns = B * L, zero = 0;
    const StreamedLayout s = streamed_layout(mk, C, columns);
    const int stripes = int(std::min<int64_t>(nt, s.blocks));
    const int64_t span = s.groups * MR;  // columns per stream of the weights
    const bool prefetch = double(rows) * double(C) * double(sizeof(T)) > kBeyondL2Bytes;
    for (int64_t span0 = 0; span0 < columns; span0 += span) {
        const int64_t span_cols = std::min(span, columns - span0), groups = ceil_div(span_cols, MR);
        // Column span0 + m = (n, i): its item's dy and the position of tap 0.
        int64_t item[kStreamedGroups * 8], first[kStreamedGroups * 8];  // mr <= 8 for every body
        for (int64_t m = 0; m < span_cols; ++m) {
            item[m] = dy.batch_offset((span0 + m) / L);
            first[m] = (span0 + m) % L * S - l;
        }
        detail::parallel_for(stripes, stripes, [&](int64_t stripe) {
            const int64_t cb0 = s.blocks * stripe / stripes, cb1 = s.blocks * (stripe + 1) / stripes;
            T operand[kStreamedGroups][kStreamedRows * 8];  // [group][j][r], mr <= 8
            T rest[kStreamedRows * 16];                     // [j][lanes], lanes <= 16
            for (int64_t j0 = 0; j0 < rows; j0 += kStreamedRows) {
                const int64_t depth = std::min(kStreamedRows, rows - j0);
                // operand[g][j][r] = dy_full[n, k, i*S + f] for row j0 + j =
                // (f, k) and column g*MR + r: dy's element where that position
                // is kept, the zero re-padding elsewhere and past the last column.
                // Column by column, the rows by counting from j0's (f, k): one
                // channel further per row, the next position after a tap's
                // last filter (dividing each row's index into (f, k) took a
                // fifth of the pass on few columns of many channels).
                const int64_t f0 = j0 / K, k0 = j0 % K;
                for (int64_t g = 0; g < groups; ++g)
                    for (int64_t r = 0; r < MR; ++r) {
                        const int64_t m = g * MR + r;
                        T* to = operand[g] + r;
                        if (m >= span_cols) {
                            for (int64_t j = 0; j < depth; ++j) to[j * MR] = T(0);
                            continue;
                        }
                        int64_t k = k0, t = first[m] + f0;
                        int64_t from = item[m] + k0 * dy.channel_stride + t * dy.length_stride;
                        for (int64_t j = 0; j < depth; ++j) {
                            to[j * MR] = t >= 0 && t < geo.out_length ? dy.data[from] : T(0);
                            from += dy.channel_stride;
                            if (++k == K) {
                                k = 0, ++t;
                                from += dy.length_stride - K * dy.channel_stride;
                            }
                        }
                    }
                if (s.rest > 0 && cb1 == s.blocks)
                    for (int64_t j = 0; j < depth; ++j) {
                        std::memcpy(rest + j * W, w.data + (j0 + j) * C + s.whole,
                                    std::size_t(s.rest) * sizeof(T));
                        std::fill(rest + j * W + s.rest, rest + (j + 1) * W, T(0));
                    }
                for (int64_t cb = cb0; cb < cb1; ++cb) {
                    const bool last = s.rest > 0 && cb == s.blocks - 1;
                    const T* b = last ? rest : w.data + (j0 * C + cb * NR);
                    const int64_t width = last ? s.rest : std::min(NR, s.whole - cb * NR);
                    // This block's columns of the rows kStreamedAhead chunks on.
                    const int64_t next = j0 + kStreamedAhead * kStreamedRows;
                    if (prefetch && !last && next < rows) {
                        const int64_t next_depth = std::min(kStreamedRows, rows - next);
                        const char* from = reinterpret_cast<const char*>(w.data + (next * C + cb * NR));
                        for (int64_t j = 0; j < next_depth; ++j)
                            for (int64_t at = 0; at < width * int64_t(sizeof(T)); at += 64)
                                __builtin_prefetch(from + (j * C) * int64_t(sizeof(T)) + at, 0, 2);
                    }
                    for (int64_t g = 0; g < groups; ++g)
                        panel_rows_for(mk, std::min(MR, span_cols - g * MR), width)(
                            operand[g], MR, b, &zero, 1, depth, last ? W : C,
                            tiles + (g * s.blocks + cb) * MR * NR, j0 > 0);
                }
            }
            for (int64_t g = 0; g < groups; ++g)
                for (int64_t cb = cb0; cb < cb1; ++cb) {
                    const bool last = s.rest > 0 && cb == s.blocks - 1;
                    const int64_t c0 = last ? s.whole : cb * NR,
                                  width = last ? s.rest : std::min(NR, s.whole - c0);
                    const T* tile = tiles + (g * s.blocks + cb) * MR * NR;
                    for (int64_t r = 0; r < std::min(MR, span_cols - g * MR); ++r) {
                        const int64_t col = span0 + g * MR + r;
                        T* out = dx.data + dx.batch_offset(col / L) + (col % L) * dx.length_stride +
                                 c0 * dx.channel_stride;
                        for (int64_t v = 0; v < width; ++v) out[v * dx.channel_stride] = tile[r * NR + v];
                    }
                }
        });
    }
}

}  // namespace tconv1d::cpu
