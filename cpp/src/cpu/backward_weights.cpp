// Backward-weights pass (R3.3, dW): phase-split rows of dy reduced against the
// transposed input, tile by tile, over batches then chunks of positions
// (overview: cpu/kernels.hpp).
#include "cpu/kernels.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "cpu/backward_weights_dots.hpp"
#include "cpu/budget.hpp"
#include "cpu/cost.hpp"
#include "cpu/direct.hpp"
#include "cpu/index.hpp"
#include "cpu/isa.hpp"
#include "cpu/microkernel.hpp"
#include "cpu/nonfinite.hpp"
#include "cpu/packing.hpp"
#include "cpu/strategy.hpp"
#include "parallel.hpp"
#include "threads.hpp"
#include "workspace.hpp"

namespace tconv1d::cpu {

using std::int64_t;

// The batched strategy: dW as one GEMM between the pairs (f, k) of tap and
// filter and the input channels, whose reduction runs over the positions
// (n, i) of every batch item as one sequence, in chunks of `chunk`: a short
// input costs no padding per item and every micro-kernel call reduces a full
// chunk. The pairs are the tile's rows (MR at a time) and the channels its
// columns (NR at a time), or the other way round where that pads less (few
// channels: a long thin signal's 4 channels would fill 4 of 48 columns). A
// task owns a group of row blocks x column blocks and, per chunk, packs in its
// thread's slice of the workspace its rows, d[(rb'*MR + r)*chunk + j], and its
// columns, xt[(cb'*chunk + j)*NR + cc], from
//     dy_full[n, k, i*S + f] for the pair (f, k),  x[n, c, i] for the channel c,
// at position p0 + j = (n, i), then adds the chunk into its tiles. For few
// tiles and long inputs the positions are also cut into `ranges` (from the
// shape alone) whose partial sums are added in range order at the end: the
// threads share the reduction, and the result does not depend on their number.

// Positions per chunk: 128, or all of them rounded up to 8 for fewer.
inline int64_t batched_chunk(int64_t positions) { return std::min<int64_t>(128, round_up(positions, 8)); }

// The batched strategy's orientation, rows and columns of its tiles, and
// its groups of tiles (shape only; the grouping never changes the result).
struct BatchedLayout {
    bool channel_rows = false;               // rows are the channels, columns the pairs (f, k)
    int64_t rows = 0, cols = 0;              // F*K and C, or C and F*K
    int64_t sums = 0;                        // running sums: one MR x NR tile per (row block, column block)
    int64_t row_blocks = 1, col_blocks = 1;  // per group
    double packing = 0;                      // estimated packing cycles per position
};

template <class T>
BatchedLayout batched_layout(int64_t F, int64_t K, int64_t C, int64_t S, int64_t MR, int64_t NR,
                             bool channel_rows, int64_t positions, int64_t lanes, int64_t L, bool phase_rows,
                             double within, double far_gather) {
    const int64_t FK = F * K;  // a weights array's size: no overflow
    BatchedLayout lay;
    lay.channel_rows = channel_rows;
    lay.rows = channel_rows ? C : FK;
    lay.cols = channel_rows ? FK : C;
    lay.sums = round_up(lay.rows, MR) * round_up(lay.cols, NR);
    const int64_t nrb = ceil_div(lay.rows, MR), ncb = ceil_div(lay.cols, NR);
    const int64_t chunk = batched_chunk(positions);
    // The estimated packing cycles per position of groups of rbs row blocks x
    // cbs column blocks. Rows are packed once per group of column blocks,
    // columns once per group of row blocks. Per element packed:
    // - pairs as rows: gathered, 1 cycle; where `phase_rows`, a group of whole
    //   taps gathers each phase's rows once instead (backward_weights_batched's
    //   by_phase), min(S, its taps) * K rows, in the share `within` of the
    //   chunks (those within one item; left out, channels as rows won where
    //   they lose 2.5x: one item of 16 channels x 32768 positions, F = 8,
    //   S = 2, 8.0 against 3.1 ms);
    // - the channels as columns: transposed a square of vectors at a time, 1
    //   cycle, where the runs of positions and the channels fill a vector (the
    //   first `vector_columns` of each column pass), else element by element
    //   (padding written too), 2;
    // - channels as rows: copied run by run, half a cycle, but read in place
    //   (whole row blocks) in the chunks within one item (positions
    //   contiguous, the common layout, assumed here as for the squares);
    // - pairs as columns: gathered and scattered across the tile's rows, 3
    //   cycles, or 1.5 at stride 1 (dy's positions copied run by run).
    // `far_gather`: the extra cost of each pair element gathered (batched_plan).
    // On 80 shapes of the sweep's families (one thread, both orientations
    // forced in turn, a Zen 4 machine), the transposition at 2 cycles
    // throughout and pair columns at 1.5 picked the slower orientation by 5%
    // on average, up to 31%, on the float32 shapes that took this strategy;
    // these costs, 3% and 25% (float64: 4% and 35% -> 2% and 23%).
    const int64_t vector_columns = L >= lanes ? C / lanes * lanes : 0;
    const auto packing = [&](int64_t rbs, int64_t cbs) {
        const double row_passes = double(ceil_div(ncb, cbs)), col_passes = double(ceil_div(nrb, rbs));
        if (channel_rows)
            return row_passes * double(nrb * MR) * 0.5 * (1.0 - within) +
                   col_passes * double(ncb * NR) * ((S == 1 ? 1.5 : 3.0) + far_gather);
        double rows = double(nrb * MR);
        if (phase_rows && (rbs * MR) % K == 0) {
            const int64_t taps = rbs * MR / K;
            rows -= within * (rows - double(ceil_div(nrb, rbs) * std::min(S, taps) * K));
        }
        return row_passes * rows * (1.0 + far_gather) +
               col_passes * (double(vector_columns) + double(ncb * NR - vector_columns) * 2.0);
    };
    if (positions <= chunk) {
        // One chunk: each tile goes straight into dW, no running sums are
        // kept, so a group is as many blocks as keep each side's packed
        // chunk within 256 KiB of L2, all the column blocks where they fit
        // (the rows are packed once per group of column blocks: grouped by
        // the running sums' size, a one-item vocoder stage's 4608 pair rows
        // were gathered again for each of its 11 column blocks, a quarter
        // of the pass).
        const int64_t room = std::max<int64_t>(1, int64_t((256 << 10) / sizeof(T)) / chunk);
        lay.row_blocks = std::clamp<int64_t>(room / MR, 1, nrb);
        lay.col_blocks = std::clamp<int64_t>(room / NR, 1, ncb);
        lay.packing = packing(lay.row_blocks, lay.col_blocks);
        return lay;
    }
    // Groups of tiles whose running sums stay in L2 (512 KiB), of the shape
    // that packs least: as many row blocks as fit took a one-item vocoder
    // stage's 1536 pair rows (12 taps x 128 filters, S = 6) into one group
    // and gathered its phase rows again for each of its 6 column blocks;
    // groups of about 3 taps x every column block gather each row once
    // (float32 backward-weights 8-10% faster at one thread). The most row
    // blocks among equals; one group of every tile, where they fit, packs
    // each side once and ends the search.
    const int64_t pairs = std::max<int64_t>(1, int64_t((512 << 10) / sizeof(T)) / (MR * NR));
    lay.packing = -1;
    for (int64_t rbs = std::min(nrb, pairs); rbs >= 1; --rbs) {
        const int64_t cbs = std::min(ncb, std::max<int64_t>(1, pairs / rbs));
        const double cost = packing(rbs, cbs);
        if (lay.packing < 0 || cost < lay.packing)
            lay.packing = cost, lay.row_blocks = rbs, lay.col_blocks = cbs;
        if (rbs == nrb && cbs == ncb) break;
    }
    return lay;
}

// fn(pair) for the pairs (f, k) = (pair / K, pair % K) in [lo, hi), the taps
// of one filter after another (the pairs past F*K, padding, last): the taps
// of a filter read the same stretch of dy, so it is read from cache.
template <class Fn>
void for_each_pair_by_filter(int64_t lo, int64_t hi, int64_t F, int64_t K, Fn&& fn) {
    const int64_t end = std::min(hi, F * K);
    for (int64_t k = 0; k < K; ++k)
        for (int64_t pair = lo <= k ? k : k + ceil_div(lo - k, K) * K; pair < end; pair += K) fn(pair);
    for (int64_t pair = std::max(lo, F * K); pair < hi; ++pair) fn(pair);
}

// Its workspace on one thread with one row block and one column block (and
// that tile's running sum where one chunk does not cover every position):
// whether it fits is the test for taking it.
inline int64_t batched_least_workspace(int64_t MR, int64_t NR, int64_t positions) {
    const int64_t chunk = batched_chunk(positions);
    return (MR + NR) * chunk + (positions > chunk ? MR * NR : 0);  // one tile's running sum
}

template <class T>
void backward_weights_batched(const MicroKernels<T>& mk, const DataView<const T>& x,
                              const DataView<const T>& dy, const Geometry& geo, const WeightsView<T>& dw,
                              const BatchedLayout& lay, int nt, int64_t budget) {
    const int64_t MR = mk.mr, NR = mk.nr, B = x.batch(), C = x.channels, K = dy.channels, L = geo.length;
    const int64_t F = geo.filter_size, S = geo.stride, FK = F * K, nrb = ceil_div(lay.rows, MR),
                  ncb = ceil_div(lay.cols, NR);
    const int64_t tile = MR * NR, positions = B * L, chunk = batched_chunk(positions);
    const int64_t nchunks = ceil_div(positions, chunk), sums_size = lay.sums;
    // Ranges: when the tiles are too few to keep threads busy, or the
    // partial sums are small next to the positions (a range costs its sums,
    // cleared and added at the end; the tasks' groups split instead, below,
    // each pack every position's rows or columns again: two groups of a
    // long one-item signal each read its whole dy and input from memory,
    // twice the traffic of the pass); as many partial sums as the budget
    // holds (shape only).
    int64_t ranges = 1;
    if (nrb * ncb < 8 || sums_size <= positions) ranges = std::clamp<int64_t>(nchunks / 16, 1, 8);
    ranges = std::clamp<int64_t>((budget - (MR + NR) * chunk) / sums_size, 1, ranges);
    const int64_t chunks_per_range = ceil_div(nchunks, ranges);
    ranges = ceil_div(nchunks, chunks_per_range);
    // One chunk covers every position: each tile is one call, written
    // straight into dW (no running sums to clear, keep and copy out). One
    // range: a task's tiles are summed over every chunk by that task alone,
    // so their running sums live in its thread's slice (written into dW when
    // it ends) instead of a buffer of the whole padded dW's size, which left
    // room in the budget for one thread only on short single items.
    const bool tiles_to_dw = nchunks == 1, own_sums = !tiles_to_dw && ranges == 1;
    const auto per_thread_of = [&](int64_t rbs, int64_t cbs) {
        return (rbs * MR + cbs * NR) * chunk + (own_sums ? rbs * cbs * MR * NR : 0);
    };
    // The layout's groups of tiles, split further for enough tasks for the
    // threads and slices within the budget (the grouping never changes the
    // result).
    int64_t rbs = lay.row_blocks, cbs = lay.col_blocks;
    const auto threads_of = [&](int64_t rs, int64_t cs) {
        return threads_within(budget, tiles_to_dw || own_sums ? 0 : ranges * sums_size, per_thread_of(rs, cs),
                              nt, ceil_div(nrb, rs) * ceil_div(ncb, cs) * ranges);
    };
    // Few tasks are split until the busiest thread has at most 15% more than
    // its share (5 tasks on 2 threads kept one busy for 3), each task
    // weighed by its rows times its columns' vectors, as the parallel loop
    // below hands them out: contiguous runs, the column groups fastest, so
    // that a run holds every column group of its row groups. With the row
    // groups fastest, a one-item vocoder stage's 128 channels as column
    // groups of 96 and 32 left one thread of two the 32-channel tiles alone
    // ((1, 128, 64, 4, 2, 4096, [1 1]) float32: 2.9 ms at one thread, 2.3
    // at two).
    const auto unbalanced = [&](int64_t rs, int64_t cs) {
        const int64_t rg = ceil_div(nrb, rs), cg = ceil_div(ncb, cs), t = rg * cg * ranges;
        if (t < 2 * int64_t(nt)) return true;
        if (t >= 8 * int64_t(nt)) return false;
        const auto work = [&](int64_t task) {
            const int64_t group = task % (rg * cg), r = group / cg, c = group % cg;
            const int64_t rows = std::min(lay.rows, (r + 1) * rs * MR) - r * rs * MR,
                          cols = std::min(lay.cols, (c + 1) * cs * NR) - c * cs * NR;
            return double(rows) * double(ceil_div(cols, int64_t(mk.lanes)));
        };
        const auto [busiest, total] = static_loads(t, nt, work);
        return 20.0 * busiest * double(nt) > 23.0 * total;
    };
    // Halves the side whose split repeats less packing: more row groups
    // pack every column block again, more column groups the rows.
    const auto halve = [&](int64_t& rs, int64_t& cs) {
        const double rows_packing = double(rs * MR) * (lay.channel_rows ? 0.5 : 1.0),
                     cols_packing = double(cs * NR) * (lay.channel_rows ? 1.5 : 2.0);
        if (cs == 1 || (rs > 1 && cols_packing < rows_packing))
            rs = ceil_div(rs, 2);
        else
            cs = ceil_div(cs, 2);
    };
    while ((unbalanced(rbs, cbs) || threads_of(rbs, cbs) < 1) && (rbs > 1 || cbs > 1)) halve(rbs, cbs);
    // Smaller groups where only they leave room in the budget for a slice
    // per thread (each slice holds its group's running sums): a one-item
    // layer of 256 x 256 channels, 9 taps and 256 positions ran on one
    // thread of two, its 6 groups of 288 row blocks too large for two slices.
    for (int64_t rs = rbs, cs = cbs; threads_of(rbs, cbs) < nt && (rs > 1 || cs > 1);) {
        halve(rs, cs);
        if (threads_of(rs, cs) > threads_of(rbs, cbs)) rbs = rs, cbs = cs;
    }
    // As many groups, of sizes at most one block apart: groups of 10 and 1
    // column blocks (11 in all: a one-item float64 vocoder stage) left one
    // thread ten times the other's share, and no gain from a second thread.
    rbs = ceil_div(nrb, ceil_div(nrb, rbs));
    cbs = ceil_div(ncb, ceil_div(ncb, cbs));
    const int64_t rb_groups = ceil_div(nrb, rbs), cb_groups = ceil_div(ncb, cbs);
    const int64_t tasks = rb_groups * cb_groups * ranges;
    const int threads = threads_of(rbs, cbs);
    const int64_t per_thread = per_thread_of(rbs, cbs);
    const int64_t sums_total = tiles_to_dw || own_sums ? 0 : ranges * sums_size;
    detail::WorkspaceSize size;
    size.add<T>(sums_total);
    size.add<T>(int64_t(threads) * per_thread);
    detail::Workspace ws(size, "backward-weights");
    T* sums = ws.take<T>(sums_total);
    T* scratch = ws.take<T>(int64_t(threads) * per_thread);
    std::fill(sums, sums + sums_total, T(0));
    const int64_t l = geo.crop_left;
    // Writes tile (rb, cb) into dW, value(r, cc) per element: a tile row is a
    // pair (f, k) over channels, or a channel over pairs (then written a tile
    // column at a time, so that dW's channels stay contiguous).
    const auto write_tile = [&](int64_t rb, int64_t cb, auto&& value) {
        const int64_t rows = std::min(MR, lay.rows - rb * MR), cols = std::min(NR, lay.cols - cb * NR);
        // The tile's first pair (f, k), then the next ones by counting (no
        // division per element).
        const int64_t fk0 = lay.channel_rows ? cb * NR : rb * MR;
        int64_t f = fk0 / K, k = fk0 % K;
        const auto next_pair = [&] {
            if (++k == K) k = 0, ++f;
        };
        if (lay.channel_rows) {
            for (int64_t cc = 0; cc < cols; ++cc, next_pair()) {
                T* out = &dw.at(f, k, rb * MR);
                for (int64_t r = 0; r < rows; ++r) out[r * dw.channel_stride] = value(r, cc);
            }
        } else {
            for (int64_t r = 0; r < rows; ++r, next_pair()) {
                T* out = &dw.at(f, k, cb * NR);
                for (int64_t cc = 0; cc < cols; ++cc) out[cc * dw.channel_stride] = value(r, cc);
            }
        }
    };
    // A tile of running sums (row stride NR) into dW. With channels as rows
    // and dW's channels contiguous, each tile column is MR consecutive
    // channels of one pair: where MR is the vector width (float64 on AVX2
    // and AVX-512) the tile is first transposed a square block at a time in
    // registers, then each column written as one run; element by element,
    // its reads NR apart, the writes took half of a float64 vocoder stage's
    // backward-weights (2 x 512 x 32 inputs, 18 MB of dW).
    // Where consecutive pairs' rows lie equally far apart (the layer's
    // layout among others), a whole tile is transposed straight into dW, a
    // column per vector store (through a buffer and element by element, the
    // stores were a fifth of a one-item float64 vocoder stage's pass).
    const bool transposed_columns = lay.channel_rows && dw.channel_stride == 1 && MR == mk.lanes;
    const bool pairs_evenly = dw.filter_stride == K * dw.filter_index_stride;
    const auto store_tile = [&](int64_t rb, int64_t cb, const T* sum) {
        if (!transposed_columns) {
            write_tile(rb, cb, [&](int64_t r, int64_t cc) { return sum[r * NR + cc]; });
            return;
        }
        if (pairs_evenly && (rb + 1) * MR <= lay.rows && (cb + 1) * NR <= lay.cols) {
            T* first = &dw.at(cb * NR / K, cb * NR % K, rb * MR);
            const int64_t ld = dw.filter_index_stride;
            for (int64_t c0 = 0; c0 < NR; c0 += MR) mk.transpose(sum + c0, NR, first + c0 * ld, ld);
            return;
        }
        T columns[64 * 16];  // [cc][r]: nr <= 64 columns of mr = lanes <= 16 rows
        for (int64_t c0 = 0; c0 < NR; c0 += MR) mk.transpose(sum + c0, NR, columns + c0 * MR, MR);
        write_tile(rb, cb, [&](int64_t r, int64_t cc) { return columns[cc * MR + r]; });
    };

    detail::parallel_for(threads, tasks, [&](int64_t task) {
        const int64_t range = task / (rb_groups * cb_groups), group = task % (rb_groups * cb_groups);
        const int64_t rb0 = (group / cb_groups) * rbs, rb1 = std::min(nrb, rb0 + rbs);
        const int64_t cb0 = (group % cb_groups) * cbs, cb1 = std::min(ncb, cb0 + cbs);
        T* d = scratch + int64_t(detail::thread_index()) * per_thread;
        T* xt = d + rbs * MR * chunk;
        T* part = sums + range * sums_size;
        // The running sum of tile (rb, cb): the task's own (own_sums), or the range's.
        T* const own_tiles = xt + cbs * chunk * NR;
        const auto sum_of = [&](int64_t rb, int64_t cb) {
            return own_sums ? own_tiles + ((rb - rb0) * cbs + (cb - cb0)) * tile
                            : part + (rb * ncb + cb) * tile;
        };
        if (own_sums) std::fill(own_tiles, own_tiles + rbs * cbs * tile, T(0));
        T pair_row[128];  // chunk <= 128
        // For short inputs (runs of a few positions), per position of the
        // chunk: its item's offset in dy and the full position of tap 0 minus
        // the cropping (i*S - l, a dy index).
        const bool short_runs = L < 16;
        // Rows of taps f and f + S are the same phase row of dy shifted by
        // one position: where every tile's rows are one tap's filters (K a
        // multiple of MR, pairs as rows) and a chunk lies in one item, a
        // group of whole taps packs each phase's rows once (S < F: F/S times
        // fewer gathers) and reads the taps' rows from them. The same
        // products in the same order.
        const bool by_phase = !lay.channel_rows && !short_runs && K % MR == 0;
        int64_t dy_off[128], t0[128], x_off[128];
        const int64_t c_end = std::min(nchunks, (range + 1) * chunks_per_range);
        // The group's taps f0 .. f0 + nf - 1 when it holds whole taps' rows.
        const int64_t f0 = rb0 * MR / K, nf = std::max<int64_t>(1, rb1 * MR / K - f0);
        const bool group_by_filter = (rb0 * MR) % K == 0 && (rb1 * MR) % K == 0;
        for (int64_t ch = range * chunks_per_range; ch < c_end; ++ch) {
            const int64_t p0 = ch * chunk, cnt = std::min(chunk, positions - p0);
            // This chunk's rows are phase rows (see by_phase): phase q's are
            // cnt + (nf - 1 - q) / S long, its taps' rows starting 0, 1, ... in.
            const bool phase_rows = by_phase && group_by_filter && (p0 % L) + cnt <= L;
            // Channels as rows, contiguous, the chunk inside one item: the
            // rows of whole row blocks (below this channel) are x's own,
            // read in place (their copy was a fifth of a one-filter pass).
            const int64_t rows_in_place_end =
                lay.channel_rows && x.length_stride == 1 && (p0 % L) + cnt <= L ? C / MR * MR : 0;
            const auto phase_length = [&](int64_t q) { return cnt + (nf - 1 - q) / S; };
            if (short_runs)
                for_each_run(p0, cnt, L, [&](int64_t n, int64_t i, int64_t j, int64_t count) {
                    for (int64_t e = 0; e < count; ++e) {
                        // NOLINTNEXTLINE(clang-analyzer-security.ArrayBound): 0 <= j + e < cnt <= 128
                        dy_off[j + e] = dy.batch_offset(n);
                        t0[j + e] = (i + e) * S - l;
                        x_off[j + e] = x.batch_offset(n) + (i + e) * x.length_stride;
                    }
                });
            // The pair (f, k) = (pair / K, pair % K) along the chunk,
            // dy_full[n, k, i*S + f], into out (contiguous): position by
            // position for short runs, else run by run.
            const auto pair_at = [&](int64_t pair, T* out) {
                if (pair >= FK) {
                    std::fill(out, out + cnt, T(0));
                    return;
                }
                const int64_t f = pair / K, k = pair % K;
                const T* in = dy.data + k * dy.channel_stride;
                if (short_runs) {
                    // One unsigned compare for 0 <= t < out_length, and no
                    // multiply along contiguous rows: this gather was
                    // twice the GEMM's time for batches of items of 3
                    // positions (256 x (32 -> 128), F = 8, S = 2: the pass
                    // 12-18% less time this way).
                    const uint64_t end = uint64_t(geo.out_length);
                    if (dy.length_stride == 1) {
                        for (int64_t j = 0; j < cnt; ++j)
                            out[j] = uint64_t(t0[j] + f) < end ? in[dy_off[j] + t0[j] + f] : T(0);
                    } else {
                        for (int64_t j = 0; j < cnt; ++j) {
                            const int64_t t = t0[j] + f;
                            out[j] = uint64_t(t) < end ? in[dy_off[j] + t * dy.length_stride] : T(0);
                        }
                    }
                    return;
                }
                for_each_run(p0, cnt, L, [&](int64_t n, int64_t i, int64_t j, int64_t count) {
                    gather_phase_row(in + dy.batch_offset(n), dy.length_stride, i * S + f, S, l,
                                     l + geo.out_length, count, out + j);
                });
            };
            if (lay.channel_rows) {
                // Rows: the channels, read in place where the chunk is one
                // contiguous run of every row (whole row blocks), else copied
                // run by run; columns: the pairs.
                for (int64_t c = rb0 * MR; c < rb1 * MR; ++c) {
                    if (c < rows_in_place_end) continue;
                    T* out = d + (c - rb0 * MR) * chunk;
                    if (c >= C) {
                        std::fill(out, out + cnt, T(0));
                        continue;
                    }
                    if (short_runs) {  // position by position: a run per item cost more than its copy
                        const T* in = x.data + c * x.channel_stride;
                        for (int64_t j = 0; j < cnt; ++j) out[j] = in[x_off[j]];
                        continue;
                    }
                    for_each_run(p0, cnt, L, [&](int64_t n, int64_t i, int64_t j, int64_t count) {
                        const T* in = x.data + x.batch_offset(n) + c * x.channel_stride + i * x.length_stride;
                        for (int64_t e = 0; e < count; ++e) out[j + e] = in[e * x.length_stride];
                    });
                }
                for_each_pair_by_filter(cb0 * NR, cb1 * NR, F, K, [&](int64_t pair) {
                    pair_at(pair, pair_row);
                    T* out = xt + ((pair / NR - cb0) * chunk) * NR + pair % NR;
                    for (int64_t j = 0; j < cnt; ++j) out[j * NR] = pair_row[j];
                });
            } else {
                // Rows: the pairs; columns: the channels, channel by channel
                // along each run of positions (contiguous reads).
                for (int64_t cb = cb0; cb < cb1; ++cb)
                    for_each_run(p0, cnt, L, [&](int64_t n, int64_t i, int64_t j, int64_t count) {
                        transpose_input_chunk(mk, x, n, cb, NR, i, count, xt + ((cb - cb0) * chunk + j) * NR);
                    });
                if (phase_rows) {
                    // Phase rows (see by_phase): phase q of the group's first
                    // min(S, nf) taps f0 + q, filter k, positions m_lo .. of it:
                    // dy_full[n, k, (i + m_lo + v)*S + p] = row[v], one gather
                    // per element instead of one per tap using it.
                    // Phase q's rows start after the K rows of each phase before it.
                    const int64_t n = p0 / L, i = p0 % L, phases = std::min(S, nf);
                    int64_t start[kInterleaveMax];
                    if (phases <= kInterleaveMax) {
                        start[0] = 0;
                        for (int64_t q = 1; q < phases; ++q)
                            start[q] = start[q - 1] + K * phase_length(q - 1);
                        // Every phase of filter k in one pass (permutes where the body has them).
                        for (int64_t k = 0; k < K; ++k)
                            gather_phases(mk, dy.data + k * dy.channel_stride + dy.batch_offset(n),
                                          dy.length_stride, i * S + f0, S, phases, l, l + geo.out_length,
                                          phase_length,
                                          [&](int64_t q) { return d + start[q] + k * phase_length(q); });
                    } else {
                        T* out = d;
                        for (int64_t q = 0; q < phases; ++q) {
                            const int64_t len = phase_length(q);
                            for (int64_t k = 0; k < K; ++k, out += len)
                                gather_phase_row(dy.data + k * dy.channel_stride + dy.batch_offset(n),
                                                 dy.length_stride, i * S + f0 + q, S, l, l + geo.out_length,
                                                 len, out);
                        }
                    }
                } else {
                    for_each_pair_by_filter(rb0 * MR, rb1 * MR, F, K,
                                            [&](int64_t row) { pair_at(row, d + (row - rb0 * MR) * chunk); });
                }
            }
            // Row block rb's first row and row stride: pair rows, or tap f's
            // rows inside its phase's (shifted by its m past the phase's first).
            const auto rows_of = [&](int64_t rb) -> std::pair<const T*, int64_t> {
                if ((rb + 1) * MR <= rows_in_place_end)
                    return {x.data + x.batch_offset(p0 / L) + rb * MR * x.channel_stride + p0 % L,
                            x.channel_stride};
                if (!phase_rows) return {d + (rb - rb0) * MR * chunk, chunk};
                const int64_t f = rb * MR / K, k0 = rb * MR % K, q = (f - f0) % S;
                int64_t base = 0;  // phases before q: K rows each
                for (int64_t e = 0; e < q; ++e) base += K * phase_length(e);
                const int64_t len = phase_length(q);
                return {d + base + k0 * len + (f - f0) / S, len};
            };
            T own[16 * 64];  // mr * nr <= 8 * 48 for every body
            for (int64_t rb = rb0; rb < rb1; ++rb)
                for (int64_t cb = cb0; cb < cb1; ++cb) {
                    T* sum = tiles_to_dw ? own : sum_of(rb, cb);
                    if (tiles_to_dw) std::fill(own, own + tile, T(0));
                    const auto [rows, ldd] = rows_of(rb);
                    rows_by_columns_for(mk, std::min(NR, lay.cols - cb * NR))(
                        rows, ldd, xt + (cb - cb0) * chunk * NR, NR, cnt, sum);
                    if (tiles_to_dw) store_tile(rb, cb, own);
                }
        }
        // Along dW's rows: with channels as rows, column block by column
        // block, its tiles filling NR rows of dW run by run, NR ascending
        // streams that the prefetchers follow (row block by row block, every
        // row of the group's dW took a line at a time: a fifth of a one-item
        // float64 vocoder stage's pass); with pairs as rows, row block by
        // row block.
        if (own_sums)
            for (int64_t i = 0; i < (rb1 - rb0) * (cb1 - cb0); ++i) {
                const int64_t rb = lay.channel_rows ? rb0 + i % (rb1 - rb0) : rb0 + i / (cb1 - cb0);
                const int64_t cb = lay.channel_rows ? cb0 + i / (rb1 - rb0) : cb0 + i % (cb1 - cb0);
                store_tile(rb, cb, sum_of(rb, cb));
            }
    });
    if (tiles_to_dw || own_sums) return;
    // dW = the ranges' partial sums, added in range order, tile by tile.
    // Along dW's rows, as the running sums above.
    detail::parallel_for(nt, nrb * ncb, [&](int64_t i) {
        const int64_t rb = lay.channel_rows ? i % nrb : i / ncb, cb = lay.channel_rows ? i / nrb : i % ncb;
        const T* sum = sums + (rb * ncb + cb) * tile;
        write_tile(rb, cb, [&](int64_t r, int64_t cc) {
            T value = sum[r * NR + cc];
            for (int64_t range = 1; range < ranges; ++range) value += sum[range * sums_size + r * NR + cc];
            return value;
        });
    });
}

// Estimated cycles (cpu/cost.hpp) of the micro-kernel calls of `tiles_rows`
// rows x `cols` columns reduced over `count` positions `step` at a time (a
// tile's running sum read and written back per call, a vector at a time).
template <class T>
double reduction_cycles(const MicroKernels<T>& mk, int64_t rows, int64_t cols, int64_t count, int64_t step) {
    const double store = 2.0 / double(mk.lanes);
    return double(ceil_div(rows, int64_t(mk.mr))) * over_blocks(cols, mk.nr, [&](int64_t nc) {
               return over_blocks(count, step,
                                  [&](int64_t cnt) { return panel_cycles(mk, double(cnt), nc, store); });
           });
}

// Estimated cycles of the per-item strategy: per item, the calls of every
// tap's tiles over its positions, and the packing of its phase-split dy
// (copied runs) and transposed input; once, the running sums.
template <class T>
double per_item_cycles(const MicroKernels<T>& mk, const Geometry& geo, int64_t B, int64_t C, int64_t K) {
    const int64_t MR = mk.mr, NR = mk.nr, L = geo.length, F = geo.filter_size, S = geo.stride;
    const int64_t Kp = round_up(K, MR);
    return double(B) * (double(F) * reduction_cycles(mk, Kp, C, L, 128) +
                        double(phases_with_taps(F, S) * Kp) * double(L + ceil_div(F, S) + NR) * 0.5 +
                        double(L * round_up(C, NR))) +
           double(F * Kp * round_up(C, NR));  // the running sums, cleared and copied out
}

// The batched strategy's cheaper orientation and its estimated cycles: the
// calls over every chunk and the packing (batched_layout). `far_gather` is
// the extra cost of gathering one dy element where each lies on its own cache
// line beyond L2 (a stride of 64 bytes or more through a large dy): a chunk's
// pairs read many short strided runs at once, which the prefetchers do not
// follow as they follow the per-item strategy's row-by-row reads.
template <class T>
std::pair<BatchedLayout, double> batched_plan(const MicroKernels<T>& mk, int64_t B, int64_t L, int64_t F,
                                              int64_t S, int64_t K, int64_t C, double far_gather) {
    const int64_t positions = saturating_mul(B, L), chunk = batched_chunk(positions);
    std::pair<BatchedLayout, double> best{{}, -1.0};
    // The share of chunks within one item, and whether pairs as rows gather
    // phase rows in them (K a multiple of MR, runs of 16 positions or more).
    const double within = B == 1 ? 1.0 : std::max(0.0, 1.0 - double(chunk - 1) / double(L));
    const bool phase_rows = L >= 16 && K % mk.mr == 0;
    for (const bool channel_rows : {false, true}) {
        const BatchedLayout lay = batched_layout<T>(F, K, C, S, mk.mr, mk.nr, channel_rows, positions,
                                                    mk.lanes, L, phase_rows, within, far_gather);
        // Running sums (cleared and copied out) unless one chunk covers every
        // position: then each tile goes straight into dW.
        // With channels as rows, each tile is written into dW transposed
        // (a tile column per run of dW's channels), about a cycle more per
        // element than the pair rows' contiguous copy: what decides short
        // inputs, whose dW is large next to their products (one item of 16
        // positions, 1M weights: 1.06 ms with channels as rows, 0.69 with
        // pairs as rows; measured on three such shapes, 1 cycle each).
        const double transposed_write = channel_rows ? double(F * K * C) : 0.0;
        const double cycles = reduction_cycles(mk, lay.rows, lay.cols, positions, chunk) +
                              double(positions) * lay.packing + (positions > chunk ? double(lay.sums) : 0.0) +
                              transposed_write;
        if (best.second < 0 || cycles < best.second) best = {lay, cycles};
    }
    return best;
}

template <class T>
bool backward_weights(const DataView<const T>& x, const DataView<const T>& dy, const Geometry& geo,
                      const WeightsView<T>& dw) {
    const MicroKernels<T>& mk = kernels<T>();
    const int64_t MR = mk.mr, NR = mk.nr;
    const int64_t B = x.batch(), C = x.channels, K = dy.channels, L = geo.length;
    const int64_t F = geo.filter_size, S = geo.stride, Sp = phases_with_taps(F, S);
    const int64_t Mmax = ceil_div(F, S);
    const int64_t Kp = round_up(K, MR), nkb = Kp / MR;
    const int64_t Cp = round_up(C, NR), ncb = Cp / NR;
    const int64_t Lq = L + Mmax + NR;

    // The running sums of every tile live in one dense buffer of the padded
    // dW's size (one per range, below), laid out tile by tile
    // ([f][kb][cb][MR*NR]); the micro-kernel adds each chunk of positions
    // into its tile. Its size, and so the batch slicing and the choice of
    // this path, do not depend on the thread count.
    const int64_t tile = MR * NR;
    const int64_t fixed = F * Kp * Cp;
    const int64_t budget =
        workspace_budget<T>(saturating_add(saturating_add(elements(x), elements(dy)), F * K * C));
    const int64_t per_batch =
        saturating_add(saturating_mul(saturating_mul(Sp, Kp), Lq), saturating_mul(L, Cp));
    const int64_t G_fits = batches_per_slice<T>(B, budget, fixed, per_batch);
    const int nt = threads_for(2.0 * double(B) * double(L) * double(C) * double(K) * double(F));
    // The per-item strategy needs a batch item's phase-split dy and transposed
    // input within the budget, the batched one its running sums and one
    // thread's chunk, the dot products (cpu/backward_weights_dots.hpp) their
    // lanes' running sums and one thread's chunk of phase-split dy (a choice
    // from the shape alone); the cheapest that fits runs, else the direct
    // loop nest (cpu/strategy.hpp).
    // Calibrated on float64 shapes with S >= 8 drawn from the sweep's families
    // (per-item and batched forced, 2 threads): 4 cycles per far gather.
    // Far: S positions apart in the layer's own layout (dy's positions
    // contiguous), whatever dy's strides, so that the choice depends on the
    // shape alone (R8.5).
    const bool far = saturating_mul(S, int64_t(sizeof(T))) >= 64 &&
                     saturating_mul(elements(dy), int64_t(sizeof(T))) > (int64_t(1) << 20);
    const auto [lay, batched_cost] = batched_plan(mk, B, L, F, S, K, C, far ? 4.0 : 0.0);
    const double per_item_cost = per_item_cycles(mk, geo, B, C, K);
    const int64_t dots_sums = weight_dots_sums(mk, geo, C, K);
    const int64_t dots_per_thread = weight_dots_per_thread(mk, geo, K);
    const int dots_threads =
        threads_within(budget, dots_sums, dots_per_thread, nt, ceil_div(C, kDotCols) * int64_t(nt));
    const Strategy strategy = choose_strategy(
        {{Strategy::per_item, G_fits > 0, per_item_cost + kPackedSetupCycles},
         {Strategy::batched, batched_least_workspace(MR, NR, saturating_mul(B, L)) <= budget,
          batched_cost + kPackedSetupCycles},
         {Strategy::dots, dots_threads > 0, weight_dots_cycles(mk, x, geo, K) + kPackedSetupCycles},
         {Strategy::direct, true, kDirectBackwardWeightsCycles * products(B, L, F, K, C)}});
    if (strategy == Strategy::dots) {
        detail::WorkspaceSize size;
        size.add<T>(dots_sums);
        size.add<T>(int64_t(dots_threads) * dots_per_thread);
        detail::Workspace ws(size, "backward-weights");
        T* sums = ws.take<T>(dots_sums);
        backward_weights_dots(mk, x, dy, geo, dw, sums, ws.take<T>(int64_t(dots_threads) * dots_per_thread),
                              dots_threads);
        add_padding_terms_to_dw(x, geo, dw);  // reads only the inputs that meet the padding
        return true;
    }
    if (strategy == Strategy::batched) {
        backward_weights_batched(mk, x, dy, geo, dw, lay, nt, budget);
        add_padding_terms_to_dw(x, geo, dw);  // reads only the inputs that meet the padding
        return true;
    }
    if (strategy == Strategy::direct) {
        direct::backward_weights(x, dy, geo, dw, nt);
        return true;
    }

    // Positions per micro-kernel call: the register sums are flushed into the
    // tile's running sum every kChunk terms, which keeps float32 rounding
    // error growing with the number of chunks rather than of terms (and the
    // chunk of the transposed input in L1).
    constexpr int64_t kChunk = 128;
    // Ranges: where the tiles are too few to keep threads busy, the chunks
    // of each slice's items, one sequence, are also cut into `ranges` whose
    // partial sums (a padded dW each, summed over the slices) are added in
    // range order at the end, as the batched strategy does: the threads
    // share the reduction, from the shape alone, so the result does not
    // depend on their number. As many as the budget holds. Float32 at two
    // threads, per item (512-bit body, alternated call by call in one
    // process): (64, 16, 16, 5, 2, 512, same), one task of two filter
    // blocks, 1.13 -> 0.76 ms (1.23-1.28 at one thread); (8, 16, 8, 5, 2,
    // 2048, same) 0.37 -> 0.21; (32, 128, 8, 3, 2, 1024, same), three
    // column blocks, 2.73 -> 1.97 (3.6 at one thread).
    const int64_t item_chunks = ceil_div(L, kChunk), all_chunks = B * item_chunks;
    int64_t ranges = nkb * ncb < 8 ? std::clamp<int64_t>(all_chunks / 16, 1, 8) : 1;
    ranges = std::clamp<int64_t>((budget - per_batch) / fixed, 1, ranges);
    const int64_t sums_size = ranges * fixed;
    const int64_t G = batches_per_slice<T>(B, budget, sums_size, per_batch);

    // Cache blocking. A task owns a block of kbs filter blocks x cbs column
    // blocks (and a range) and walks its positions once (batch, then chunk):
    // for each chunk it runs every tile of the block, so the task's running
    // sums (kbs x cbs x F tiles, sized to stay in L2) are the only long-lived
    // data, the chunk of the transposed input is read from memory once per
    // filter-block block and the rows of phase-split dy once per column-block
    // block. The block sizes minimize that traffic for enough (balanced) tasks.
    // Each tile's sum runs over batches then chunks of positions, in order
    // within each range, whatever the blocking and thread count.
    const int64_t pair_budget = std::max<int64_t>(1, l2_elements<T>() / std::max<int64_t>(1, F * tile));
    const double input_size = double(L) * double(Cp), dy_size = double(Sp) * double(Kp) * double(Lq);
    // When the transposed input of one column block and the dy rows of a
    // filter block (whole slice) fit in L2 together, a tile is instead run
    // over the whole slice at once ("whole" order: column block, filter
    // block, batch, chunk, tap), its F tiles staying in L1, with at most
    // kbs_whole filter blocks' rows kept in L2 across the column blocks.
    const int64_t l2 = int64_t(3 << 19) / int64_t(sizeof(T));  // ~1.5 MiB in elements
    const int64_t input_per_cb = G * L * NR, rows_per_kb = G * Sp * MR * Lq;
    const bool whole = input_per_cb + rows_per_kb <= l2;
    const int64_t kbs_whole = std::max<int64_t>(1, (l2 - input_per_cb) / std::max<int64_t>(1, rows_per_kb));
    int64_t kbs = 1, cbs = 1;
    {
        // Estimated time of a blocking: the tiles' arithmetic spread over the
        // threads as schedule(static) hands out the tasks (contiguous runs),
        // plus the operand traffic at a rough memory bandwidth. A pair's
        // arithmetic is counted in its column block's vectors: the last
        // block, C - (ncb - 1) * NR columns, runs a narrower kernel
        // (rows_by_columns_for). Counted as full, (16, 64, 64, 9, 1, 256, 1)
        // float32 (two blocks: 48 columns and 16) went to two tasks of one
        // column block each at two threads, one thread three times the
        // other's work: 2.1-2.6 ms against 2.85 at one thread; counted so,
        // two tasks of four filter blocks each, 1.48-1.50 ms (512-bit body,
        // alternated call by call in one process; (8, 80, 80, 3, 1, 1024, 0)
        // 2.67 -> 2.28 ms, with the 256-bit body 2.89 -> 2.58).
        const int64_t vectors_per_block = NR / mk.lanes;
        const int64_t last_vectors = ceil_div(C - (ncb - 1) * NR, int64_t(mk.lanes));
        const auto column_vectors = [&](int64_t cb0, int64_t cb1) {  // of column blocks [cb0, cb1)
            return (cb1 - cb0) * vectors_per_block - (cb1 == ncb ? vectors_per_block - last_vectors : 0);
        };
        const double flops_per_pair = 2.0 * double(MR * NR * F) * double(G * L);
        const double flops_per_vector = flops_per_pair / double(vectors_per_block);
        const double flop_rate = 150e9 * 4.0 / double(sizeof(T)), bandwidth = 20e9;
        double best = -1;
        for (int64_t kt = 1; kt <= nkb; ++kt) {
            const int64_t ks = ceil_div(nkb, kt);
            if (ceil_div(nkb, ks) != kt) continue;
            for (int64_t ct = 1; ct <= ncb; ++ct) {
                const int64_t cs = ceil_div(ncb, ct);
                if (ceil_div(ncb, cs) != ct || (whole ? ks > kbs_whole : ks * cs > pair_budget)) continue;
                const int64_t t = kt * ct;
                // Tile vectors (filter block x column vector) of the busiest
                // thread, each block's tasks a range's share apiece.
                const double busiest =
                    t * ranges > 64 * int64_t(nt)
                        ? double(ks * cs * vectors_per_block) * double(ceil_div(t * ranges, nt)) /
                              double(ranges)
                        : static_loads(t * ranges, nt, [&](int64_t i) {
                              const int64_t kbi = i % t % kt, cbi = i % t / kt;
                              return double(std::min(ks, nkb - kbi * ks) *
                                            column_vectors(cbi * cs, std::min(ncb, cbi * cs + cs))) /
                                     double(ranges);
                          }).first;
                const double traffic =
                    (double(kt) * input_size + double(ct) * dy_size) * double(G) * double(sizeof(T));
                const double time = busiest * flops_per_vector / flop_rate + traffic / bandwidth;
                if (best < 0 || time < best) {
                    best = time;
                    kbs = ks;
                    cbs = cs;
                }
            }
        }
    }
    const int64_t kb_tasks = ceil_div(nkb, kbs), block_tasks = kb_tasks * ceil_div(ncb, cbs);
    const int64_t tasks = block_tasks * ranges;

    // The transposed input: when one task covers all filter blocks (the
    // input is used once), each task makes it inside, into its thread's slice
    // of the workspace, which stays in cache (whole order: the items of a
    // column block's slice that the task's range covers; otherwise the
    // current chunk of the task's column blocks), so it never travels to
    // memory and back; otherwise it is made once per slice and read by
    // every filter-block task. Those slices are counted against the budget
    // (R8.3) with the rest: one fits (the slice's transposed input, not
    // made here, is part of per_batch), more where room is left, and fewer
    // threads never change the result.
    const bool fused = kb_tasks == 1;
    const int64_t range_items = std::min(G, ceil_div(ceil_div(G * item_chunks, ranges), item_chunks) + 1);
    const int64_t xt_per_thread = fused ? (whole ? range_items * L : std::min(kChunk, L)) * NR : 0;
    const int64_t shared = sums_size + G * Sp * Kp * Lq + (fused ? 0 : G * L * Cp);
    int threads = int(std::min<int64_t>(nt, tasks));
    if (xt_per_thread > 0) threads = int(std::clamp<int64_t>((budget - shared) / xt_per_thread, 1, threads));
    detail::WorkspaceSize size;
    size.add<T>(sums_size);
    size.add<T>(G * Sp * Kp * Lq);
    size.add<T>(fused ? 0 : G * L * Cp);
    size.add<T>(threads * xt_per_thread);
    detail::Workspace ws(size, "backward-weights");
    T* sums = ws.take<T>(sums_size);
    std::fill(sums, sums + sums_size, T(0));
    T* d = ws.take<T>(G * Sp * Kp * Lq);
    T* xt_all = ws.take<T>(fused ? 0 : G * L * Cp);
    T* xt_slices = ws.take<T>(threads * xt_per_thread);
    auto tile_of = [&](int64_t range, int64_t f, int64_t kb, int64_t cb) {
        return sums + range * fixed + ((f * nkb + kb) * ncb + cb) * tile;
    };
    for (int64_t n0 = 0; n0 < B; n0 += G) {
        const int64_t Gs = std::min(G, B - n0);
        pack_phase_split(mk, dy, geo, n0, Gs, Kp, Lq, d, nt);
        if (!fused) pack_transposed_input(mk, x, n0, Gs, Cp, NR, xt_all, nt);
        const int64_t slice_chunks = Gs * item_chunks;
        detail::parallel_for(threads, tasks, [&](int64_t task) {
            T* const mine = xt_slices + int64_t(detail::thread_index()) * xt_per_thread;
            const int64_t block = task % block_tasks, range = task / block_tasks;
            const int64_t kb0 = (block % kb_tasks) * kbs, kb1 = std::min(nkb, kb0 + kbs);
            const int64_t cb0 = (block / kb_tasks) * cbs, cb1 = std::min(ncb, cb0 + cbs);
            // The range's share of the slice's chunks (shares at most one
            // chunk apart): chunk q is item q / item_chunks's positions from
            // (q % item_chunks) * kChunk.
            const int64_t q0 = range * slice_chunks / ranges, q1 = (range + 1) * slice_chunks / ranges;
            const auto item_of = [&](int64_t q) { return q / item_chunks; };
            const auto start_of = [&](int64_t q) { return q % item_chunks * kChunk; };
            // The thread's transposed input holds the range's items only.
            const int64_t first_item = fused ? item_of(q0) : 0;
            if (whole) {
                T* xt = fused ? mine : nullptr;
                for (int64_t cb = cb0; cb < cb1; ++cb) {
                    const auto rbc = rows_by_columns_for(mk, std::min(NR, C - cb * NR));
                    if (fused)
                        for (int64_t q = q0; q < q1; ++q) {
                            const int64_t g = item_of(q), i0 = start_of(q);
                            transpose_input_chunk(mk, x, n0 + g, cb, NR, i0, std::min(kChunk, L - i0),
                                                  xt + ((g - first_item) * L + i0) * NR);
                        }
                    else
                        xt = xt_all + cb * Gs * L * NR;
                    for (int64_t kb = kb0; kb < kb1; ++kb)
                        for (int64_t q = q0; q < q1; ++q) {
                            const int64_t g = item_of(q), i0 = start_of(q);
                            const T* xchunk = xt + ((g - first_item) * L + i0) * NR;
                            const int64_t cnt = std::min(kChunk, L - i0);
                            for (int64_t f = 0; f < F; ++f) {
                                const int64_t p = f % S, m = f / S;
                                rbc(d + ((g * Sp + p) * Kp + kb * MR) * Lq + m + i0, Lq, xchunk, NR, cnt,
                                    tile_of(range, f, kb, cb));
                            }
                        }
                }
                return;
            }
            T* xt = fused ? mine : nullptr;
            for (int64_t q = q0; q < q1; ++q) {
                const int64_t g = item_of(q), i0 = start_of(q);
                const int64_t cnt = std::min(kChunk, L - i0);
                for (int64_t cb = cb0; cb < cb1; ++cb) {
                    const auto rbc = rows_by_columns_for(mk, std::min(NR, C - cb * NR));
                    if (fused) transpose_input_chunk(mk, x, n0 + g, cb, NR, i0, cnt, xt);
                    const T* xchunk = fused ? xt : xt_all + ((cb * Gs + g) * L + i0) * NR;
                    for (int64_t kb = kb0; kb < kb1; ++kb)
                        for (int64_t f = 0; f < F; ++f) {
                            const int64_t p = f % S, m = f / S;
                            rbc(d + ((g * Sp + p) * Kp + kb * MR) * Lq + m + i0, Lq, xchunk, NR, cnt,
                                tile_of(range, f, kb, cb));
                        }
                }
            }
        });
    }
    // dW = the ranges' partial sums, added in range order.
    detail::parallel_for(nt, F * K, [&](int64_t fk) {
        const int64_t f = fk / K, k = fk % K, kb = k / MR, r = k % MR;
        T* out = &dw.at(f, k, 0);
        for (int64_t cb = 0; cb < ncb; ++cb) {
            const T* src = tile_of(0, f, kb, cb) + r * NR;
            const int64_t c0 = cb * NR, n = std::min(NR, C - c0);
            if (ranges == 1 && dw.channel_stride == 1) {
                std::memcpy(out + c0, src, std::size_t(n) * sizeof(T));
                continue;
            }
            for (int64_t cc = 0; cc < n; ++cc) {
                T value = src[cc];
                for (int64_t range = 1; range < ranges; ++range) value += src[range * fixed + cc];
                out[(c0 + cc) * dw.channel_stride] = value;
            }
        }
    });
    add_padding_terms_to_dw(x, geo, dw);  // reads only the inputs that meet the padding
    return true;
}

template bool backward_weights<float>(const DataView<const float>&, const DataView<const float>&,
                                      const Geometry&, const WeightsView<float>&);
template bool backward_weights<double>(const DataView<const double>&, const DataView<const double>&,
                                       const Geometry&, const WeightsView<double>&);

}  // namespace tconv1d::cpu
