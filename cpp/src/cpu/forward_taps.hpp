// Internal: the forward pass's tap-wise strategy (cpu/forward.cpp weighs it
// against the phase strategies). One GEMM whose rows are the pairs (f, k) of
// tap and filter, F*K of them MR at a time, whose depth is the input channels
// and whose columns are input positions (n, i); each tile row is then added
// into the output at full position i*S + f (col2im). Only real products are
// computed: no zero taps at the edges of short inputs, no rows wasted on a
// few filters, the input packed at most once whatever the taps (read in
// place where its rows are contiguous and long enough). The price is a pass
// over the output to set the bias and a read-modify-write per product row.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu/cost.hpp"
#include "cpu/direct.hpp"
#include "cpu/index.hpp"
#include "cpu/microkernel.hpp"
#include "cpu/packing.hpp"
#include "parallel.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"
#include "threads.hpp"

namespace tconv1d::cpu {

using std::int64_t;

// Input chunks. A block of NR positions read in place reads C rows a row
// stride apart, a few lines from each (192 bytes for float64 NR = 24), once
// per row block of the GEMM: no hardware prefetcher follows that, and rows
// a power of two apart share their cache sets. Where each block is read
// again and again (at least kTapChunkReads row blocks) from an item's input
// beyond L2, or where the input lies beyond the caches (kTapMemoryBytes,
// each line coming from memory at its latency), blocks are chunks of
// several NR-column blocks, each packed row by row (runs of consecutive
// positions, which the prefetchers stream) into the thread's scratch, where
// its column blocks then read it from L2. Measured, one thread: a 64-filter
// layer over 512 channels of 1024 positions 7.0 -> 3.8 ms (its rows 4 KB
// apart); one filter over 8 items of 256 channels x 16384 (268 MB, float64)
// 72 -> 55 ms. With two row blocks and an input in cache the copy costs more
// than it saves (5-15% slower), so those stay in place. The chunk stays
// within kTapChunkBytes (the scratch's bound per thread); where C is so large
// that two column blocks would not fit, blocks stay single and in place.
constexpr double kTapInputBytes = 512 << 10;  // an input read again and again from L2
constexpr double kTapChunkBytes = 256 << 10;
constexpr double kTapMemoryBytes = 64.0 * (1 << 20);
constexpr int64_t kTapChunkReads = 4;

// Channel slabs. Where the rows fit a few row blocks (up to
// kTapSlabRowBlocks: a few taps of a few output channels) each input element
// serves a few dozen FMAs at most, and an input beyond L2 is read at the
// speed of L3 or memory at best; packing it (above) adds a copy that its few
// products cannot hide (one filter of 4 taps over 8 items of 256 channels x
// 16384, float64: 26 of 39 ms in the copy), and read in place a few lines
// from each of C rows at a time it defeats the prefetchers. Such chunks are
// rather read kTapSlabChannels rows at a time (in place, or from copies:
// tap_slab_copied), each row a run of up to kTapSlabRowBytes that the
// prefetchers stream, every tile of the chunk (each row block's, NR columns)
// accumulating the slab's products in the thread's scratch (rows.blocks x
// rows.height x width elements), added into the output once all slabs are in.
// Chunks are narrower where that leaves fewer than kTapSlabTasks of them
// (threads need tasks; the width still depends on the shape alone). The sum
// over the channels is taken slab by slab, in an order set by the shape
// alone. Measured against packed chunks or rows in place (float64, medians of
// alternated runs): (8,256,1,4,1,16384) 31.3 -> 19.0 ms at one thread, 19.5
// -> 11.3 at two; (4,128,1,8,1,16384) 15.5 -> 6.7 ms; two row blocks,
// (4,256,1,16,4,4096) 10.4 -> 5.5 ms; within +-10% on inputs of 1-8 MB.
constexpr int64_t kTapSlabChannels = 32, kTapSlabRowBlocks = 4;
constexpr double kTapSlabRowBytes = 16 << 10;
constexpr int64_t kTapSlabTasks = 32;

// Slab copies. Rows a multiple of 4 KiB apart (a channel stride of 1024
// float32 or 512 float64 positions, or any multiple: every length of the
// sweep's families beyond those) all fall in the same sets of L1 (and, 64
// KiB apart, of L2): a slab's 32 rows then evict one another between the
// row blocks that read them, and the lines prefetched ahead of each. Where
// two row blocks or more read each slab (tap_slab_copies), each slab's rows
// are rather copied, kTapSlabCopyBlocks column blocks at a time, one row
// after another (runs the prefetchers stream), into the thread's scratch
// at a pitch of an odd number of lines, whose rows fall in different sets;
// the panels read the copy. The sums are the same operations on the same
// values in the same order, so the same bits. Float32 on a Zen 3 core, one
// thread, alternated in one process (the input 16 bytes past a line, as
// NumPy places it): (8, 128, 1, 16, 4, 16384, 0) 22.8 -> 14.2 ms, (16,
// 128, 1, 16, 4, 2048, 0) 5.7 -> 3.6, (4, 128, 1, 8, 2, 16384, same) 5.9
// -> 5.0; float64 (8, 128, 1, 16, 4, 16384, 0) 46.4 -> 28.7.
// With one row block (4 taps of one filter) the copy cost more than it
// saved: (8, 256, 1, 4, 1, 4096, 0) 3.6 -> 5.1 ms.
constexpr int64_t kTapSlabCopyBlocks = 32;

// Column blocks: whole batch items when an item fits in NR columns
// (items_per_block of them), else `width` positions of one item (NR, or a
// chunk of NR-column blocks). Blocks `waves` apart within an item write
// disjoint outputs, so each wave's blocks run in parallel without sharing an
// output; the blocks, and so the order in which every output receives its
// terms, depend on the shape alone.
struct TapBlocks {
    int64_t items_per_block = 1, blocks_per_item = 1, count = 0, waves = 1, width = 0;
    int64_t run = 1;   // blocks per run (tap_group); 1: waves of single blocks
    int64_t slab = 0;  // channels per slab of a chunk read slab by slab; 0: chunks are packed
};

// Runs. A thread that takes an item's blocks a wave apart reads its input
// out of order (block 0, 2, 4, ..., then 1, 3, ...), and the lines the
// hardware prefetched past each block are gone when the next wave wants
// them: with one filter block (rows packed), tasks are rather runs of
// consecutive blocks of one item, each but an item's last stopping
// waves - 1 blocks short of the next run, whose outputs it then never
// shares; a second pass runs the blocks left between them. Measured, one
// thread, one filter of 4 taps over 8 items of 256 channels x 1024, float64:
// 0.99 -> 0.76 ms. Runs of up to kTapRunBlocks, shorter where that leaves
// fewer than kTapRunTasks of them (a run must be 2*waves blocks at least,
// else the blocks run in waves).
constexpr int64_t kTapRunBlocks = 8, kTapRunTasks = 32;

// `reads`: the row blocks that read each column block (TapRows::blocks);
// `slabs`: whether chunks may be read slab by slab (tap_slabs).
// Blocks of an item's positions are balanced: as many as NR-wide ones would
// take, of whole vectors as even as they come (64 float32 positions: 32 + 32
// rather than 48 + 16, whose one-vector block runs the kernel at about 2/3
// of its rate, the loads outnumbering the FMAs).
inline TapBlocks tap_blocks(int64_t B, int64_t L, int64_t F, int64_t S, int64_t NR, int64_t lanes, int64_t C,
                            std::size_t elem, int64_t reads, int64_t filter_blocks, bool slabs) {
    TapBlocks tb;
    tb.width = NR;
    if (L <= NR) {
        tb.items_per_block = NR / L;
        tb.count = ceil_div(B, tb.items_per_block);
        return tb;
    }
    const int64_t vectors = ceil_div(L, lanes);
    tb.width = ceil_div(vectors, ceil_div(vectors, NR / lanes)) * lanes;
    const double item_bytes = double(C) * double(L) * double(elem);
    if (slabs && L > NR && double(B) * item_bytes > kBeyondL2Bytes) {
        const int64_t most = std::max<int64_t>(1, int64_t(kTapSlabRowBytes / double(elem)) / NR);
        const int64_t per_chunk = std::clamp<int64_t>(ceil_div(B * ceil_div(L, NR), kTapSlabTasks), 1, most);
        tb.width = NR * std::min(per_chunk, ceil_div(L, NR));
        tb.slab = kTapSlabChannels;
    } else if ((reads >= kTapChunkReads && item_bytes > kTapInputBytes) ||
               double(B) * item_bytes > kTapMemoryBytes) {
        const auto per_chunk = int64_t(kTapChunkBytes / (double(C) * double(NR) * double(elem)));
        if (per_chunk >= 2) tb.width = NR * std::min(per_chunk, ceil_div(L, NR));
    }
    tb.blocks_per_item = ceil_div(L, tb.width);
    tb.count = B * tb.blocks_per_item;
    // Blocks w apart start w*width inputs apart; their outputs are disjoint
    // when (w - 1)*width*S >= F - S.
    if (F > S) tb.waves = std::min(tb.blocks_per_item, 1 + ceil_div(ceil_div(F - S, S), tb.width));
    const int64_t run = std::min(kTapRunBlocks, ceil_div(B * tb.blocks_per_item, kTapRunTasks));
    if (filter_blocks == 1 && run >= 2 * tb.waves) tb.run = run;
    return tb;
}

// The blocks [first, end) of one item that a task runs one after another.
struct TapGroup {
    int64_t first, end;
};

// Passes run one after another, each one's groups in parallel. Waves
// (run == 1): pass w's groups are the single blocks w, w + waves, ... of
// every item. Runs: pass 0's groups are the runs, pass 1's the blocks left
// between them (at least waves apart too, as run >= 2*waves - 2).
inline int64_t tap_passes(const TapBlocks& tb) {
    return tb.run > 1 ? std::min<int64_t>(tb.waves, 2) : tb.waves;
}

inline int64_t tap_groups(const TapBlocks& tb, int64_t pass, int64_t B) {
    if (tb.blocks_per_item == 1) return tb.count;
    if (tb.run == 1) return B * ceil_div(tb.blocks_per_item - pass, tb.waves);
    return B * ceil_div(tb.blocks_per_item, tb.run);
}

inline TapGroup tap_group(const TapBlocks& tb, int64_t pass, int64_t index) {
    const int64_t per_item = tb.blocks_per_item;
    if (per_item == 1) return {index, index + 1};
    if (tb.run == 1) {
        const int64_t in_wave = ceil_div(per_item - pass, tb.waves);
        const int64_t blk = (index / in_wave) * per_item + pass + (index % in_wave) * tb.waves;
        return {blk, blk + 1};
    }
    const int64_t runs = ceil_div(per_item, tb.run), item = index / runs * per_item;
    const int64_t lo = index % runs * tb.run, hi = std::min(per_item, lo + tb.run);
    const int64_t cut = hi == per_item ? hi : hi - (tb.waves - 1);
    return pass == 0 ? TapGroup{item + lo, item + cut} : TapGroup{item + cut, item + hi};
}

// How the rows (f, k) reach the GEMM. Packed: row blocks of MR consecutive
// rows f*K + k across filters (no row wasted when K < MR), all packed;
// where they all fit in half a tile (F*K <= MR/2: one output channel with
// few taps), one block on the wide tile (MR/2 rows by 2*NR columns), which
// would otherwise leave half of every tile idle. In place (K >= MR):
// weights in the layer's own contiguous layout are rows already (row (f, k)
// at (f*K + k)*C), read as they are in blocks (f, kb) of MR filters of one
// tap; only a last block that K does not fill is packed, per tap,
// zero-padded. Packing costs about what using a weight costs when the input
// has few columns, so in place wins there; and blocks of one tap let tasks
// split the filters, which never share an output row. The mode depends on
// the shape alone (weights in another layout are first copied into the
// layer's), so the strategy and the result never depend on how the weights
// lie in memory.
struct TapRows {
    bool in_place = false;
    bool wide = false;
    int64_t height = 0, width = 0;  // the tile: rows (MR, or MR/2 when wide) and columns (NR, or 2*NR)
    int64_t blocks = 0;             // row blocks per column block: ceil(F*K / height), or F * ceil(K / MR)
    int64_t packed = 0;             // elements of packed rows
    int64_t copy = 0;  // elements reserved for a copy of weights in another layout (in place only)
};

inline TapRows tap_rows(int64_t F, int64_t K, int64_t C, int64_t MR, int64_t NR) {
    TapRows rows;
    rows.in_place = K >= MR;
    rows.wide = !rows.in_place && 2 * F * K <= MR;
    rows.height = rows.wide ? MR / 2 : MR;
    rows.width = rows.wide ? 2 * NR : NR;
    rows.blocks = rows.in_place ? F * ceil_div(K, MR) : ceil_div(F * K, rows.height);
    rows.packed = rows.in_place ? (K % MR != 0 ? F * MR * C : 0) : rows.blocks * rows.height * C;
    rows.copy = rows.in_place ? F * K * C : 0;
    return rows;
}

// Whether chunks are read slab by slab (TapBlocks::slab): rows packed in at
// most kTapSlabRowBlocks row blocks. From the shape alone, whatever the
// input's strides (tap_slab_copied), so that every layout of an input runs
// the same blocks and sums as its contiguous copy (R8.5).
inline bool tap_slabs(const TapRows& rows) { return !rows.in_place && rows.blocks <= kTapSlabRowBlocks; }

// Whether a chunk's slabs are copied before the panels read them (see
// kTapSlabCopyBlocks): two row blocks or more, rows a multiple of
// kSetPeriodBytes apart.
inline bool tap_slab_copies(const TapBlocks& tb, const TapRows& rows, int64_t channel_stride,
                            std::size_t elem) {
    const int64_t stride_bytes = channel_stride * int64_t(elem);
    return tb.slab > 0 && rows.blocks >= 2 && stride_bytes % kSetPeriodBytes == 0;
}

// Whether a run copies its chunk's slabs: where tap_slab_copies holds, and
// always over an input whose positions are not contiguous (stepped,
// reversed, channels-last), which the panels cannot read in place. The copy
// gathers them, so such an input runs the same operations on the same
// values in the same order as its contiguous copy, and gives its bits
// (packed into chunks instead, it summed the channels in another order).
template <class T>
bool tap_slab_copied(const TapBlocks& tb, const TapRows& rows, const DataView<const T>& x) {
    return tb.slab > 0 && (x.length_stride != 1 || tap_slab_copies(tb, rows, x.channel_stride, sizeof(T)));
}

// What the slab copies cost, in the estimates' cycles: kTapSlabCopyCycles per
// 4 bytes of input where tap_slab_copies holds (two to four row blocks), with
// the 512-bit body. (With the 256-bit body the tap-wise estimate charges no
// copy; the correlated rows' estimate beyond 8 MB was refitted with the
// copies in place there: kRowsNarrowMemoryFit, cpu/forward_rows.hpp.) The
// caller passes the channel stride of the layer's own layout (L), so that
// the charge depends on the shape alone (R8.5). Uncharged, the copies (a
// third of the CPU time of (1, 256, 1, 16, 1, 16384, same) float32 at two
// threads, where the panels took a quarter) left the tap-wise strategy chosen
// where the correlated rows ran 1.9 times as fast, at 0.93-0.98 of PyTorch's
// speed (a Zen 4 core, 2026-12-07). Fitted on the one-output-channel draws of
// sweep seeds 2100-2199 whose slabs are copied (F = 16 at positions a
// multiple of 1024 float32 or 512 float64 apart; 70 float32, 84 float64),
// tap-wise, correlated rows and per-item forced in turn at one and two
// threads, alternated call by call in one process: the summed log(chosen /
// fastest of the three) went 4.61 -> 2.11 (one thread) and 7.99 -> 3.63 (two)
// in float32, 10.27 -> 1.82 and 12.93 -> 1.48 in float64 (0.5: 2.66, 5.71,
// 4.58, 6.33; 1.0: 3.54, 3.46, 3.32, 2.81). Held out (seeds 2200-2299, 32 MB
// of caches dirtied between calls, 21 rounds), the 93 draws whose choice it
// changed (each from tap-wise to the correlated rows) ran 1.22 times as fast
// at one thread and 1.26 at two (geometric means; float32 0.96-1.58 and
// 0.96-1.98, float64 0.77-1.90 and 0.93-2.55). Only one output channel was
// measured; with two to seven the copies are charged alike, where the
// correlated rows do not run.
constexpr double kTapSlabCopyCycles = 0.75;

template <class T>
double tap_slab_copy_cycles(const MicroKernels<T>& mk, const TapBlocks& tb, const TapRows& rows,
                            int64_t channel_stride, double input_elements) {
    if (!wide_vectors(mk) || !tap_slab_copies(tb, rows, channel_stride, sizeof(T))) return 0.0;
    return kTapSlabCopyCycles * double(sizeof(T)) / 4.0 * input_elements;
}

// The elements between a copy's rows: room for `blocks` column blocks,
// rounded up to an odd number of 64-byte lines. A group's columns span at
// most that: a block read from before its start (by skip_of) is the row's
// last, which moves the group's start only where it is the group's only
// block, and else ends the group at the row's end.
inline int64_t tap_copy_pitch(int64_t blocks, const TapRows& rows, std::size_t elem) {
    const auto line = int64_t(64 / elem);
    const int64_t lines = ceil_div(blocks * rows.width, line);
    return (lines % 2 == 0 ? lines + 1 : lines) * line;
}

// A slab's copy: kTapSlabChannels rows of kTapSlabCopyBlocks column blocks.
inline int64_t tap_slab_copy_elements(const TapRows& rows, std::size_t elem) {
    return kTapSlabChannels * tap_copy_pitch(kTapSlabCopyBlocks, rows, elem);
}

// Over an input whose positions are not contiguous, the column blocks whose
// columns of every channel are gathered at once into a slab copy's room
// (the most, up to kTapSlabCopyBlocks, that fit; 0 where one does not, and
// each slab's columns are gathered instead): the reads then go through
// each position's channels together (channels-last: one run), where a
// slab's 32 channels at a time took a line per read. Float32
// channels-last, one thread, alternated: (1, 256, 1, 16, 1, 16384, same)
// 5.6-6.0 ms slab by slab, 3.6-4.3 at once, both element by element
// (2.7-3.2 by the transposes of copy_strided_rows).
inline int64_t tap_gather_blocks(const TapRows& rows, int64_t C, std::size_t elem) {
    const int64_t room = tap_slab_copy_elements(rows, elem);
    for (int64_t b = std::min<int64_t>(kTapSlabCopyBlocks, room / std::max<int64_t>(1, C * rows.width));
         b > 0; --b)
        if (C * tap_copy_pitch(b, rows, elem) <= room) return b;
    return 0;
}

// Weights as row panels: a[(rb*C + c)*H + r] = W[f, k, c] for row
// rb*H + r = f*K + k (zero past F*K; H the tile's height); in place, only
// each tap's last partial block: a[(f*C + c)*MR + r] = W[f, (K/MR)*MR + r, c]
// (zero past K).
template <class T>
void pack_tap_rows(const MicroKernels<T>& mk, const WeightsView<const T>& w, const TapRows& rows, T* a,
                   int nt) {
    const int64_t MR = mk.mr, H = rows.height, F = w.filter_size, K = w.num_filters, C = w.channels;
    if (rows.in_place) {
        if (rows.packed == 0) return;
        const int64_t k0 = (K / MR) * MR;
        for (int64_t f = 0; f < F; ++f) {
            const T* in[kMaxMR];
            for (int64_t r = 0; r < K - k0; ++r) in[r] = &w.at(f, k0 + r, 0);
            interleave_rows(mk, in, K - k0, w.channel_stride, MR, C, a + f * C * MR);
        }
        return;
    }
    detail::parallel_for(nt, rows.blocks, [&](int64_t rb) {
        const T* in[kMaxMR];
        const int64_t n = std::min(H, F * K - rb * H);
        for (int64_t r = 0; r < n; ++r) in[r] = &w.at((rb * H + r) / K, (rb * H + r) % K, 0);
        interleave_rows(mk, in, n, w.channel_stride, H, C, a + rb * C * H);
    });
}

// Tasks of whole items, several at a time, instead of one column block:
// with rows in place and items longer than a block, a task of one column
// block reads all of its filter block's weights, so an input of n blocks
// reads the weights n times, from memory when they lie beyond L2 (a 3 MB
// layer, a line per few FMAs). A task of whole items runs one filter block
// after another and, for each, tap after tap over every column block of its
// items: each tap's MR rows are read once and kept in L1, the items' inputs
// (within kTapInputBytes, so that they stay in L2) are read again per tap,
// and the outputs of the filter block (MR rows) stay in cache across its
// taps. Items never share an output, filter blocks never share an output
// row, so the tasks (group of items, group of filter blocks) need no waves;
// every output receives its terms in the order of f, whatever the groups.
// Chosen from the shape alone: over an input whose positions are not
// contiguous, each task first copies its items into its thread's scratch
// (forward_taps_by_item), so every layout sums in the order of f, as its
// contiguous copy does (block by block, an output at a block's edge
// received its terms in another order). Weights within L2 gain
// nothing from it (a 160 KB layer over 64 positions: 10% slower than block
// by block).
//
// Items per task of whole items; 0 where tasks are column blocks.
inline int64_t taps_items_per_task(const TapBlocks& tb, const TapRows& rows, int64_t B, int64_t F, int64_t K,
                                   int64_t C, int64_t L, std::size_t elem) {
    const double weight_bytes = double(F) * double(K) * double(C) * double(elem);
    const double item_bytes = double(C) * double(L) * double(elem);
    // Blocks of one tile's width only: chunks (beyond kTapMemoryBytes in
    // all) run block by block (run by item, a chunk was computed as one
    // tile: forced tap-wise, (132, 128, 256, 16, 1, 1000, 0) float32 gave
    // NaN).
    if (!rows.in_place || tb.blocks_per_item == 1 || tb.width > rows.width ||
        weight_bytes <= kBeyondL2Bytes || item_bytes > kTapInputBytes)
        return 0;
    return std::min<int64_t>(B, int64_t(kTapInputBytes / item_bytes));
}

// Filter blocks outermost. Blocks one after another, each running every
// filter block (rows in place), read all the weights once per column block:
// beyond L2, from memory each time (eight one-item blocks of a 21 MB float64
// layer: 170 MB of weights per call). Ordered filter block first, each
// thread's run of tasks keeps one filter block's rows in cache across the
// column blocks, and the inputs are what is read again, once per filter
// block: chosen where that re-reads fewer bytes. The tasks and the order in
// which each output receives its terms are the same either way. Blocks of
// several items are packed, and would be packed again per filter block
// (measured slower: 3.5 against 4.0 ms for three float32 blocks of 8 items x
// 512 channels x 16 positions, 3.1 against 3.6 for float64 latent inputs of
// two positions): those stay block first.
inline bool taps_filter_major(const TapBlocks& tb, const TapRows& rows, int64_t B, int64_t F, int64_t K,
                              int64_t C, int64_t L, int64_t MR, std::size_t elem) {
    const double weight_bytes = double(F) * double(K) * double(C) * double(elem);
    const double input_bytes = double(B) * double(C) * double(L) * double(elem);
    if (!rows.in_place || tb.items_per_block > 1 || weight_bytes <= kBeyondL2Bytes) return false;
    return input_bytes * double(ceil_div(K, MR) - 1) < weight_bytes * double(tb.count - 1);
}

// The elements of the whole input packed once (forward_taps' `whole`), or 0
// where its blocks are packed by the tasks: filter blocks first, and blocks
// packed rather than read in place (slabs are read in place).
inline int64_t taps_packed_input(const TapBlocks& tb, const TapRows& rows, int64_t B, int64_t F, int64_t K,
                                 int64_t C, int64_t L, int64_t MR, std::size_t elem) {
    if (tb.slab > 0 || !taps_filter_major(tb, rows, B, F, K, C, L, MR, elem)) return 0;
    return saturating_mul(saturating_mul(tb.count, C), tb.width);
}

// The scratch per thread: a task's items (tasks of whole items,
// taps_items_per_task: within kTapInputBytes), a packed chunk (C x width), or
// a chunk's tiles (rows.blocks x rows.height x width; width is then whole
// tiles) and room for a slab's copy (kTapSlabChannels rows of the pitch).
// Room for the copies is counted whether or not the run makes them (tasks of
// whole items over an input whose positions are not contiguous, slabs where
// tap_slab_copied holds), so that the bound, and whether the strategy fits,
// depend on the shape alone.
inline int64_t tap_scratch_per_thread(const TapBlocks& tb, const TapRows& rows, int64_t B, int64_t F,
                                      int64_t K, int64_t C, int64_t L, std::size_t elem) {
    const int64_t items = taps_items_per_task(tb, rows, B, F, K, C, L, elem);
    if (items > 0) return saturating_mul(saturating_mul(items, C), L);
    if (tb.slab == 0) return saturating_mul(C, tb.width);
    return saturating_add(saturating_mul(rows.blocks * rows.height, tb.width),
                          tap_slab_copy_elements(rows, elem));
}

// Whether tasks of whole items read x in place (its positions contiguous),
// needing no scratch.
template <class T>
bool tap_by_item_in_place(const TapBlocks& tb, const TapRows& rows, const DataView<const T>& x, int64_t F,
                          int64_t K) {
    return x.length_stride == 1 &&
           taps_items_per_task(tb, rows, x.batch(), F, K, x.channels, x.length, sizeof(T)) > 0;
}

// The first item, first position and column count of block `blk`; the
// block's columns are item n0 + col / L, position col % L (whole items) or
// item n0, position i0 + col.
struct TapBlock {
    int64_t n0, i0, cols;
};

inline TapBlock tap_block(const TapBlocks& tb, int64_t blk, int64_t B, int64_t L) {
    if (tb.blocks_per_item == 1) {
        const int64_t n0 = blk * tb.items_per_block;
        return {n0, 0, (std::min(B, n0 + tb.items_per_block) - n0) * L};
    }
    const int64_t i0 = (blk % tb.blocks_per_item) * tb.width;
    return {blk / tb.blocks_per_item, i0, std::min(tb.width, L - i0)};
}

// The block's items: item j of the block starts its columns at j * run
// (run = min(L, cols)); their offsets in x and y, computed once per block
// rather than per element (batch_offset divides).
struct TapItems {
    int64_t count = 0, run = 0;
    int64_t x[128], y[128];  // one per column at most: 2*nr <= 96 for every body
};

template <class T>
TapItems tap_items(const DataView<const T>& x, const DataView<T>& y, const TapBlock& blk, int64_t L) {
    TapItems items;
    items.run = std::min(L, blk.cols);
    items.count = ceil_div(blk.cols, items.run);
    for (int64_t j = 0; j < items.count; ++j) {
        // NOLINTNEXTLINE(clang-analyzer-security.ArrayBound): count <= cols <= 2*nr <= 128
        items.x[j] = x.batch_offset(blk.n0 + j) + blk.i0 * x.length_stride;
        items.y[j] = y.batch_offset(blk.n0 + j);
    }
    return items;
}

// b[c*NR + col] = x at column col of the block, zero up to whole vectors
// (NR: the block's width).
template <class T>
void pack_tap_block(const DataView<const T>& x, const TapBlock& blk, const TapItems& items, int64_t NR,
                    int64_t lanes, T* b) {
    const int64_t C = x.channels, run = items.run, padded = std::min(NR, round_up(blk.cols, lanes));
    if (run <= 8) {
        // A few positions per item (latent vectors): item by item, reading its
        // channels in memory order (a transposition into the block's
        // columns), rather than a copy call per few elements.
        for (int64_t j = 0; j < items.count; ++j) {
            const T* in = x.data + items.x[j];
            T* out = b + j * run;
            for (int64_t c = 0; c < C; ++c)
                for (int64_t e = 0; e < run; ++e)
                    out[c * NR + e] = in[c * x.channel_stride + e * x.length_stride];
        }
        for (int64_t c = 0; c < C; ++c) std::fill(b + c * NR + blk.cols, b + c * NR + padded, T(0));
        return;
    }
    for (int64_t c = 0; c < C; ++c) {
        T* row = b + c * NR;
        for (int64_t j = 0; j < items.count; ++j) {
            const T* in = x.data + items.x[j] + c * x.channel_stride;
            if (x.length_stride == 1)
                std::memcpy(row + j * run, in, std::size_t(run) * sizeof(T));
            else
                for (int64_t e = 0; e < run; ++e) row[j * run + e] = in[e * x.length_stride];
        }
        std::fill(row + blk.cols, row + padded, T(0));
    }
}

// Prefetches into L2 rows [c_lo, c_hi) of a block of one item's positions.
template <class T>
void prefetch_rows(const DataView<const T>& x, const TapBlock& blk, int64_t c_lo, int64_t c_hi) {
    if (x.length_stride != 1) return;
    const int64_t bytes = blk.cols * int64_t(sizeof(T));
    for (int64_t c = c_lo; c < c_hi; ++c) {
        const char* row =
            reinterpret_cast<const char*>(x.data + x.batch_offset(blk.n0) + c * x.channel_stride + blk.i0);
        for (int64_t at = 0; at < bytes; at += 64) __builtin_prefetch(row + at, 0, 2);
    }
}

// Whether any product of tap f over the block's positions lands in the
// kept window (direct::kept_inputs): with short inputs under a crop most
// taps' never do (one position, F = 4*S, "same": 1 tap in 4 is kept), and
// their rows are then not computed at all; a tile row with none adds
// nothing, so skipping it changes no result.
inline bool tap_lands(const Geometry& geo, int64_t f, const TapBlock& blk, int64_t run) {
    const direct::InputRange r = direct::kept_inputs(f, geo);
    return std::max(r.lo, blk.i0) < std::min(r.hi, blk.i0 + run);
}

// Whether any tap of rows [first, first + rows) (pairs f*K + k) lands.
inline bool rows_land(const Geometry& geo, int64_t first, int64_t rows, int64_t K, const TapBlock& blk,
                      int64_t run) {
    for (int64_t f = first / K; f <= (first + rows - 1) / K; ++f)
        if (tap_lands(geo, f, blk, run)) return true;
    return false;
}

// Where tile row fk = f*K + k lands in y: the offset of its first output in
// an item (item offsets apart) and the columns [e_lo, e_hi) of each item's
// run whose full position i*S + f lies in the kept window.
struct TapRowTarget {
    int64_t offset, e_lo, e_hi;
};

// The targets of consecutive tile rows fk = first, first + 1, ...: each
// pair's tap and filter by counting, and each tap's kept columns once (a
// tile of many rows over few columns, a latent vector's, spent more in the
// divisions of the pairs and windows than in adding its outputs).
template <class T>
class TapRowTargets {
public:
    TapRowTargets(int64_t first, int64_t K, const TapBlock& blk, int64_t run, const Geometry& geo,
                  const DataView<T>& y)
        : K_(K),
          i0_(blk.i0),
          run_(run),
          S_(geo.stride),
          l_(geo.crop_left),
          out_length_(geo.out_length),
          channel_stride_(y.channel_stride),
          length_stride_(y.length_stride),
          f_(first / K),
          k_(first % K) {
        window();
    }
    TapRowTarget next() {
        const TapRowTarget to{base_ + k_ * channel_stride_, e_lo_, e_hi_};
        if (++k_ == K_) {
            k_ = 0;
            ++f_;
            window();
        }
        return to;
    }

private:
    // Inputs i whose position i*S + f - l lies in [0, out_length).
    void window() {
        const int64_t S = S_, l = l_, f = f_;
        const int64_t i_lo = l > f ? ceil_div(l - f, S) : 0;
        const int64_t i_hi = l + out_length_ > f ? ceil_div(l + out_length_ - f, S) : 0;
        e_lo_ = std::clamp<int64_t>(i_lo - i0_, 0, run_);
        e_hi_ = std::clamp<int64_t>(i_hi - i0_, e_lo_, run_);
        base_ = ((i0_ + e_lo_) * S + f - l) * length_stride_;
    }
    int64_t K_, i0_, run_, S_, l_, out_length_, channel_stride_, length_stride_;
    int64_t f_, k_, e_lo_ = 0, e_hi_ = 0, base_ = 0;
};

// Adds columns [e_lo, e_hi) of one item's run of a tile row into y at out
// (the row's first kept output), S outputs apart.
template <class T>
void add_tap_run(const T* item, int64_t e_lo, int64_t e_hi, int64_t step, T* out) {
    if (step == 1) {  // stride 1 into contiguous rows: a loop the compiler vectorizes
        for (int64_t e = e_lo; e < e_hi; ++e) out[e - e_lo] += item[e];
        return;
    }
    for (int64_t e = e_lo; e < e_hi; ++e, out += step) *out += item[e];
}

// Adds `rows` rows of a tile (row r = pair f*K + k = first + r) into y at
// the block's columns: the full position i*S + f of input i, where it lies
// in the kept window.
template <class T>
void add_tap_tile(const T* tile, int64_t NR, int64_t first, int64_t rows, int64_t K, const TapBlock& blk,
                  const TapItems& items, const Geometry& geo, const DataView<T>& y) {
    const int64_t run = items.run, step = geo.stride * y.length_stride;
    TapRowTargets<T> targets(first, K, blk, run, geo, y);
    for (int64_t r = 0; r < rows; ++r) {
        const TapRowTarget to = targets.next();
        if (to.e_hi <= to.e_lo) continue;
        for (int64_t j = 0; j < items.count; ++j)
            add_tap_run(tile + r * NR + j * run, to.e_lo, to.e_hi, step, y.data + items.y[j] + to.offset);
    }
}

// Blocks of several whole items (short inputs): the tiles of up to
// kTapItemTiles row blocks are computed first, then added into y item by
// item. Added tile by tile, each row's outputs lie one per item, a whole
// item's outputs apart (K * out_length elements: 4 KB for 256 filters of 4
// float32 outputs, which puts the block's items in the same L1 sets), and
// every add missed L1: (256, 32, 256, 4, 4, 1, same) float32 spent 63% of
// its time in the adds. Item by item, an item's outputs of the tiles' rows
// are a few lines, used and left. Measured, one thread, tap-wise forced:
// that shape 1.72 -> 1.29 ms (float64 1.86 -> 1.53), (64, 32, 128, 4, 4, 2)
// 0.233 -> 0.158. Each output receives its terms in the same order (the
// tiles' row blocks in order), so the result is the same.
constexpr int64_t kTapItemTiles = 4;

template <class T>
struct TapItemTiles {
    static constexpr int64_t kTile = 1024;  // >= mr * nr (<= 8 * 48 for every body, the wide tile the same)
    T tiles[kTapItemTiles * kTile];
    int64_t first[kTapItemTiles], rows[kTapItemTiles];
    int64_t count = 0;
    T* next() { return tiles + count * kTile; }
};

template <class T>
void add_tap_tiles_by_item(TapItemTiles<T>& held, int64_t NR, int64_t K, const TapBlock& blk,
                           const TapItems& items, const Geometry& geo, const DataView<T>& y) {
    const int64_t run = items.run, step = geo.stride * y.length_stride;
    TapRowTarget to[kTapItemTiles * kMaxMR];
    int64_t n = 0;
    for (int64_t t = 0; t < held.count; ++t) {
        TapRowTargets<T> targets(held.first[t], K, blk, run, geo, y);
        for (int64_t r = 0; r < held.rows[t]; ++r) to[n++] = targets.next();
    }
    for (int64_t j = 0; j < items.count; ++j) {
        T* item = y.data + items.y[j];
        n = 0;
        for (int64_t t = 0; t < held.count; ++t)
            for (int64_t r = 0; r < held.rows[t]; ++r, ++n)
                if (to[n].e_hi > to[n].e_lo)
                    add_tap_run(held.tiles + t * held.kTile + r * NR + j * run, to[n].e_lo, to[n].e_hi, step,
                                item + to[n].offset);
    }
    held.count = 0;
}

// One column block's tile of the filter block kb (MR filters from kb*MR) at
// tap f, rows in place: straight from the weights, or from the packed rows
// of a last partial filter block.
template <class T>
void tap_tile(const MicroKernels<T>& mk, const WeightsView<const T>& w, const T* a, int64_t f, int64_t kb,
              int64_t cols, const T* b, int64_t ld, T* tile) {
    const int64_t MR = mk.mr, C = w.channels, zero = 0;
    if (std::min(MR, w.num_filters - kb * MR) == MR) {  // their sum added to a zero tile
        std::fill(tile, tile + MR * mk.nr, T(0));
        rows_by_columns_for(mk, cols)(&w.at(f, kb * MR, 0), C, b, ld, C, tile);
    } else {
        panel_for(mk, cols)(a + f * C * MR, MR, b, &zero, 1, C, ld, tile, false);
    }
}

// One output channel (K = 1) whose taps land on outputs of their own (F <=
// S) into contiguous outputs: a column block's tap rows are then the phases
// of one run of outputs, [t0, t0 + S*cols) with t0 = i0*S - l. Where more
// than half of them hold taps and the run lies wholly in the kept window,
// it is written in one pass, each output once, by the body's interleave_add
// with the bias (the -0 slot for the phases without taps, which hold the
// bias alone), instead of each tap's row added S apart into the outputs the
// bias pass set: the same sum, the bias and one product, in one addition.
// Float32 (4, 16, 1, 4, 4, 16384, same) 0.49 -> 0.385 ms, float64 (1, 64, 1,
// 8, 8, 4096, 0) 0.27 -> 0.24, (8, 32, 1, 2, 2, 4096, 0) 0.41 -> 0.38 (one
// thread, Zen 3, alternated in one process); the other paths of the
// tap-wise strategy add tiles as they are made and keep the adds.
template <class T>
bool tap_phase_runs(const MicroKernels<T>& mk, const Geometry& geo, const DataView<T>& y) {
    const int64_t F = geo.filter_size, S = geo.stride;
    return y.channels == 1 && S >= 2 && F <= S && 2 * F > S && S <= kInterleaveMax && y.length_stride == 1 &&
           mk.interleave_add != nullptr;
}

// Writes the run of one item's block (tap f's columns at tap_row[f], f < F)
// where tap_phase_runs holds and the run lies in the kept window; false,
// with nothing written, elsewhere (the rows are then added as usual).
template <class T>
bool write_tap_phase_run(const MicroKernels<T>& mk, const T* const* tap_row, const TapBlock& sub,
                         const TapItems& items, const Geometry& geo, T bias, const DataView<T>& y) {
    const int64_t S = geo.stride, t0 = sub.i0 * S - geo.crop_left, n = S * sub.cols;
    if (items.count != 1 || t0 < 0 || t0 + n > geo.out_length) return false;
    // The -0 slot: interleave_add reads a block's columns (at most the wide tile's 2*nr <= 96).
    alignas(64) static const std::array<T, 128> zeros = [] {
        std::array<T, 128> z{};
        z.fill(T(-0.0));
        return z;
    }();
    const T* src[kInterleaveMax];
    for (int64_t f = 0; f < S; ++f) src[f] = f < geo.filter_size ? tap_row[f] : zeros.data();
    mk.interleave_add(src, S, n, bias, y.data + items.y[0] + t0);
    return true;
}

// One chunk read slab by slab (TapBlocks::slab; rows in up to
// kTapSlabRowBlocks blocks), in place or, with `copy` (tap_slab_copied),
// from a copy: each slab's products accumulate into the chunk's tiles (z:
// row block rb's tile of the chunk's NR-column block j at
// (rb*nsub + j)*H*NR), which are then added into y. A last NR-column block
// whose whole vectors would run past the row is read as the whole vectors
// that end with the row: the tile's first columns (the previous block's
// last inputs) are computed and left out. Every tile receives its slabs in
// the order of the channels, read in place or copied alike.
template <class T>
void forward_tap_slabs(const MicroKernels<T>& mk, const DataView<const T>& x, const TapRows& rows, const T* a,
                       const BiasView<const T>& bias, const Geometry& geo, const DataView<T>& y,
                       const TapBlock& block, int64_t slab, T* z, T* copy) {
    const int64_t NR = rows.width, H = rows.height, C = x.channels, K = y.channels, L = geo.length;
    const int64_t FK = geo.filter_size * K, nsub = ceil_div(block.cols, NR), zero = 0;
    const T* item = x.data + x.batch_offset(block.n0);
    const auto n_rows = [&](int64_t rb) { return std::min(H, FK - rb * H); };
    const auto tile = [&](int64_t rb, int64_t s0) { return z + (rb * nsub + s0 / NR) * H * NR; };
    const auto sub_block = [&](int64_t s0) {
        return TapBlock{block.n0, block.i0 + s0, std::min(NR, block.cols - s0)};
    };
    const auto skip_of = [&](const TapBlock& sub) {  // i0 >= NR > skip: the shifted block stays in the row
        return std::max<int64_t>(0, sub.i0 + round_up(sub.cols, mk.lanes) - L);
    };
    // The columns [lo, hi) that the panels of the column blocks [g0, g1)
    // read: from the first block's start to the last block's end (at most
    // the row's end).
    const auto span = [&](int64_t g0, int64_t g1) {
        const TapBlock first = sub_block(g0), last = sub_block((g1 - 1) / NR * NR);
        return std::pair<int64_t, int64_t>{first.i0 - skip_of(first),
                                           last.i0 + round_up(last.cols, mk.lanes) - skip_of(last)};
    };
    // The panels of the slab of `cnt` channels from c0 over the column
    // blocks [g0, g1), their inputs at `rows_of` + (position - lo), rows ld
    // apart. Row blocks innermost: a slab's NR columns, read from L2, serve
    // them all from L1.
    const auto slab_panels = [&](int64_t c0, int64_t cnt, int64_t g0, int64_t g1, const T* rows_of,
                                 int64_t lo, int64_t ld) {
        for (int64_t s0 = g0; s0 < g1; s0 += NR) {
            const TapBlock sub = sub_block(s0);
            const int64_t skip = skip_of(sub);
            const auto panel =
                rows.wide ? panel_wide_for(mk, sub.cols + skip) : panel_for(mk, sub.cols + skip);
            for (int64_t rb = 0; rb < rows.blocks; ++rb) {
                if (!rows_land(geo, rb * H, n_rows(rb), K, sub, sub.cols)) continue;
                panel(a + (rb * C + c0) * H, H, rows_of + (sub.i0 - skip - lo), &zero, 1, cnt, ld,
                      tile(rb, s0), c0 > 0);
            }
        }
    };
    const int64_t blocks = tap_gather_blocks(rows, C, sizeof(T));
    if (copy == nullptr) {
        for (int64_t c0 = 0; c0 < C; c0 += slab)
            slab_panels(c0, std::min(slab, C - c0), 0, block.cols, item + c0 * x.channel_stride, 0,
                        x.channel_stride);
    } else if (x.length_stride != 1 && blocks > 0) {
        // Positions not contiguous: a group's columns of every channel
        // gathered at once (tap_gather_blocks), then its slabs in order.
        const int64_t pitch = tap_copy_pitch(blocks, rows, sizeof(T));
        for (int64_t g0 = 0; g0 < block.cols; g0 += blocks * NR) {
            const int64_t g1 = std::min(block.cols, g0 + blocks * NR);
            const auto [lo, hi] = span(g0, g1);
            copy_strided_rows(mk, item, x.channel_stride, x.length_stride, C, lo, hi, copy, pitch);
            for (int64_t c0 = 0; c0 < C; c0 += slab)
                slab_panels(c0, std::min(slab, C - c0), g0, g1, copy + c0 * pitch, lo, pitch);
        }
    } else {
        // Each slab's rows copied, kTapSlabCopyBlocks column blocks at a time.
        const int64_t group = kTapSlabCopyBlocks * NR,
                      pitch = tap_copy_pitch(kTapSlabCopyBlocks, rows, sizeof(T));
        for (int64_t c0 = 0; c0 < C; c0 += slab) {
            const int64_t cnt = std::min(slab, C - c0);
            const T* rows_in_place = item + c0 * x.channel_stride;
            for (int64_t g0 = 0; g0 < block.cols; g0 += group) {
                const int64_t g1 = std::min(block.cols, g0 + group);
                const auto [lo, hi] = span(g0, g1);
                if (x.length_stride == 1)
                    for (int64_t c = 0; c < cnt; ++c)
                        std::copy(rows_in_place + c * x.channel_stride + lo,
                                  rows_in_place + c * x.channel_stride + hi, copy + c * pitch);
                else
                    copy_strided_rows(mk, rows_in_place, x.channel_stride, x.length_stride, cnt, lo, hi, copy,
                                      pitch);
                slab_panels(c0, cnt, g0, g1, copy, lo, pitch);
            }
        }
    }
    const bool phase_runs = tap_phase_runs(mk, geo, y);
    for (int64_t s0 = 0; s0 < block.cols; s0 += NR) {
        const TapBlock sub = sub_block(s0);
        const TapItems items = tap_items(x, y, sub, L);
        if (phase_runs) {
            const T* tap_row[kInterleaveMax];
            for (int64_t f = 0; f < geo.filter_size; ++f)
                tap_row[f] = tile(f / H, s0) + (f % H) * NR + skip_of(sub);
            if (write_tap_phase_run(mk, tap_row, sub, items, geo, bias.data ? bias.at(0) : T(0), y)) continue;
        }
        for (int64_t rb = 0; rb < rows.blocks; ++rb)
            if (rows_land(geo, rb * H, n_rows(rb), K, sub, sub.cols))
                add_tap_tile(tile(rb, s0) + skip_of(sub), NR, rb * H, n_rows(rb), K, sub, items, geo, y);
    }
}

// Tasks of whole items (taps_items_per_task): every block read in place,
// from x where its positions are contiguous, else from a copy of the task's
// items in its thread's slice of `scratch` (items_per_task x C x L
// elements; the same values, read in the same order). An item's last
// block, whose whole vectors would run past the row, is read as the whole
// vectors that end with the row: the tile's first columns (the previous
// block's last inputs) are computed and left out.
template <class T>
void forward_taps_by_item(const MicroKernels<T>& mk, const DataView<const T>& x,
                          const WeightsView<const T>& w, const T* a, const Geometry& geo,
                          const DataView<T>& y, const TapBlocks& tb, int64_t items_per_task, int threads,
                          T* scratch) {
    const int64_t MR = mk.mr, NR = mk.nr, B = x.batch(), C = x.channels, K = y.channels, L = geo.length;
    const int64_t F = geo.filter_size, nkb = ceil_div(K, MR), per_item = tb.blocks_per_item;
    // Filter blocks in as many groups as it takes to give every thread a task.
    const int64_t item_tasks = ceil_div(B, items_per_task);
    const int64_t groups = std::min<int64_t>(nkb, ceil_div(threads, item_tasks)), tasks = item_tasks * groups;
    detail::parallel_for(int(std::min<int64_t>(threads, tasks)), tasks, [&](int64_t task) {
        const int64_t n_lo = task / groups * items_per_task, n_hi = std::min(B, n_lo + items_per_task);
        const int64_t kb_lo = nkb * (task % groups) / groups, kb_hi = nkb * (task % groups + 1) / groups;
        T tile[16 * 64];  // mr * nr <= 8 * 48 for every body
        // Item n's rows: in x, or in the copy (rows L apart).
        const T* copy = nullptr;
        if (x.length_stride != 1) {
            T* items = scratch + int64_t(detail::thread_index()) * items_per_task * C * L;
            for (int64_t n = n_lo; n < n_hi; ++n)
                copy_strided_rows(mk, x.data + x.batch_offset(n), x.channel_stride, x.length_stride, C, 0, L,
                                  items + (n - n_lo) * C * L, L);
            copy = items;
        }
        const int64_t ld = copy != nullptr ? L : x.channel_stride;
        const auto item_rows = [&](int64_t n) {
            return copy != nullptr ? copy + (n - n_lo) * C * L : x.data + x.batch_offset(n);
        };
        for (int64_t kb = kb_lo; kb < kb_hi; ++kb)
            for (int64_t f = 0; f < F; ++f)
                for (int64_t n = n_lo; n < n_hi; ++n)
                    for (int64_t j = 0; j < per_item; ++j) {
                        const TapBlock block = tap_block(tb, n * per_item + j, B, L);
                        if (!tap_lands(geo, f, block, std::min(L, block.cols))) continue;
                        // i0 >= NR > skip: the shifted block stays within the row.
                        const int64_t skip =
                            std::max<int64_t>(0, block.i0 + round_up(block.cols, mk.lanes) - L);
                        const T* b = item_rows(n) + block.i0 - skip;
                        tap_tile(mk, w, a, f, kb, block.cols + skip, b, ld, tile);
                        add_tap_tile(tile + skip, NR, f * K + kb * MR, std::min(MR, K - kb * MR), K, block,
                                     tap_items(x, y, block, L), geo, y);
                    }
    });
}

// The strategy: y = bias, then every pass's groups of blocks (tap_group)
// in parallel (with rows in place, each block's filter blocks too). `a`
// holds the packed rows (pack_tap_rows); a task runs its group's blocks in
// order, packing each (unless read in place) into its thread's slice of
// `scratch` (tap_scratch_per_thread elements) and running its NR-column blocks (NR: the
// tile's width) one after another. Every output receives its terms in an
// order set by the shape alone (the passes, the blocks of a group, then f),
// so the result does not depend on the threads.
//
// With filter blocks first (taps_filter_major), a thread's consecutive tasks
// are one filter block's input blocks, each packed again for every filter
// block; where `whole` is given (taps_packed_input elements), every block
// is packed into it once, up front, and read from there (a one-item float64
// vocoder stage of 16 MB of weights spent 8% of its pass repacking).
template <class T>
void forward_taps(const MicroKernels<T>& mk, const DataView<const T>& x, const WeightsView<const T>& w,
                  const TapRows& rows, const T* a, const BiasView<const T>& bias, const Geometry& geo,
                  const DataView<T>& y, const TapBlocks& tb, int threads, T* scratch, int nt, T* whole) {
    const int64_t MR = mk.mr, NR = rows.width, H = rows.height, B = x.batch(), C = x.channels, K = y.channels,
                  L = geo.length;
    const int64_t F = geo.filter_size, nkb = rows.in_place ? ceil_div(K, MR) : 1;
    // y = bias, its rows (n, k) in runs of kBiasRows, each run's item offset
    // found once and carried (batch_offset divides: with short outputs, 4
    // positions per row, (256, 32, 256, 4, 4, 1, same) float32 spent a fifth
    // of the pass dividing; 1.02 -> 0.86 ms at one thread).
    constexpr int64_t kBiasRows = 64;
    // Rows of at least this many outputs are set by the body's fill (whole
    // vectors, or string stores for long rows), shorter ones by this loop:
    // float32, one thread, tap-wise, alternated: (1, 128, 256, 6, 15, 16, 0)
    // (rows of 240) 0.077 -> 0.074 ms, while (64, 128, 128, 8, 8, 1, 0) (rows
    // of 8) ran 5% slower through the call.
    constexpr int64_t kFillCallMin = 64;
    const int64_t bias_rows = B * K;  // y's own rows: no overflow
    detail::parallel_for(nt, ceil_div(bias_rows, kBiasRows), [&](int64_t rb) {
        const int64_t r0 = rb * kBiasRows;
        int64_t n = r0 / K, k = r0 % K, item = y.batch_offset(n);
        for (int64_t r = r0; r < std::min(bias_rows, r0 + kBiasRows); ++r) {
            const T b = bias.data ? bias.at(k) : T(0);
            T* out = y.data + item + k * y.channel_stride;
            if (y.length_stride == 1 && geo.out_length >= kFillCallMin)
                mk.fill(out, geo.out_length, b);
            else
                for (int64_t t = 0; t < geo.out_length; ++t) out[t * y.length_stride] = b;
            if (++k == K && r + 1 < bias_rows) {
                k = 0;
                item = y.batch_offset(++n);
            }
        }
    });
    const int64_t zero = 0;
    const int64_t items_per_task = taps_items_per_task(tb, rows, B, F, K, C, L, sizeof(T));
    if (items_per_task > 0) {
        forward_taps_by_item(mk, x, w, a, geo, y, tb, items_per_task, threads, scratch);
        return;
    }
    // The input block each thread's scratch holds (a thread's consecutive
    // tasks are the filter blocks of one input block, packed once for them,
    // unless filter blocks come first).
    std::vector<int64_t> packed_block(std::size_t(std::max(threads, 1)), -1);
    const bool slab_copies = tap_slab_copied(tb, rows, x);
    const int64_t slab_scratch = tap_scratch_per_thread(tb, rows, B, F, K, C, L, sizeof(T));
    const bool filter_major = taps_filter_major(tb, rows, B, F, K, C, L, MR, sizeof(T));
    // A single block of one item's contiguous positions whose whole vectors
    // stay inside its rows is read in place (row stride: the channel stride;
    // the columns past the block are read and discarded); any other, chunks
    // included, is packed.
    const auto in_place = [&](const TapBlock& block) {
        return tb.width <= NR && x.length_stride == 1 && block.cols <= L &&
               block.i0 + round_up(block.cols, mk.lanes) <= L;
    };
    if (whole != nullptr) {
        detail::parallel_for(nt, tb.count, [&](int64_t blk) {
            const TapBlock block = tap_block(tb, blk, B, L);
            if (!in_place(block))
                pack_tap_block(x, block, tap_items(x, y, block, L), tb.width, mk.lanes,
                               whole + blk * C * tb.width);
        });
    }
    for (int64_t pass = 0; pass < tap_passes(tb); ++pass) {
        const int64_t groups = tap_groups(tb, pass, B), tasks = groups * nkb;
        std::fill(packed_block.begin(), packed_block.end(), -1);
        detail::parallel_for(int(std::min<int64_t>(threads, tasks)), tasks, [&](int64_t task) {
            const int64_t index = filter_major ? task % groups : task / nkb;
            const int64_t kb = filter_major ? task / groups : task % nkb;
            const TapGroup group = tap_group(tb, pass, index);
            for (int64_t blk = group.first; blk < group.end; ++blk) {
                const TapBlock block = tap_block(tb, blk, B, L);
                if (tb.slab > 0) {
                    T* z = scratch + int64_t(detail::thread_index()) * slab_scratch;
                    forward_tap_slabs(mk, x, rows, a, bias, geo, y, block, tb.slab, z,
                                      slab_copies ? z + rows.blocks * H * tb.width : nullptr);
                    continue;
                }
                const bool x_in_place = in_place(block);
                const T* b = x.data + x.batch_offset(block.n0) + block.i0;
                int64_t ld = x.channel_stride;
                if (!x_in_place && whole != nullptr) {
                    b = whole + blk * C * tb.width;
                    ld = tb.width;
                } else if (!x_in_place) {
                    const int thread = detail::thread_index();
                    T* packed = scratch + int64_t(thread) * C * tb.width;
                    if (packed_block[std::size_t(thread)] != blk) {
                        pack_tap_block(x, block, tap_items(x, y, block, L), tb.width, mk.lanes, packed);
                        packed_block[std::size_t(thread)] = blk;
                    }
                    b = packed;
                    ld = tb.width;
                }
                const int64_t k_rows = rows.in_place ? std::min(MR, K - kb * MR) : 0;
                // The thread's next chunk (the next in its group, else its next
                // task's when that is a new one), fetched into L2 a slice of rows
                // per column block while this one computes: its packing then
                // reads L2, not memory.
                const int64_t next_blk =
                    blk + 1 < group.end ? blk + 1
                    : group.end - group.first == 1 && index + 1 < groups && kb == nkb - 1 && !filter_major
                        ? tap_group(tb, pass, index + 1).first
                        : -1;
                const bool fetch_next =
                    whole == nullptr && tb.width > NR && next_blk >= 0 && next_blk < tb.count;
                const TapBlock next = fetch_next ? tap_block(tb, next_blk, B, L) : TapBlock{0, 0, 0};
                const int64_t nsub = ceil_div(block.cols, NR);
                // The block's NR-column blocks (one, unless a chunk), in order.
                for (int64_t s0 = 0; s0 < block.cols; s0 += NR) {
                    if (fetch_next) {
                        const int64_t s = s0 / NR, c_lo = C * s / nsub, c_hi = C * (s + 1) / nsub;
                        prefetch_rows(x, next, c_lo, c_hi);
                    }
                    const TapBlock sub =
                        tb.width <= NR ? block
                                       : TapBlock{block.n0, block.i0 + s0, std::min(NR, block.cols - s0)};
                    const TapItems items = tap_items(x, y, sub, L);
                    // Each tile is added into y as it is made, or, for blocks
                    // of several items, kTapItemTiles at a time item by item.
                    TapItemTiles<T> held;
                    const auto add = [&](int64_t first, int64_t n_rows) {
                        held.first[held.count] = first;
                        held.rows[held.count++] = n_rows;
                        if (items.count == 1) {
                            add_tap_tile(held.tiles, NR, first, n_rows, K, sub, items, geo, y);
                            held.count = 0;
                        } else if (held.count == kTapItemTiles) {
                            add_tap_tiles_by_item(held, NR, K, sub, items, geo, y);
                        }
                    };
                    if (!rows.in_place) {
                        const auto panel = rows.wide ? panel_wide_for(mk, sub.cols) : panel_for(mk, sub.cols);
                        for (int64_t rb = 0; rb < rows.blocks; ++rb) {
                            if (!rows_land(geo, rb * H, std::min(H, F * K - rb * H), K, sub, items.run))
                                continue;
                            panel(a + rb * C * H, H, b + s0, &zero, 1, C, ld, held.next(), false);
                            add(rb * H, std::min(H, F * K - rb * H));
                        }
                    } else {
                        for (int64_t f = 0; f < F; ++f) {
                            if (!tap_lands(geo, f, sub, items.run)) continue;
                            tap_tile(mk, w, a, f, kb, sub.cols, b + s0, ld, held.next());
                            add(f * K + kb * MR, k_rows);
                        }
                    }
                    if (held.count > 0) add_tap_tiles_by_item(held, NR, K, sub, items, geo, y);
                }
            }
        });
    }
}

}  // namespace tconv1d::cpu
