// Backward-data pass (R3.3, dx): the forward GEMM's twin with rows over the
// input channels, reading phase-split slabs of the zero-re-padded dy
// (overview: cpu/kernels.hpp).
#include "cpu/kernels.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "cpu/backward_data_dots.hpp"
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

// The weights as the panel kernel's A operand, channel block cb's rows over
// the depth (f, k), taps in order: read in place from weights in the layer's
// layout ([f][k][c]: depth stride C, MR contiguous channels), except a last
// partial channel block, or packed ([cb][f][k][r], depth stride MR) from
// weights in any other layout. The same products in the same order either
// way, so the result never depends on the weights' layout.
template <class T>
struct WeightPanels {
    const T* weights = nullptr;  // in place: the weights' data; else nullptr (all packed)
    const T* packed = nullptr;   // the packed blocks: every one, or only a last partial one
    int64_t F = 0, K = 0, C = 0, MR = 0;
    int64_t full_blocks = 0;  // channel blocks read in place
    bool in_place(int64_t cb) const { return weights != nullptr && cb < full_blocks; }
    // Channel block cb's rows from tap f0 on, and their depth stride.
    const T* at(int64_t cb, int64_t f0) const {
        if (in_place(cb)) return weights + f0 * K * C + cb * MR;
        return packed + ((weights != nullptr ? 0 : cb) * F + f0) * K * MR;
    }
    int64_t depth_stride(int64_t cb) const { return in_place(cb) ? C : MR; }
};

// The batched strategy, for inputs too short to fill a column block per batch
// item: the columns are the pairs (n, i) of every batch item, plan.width at a
// time, and a task packs its block of the zero-re-padded dy explicitly, tap
// block by tap block, one row per (tap, filter):
//     b[((f - s0)*K + k)*width + col] = dy_full[n, k, i*S + f].
// The reduction runs in the same tap blocks, added in the same order, as the
// slab strategy's; the width and the grouping never change the result.
template <class T>
void backward_data_batched(const MicroKernels<T>& mk, const DataView<const T>& dy, const WeightPanels<T>& a,
                           int64_t seg_block, const Geometry& geo, const DataView<T>& dx,
                           const StrategyPlan& plan, T* base) {
    const int64_t MR = mk.mr, NR = mk.nr, B = dy.batch(), C = dx.channels, K = dy.channels, L = geo.length;
    const int64_t F = geo.filter_size, S = geo.stride, ncb = ceil_div(C, MR), cols_total = B * L;
    const int64_t W = plan.width, nblk = ceil_div(cols_total, W);
    // A task is a column block and plan.group channel blocks.
    const int64_t cb_per_task = plan.group, cb_tasks = ceil_div(ncb, cb_per_task);
    const int64_t tasks = nblk * cb_tasks, per_thread = plan.per_thread;
    const int64_t zero = 0;

    detail::parallel_for(plan.threads, tasks, [&](int64_t task) {
        const int64_t blk = task / cb_tasks, cb0 = (task % cb_tasks) * cb_per_task;
        const int64_t cb1 = std::min(ncb, cb0 + cb_per_task);
        const int64_t col0 = blk * W, cols = std::min(W, cols_total - col0);
        T* tiles = base + int64_t(detail::thread_index()) * per_thread;
        T* b = tiles + cb_per_task * MR * NR;
        // Per column: its item's offset in dy and the full position of tap 0
        // (i*S - l, as a dy index); columns past the block read nothing.
        int64_t dy_off[64], t0[64];  // nr <= 48 for every body
        for_each_run(col0, cols, L, [&](int64_t n, int64_t i, int64_t col, int64_t count) {
            for (int64_t j = 0; j < count; ++j) {
                // NOLINTNEXTLINE(clang-analyzer-security.ArrayBound): 0 <= col + j < cols <= nr
                dy_off[col + j] = dy.batch_offset(n);
                t0[col + j] = (i + j) * S - geo.crop_left;
            }
        });
        for (int64_t s0 = 0; s0 < F; s0 += seg_block) {
            const int64_t s1 = std::min(F, s0 + seg_block);
            int64_t off[64];
            const int64_t width = panel_width(mk, cols, W);
            for (int64_t f = s0; f < s1; ++f) {
                std::fill(off, off + W, kNoElement);
                for (int64_t col = 0; col < cols; ++col) {
                    const int64_t t = t0[col] + f;
                    if (t >= 0 && t < geo.out_length) off[col] = dy_off[col] + t * dy.length_stride;
                }
                gather_rows(dy.data, dy.channel_stride, off, K, width, W, b + (f - s0) * K * W);
            }
            for (int64_t cb = cb0; cb < cb1; ++cb)
                panel_for(mk, cols)(a.at(cb, s0), a.depth_stride(cb), b, &zero, 1, (s1 - s0) * K, W,
                                    tiles + (cb - cb0) * MR * NR, s0 > 0);
        }
        for (int64_t cb = cb0; cb < cb1; ++cb) {
            const T* tile = tiles + (cb - cb0) * MR * NR;
            const int64_t rows = std::min(MR, C - cb * MR);
            for_each_run(col0, cols, L, [&](int64_t n, int64_t i, int64_t col, int64_t count) {
                for (int64_t r = 0; r < rows; ++r) {
                    T* out = dx.data + dx.batch_offset(n) + (cb * MR + r) * dx.channel_stride +
                             i * dx.length_stride;
                    for (int64_t j = 0; j < count; ++j) out[j * dx.length_stride] = tile[r * NR + col + j];
                }
            });
        }
    });
}

// The batched strategy's plan within the budget (after the packed weights,
// `fixed`): columns per block (a multiple of the vector width, NR unless the
// budget is tight) and channel blocks per task (all of them when the column
// blocks alone keep the threads busy); 0 threads when not even the narrowest
// block fits. Neither changes the result.
template <class T>
StrategyPlan backward_data_batched_plan(const MicroKernels<T>& mk, int64_t B, int64_t L, int64_t C, int64_t K,
                                        int64_t F, int64_t seg_block, int64_t budget, int64_t fixed, int nt) {
    const int64_t MR = mk.mr, NR = mk.nr, lanes = mk.lanes, ncb = ceil_div(C, MR);
    const int64_t rows = std::min(seg_block, F) * K;  // a tap block's rows
    const auto per_thread = [&](int64_t width, int64_t group) {
        return saturating_add(saturating_mul(rows, width), group * MR * NR);
    };
    StrategyPlan plan;
    plan.width = NR;
    while (plan.width > lanes && saturating_add(fixed, per_thread(plan.width, 1)) > budget)
        plan.width -= lanes;
    const int64_t nblk = ceil_div(saturating_mul(B, L), plan.width);
    // Fewer channel blocks per task make more tasks but repack the block
    // each time: a smaller group only where it buys threads.
    int64_t group = ceil_div(ncb, std::clamp<int64_t>(ceil_div(2 * int64_t(nt), nblk), 1, ncb));
    plan.threads = 0;
    for (;;) {
        const int64_t tasks = nblk * ceil_div(ncb, group);
        const int64_t need = per_thread(plan.width, group);
        const int threads = threads_within(budget, fixed, need, nt, tasks);
        if (threads > plan.threads) {
            plan.group = group;
            plan.per_thread = need;
            plan.threads = threads;
        }
        if (group == 1 || plan.threads >= std::min<int64_t>(nt, tasks)) return plan;
        group = ceil_div(group, 2);
    }
}

// Estimated cycles of the per-item and batched strategies (cpu/cost.hpp): the
// panel calls (one per tap block and channel block), the stores of dx, and
// the packing (slabs copied per item, or every tap's rows gathered per block).
template <class T>
std::pair<double, double> backward_data_costs(const MicroKernels<T>& mk, const Geometry& geo, int64_t B,
                                              int64_t C, int64_t K, int64_t seg_block) {
    const int64_t MR = mk.mr, NR = mk.nr, L = geo.length, F = geo.filter_size, S = geo.stride;
    const int64_t Sp = phases_with_taps(F, S), ncb = ceil_div(C, MR), tap_blocks = ceil_div(F, seg_block);
    const auto block = [&](int64_t cols) {
        return double(ncb) * (panel_cycles(mk, double(F * K), cols, 1.0) + 30.0 * double(tap_blocks - 1));
    };
    const double per_item = double(B) * over_blocks(L, NR, [&](int64_t cols) {
                                return block(cols) + double(Sp * K * (NR + ceil_div(F, S) - 1)) * 0.5;
                            });
    const double batched = over_blocks(saturating_mul(B, L), NR,
                                       [&](int64_t cols) { return block(cols) + double(F * K * NR) * 1.0; });
    return {per_item, batched};
}

// The streamed strategy's estimated cycles (cpu/backward_data_dots.hpp), per
// group of MR columns: dy gathered as the broadcast operand (3 cycles per
// element: dy's rows lie far apart), the panel calls over every channel
// block (at 1.2 times the FMAs' cycles: the weights' rows are C apart and the
// tiles reload per chunk; measured 150 against 180 GFLOP/s), 15e3 cycles for
// the group's parallel region and strided stores, and the weights read again
// at 0.1 cycles per byte. Fitted on 14 shapes of 4 to 4096 columns, every
// strategy forced, one thread, when each group streamed the weights: it won
// to about 128 columns with large weights, and lost to the GEMM strategies
// from about 256. Weights beyond L2 now come from memory once per stream of
// kStreamedGroups groups, charged so (a float64 vocoder stage of 18 MB, 64
// columns: 14.9 -> 9.5 ms at one thread, the GEMM strategies 12-15); within
// L2 the fit stands as it was (grouped, a float32 (4,256,128,8,4,64) ran
// 1.31 ms against the batched strategy's 1.18). A last group of fewer than
// MR columns runs only the tile rows it needs (panel_rows_for) and is
// charged so: charged as a whole tile, a one-column float64 (1, 256, 256,
// 32, 8, 1, 0) ran per-item, 3.4 ms against 0.8 streamed (one thread,
// caches dirtied between calls).
template <class T>
double backward_data_dots_cost(const MicroKernels<T>& mk, const Geometry& geo, int64_t B, int64_t C,
                               int64_t K) {
    const int64_t MR = mk.mr, NR = mk.nr, F = geo.filter_size, rows = F * K;
    const int64_t columns = saturating_mul(B, geo.length), groups = ceil_div(columns, MR),
                  full_groups = columns / MR, chunks = ceil_div(rows, kStreamedRows);
    // A group of `real` columns runs the tile rows panel_rows_for takes for
    // them: one, half the tile, or all of it (each at its loads' pace where
    // those bind: a one-column tile row).
    const auto group = [&](int64_t real) {
        const int64_t r = real == 1 ? 1 : 2 * real <= MR ? MR / 2 : MR;
        const double calls = over_blocks(C, NR, [&](int64_t cols) {
            return panel_cycles_loads(mk, double(rows), cols, 0.0, r) + 30.0 * double(chunks - 1) +
                   double(r * cols);
        });
        return 3.0 * double(rows * MR) + 1.2 * calls;
    };
    const double weight_bytes = double(rows) * double(C) * double(sizeof(T));
    const int64_t streams = weight_bytes > kBeyondL2Bytes ? ceil_div(groups, kStreamedGroups) : groups;
    return kPackedSetupCycles + double(full_groups) * group(MR) +
           (columns % MR > 0 ? group(columns % MR) : 0.0) + double(streams) * (15e3 + 0.1 * weight_bytes);
}

template <class T>
bool backward_data(const DataView<const T>& dy, const WeightsView<const T>& w, const Geometry& geo,
                   const DataView<T>& dx) {
    const MicroKernels<T>& mk = kernels<T>();
    const int64_t MR = mk.mr, NR = mk.nr;
    const int64_t B = dy.batch(), C = dx.channels, K = w.num_filters, L = geo.length;
    const int64_t F = geo.filter_size, S = geo.stride, Sp = phases_with_taps(F, S);
    const int64_t Mmax = ceil_div(F, S);
    const int64_t Cp = round_up(C, MR), ncb = Cp / MR;
    const int64_t nib = ceil_div(L, NR);
    const int64_t width = NR + Mmax - 1;  // positions i0 .. i0 + NR - 1 + m
    const int64_t slab = saturating_mul(saturating_mul(Sp, K), width);
    const int64_t slabs_per_batch = saturating_mul(nib, slab);  // saturating: see forward

    const int64_t budget =
        workspace_budget<T>(saturating_add(saturating_add(elements(dy), elements(dx)), F * K * C));
    const int nt = threads_for(2.0 * double(B) * double(L) * double(C) * double(K) * double(F));
    // Workspace: the packed weights, the dy slabs of a batch slice and, per
    // thread, the tiles of up to nb_max column blocks. Whether this path is
    // taken does not depend on the thread count (the direct path rounds
    // differently); the tiles get what is left of the budget at that slice
    // size (at least one column block's), which only limits the grouping
    // and never changes the result.
    int64_t G = batches_per_slice<T>(B, budget, F * K * Cp, slabs_per_batch);
    int64_t nb_max = 1;
    for (int64_t nb : {8, 4, 2}) {
        if (G > 0 &&
            batches_per_slice<T>(B, budget, F * K * Cp + int64_t(nt) * nb * Cp * NR, slabs_per_batch) == G) {
            nb_max = nb;
            break;
        }
    }
    // When even one batch item's slabs exceed the budget, the whole batch is
    // one slice and every task packs the slabs of its own column block (a
    // per-thread workspace of one slab and one tile set).
    const bool own_slabs_only = G == 0;
    const int64_t own_per_thread = saturating_add(slab, MR * NR);
    const bool slabs_fit = !own_slabs_only || saturating_add(F * K * Cp, own_per_thread) <= budget;
    // The reduction over taps is cut into tap blocks whose weight panel chunk
    // (seg_block taps x K rows x MR) fits in L1; partial sums are added in
    // tap-block order, a split from the shape alone.
    const int64_t seg_block =
        std::max<int64_t>(1, int64_t((32 << 10) / sizeof(T)) / std::max<int64_t>(1, K * MR));
    // The batched strategy: per thread a block of a tap block's rows and the
    // tiles of its channel blocks. The cheaper strategy that fits on one
    // thread runs, else the direct loop nest (cpu/strategy.hpp).
    const StrategyPlan bplan_packed =
        backward_data_batched_plan(mk, B, L, C, K, F, seg_block, budget, F * K * Cp, nt);
    const auto [per_item_cost, batched_cost] = backward_data_costs(mk, geo, B, C, K, seg_block);
    // With only its own slabs, every per-item task (one column block, one
    // channel block) packs its column block's slab again: ncb times the
    // slabs of the whole batch, about a cycle per element (a one-item
    // vocoder stage spent 64x its dy in gathers this way).
    const double repacking =
        own_slabs_only ? double(ncb - 1) * double(saturating_mul(saturating_mul(B, nib), slab)) : 0.0;
    // Packed weights: a copy and a finiteness check per element, and the
    // slabs and tiles that come with them (measured: about 6 cycles each).
    // Weights used by at most 2 MR column blocks are read in place instead
    // (below; as if they lay in the layer's layout, so that the choice
    // depends on the shape alone): only a last partial channel block is
    // packed, and each column block reads every weight with a stride, about
    // 3 cycles each (fitted on the sweeps' 57 inputs of at most 96 columns
    // with large weights, every strategy forced, one thread: geomean of
    // chosen/best 1.083 -> 1.008; one-item inputs of 4 samples ran the direct
    // loop at 1.5-2.3x the batched strategy's time).
    // Weights beyond L2 (over 1 MB) are read in place by one column block
    // only: each further block would read them from memory again, a line per
    // few FMAs (one-item inputs of 2-11 column blocks with 4 MB of weights,
    // in place against packed: 25-40% slower).
    const int64_t partial_rows = Cp - C / MR * MR;  // channels of a last partial block, padded
    const bool large_weights = double(F * K * C) * double(sizeof(T)) > kBeyondL2Bytes;
    const auto reads_in_place = [&](int64_t column_blocks) {
        return column_blocks <= (large_weights ? 1 : 2 * MR);
    };
    const auto weights_cost = [&](int64_t column_blocks) {
        if (!reads_in_place(column_blocks)) return 6.0 * double(F * K * Cp);
        return 6.0 * double(F * K * partial_rows) + 3.0 * double(F * K * Cp) * double(column_blocks);
    };
    const double per_item_weights = weights_cost(saturating_mul(B, nib)),
                 batched_weights = weights_cost(ceil_div(saturating_mul(B, L), NR));
    const StreamedLayout streamed = streamed_layout(mk, C, saturating_mul(B, L));
    const Strategy strategy = choose_strategy(
        {{Strategy::per_item, slabs_fit, per_item_cost + repacking + kPackedSetupCycles + per_item_weights},
         {Strategy::batched, bplan_packed.threads > 0, batched_cost + kPackedSetupCycles + batched_weights},
         {Strategy::dots, saturating_add(streamed.tiles, F * K * C) <= budget,
          backward_data_dots_cost(mk, geo, B, C, K)},
         {Strategy::direct, true, kDirectBackwardDataCycles * products(B, L, F, K, C)}});
    const bool batched = strategy == Strategy::batched;
    if (strategy == Strategy::direct) {
        direct::backward_data(dy, w, geo, dx, nt);
        return true;
    }
    if (strategy == Strategy::dots) {
        // Weights in another layout than the layer's (rare: a transposed
        // view) are first copied into it; whether this strategy runs never
        // depends on that.
        const bool in_place = layer_layout(w);
        detail::WorkspaceSize size;
        size.add<T>(streamed.tiles);
        size.add<T>(in_place ? 0 : F * K * C);
        detail::Workspace ws(size, "backward-data");
        T* tiles = ws.take<T>(streamed.tiles);
        WeightsView<const T> rows = w;
        if (!in_place) rows = copy_to_layer_layout(w, ws.take<T>(F * K * C), nt);
        backward_data_dots(mk, dy, rows, geo, dx, tiles, nt);
        return true;  // every term summed: non-finite weights need no second look
    }
    // Weights read by few column blocks (at most 2 MR, or one beyond L2:
    // reads_in_place) are read in place if they lie in the layer's layout,
    // but for a last partial channel block (WeightPanels): packing cost about
    // 6 cycles per element, more than a strided read of each depth step's MR
    // channels costs those few blocks (measured: a one-item vocoder stage
    // 2.2 -> 0.8 ms; at 24 blocks, 8 items of hifigan-up1, packing was 10%
    // faster). Which strategy runs was decided above from the shape alone;
    // the batched threads get the budget the weights leave.
    const int64_t column_blocks = batched ? ceil_div(saturating_mul(B, L), NR) : saturating_mul(B, nib);
    const bool in_place = layer_layout(w) && reads_in_place(column_blocks);
    const int64_t full_blocks = C / MR;
    const int64_t packed_blocks = in_place ? ncb - full_blocks : ncb;
    const StrategyPlan bplan = in_place ? backward_data_batched_plan(mk, B, L, C, K, F, seg_block, budget,
                                                                     packed_blocks * F * K * MR, nt)
                                        : bplan_packed;
    if (own_slabs_only) G = B;

    // Cache blocking. A task owns a group of nb column blocks and, per tap
    // block and channel block, runs the weight chunk against each of its
    // column blocks in turn, so a weight chunk is read from memory once per
    // nb column blocks, and the group's dy rows of the tap block (sized to
    // stay in L2) are read from cache by every channel block. The grouping
    // never changes the result.
    const int64_t nb_cache = std::max<int64_t>(
        1, std::min<int64_t>(8, l2_elements<T>() / std::max<int64_t>(1, seg_block * K * width)));
    struct Plan {
        int64_t nb, cb_per_task, col_tasks, cb_tasks;
        bool fused;
        int threads;
    };
    // Tasks with every channel block keep a tile set of Cp x NR per column
    // block: only when the budget holds them (else a task is one channel block).
    const bool whole_channels =
        !own_slabs_only &&
        batches_per_slice<T>(B, budget, F * K * Cp + int64_t(nt) * nb_max * Cp * NR, slabs_per_batch) == G;
    const auto plan_for = [&](int64_t Gs) {
        const int64_t ncols = Gs * nib;
        // Enough column blocks for the threads: tasks are groups of column
        // blocks (a multiple of the thread count, for balance) with every
        // channel block; otherwise one column block and one channel block.
        Plan pl{1, 1, 0, 0, false, 1};
        if (ncols >= 4 * int64_t(nt) && whole_channels) {
            // No more column blocks than whose slabs fit in L2 together,
            // where one does: then the task packs them itself (fused,
            // below). With more, the slabs were packed up front, to memory
            // and back: a float64 (16, 16, 256, 9, 10, 1024, 0), 8 blocks of
            // 442 KB slabs to a task, ran 105-109 ms at one thread against
            // 80-82 fused, one block to a task.
            int64_t nb_limit = std::min(nb_cache, nb_max);
            const int64_t slabs_in_l2 = l2_elements<T>() / std::max<int64_t>(1, slab);
            if (slabs_in_l2 >= 1) nb_limit = std::min(nb_limit, slabs_in_l2);
            const int64_t groups = round_up(ceil_div(ncols, nb_limit), nt);
            pl.nb = ceil_div(ncols, groups);
            pl.cb_per_task = ncb;
        }
        pl.col_tasks = ceil_div(ncols, pl.nb);
        pl.cb_tasks = ceil_div(ncb, pl.cb_per_task);
        pl.threads = own_slabs_only
                         ? threads_within(budget, F * K * Cp, own_per_thread, nt, pl.col_tasks * pl.cb_tasks)
                         : int(std::min<int64_t>(nt, pl.col_tasks * pl.cb_tasks));
        // When a task owns whole column blocks and their slabs fit in L2, the
        // task packs them itself (they never travel to memory and back);
        // otherwise the slice's slabs are packed up front. The threads' own
        // slabs take the place of a slice's, so they must not need more.
        pl.fused = own_slabs_only ||
                   (pl.cb_tasks == 1 && pl.nb * slab <= l2_elements<T>() && pl.threads * pl.nb <= G * nib);
        return pl;
    };
    // Workspace: the packed weights; one region for the dy slabs, which holds
    // either a slice's slabs (packed up front) or the threads' own slabs
    // (fused), whichever is larger over the two slice sizes; and per thread
    // the tiles of its column blocks. At most the budget plus a tile set
    // (MR x NR) per thread.
    const Plan full = plan_for(G), last = plan_for(B % G == 0 ? G : B % G);
    const auto slab_region = [&](const Plan& pl) {
        return pl.fused ? pl.threads * pl.nb * slab : G * nib * slab;
    };
    const int64_t d_elems =
        batched ? int64_t(bplan.threads) * bplan.per_thread : std::max(slab_region(full), slab_region(last));
    const int64_t tiles_per_thread =
        batched ? 0 : std::max(full.nb * full.cb_per_task, last.nb * last.cb_per_task) * MR * NR;
    const int64_t slices = std::max(full.threads, last.threads);
    detail::WorkspaceSize size;
    size.add<T>(packed_blocks * F * K * MR);
    size.add<T>(d_elems);
    size.add<T>(slices * tiles_per_thread);
    detail::Workspace ws(size, "backward-data");
    T* a = ws.take<T>(packed_blocks * F * K * MR);
    T* d = ws.take<T>(d_elems);
    T* tile_base = ws.take<T>(slices * tiles_per_thread);
    const WeightPanels<T> panels{in_place ? w.data : nullptr, a, F, K, C, MR, in_place ? full_blocks : 0};
    // Packed channel block cb is [f][k][r] = W[f, k, cb*MR + r] (rows past C
    // zero); one task per group of kPackRows rows (f, k) of the weights,
    // read along c and scattered MR at a time into the packed blocks
    // (reading a block's rows instead would touch a new page per element):
    // per channel block, the group's rows make one contiguous run of the
    // packed block (row by row, each row wrote a line into every packed
    // block in turn, more streams than the prefetchers follow). Every
    // weight is checked for Inf/NaN (R3.6): a contiguous row by one scan of
    // the whole row once the group was copied (still in cache; a scan per
    // block of MR cost a call per 8 elements, 7% of a one-item vocoder
    // stage's pass), a strided one block by block.
    const int64_t first_packed = ncb - packed_blocks;
    constexpr int64_t kPackRows = 16;
    // Whether a non-finite weight was seen (cpu/nonfinite.hpp).
    const bool nonfinite = detail::parallel_any(nt, ceil_div(F * K, kPackRows), [&](int64_t g) {
        bool seen = false;
        const int64_t fk0 = g * kPackRows, fk1 = std::min(F * K, fk0 + kPackRows);
        const auto row_of = [&](int64_t fk) { return &w.at(fk / K, fk % K, 0); };
        const bool contiguous = w.channel_stride == 1;
        for (int64_t cb = first_packed; cb < ncb; ++cb) {
            const int64_t c0 = cb * MR, n = std::min(MR, C - c0);
            for (int64_t fk = fk0; fk < fk1; ++fk) {
                T* out = a + (cb - first_packed) * F * K * MR + fk * MR;
                const T* row = row_of(fk);
                if (contiguous) {
                    std::memcpy(out, row + c0, std::size_t(n) * sizeof(T));
                } else {
                    for (int64_t r = 0; r < n; ++r) out[r] = row[(c0 + r) * w.channel_stride];
                    seen = mk.any_nonfinite(out, n) || seen;  // in L1 now
                }
                for (int64_t r = n; r < MR; ++r) out[r] = T(0);
            }
        }
        // Blocks read in place lie in the layer's layout: contiguous rows.
        if (contiguous)
            for (int64_t fk = fk0; fk < fk1; ++fk) seen = mk.any_nonfinite(row_of(fk), C) || seen;
        return seen;
    });
    if (batched) {
        backward_data_batched(mk, dy, panels, seg_block, geo, dx, bplan, d);
        if (nonfinite) add_padding_terms_to_dx(w, geo, dx);  // cpu/nonfinite.hpp
        return true;
    }
    // Segment f (tap f = p + m*S) reads the slab's row block p shifted by m.
    std::vector<int64_t> seg_off(static_cast<std::size_t>(F));
    for (int64_t f = 0; f < F; ++f) seg_off[std::size_t(f)] = (f % S) * K * width + f / S;
    const int64_t nseg = F;

    for (int64_t n0 = 0; n0 < B; n0 += G) {
        const int64_t Gs = std::min(G, B - n0);
        const int64_t ncols = Gs * nib;
        const Plan& pl = Gs == G ? full : last;
        const int64_t nb = pl.nb, cb_per_task = pl.cb_per_task, cb_tasks = pl.cb_tasks;
        const bool fused = pl.fused;
        if (!fused) pack_dy_slabs(mk, dy, geo, n0, Gs, nib, NR, width, d, nt);
        detail::parallel_for(pl.threads, pl.col_tasks * cb_tasks, [&](int64_t task) {
            const int64_t j0 = (task / cb_tasks) * nb, j1 = std::min(ncols, j0 + nb);
            const int64_t cb0 = (task % cb_tasks) * cb_per_task, cb1 = std::min(ncb, cb0 + cb_per_task);
            const int64_t tile_set = (cb1 - cb0) * MR * NR;
            const int64_t thread = detail::thread_index();
            T* tiles = tile_base + thread * tiles_per_thread;
            const T* slabs = nullptr;
            if (fused) {
                T* own = d + thread * nb * slab;
                pack_dy_blocks(mk, dy, geo, n0, j0, j1, nib, NR, width, slab, own);
                slabs = own;
            } else {
                slabs = d + j0 * slab;
            }
            for (int64_t s0 = 0; s0 < nseg; s0 += seg_block)
                for (int64_t cb = cb0; cb < cb1; ++cb)
                    for (int64_t j = j0; j < j1; ++j)
                        panel_for(mk, std::min(NR, L - (j % nib) * NR))(
                            panels.at(cb, s0), panels.depth_stride(cb), slabs + (j - j0) * slab,
                            seg_off.data() + s0, std::min(seg_block, nseg - s0), K, width,
                            tiles + (j - j0) * tile_set + (cb - cb0) * MR * NR, s0 > 0);
            // Row by row, each along the task's column blocks: consecutive
            // stores into a row of dx, where block by block every tile's
            // rows (a row stride apart) left a few lines in each (a fifth of
            // a one-filter pass, in stalls on the stores).
            for (int64_t cb = cb0; cb < cb1; ++cb)
                for (int64_t r = 0; r < std::min(MR, C - cb * MR); ++r)
                    for (int64_t j = j0; j < j1; ++j) {
                        const int64_t g = j / nib, i0 = (j % nib) * NR;
                        const int64_t cols = std::min(NR, L - i0);
                        const T* tile = tiles + (j - j0) * tile_set + (cb - cb0) * MR * NR + r * NR;
                        T* out = dx.data + dx.batch_offset(n0 + g) + (cb * MR + r) * dx.channel_stride;
                        for (int64_t col = 0; col < cols; ++col)
                            out[(i0 + col) * dx.length_stride] = tile[col];
                    }
        });
    }
    if (nonfinite) add_padding_terms_to_dx(w, geo, dx);  // cpu/nonfinite.hpp
    return true;
}

template bool backward_data<float>(const DataView<const float>&, const WeightsView<const float>&,
                                   const Geometry&, const DataView<float>&);
template bool backward_data<double>(const DataView<const double>&, const WeightsView<const double>&,
                                    const Geometry&, const DataView<double>&);

}  // namespace tconv1d::cpu
