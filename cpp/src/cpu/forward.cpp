// Forward pass (R3.1) on the packed kernels: per phase a GEMM of the packed
// weight panels against slabs of the input; crop, bias and the bias-only
// positions applied when tiles are stored (overview: cpu/kernels.hpp).
#include "cpu/kernels.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "cpu/budget.hpp"
#include "cpu/cost.hpp"
#include "cpu/direct.hpp"
#include "cpu/forward_dots.hpp"
#include "cpu/forward_latent.hpp"
#include "cpu/forward_rows.hpp"
#include "cpu/forward_split.hpp"
#include "cpu/forward_taps.hpp"
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

// Outputs that no product reaches hold only the bias (zero without one): the
// positions of phases p >= F between the inputs' runs when S > F, and the
// extension of "same" past Lfull (R2.3). Written run by run, so the cost is
// the number of such outputs, whatever the stride; this one for the output
// positions [t_lo, t_hi) of one output row.
template <class T>
void fill_bias_only_row(T* out, int64_t stride, T b, const Geometry& geo, int64_t t_lo, int64_t t_hi) {
    const int64_t S = geo.stride, F = geo.filter_size, l = geo.crop_left;
    const int64_t jend = std::min(geo.full_length, l + geo.out_length);
    const auto fill = [&](int64_t t0, int64_t t1) {
        t0 = std::max(t0, t_lo);
        t1 = std::min(t1, t_hi);
        if (stride == 1)
            for (int64_t t = t0; t < t1; ++t) out[t] = b;
        else
            for (int64_t t = t0; t < t1; ++t) out[t * stride] = b;
    };
    // Gap after input q: full positions [q*S + F, (q+1)*S), for q < L - 1 (the
    // last one lies past Lfull), clipped to the kept window [l, jend); only
    // those that meet [t_lo, t_hi), the first and last clipped to it.
    if (S > F && jend - F > 0 && t_hi > t_lo) {
        const int64_t q_first = (l + t_lo) / S;
        const int64_t q_end =
            std::min({geo.length - 1, ceil_div(jend - F, S), l + t_hi > F ? ceil_div(l + t_hi - F, S) : 0});
        if (q_first < q_end) {
            fill(std::max(q_first * S + F, l) - l, std::min(q_first * S + S, jend) - l);
            // The gaps in between lie whole inside the window and [t_lo, t_hi).
            const int64_t gap = S - F;
            for (int64_t q = q_first + 1; q + 1 < q_end; ++q) {
                T* run = out + (q * S + F - l) * stride;
                if (stride == 1)
                    for (int64_t t = 0; t < gap; ++t) run[t] = b;
                else
                    for (int64_t t = 0; t < gap; ++t) run[t * stride] = b;
            }
            if (q_end - 1 > q_first)
                fill(std::max((q_end - 1) * S + F, l) - l, std::min(q_end * S, jend) - l);
        }
    }
    fill(jend - l, geo.out_length);  // the extension: [jend - l, out_length)
}

// Every bias-only output (the strategies that do not write them as they go).
template <class T>
void fill_bias_only(const BiasView<const T>& bias, const Geometry& geo, const DataView<T>& y, int nt) {
    const int64_t B = y.batch(), K = y.channels;
    detail::parallel_for_2d(nt, B, K, [&](int64_t n, int64_t k) {
        fill_bias_only_row(y.data + y.batch_offset(n) + k * y.channel_stride, y.length_stride,
                           bias.data ? bias.at(k) : T(0), geo, 0, geo.out_length);
    });
}

// Columns q of each phase p with taps that land in the output: the full
// positions j = q*S + p in [l, jend) (the rest lies between the inputs' taps
// or in the bias-only extension: fill_bias_only).
// Column block qb of phase p holds its columns from lo[p] + qb*W on, so
// that every block but a last is whole; or, with gaps between the inputs'
// runs (S > F: by_position), the columns [qmin + qb*W, qmin + (qb+1)*W)
// of every phase, so that block qb's outputs are exactly the positions
// [(qmin + qb*W)*S - l, (qmin + (qb+1)*W)*S - l), which it can write
// whole, bias included (store_tiles_runs). The split never changes a result:
// each output is reduced by one panel call either way.
// W (width) is the tile's NR or less: the longest phase's columns in as many
// blocks as NR-wide ones would take, of whole vectors as even as they come
// (64 float32 columns: 32 + 32 rather than 48 + 16, whose one-vector tile
// runs the kernel at about 2/3 of its rate, the loads outnumbering the FMAs).
struct PhaseColumns {
    std::vector<int64_t> lo, hi;
    int64_t qmin = 0, qspread = 0, nqb = 0;  // nqb: column blocks of the longest phase
    int64_t width = 0;                       // W: columns per block
    bool by_position = false;
    // Streams (phase_columns): `items` batch items per stream, item i's
    // columns of phase p at [i*period + lo[p], item_end(p, i)) of the
    // stream's (hi: the last item's end).
    int64_t items = 1, period = 0;
    int64_t item_end(int64_t p, int64_t i) const { return hi[std::size_t(p)] - (items - 1 - i) * period; }
    // Phase p's first column in column block qb.
    int64_t first(int64_t p, int64_t qb) const {
        const auto i = std::size_t(p);
        return by_position ? std::max(lo[i], qmin + qb * width) : lo[i] + qb * width;
    }
    // Phase p's columns in column block qb (0 where it has none).
    int64_t count(int64_t p, int64_t qb) const {
        const auto i = std::size_t(p);
        const int64_t end = by_position ? std::min(hi[i], qmin + (qb + 1) * width) : hi[i];
        return std::clamp<int64_t>(end - first(p, qb), 0, width);
    }
};

// The most columns (input positions) of any phase.
inline int64_t longest_phase(const PhaseColumns& pc) {
    int64_t most = 0;
    for (std::size_t p = 0; p < pc.lo.size(); ++p) most = std::max(most, pc.hi[p] - pc.lo[p]);
    return most;
}

inline PhaseColumns phase_columns(const Geometry& geo, int64_t NR, int64_t lanes, int64_t items = 1) {
    const int64_t S = geo.stride, Sp = phases_with_taps(geo.filter_size, S);
    const int64_t jend = std::min(geo.full_length, geo.crop_left + geo.out_length);
    PhaseColumns pc;
    pc.lo.resize(std::size_t(Sp));
    pc.hi.resize(std::size_t(Sp));
    for (int64_t p = 0; p < Sp; ++p) {
        const PhaseOutputs q = phase_outputs(p, S, geo.crop_left, jend);
        pc.lo[std::size_t(p)] = q.lo;
        pc.hi[std::size_t(p)] = q.hi;
    }
    pc.qmin = *std::min_element(pc.lo.begin(), pc.lo.end());
    pc.qspread = *std::max_element(pc.lo.begin(), pc.lo.end()) - pc.qmin;
    pc.by_position = S > geo.filter_size;
    if (items > 1) {  // stream_columns: hi <= L + P (hi <= L where F < S)
        pc.items = items;
        pc.period = geo.length + ceil_div(geo.filter_size, S) - 1;
        for (auto& h : pc.hi) h += (items - 1) * pc.period;
    }
    // Columns of the longest phase, or the span of all (by_position).
    const int64_t longest =
        pc.by_position ? *std::max_element(pc.hi.begin(), pc.hi.end()) - pc.qmin : longest_phase(pc);
    pc.nqb = ceil_div(longest, NR);
    // Whole vectors, at most NR: ceil(longest / width) is nqb again.
    pc.width = pc.nqb > 0 ? std::min(NR, round_up(ceil_div(longest, pc.nqb), lanes)) : NR;
    return pc;
}

// Stores a tile's rows (filters kb*MR + r) for output positions t0 + col*S of
// batch item n, with the bias added.
template <class T>
void store_tile(const T* tile, int64_t NR, int64_t kb, int64_t MR, int64_t K, const BiasView<const T>& bias,
                const DataView<T>& y, int64_t n, int64_t t0, int64_t S, int64_t cols) {
    const int64_t rows = std::min(MR, K - kb * MR);
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t k = kb * MR + r;
        const T b = bias.data ? bias.at(k) : T(0);
        T* out = y.data + y.batch_offset(n) + k * y.channel_stride;
        if (S == 1 && y.length_stride == 1)  // contiguous outputs: a loop that vectorizes
            for (int64_t col = 0; col < cols; ++col) out[t0 + col] = tile[r * NR + col] + b;
        else
            for (int64_t col = 0; col < cols; ++col)
                out[(t0 + col * S) * y.length_stride] = tile[r * NR + col] + b;
    }
}

// Stride 2 with contiguous outputs: the two phases' tiles of a column block
// fill alternate outputs of one run, so they are stored together, column by
// column (a loop that vectorizes; apart, each is a scalar store per output,
// 15-20% of a one-thread hifigan-up3 forward). `first` is the tile whose
// column 0 lands at t0, `second` the one landing at t0 + 1: the kept
// positions alternate between them from t0 on, so `first` has as many
// columns as `second` or one more.
template <class T>
void store_tile_pair(const T* first, int64_t first_cols, const T* second, int64_t second_cols, int64_t NR,
                     int64_t kb, int64_t MR, int64_t K, const BiasView<const T>& bias, const DataView<T>& y,
                     int64_t n, int64_t t0) {
    const int64_t rows = std::min(MR, K - kb * MR);
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t k = kb * MR + r;
        const T b = bias.data ? bias.at(k) : T(0);
        T* out = y.data + y.batch_offset(n) + k * y.channel_stride + t0;
        const T* a = first + r * NR;
        const T* c = second + r * NR;
        for (int64_t col = 0; col < second_cols; ++col) {
            out[2 * col] = a[col] + b;
            out[2 * col + 1] = c[col] + b;
        }
        if (first_cols > second_cols) out[2 * second_cols] = a[second_cols] + b;
    }
}

// The per-item strategy's weights read in place are charged as their chained
// calls only where a phase's columns fill at least this many bytes (see
// forward_pass's estimate).
constexpr int64_t kChainColumnBytes = 128;

// Strides 3 to this with every phase holding taps store their tiles together
// (store_tiles_interleaved); the stride-2 pair store is its own.
constexpr int64_t kGroupStoreMax = 10;
// With gaps between the inputs' runs, up to this many phases (taps) are
// stored together as runs (store_tiles_runs), their tiles and the -0 slot
// after them on the stack (17 tiles of 8 x 64 float64: 68 KB).
constexpr int64_t kRunStoreMax = 16;

// Strides 3 to kGroupStoreMax with every phase holding taps (F >= S) and
// contiguous outputs: the S phases' tiles of a column block fill the
// outputs of one run in turn, so they are stored together, column by column,
// a run of S outputs at a time (apart, each output is a scalar store S
// apart: a quarter of a one-item forward of 16 channels at stride 4; at
// strides 5 to 10, 7-19% of one-thread forwards of 16-256 channels). tiles[e] is
// the tile landing at t0 + e, cols[e] its columns; a tile whose first column
// lands later in the run has as many columns as the one before it, or one
// fewer, since the kept positions run on from t0 without a gap.
template <class T, int S>
void store_tiles_interleaved(const T* const* tiles, const int64_t* cols, int64_t NR, int64_t kb, int64_t MR,
                             int64_t K, const BiasView<const T>& bias, const DataView<T>& y, int64_t n,
                             int64_t t0) {
    const int64_t rows = std::min(MR, K - kb * MR), full = std::max<int64_t>(0, cols[S - 1]);
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t k = kb * MR + r;
        const T b = bias.data ? bias.at(k) : T(0);
        T* out = y.data + y.batch_offset(n) + k * y.channel_stride + t0;
        T v[S][64];  // nr <= 48 for every body
        for (int e = 0; e < S; ++e)
            for (int64_t col = 0; col < cols[e]; ++col) v[e][col] = tiles[e][r * NR + col] + b;
        for (int64_t col = 0; col < full; ++col)
            for (int e = 0; e < S; ++e) out[col * S + e] = v[e][col];
        // NOLINTNEXTLINE(clang-analyzer-security.ArrayBound): 0 <= full < cols[e] <= nr <= 64
        for (int e = 0; e < S && cols[e] > full; ++e) out[full * S + e] = v[e][full];
    }
}

// store_tiles_interleaved for a stride known at run time, 3 to kGroupStoreMax:
// each instantiation handles its own stride and hands any other to the next.
template <class T, int S = 3>
void store_tiles_interleaved_any(int64_t stride, const T* const* tiles, const int64_t* cols, int64_t NR,
                                 int64_t kb, int64_t MR, int64_t K, const BiasView<const T>& bias,
                                 const DataView<T>& y, int64_t n, int64_t t0) {
    if constexpr (S < kGroupStoreMax) {
        if (stride != S) {
            store_tiles_interleaved_any<T, S + 1>(stride, tiles, cols, NR, kb, MR, K, bias, y, n, t0);
            return;
        }
    }
    store_tiles_interleaved<T, S>(tiles, cols, NR, kb, MR, K, bias, y, n, t0);
}

// Whether a run's phases with taps (F < S) are interleaved by
// interleave_rows_add, over those phases alone: one two-source permute per
// output vector for one or two of them, two for three or four, where
// interleave_add takes ceil(S/2) permutes over every phase, the -0 slot
// standing in for those without taps (taken where that is more: S > 2 and
// S > 4). Float32 and float64, one thread, alternated in one process:
// with the choices of runs_by_permutes unchanged, 31 draws of the sweep's F
// < S layers with F = 1 or 2 (S = 3 to 7; 64 MB of caches dirtied between
// calls) 0.963 times the time (geometric mean; 0.87-1.03), (8, 256, 256,
// 2, 7, 64, 0) float32 0.95 both in cache and from memory; with F = 3 or
// 4, S = 5 to 16 (the choices as below), 40 draws 0.985 in cache and 0.989
// dirtied (0.88-1.05), 0.987 at two threads.
template <class T>
bool sparse_runs(const MicroKernels<T>& mk, int64_t S, int64_t phases) {
    return mk.interleave_rows_add != nullptr && S <= kInterleaveMax &&
           (phases <= 2 ? S > 2 : phases <= kSparseRows && S > 4);
}

// Where `phases` of every S outputs hold products, store_tiles_runs builds
// each run by permutes (every output written, the bias-only ones included)
// rather than storing the products over the bias (see there). "Permutes"
// here and below: interleave_add's shuffles, two-source permutes or, where
// those are fewer, register transposes (by_transposes; the 256-bit body's
// one-source permutes or transposes, counted by interleave_pays). The permutes of
// interleave_rows_add (sparse_runs) are counted as 2.5 shuffles per output
// vector, S per group of `lanes` columns: each comes with its add and its
// whole-vector store, where the other way a string store sets the bias and
// one store per product follows. Counted as one (S), float32 layers of F =
// 1, S = 13 to 15 and F = 2, S = 16, float64 of F = 2, S = 11 to 15 ran 2%
// to 10% slower built by permutes (caches dirtied); counted as 2.5, of 40 draws whose choice
// changed (F = 1, S = 3 to 6; F = 2, S = 6 to 12 float32, 3 to 6 float64;
// alternated in one process) the time went to 0.931 times (geometric mean;
// 0.71-1.02) at one thread and 0.933 (0.71-1.01) at two with the outputs in
// cache, 0.977 (0.83-1.27) at one thread with 64 MB of caches dirtied
// between calls (the losses: outputs under kCachedOutputBytes, taken to be
// in cache and so not set ahead, coming from memory). Two pairs of sources
// (F = 3 or 4) are counted as 4 per vector (a second permute and a blend):
// built by them at every S from 5 to 16, float64 layers of S = 11 to 16 ran
// up to 23% slower than with the products stored; counted as 4, or where
// interleave_add's count already chose the permutes, none beyond 5%.
template <class T>
bool runs_by_permutes(const MicroKernels<T>& mk, int64_t S, int64_t phases) {
    if (mk.interleave_add == nullptr || S > kInterleaveMax) return false;
    if (interleave_pays(mk, S, phases)) return true;
    const int64_t stores = int64_t(mk.lanes) * phases;
    // interleave_rows_add: 2.5 or 4 per output vector (one or two permutes).
    return sparse_runs(mk, S, phases) && (phases <= 2 ? 5 * S : 8 * S) < 2 * stores;
}

// The products stored over the bias one by one (store_tiles_runs), this
// many columns (32 bytes of them) per loop step, each store's address the
// group's first output and a fixed multiple of S: with one step per column,
// `perf` put most of the pass's stores' time on the increments after each
// store. On a Zen 3 core (one thread, alternated call by call in one
// process) float32 (8, 16, 128, 2, 5, 64, 0) 0.207 -> 0.190 ms, (1, 16, 64,
// 3, 6, 1024, 0) 0.265 -> 0.248, (16, 128, 128, 1, 14, 16, same) 0.217 ->
// 0.205, (8, 64, 64, 4, 8, 64, same) 3-4% less time, (4, 128, 128, 1, 8,
// 1024, 0) 2%; float64 (1, 16, 64, 3, 6, 1024, 0) 0.478 -> 0.411 ms, (8,
// 16, 128, 2, 5, 64, 0) 5% less (8 columns per step: 4% more); at two
// threads 2-10% less, with 32 MB of caches dirtied between calls 0-12%.
// The same sums: each is tile + bias.
template <class T>
constexpr int kStoreUnroll = int(32 / sizeof(T));

// One group: group[l*S] = tile[l] + b for l < kStoreUnroll, the sums first,
// written out as a fold (unrolled by every compiler, no pragma).
template <class T, int... L>
inline void store_group(const T* tile, T b, int64_t S, T* group, std::integer_sequence<int, L...> /*lanes*/) {
    const T sums[] = {(tile[L] + b)...};
    ((group[L * S] = sums[L]), ...);
}

// Gaps between the inputs' runs (S > F), contiguous outputs: column block qb
// owns the outputs [t0, t1) (PhaseColumns::by_position), so each row's run is
// written in one pass. Where the phases with taps fill more than half of
// every S outputs, the run is built from the phases' tiles and the -0 slot
// after them (phase `phases`), the bias added to every output: interleaved
// by permutes where the body has them (interleave_add; against the gather,
// one thread: F = 3, S = 4, 1 x 8 x 16384 inputs, half the time), or by
// the 256-bit body's register transposes (its one-source permutes up to
// permuted_max since, faster still: microkernel.hpp): against the products stored over
// the bias, on a Zen 3 core (float32, one thread, alternated call by call in
// one process) (16, 16, 64, 3, 5, 256, same) 1.16 -> 0.98 ms, (8, 64, 64, 4,
// 5, 256, 0) 1.20 -> 1.10, (4, 16, 16, 10, 11, 256, 0) 0.40 -> 0.33, F = 2
// at S = 3 level; over 102 draws of the sweep's families where S >= 5 or F
// < S (the group stores of F >= S too: interleave_pays), 0.987 times the
// time float32 and 0.988 float64 (geometric means), the worst (16, 16, 128,
// 9, 16, 256, 0) float64 (67 MB of outputs) 13% slower. A body without
// interleave_add stores the products over the bias as below: the hardware
// gather (AVX2) ran slower than plain loads on a Zen 3 core, and building
// the run by gathers, against the products stored S apart over the bias
// set ahead, took 10-25% more time (float32, one thread, alternated call by
// call in one process: (16, 16, 64, 3, 5, 256, same) 1.50 -> 1.12 ms, (4,
// 16, 64, 3, 5, 256, same) 0.37 -> 0.27, (4, 16, 16, 10, 11, 256, 0) 0.23
// -> 0.20; with 64 MB of caches dirtied between calls within 10% either
// way). (On the AVX-512 machines, the gathered runs' stores S apart had
// cost 2-5 times as much per output, S = 4 to 16; there the gather is left
// for runs the permutes do not cover.) Where they fill half or less, the caller sets the
// run to the bias beforehand (bias_ahead) and each product (plus the bias)
// is stored over it here: a vector gather per output cost more than that
// where most outputs are the bias alone (the gather's lanes take a cycle
// each on the AMD cores measured): F = 1, S = 7 to 14, 24-28% less time in
// the pass, F = 2 to 3, S = 4 to 6, 4-9% (one thread, alternated in one
// process), while F = 9 to 12, S = 12 to 15 ran 3-20% slower that way; the
// permutes, against the products stored over the bias, ran 15% faster at
// F = 6, S = 13, 10-18% slower at F = 3, S = 8 and twice as long at F = 1,
// S = 16. So with the bias set ahead, the run is still built by permutes
// where they cost less than the stores: per group of `lanes` columns, the
// shuffles (S * ceil(S/2) permutes, or the transposes' where fewer; the
// 256-bit body's permutes or transposes and their vector stores:
// interleave_pays)
// against a store per product, lanes * phases
// (rewriting the bias-only outputs with the bias they already hold; float32,
// one thread, alternated: (4, 128, 256, 2, 4, 64, same) 9-12% less time in
// cache, 7-13% from memory; (8, 64, 64, 3, 7, 64, 0) 4-5% both ways;
// float64 (4, 128, 256, 2, 4, 64, same) 3-6% and 0-4%, while at S = 7 the
// stores stay ahead by 3-7%). The same sums: -0 + b is b. Where the run
// does not hold the bias yet (holds_bias false: an item's part of a
// stream's column block), each row's run is set to it here, just before its
// products.
// tiles + p*tile_elems is phase p's tile: cols[p] columns from firsts[p] on
// (firsts[p] may be negative: the tile's columns before the item's own, of
// the item before it in a stream, land outside [t0, t1) and are not read).
template <class T>
void store_tiles_runs(const MicroKernels<T>& mk, const T* tiles, int64_t tile_elems, const int64_t* cols,
                      const int64_t* firsts, int64_t phases, int64_t kb, int64_t K,
                      const BiasView<const T>& bias, const DataView<T>& y, int64_t n, const Geometry& geo,
                      int64_t t0, int64_t t1, bool holds_bias) {
    const int64_t S = geo.stride, MR = mk.mr, NR = mk.nr, rows = std::min(MR, K - kb * MR);
    // The columns of phase p that land in [pos, end), and column 0's output.
    const auto landing = [&](int64_t p, int64_t pos, int64_t end) {
        const int64_t at = firsts[p] * S + p - geo.crop_left;
        const int64_t c0 = pos > at ? ceil_div(pos - at, S) : 0;
        const int64_t c1 = std::min(cols[p], end > at ? ceil_div(end - at, S) : 0);
        return std::array<int64_t, 3>{at, c0, c1};
    };
    if ((2 * phases <= S || mk.interleave_add == nullptr) && !runs_by_permutes(mk, S, phases)) {
        std::array<int64_t, 3> land[kRunStoreMax];  // the same for every row
        for (int64_t p = 0; p < phases; ++p) land[p] = landing(p, t0, t1);
        for (int64_t r = 0; r < rows; ++r) {
            const int64_t k = kb * MR + r;
            const T b = bias.data ? bias.at(k) : T(0);
            T* out = y.data + y.batch_offset(n) + k * y.channel_stride;
            if (!holds_bias) mk.fill(out + t0, t1 - t0, b);
            for (int64_t p = 0; p < phases; ++p) {
                const auto [at, c0, c1] = land[p];
                const T* tile = tiles + p * tile_elems + r * NR;
                int64_t col = c0;
                for (; col + kStoreUnroll<T> <= c1; col += kStoreUnroll<T>)
                    store_group(tile + col, b, S, out + at + col * S,
                                std::make_integer_sequence<int, kStoreUnroll<T>>());
                for (; col < c1; ++col) out[at + col * S] = tile[col] + b;
            }
        }
        return;
    }
    // Where the body interleaves with permutes: output t0 + e + j*S comes
    // from row e (phase (t0 + e + l) mod S, the -0 slot for a phase without
    // taps), column j, each phase's columns from the one landing at t0 + e.
    // Only where every phase's columns cover its outputs of the run;
    // otherwise (none seen here) the gather below.
    if (mk.interleave_add != nullptr && S <= kInterleaveMax) {
        const int64_t n_out = t1 - t0;
        int64_t start[kInterleaveMax];  // phase, column of output t0 + e
        int64_t phase_of[kInterleaveMax];
        bool covered = true;
        for (int64_t e = 0; e < S && e < n_out; ++e) {
            const int64_t q = t0 + e + geo.crop_left, p = q % S, col = q / S - (p < phases ? firsts[p] : 0);
            const int64_t count = ceil_div(n_out - e, S);
            phase_of[e] = p;
            start[e] = p < phases ? col : 0;
            if (p < phases ? col < 0 || col + count > cols[p] : count > NR) covered = false;
        }
        if (covered && n_out >= S && sparse_runs(mk, S, phases)) {
            // The phases with taps alone (each at one slot e < S: n_out >= S),
            // every row of the tile in one call.
            const T* src[kSparseRows];
            int64_t at[kSparseRows];
            int64_t count = 0;
            for (int64_t e = 0; e < S; ++e)
                if (phase_of[e] < phases) {
                    src[count] = tiles + phase_of[e] * tile_elems + start[e];
                    at[count++] = e;
                }
            T add[kMaxMR];
            for (int64_t r = 0; r < rows; ++r) add[r] = bias.data ? bias.at(kb * MR + r) : T(0);
            mk.interleave_rows_add(src, at, count, S, NR, rows, n_out, add,
                                   y.data + y.batch_offset(n) + kb * MR * y.channel_stride + t0,
                                   y.channel_stride);
            return;
        }
        if (covered && n_out >= S) {
            const T* src[kInterleaveMax];
            for (int64_t r = 0; r < rows; ++r) {
                for (int64_t e = 0; e < S; ++e)
                    src[e] = tiles + std::min(phase_of[e], phases) * tile_elems + r * NR + start[e];
                const int64_t k = kb * MR + r;
                mk.interleave_add(src, S, n_out, bias.data ? bias.at(k) : T(0),
                                  y.data + y.batch_offset(n) + k * y.channel_stride + t0);
            }
            return;
        }
    }
    constexpr int64_t kRun = 1024;  // the run, in pieces of at most this many outputs
    std::int32_t idx[kRun];
    for (int64_t pos = t0; pos < t1; pos += kRun) {
        const int64_t end = std::min(t1, pos + kRun);
        std::fill(idx, idx + (end - pos), std::int32_t(phases * tile_elems));
        for (int64_t p = 0; p < phases; ++p) {
            const auto [at, c0, c1] = landing(p, pos, end);
            for (int64_t col = c0; col < c1; ++col)
                idx[at + col * S - pos] = std::int32_t(p * tile_elems + col);
        }
        for (int64_t r = 0; r < rows; ++r) {
            const int64_t k = kb * MR + r;
            mk.gather_add(tiles + r * NR, idx, end - pos, bias.data ? bias.at(k) : T(0),
                          y.data + y.batch_offset(n) + k * y.channel_stride + pos);
        }
    }
}

// Where store_tiles_runs stores products over the bias (half or fewer of
// every S outputs hold one), a filter block's rows are set to the bias
// ahead of its column blocks, whole rows one after the other, this many
// bytes (all the block's rows together) at a time, so that the lines are
// still in L2 when the products land. Row by row per column block, the
// outputs were written a few hundred bytes per row, the block's rows in
// turn, and writes to lines not in cache then ran at half the rate of one
// sequential run per row (a 2 MB output: 16 vs 33 GB/s, one core): with
// caches flushed between calls, (16, 16, 64, 2, 8, 64, 0) float32 took
// 18-26% less time this way, (16, 256, 128, 4, 9, 64, same) 15-19%, (4, 256,
// 256, 2, 11, 64, 0) 21-22% (two runs each); warm, within 6%.
constexpr int64_t kBiasAheadBytes = int64_t(256) << 10;

// Runs built by permutes write every output whatever it held, so setting
// the bias ahead only serves to bring the lines in by sequential writes:
// that pays where they come from memory, and costs a second pass over
// every output where they are still in cache. Outputs of at most this many
// bytes, within L2 on the machines measured, are taken to be in cache.
// First set at 4 MB (float32, one thread, alternated processes, each call
// after ONNX Runtime's and PyTorch's: no bias ahead took 3-25% less time on
// outputs of 0.9-5 MB, e.g. (16, 128, 64, 3, 6, 128, same) 0.62 -> 0.57 ms,
// and 12-20% more on 8-17 MB); with the bench's calls taking turns in a
// rotating order, outputs of 2-3 MB with few products each ran faster with
// it: against ONNX Runtime, (8, 16, 256, 2, 6, 64, same) (3.1 MB, 5 products
// per output) 0.80x -> 0.95x, (4, 16, 128, 1, 4, 256, 0) (2 MB) 1.01-1.12x
// -> 1.13-1.17x, (16, 128, 64, 3, 6, 128, same) 0.98-1.00x -> 1.01-1.04x
// (two runs each).
constexpr int64_t kCachedOutputBytes = int64_t(1) << 20;

// Where more than half of every S outputs hold products the runs are
// always built by permutes (where the body has them), and their lines are
// set ahead as above only for one item at a time (not streams) whose rows
// are at least this long. Float32 and float64, one and two threads,
// alternated in one process with 64 MB of caches dirtied between calls:
// (16, 16, 256, 7, 10, 64, 0) 15-16% less time, (16, 64, 128, 4, 5, 64, 0)
// 6-7%, (16, 32, 256, 6, 8, 128, 1) float64 10%, (8, 32, 256, 4, 5, 64, 1)
// float64 16%, most of 14 others 0-10%, none slower beyond the runs'
// spread (5-8% between copies of the same code); with the outputs in cache
// 3-9% more time (a second pass). Rows of 640-768 bytes (items of 32-48
// positions) and streams of items ran 3-14% slower set ahead. In the
// bench's rotation, one thread, against ONNX Runtime: (8, 128, 128, 7, 13,
// 64, same) 0.93-0.96x -> 1.00-1.03x, (16, 128, 128, 6, 7, 64, 0) 1.02x ->
// 1.10-1.11x, three other shapes of the family unchanged.
constexpr int64_t kAheadRowBytes = 1024;

// With the 256-bit body those runs are set ahead, further, only where there
// are at least this many filters (the 512-bit body as measured there, above):
// their rows are the streams of outputs that a column block's
// runs write into in turn, and the hardware prefetchers follow a few by
// themselves, so that the pass ahead only adds a second pass over every
// output. On a Zen 3 core (float32, one thread, runs built by transposes,
// one process per setting), without the pass ahead: K = 4 and 8, 11-12%
// less time in cache and with 64 MB of caches dirtied ((1, 8, 4, 3, 4,
// 65536, same) 0.92 -> 0.81 ms); K = 16, 4-11% less in cache, from 11% less
// to 5% more dirtied; K = 32, 8-9% less in cache, 1-3% more dirtied; K = 64,
// (4, 64, 64, 7, 9, 1024, 0) 5-7% more. (The layers measured where the rule
// above was set had 128 filters or more.)
constexpr int64_t kAheadFilters = 32;

// Runs built by permutes where half or fewer of every S outputs hold
// products are not set ahead where the micro-kernel's work covers the
// writes: rows of at least kCoveredRowBytes and at least kCoveredProducts
// products per output run (C x F >= kCoveredProducts x S). Set ahead, each
// filter block's long rows were written twice, the string store's pass
// taking a seventh of the time, while the run's own stores, reading their
// lines in from memory, overlapped the GEMM of the next column block.
// Float32 and float64, one and two threads, alternated in one process (the
// same output array, 32 MB of caches dirtied between calls), 7 layers of
// rows 16-28 KB: (8, 128, 128, 1, 4, 1024, same) float32 10-12% less time,
// (1, 128, 64, 3, 7, 1024, same) 7-10%, (4, 256, 128, 3, 9, 1024, same) 4%,
// the rest 0-4% either way (28 cases, geometric mean 0.97, none slower by
// more than 1.1%). Where more than half of the outputs hold products (4, 64,
// 64, 9, 15, 1024, same) ran 5-9% slower, and layers of shorter rows (2-10
// KB: (16, 128, 128, 1, 3, 256, same), (8, 160, 128, 2, 5, 512, 0)) up to 7%
// slower, so those stay set ahead.
constexpr int64_t kCoveredRowBytes = int64_t(16) << 10;
constexpr int64_t kCoveredProducts = 32;

// A stream's items (short items, several to a column block) are set ahead
// all at once, every row of the task's filter blocks, where that takes at
// most this many bytes (half of L2 on the machines measured). Set run by
// run as each item's part of a column block was stored, the lines came
// from memory a few rows at a time, 93 KB apart (an item's output) in
// turn, which no prefetcher follows. Float32, one thread, in-process
// alternation, 64 MB of caches dirtied between calls: (16, 64, 256, 1, 6,
// 16, 0) (745 KB set ahead) 0.21-0.32 -> 0.15-0.22 ms, (32, 32, 512, 2, 8,
// 24, 0) 1.43-1.63 -> 1.17-1.38, (8, 128, 64, 1, 4, 64, same) 4-9% less;
// outputs in cache within 2%. Past L2 the lines set ahead are gone by the
// time the products come: (16, 64, 1024, 1, 6, 16, 0), 3 MB ahead, ran 10%
// faster from memory and 4% slower in cache.
constexpr int64_t kStreamAheadBytes = int64_t(1) << 20;

// Where the runs are built by permutes the lines only need bringing in, and
// the values written ahead do not matter: whole rows lying one after the
// other (contiguous outputs) are then set as one run of zeros across the
// block's rows, long enough for the string store, which writes whole lines
// without reading them first (row by row, rows under 4 KiB took vector
// stores, each line read in from memory before it is written).
// Float32, one thread, 64 MB of caches dirtied between calls (alternated
// processes): (8, 16, 256, 2, 6, 64, same) 0.34 -> 0.27 ms, (4, 16, 128, 1,
// 4, 256, 0) 0.21 -> 0.19; in the bench's rotation with PyTorch and ONNX
// Runtime the first went from 0.93-1.05x to 1.01-1.20x against ONNX Runtime
// (six runs each).
template <class T>
void bias_ahead(const MicroKernels<T>& mk, const BiasView<const T>& bias, const DataView<T>& y, int64_t n,
                int64_t k0, int64_t k1, int64_t t0, int64_t t1, bool any_value) {
    if (any_value && y.length_stride == 1 && t0 == 0 && t1 == y.channel_stride) {
        mk.fill(y.data + y.batch_offset(n) + k0 * y.channel_stride, (k1 - k0) * y.channel_stride, T(0));
        return;
    }
    for (int64_t k = k0; k < k1; ++k)
        mk.fill(y.data + y.batch_offset(n) + k * y.channel_stride + t0, t1 - t0,
                bias.data ? bias.at(k) : T(0));
}

// A task's input, packed as a slab per column block (C rows of its W
// columns and a halo: the taps' P and the phases' spread; contiguous, so a
// block's operand streams from L2), or, where each packed element serves
// few products, as one strip per channel (the group's columns and one
// halo). Packed block by block (a copy per channel and block, each with its
// own halo) a thin layer spent 38% of its time copying ((1, 16, 4, 3, 1,
// 32768, 1) float32, one thread; strips 11-14% faster on such layers), while
// a layer of 64 filters ran 2-5% slower from strips at two threads
// (hifigan-up3: a block's rows a strip apart instead of one slab).
// Strips where the filter rows times the taps per phase, the products of a
// packed element per phase, are at most kStripProducts. Strip rows are whole
// cache lines, an odd number of them, so that a block's C rows spread over
// the cache sets.
constexpr int64_t kStripProducts = 64;

inline bool input_strips(int64_t Kp, int64_t F, int64_t S) { return Kp * ceil_div(F, S) <= kStripProducts; }

// One phase (stride 1, or F = 1 under S) and at least this many channels of
// a contiguous input: the slabs of the column blocks lying wholly inside
// the item are read in place, rows a channel stride apart, and only the
// blocks at its ends are packed (their zeros). The copy served few
// products per element (K x F) and, the input coming from memory, cost
// 5-16% of such forwards with the micro-kernel at the core's FMA rate.
// Alternated in one process against the copy (the same output array, 32 MB
// of caches dirtied between calls, the next task's input prefetched both
// ways: InputAhead), float32 and float64, one and two threads:
// (8, 256, 32, 3, 1, 1024, [1 1]) 4-9% less time, (16, 256, 32, 5, 1, 512,
// 0) 2-6%, (8, 512, 64, 3, 1, 1024, same) 3-4%, (4, 256, 64, 5, 1, 2048,
// same) 0-8%, (2, 384, 96, 3, 1, 1500, 0) 0-9%; one item of 2048 positions
// in float64 at one thread 2-3% more ((1, 256, 64, 5, 1, 2048, same)).
// Layers of 32-128 channels ran the same at one thread and 3-21% slower at
// two (float32 (4, 32, 32, 9, 1, 256, same), (16, 128, 128, 5, 1, 256,
// same)): their slabs stay in L1 or L2 between the filter blocks.
// With the 512-bit body only, where that was measured (a Zen 4 core). With
// the 256-bit body on a Zen 3 core (32 KB of L1, 512 KB of L2; 2026-12-06)
// the copy won everywhere, alternated in one process, float32 unless said:
// (4, 256, 256, 3, 1, 1024, [1 1]) per item 29 -> 18 ms (stride1-wide),
// (4, 256, 64, 5, 1, 2048, same) 45 -> 15, float64 75 -> 30 with 64 MB of
// caches dirtied, (16, 256, 32, 5, 1, 512, 0) 10.0 -> 8.7 dirtied, L = 1000
// instead of 1024 23 -> 18; at two threads 11 -> 9 and 11 -> 8: rows a
// channel stride apart, a power of two, share the cache's sets, and the
// copy's contiguous slab streams from L2.
constexpr int64_t kInPlaceChannels = 256;

// Whether forward_slabs may read an input's column blocks in place
// (kInPlaceChannels): one item to a task, one phase, no strips, the 512-bit
// body; the caller adds what the shape alone does not say (a contiguous
// input, not a stream's head).
template <class T>
bool slabs_in_place(const MicroKernels<T>& mk, const PhaseColumns& pc, int64_t Sp, int64_t C, bool strips) {
    return pc.items == 1 && Sp == 1 && !strips && C >= kInPlaceChannels && wide_vectors(mk);
}

// Whether column block qb's slab (its W columns and the halo, from position
// qmin - P + qb*W on) lies wholly inside an item of `length` positions.
inline bool slab_inside(const PhaseColumns& pc, int64_t qb, int64_t P, int64_t length) {
    const int64_t s0 = pc.qmin - P + qb * pc.width;
    return s0 >= 0 && s0 + pc.width + P + pc.qspread <= length;
}

struct TaskInput {
    int64_t ld = 0;     // row stride
    int64_t step = 0;   // from one column block's positions to the next's
    int64_t elems = 0;  // per task
};

inline TaskInput task_input(const PhaseColumns& pc, int64_t group, int64_t P, int64_t C, std::size_t elem,
                            bool strips) {
    TaskInput in;
    if (strips) {
        const int64_t line = std::max<int64_t>(1, int64_t(64 / elem));
        const int64_t w = round_up(group * pc.width + P + pc.qspread, line);
        in.ld = (w / line) % 2 == 0 ? w + line : w;
        in.step = pc.width;
        in.elems = saturating_mul(C, in.ld);
    } else {
        in.ld = pc.width + P + pc.qspread;
        in.step = saturating_mul(C, in.ld);
        in.elems = saturating_mul(group, in.step);
    }
    return in;
}

// The bytes a task's input (a group of column blocks) may take, so that its
// slabs stay in L2 while every filter block reads them: half of L2 on the
// machines measured (forward groups of up to 1.5 MB: a float64 one-item stage
// 2-10% faster, float32 20% slower). Where F < S, one item to a task (no
// stream), kRunsRoomBytes, twice L2: the runs write every output of their
// rows, bias-only gaps included (store_tiles_runs), and an item split into
// groups of columns writes each row in pieces, one per task, which cost more
// than the slabs' second reads from L3. Pieces of half a row ran at 14-15
// GB/s against 21-24 for whole rows (string stores, 8 rows of 10-20 KB in
// turn, one core), and one item of 22 column blocks (a task's input of 572
// KB) split in two took 10-20% more time than whole (float32 (4, 128, 128, 1,
// 5, 1024, 0): 2.43 against 2.02 ms per 1000 positions for 1000-1008
// positions, 512 KB holding 21 blocks). Float32 and float64, one and two
// threads, alternated in one process (the same output array, 32 MB of caches
// dirtied between calls), 1 MB against 512 KB: (4, 128, 128, 1, 5, 1024, 0)
// float32 16% less time, (1, 128, 128, 1, 3, 1024, 0) 7-12% (float64 0-5%),
// (2, 256, 128, 1, 4, 1000, 0) 3-12%, (1, 256, 256, 2, 4, 900, same) 4-7%; 26
// other F < S layers within noise, one slower: (1, 128, 64, 3, 7, 1024, same)
// float32 at two threads 4% (its item shared out by filter blocks instead of
// columns, each share packing the whole input). 2 MB against 1 MB: (8, 256,
// 256, 1, 3, 1024, 0) float32 7% less time, (1, 128, 64, 3, 7, 1024, same)
// float64 at two threads 13%, 34 other cases (9 layers of 128-512 channels)
// 0-6% less or within 3% either way. Streams of items keep half of L2: (8,
// 256, 256, 5, 8, 256, same) float32 4-9% slower in larger groups (float64
// 6-10% faster).
constexpr int64_t kSlabRoomBytes = int64_t(512) << 10;
constexpr int64_t kRunsRoomBytes = int64_t(2) << 20;

template <class T>
int64_t slab_room(const Geometry& geo, const PhaseColumns& pc) {
    const bool runs = geo.filter_size < geo.stride && pc.items == 1;
    return (runs ? kRunsRoomBytes : kSlabRoomBytes) / int64_t(sizeof(T));
}

// The column blocks a task's input holds within `room` elements (at least
// one, at most all): strips carry one halo and up to two lines of padding
// for the whole group, slabs a halo each. The plan's group (budget and
// slab_room) and the estimate's (slab_room) both come from here.
inline int64_t blocks_within(const PhaseColumns& pc, int64_t room, int64_t P, int64_t C, std::size_t elem,
                             bool strips) {
    const int64_t line = int64_t(64 / elem);
    const int64_t most = strips ? (room / C - P - pc.qspread - 2 * line) / pc.width
                                : room / task_input(pc, 1, P, C, elem, false).elems;
    return std::clamp<int64_t>(most, 1, pc.nqb);
}

// Filter blocks whose tiles (tile_bytes each, `slots` per block) a slab task
// sums side by side (forward_slabs' `grouped`): their tiles within 24 KiB,
// at most 8, at least 1, and within the task's tile buffer.
inline int64_t group_tiles(int64_t tile_bytes, int64_t slots) {
    return std::clamp<int64_t>((24 << 10) / (tile_bytes * slots), 1,
                               std::min<int64_t>(8, (kRunStoreMax + 1) / slots));
}

// The chained calls' chunk of input rows (forward_slabs' `grouped`): the
// channels of a column block of W columns that 24 KiB holds, a vector's
// worth at least; chunks only with one phase, more channels than a chunk,
// and the weights' rows less than kSetPeriodBytes apart.
template <class T>
int64_t chain_chunk(const MicroKernels<T>& mk, int64_t W) {
    return std::max<int64_t>(mk.lanes, (24 << 10) / (W * int64_t(sizeof(T))));
}
inline bool chain_grouped(int64_t Sp, int64_t C, int64_t chunk, std::size_t elem) {
    return Sp == 1 && C > chunk && C * int64_t(elem) < kSetPeriodBytes;
}

// The slab strategy: a task is one batch item (or a stream of pc.items
// items, stored item part by item part) and a group of column blocks;
// it packs its input (every channel: task_input) into its thread's slice of
// the workspace, sized to stay in L2, and runs every filter block over its
// column blocks, phase fastest (the phases interleave into the same output
// rows, so their stores share cache lines). The shift by tap m is an offset
// into the packed rows: the input is copied once, whatever the taps. The
// weights come from the packed phase panels `a`, or, where `rows` is given,
// from the layer's own layout in place (then `a` is not read).
template <class T>
void forward_slabs(const MicroKernels<T>& mk, const DataView<const T>& x, const T* a,
                   const std::vector<int64_t>& phase_offset, const WeightsView<const T>* rows,
                   const BiasView<const T>& bias, const Geometry& geo, const PhaseColumns& pc,
                   const DataView<T>& y, const StrategyPlan& plan, T* slabs, const DataView<const T>* head) {
    const int64_t MR = mk.mr, NR = mk.nr, C = x.channels, K = y.channels;
    const int64_t G = pc.items, B = ceil_div(x.batch(), G);  // B: streams of G items
    const int64_t F = geo.filter_size, S = geo.stride, Sp = phases_with_taps(F, S);
    const int64_t Mmax = ceil_div(F, S), P = Mmax - 1, nkb = ceil_div(K, MR), nqb = pc.nqb;
    const int64_t W = pc.width, group = plan.group;
    const bool strips = input_strips(nkb * MR, F, S);
    const TaskInput in = task_input(pc, group, P, C, sizeof(T), strips);
    const int64_t qgroups = ceil_div(nqb, group);
    const int threads = plan.threads;
    const bool pair_store = S == 2 && Sp == 2 && y.length_stride == 1;
    const bool group_store = S >= 3 && S <= kGroupStoreMax && Sp == S && y.length_stride == 1;
    const bool run_store = pc.by_position && Sp <= kRunStoreMax && y.length_stride == 1;
    const double output_bytes =
        double(y.batch()) * double(K) * double(geo.out_length) * double(sizeof(T));  // no overflow to check

    std::vector<int64_t> seg_off(static_cast<std::size_t>(Mmax));
    for (int64_t m = 0; m < Mmax; ++m) seg_off[std::size_t(m)] = -m;

    // A task: a batch item, a group of column blocks and a share of the filter blocks.
    const int64_t row_groups = plan.row_groups, kbs = ceil_div(nkb, row_groups);
    const bool in_place = head == nullptr && x.length_stride == 1 && slabs_in_place(mk, pc, Sp, C, strips);
    const int64_t tasks = B * qgroups * row_groups;
    detail::parallel_for(threads, tasks, [&](int64_t task) {
        const int64_t n = task / (qgroups * row_groups), qb0 = (task / row_groups % qgroups) * group;
        const int64_t qb1 = std::min(nqb, qb0 + group);
        const int64_t kb0 = (task % row_groups) * kbs, kb1 = std::min(nkb, kb0 + kbs);
        T* xp = slabs + int64_t(detail::thread_index()) * in.elems;
        // Blocks whose slab lies wholly inside the item, read in place (kInPlaceChannels).
        const auto inside = [&](int64_t qb) { return in_place && slab_inside(pc, qb, P, x.length); };
        // Strips: one block of the strip's width.
        if (G > 1)
            pack_stream_block(mk, x, n * G, G, pc.period, qb0, strips ? qb0 + 1 : qb1, pc.qmin - P, W, in.ld,
                              xp);
        else if (in_place)  // only the blocks at the item's ends, each to its slot
            for (int64_t qb = qb0; qb < qb1; ++qb) {
                if (!inside(qb))
                    pack_input_block(mk, x, n, qb, qb + 1, pc.qmin - P, W, in.ld, xp + (qb - qb0) * in.step);
            }
        else
            pack_input_block(mk, x, n, qb0, strips ? qb0 + 1 : qb1, pc.qmin - P, W, in.ld, xp, head);
        // Column block qb's rows: its slab, or the item's rows in place.
        const auto block_rows = [&](int64_t qb) {
            return inside(qb) ? x.data + x.batch_offset(n) + (pc.qmin - P + qb * W)
                              : xp + (qb - qb0) * in.step;
        };
        const auto block_ld = [&](int64_t qb) { return inside(qb) ? x.channel_stride : in.ld; };
        // The bias-only outputs among this task's positions (the groups of
        // an item cut [0, out_length) at their first columns), written now
        // so that the tiles' stores find the lines in cache.
        const auto boundary = [&](int64_t qb) {
            if (qb == 0) return int64_t(0);
            if (qb >= nqb) return geo.out_length;
            return std::clamp<int64_t>((pc.qmin + qb * W) * S - geo.crop_left, 0, geo.out_length);
        };
        // With contiguous rows and gaps between the inputs' runs (S > F),
        // column blocks own their outputs (PhaseColumns::by_position): each
        // block writes its runs whole (run_store), or the task's outputs are
        // all set to the bias in one vectorized run first, the tiles
        // overwriting theirs after (a run per gap of a few outputs costs
        // more than the element: F = 1, S = 4, a quarter of the time).
        // Otherwise only the gaps are written here.
        const int64_t t0 = boundary(qb0), t1 = boundary(qb1);
        const int64_t whole = y.length_stride == 1 && S > F ? t0 : t1;
        // Streams have no bias-only outputs where every phase has taps
        // (F >= S); with gaps (F < S) each item's runs are written whole, as
        // their parts are stored.
        for (int64_t k = kb0 * MR; k < std::min(K, kb1 * MR) && !run_store && G == 1; ++k) {
            T* row = y.data + y.batch_offset(n) + k * y.channel_stride;
            const T b = bias.data ? bias.at(k) : T(0);
            fill_bias_only_row(row, y.length_stride, b, geo, t0, whole);
            mk.fill(row + whole, t1 - whole, b);
        }
        // Tiles: one per phase (`slots` per filter block, after the phases'
        // a slot of -0 for the runs' bias-only outputs), of one filter block,
        // or of `kg` of them summed side by side (`grouped`). Grouped: with
        // the weights read in place and one phase (stride 1, or F = 1), over
        // more input rows than a chunk of 24 KiB of the column block holds,
        // each chunk serves the filter blocks of the group from L1 before the
        // next (one filter block at a time, every block would read the whole
        // column block from L2). Each output's sum keeps its order, tap by
        // tap, channel by channel: the chained kernel goes on from the tile.
        // Only where the weights' rows lie less than a page apart: rows 4 KiB
        // apart share L1's sets, and the chunks then ran slower (C = 1024
        // float32) than the whole rows.
        const int64_t chunk = chain_chunk(mk, W);
        alignas(64) T buffer[(kRunStoreMax + 1) * 8 * 64];  // mr * nr <= 8 * 48 for every body
        const int64_t ts = MR * NR, slots = Sp + 1;
        const bool grouped = rows != nullptr && chain_grouped(Sp, C, chunk, sizeof(T));
        const int64_t kg = grouped ? group_tiles(ts * int64_t(sizeof(T)), slots) : 1;
        const auto tile_at = [&](int64_t g, int64_t p) { return buffer + (g * slots + p) * ts; };
        for (int64_t g = 0; g < kg && run_store; ++g) std::fill(tile_at(g, Sp), tile_at(g, Sp) + ts, T(-0.0));
        // Phase p's tiles, columns and first columns (batch item n), stored
        // together where the phases interleave in one run of outputs.
        const auto store_phases = [&](int64_t kb, int64_t item, const T* const* tp, const int64_t* cols,
                                      const int64_t* firsts) {
            if (pair_store || group_store) {
                // Phase p's column 0 lands at firsts[p]*S + p - l: the
                // phases in the order of that position, from the first.
                int64_t first = 0, t_first = 0;
                for (int64_t p = 0; p < S; ++p) {
                    const int64_t t = firsts[p] * S + p - geo.crop_left;
                    if (p == 0 || t < t_first) first = p, t_first = t;
                }
                // S >= 2 entries set below (S = 2 where pair_store).
                const T* ordered[kGroupStoreMax] = {};
                int64_t ordered_cols[kGroupStoreMax] = {};
                for (int64_t e = 0; e < S; ++e) {
                    ordered[e] = tp[(first + e) % S];
                    ordered_cols[e] = cols[(first + e) % S];
                }
                if (interleave_pays(mk, S, S)) {
                    // The run holds every column of every phase, interleaved.
                    int64_t total = 0;
                    for (int64_t e = 0; e < S; ++e) total += ordered_cols[e];
                    const T* src[kGroupStoreMax];
                    for (int64_t k = kb * MR; k < std::min(K, (kb + 1) * MR) && total > 0; ++k) {
                        for (int64_t e = 0; e < S; ++e) src[e] = ordered[e] + (k - kb * MR) * NR;
                        mk.interleave_add(src, S, total, bias.data ? bias.at(k) : T(0),
                                          y.data + y.batch_offset(item) + k * y.channel_stride + t_first);
                    }
                } else if (pair_store)
                    store_tile_pair(ordered[0], ordered_cols[0], ordered[1], ordered_cols[1], NR, kb, MR, K,
                                    bias, y, item, t_first);
                else
                    store_tiles_interleaved_any(S, ordered, ordered_cols, NR, kb, MR, K, bias, y, item,
                                                t_first);
                return;
            }
            for (int64_t p = 0; p < Sp; ++p)
                if (cols[p] > 0)
                    store_tile(tp[p], NR, kb, MR, K, bias, y, item, firsts[p] * S + p - geo.crop_left, S,
                               cols[p]);
        };
        const bool together = pair_store || group_store || run_store || G > 1;
        // An item's columns end (item-local, the longest phase's): in a stream, past the last item's.
        const int64_t item_columns = *std::max_element(pc.hi.begin(), pc.hi.end()) - (G - 1) * pc.period;
        // store_tiles_runs stores products only, over the bias set here ahead
        // (half or fewer of every S outputs hold products, or a body without
        // interleave_add), or builds whole runs, over the bias (or zeros:
        // bias_ahead) set ahead where the outputs are taken to come from
        // memory (kCachedOutputBytes; where more than half of every S
        // outputs hold products, only one item's long rows, with the 256-bit
        // body of many filters: kAheadRowBytes, kAheadFilters;
        // not where the GEMM covers the writes: kCoveredRowBytes).
        // One item's rows are set a span ahead of each column block; a
        // stream's items all at once, here (kStreamAheadBytes), or else run
        // by run as they are stored.
        // Built: store_tiles_runs builds the runs whole by interleave_add
        // (runs_by_permutes, or more than half of every S outputs with
        // products); for the 512-bit body counted by runs_by_permutes alone,
        // as measured there (it differs only for float64 at S = 9 to 11 with
        // 5 or 6 phases, and beyond kInterleaveMax, where the gather builds them).
        const bool permutes = runs_by_permutes(mk, S, Sp);
        const bool built = permutes || (!wide_vectors(mk) && 2 * Sp > S && mk.interleave_add != nullptr &&
                                        S <= kInterleaveMax);
        const bool long_rows = double(geo.out_length) * double(sizeof(T)) >= double(kAheadRowBytes);
        const bool covered = permutes && 2 * Sp <= S && C * F >= kCoveredProducts * S &&
                             double(geo.out_length) * double(sizeof(T)) >= double(kCoveredRowBytes);
        const bool runs_ahead = run_store && !covered && (!built || output_bytes > kCachedOutputBytes) &&
                                (2 * Sp <= S || mk.interleave_add == nullptr ||
                                 (built && G == 1 && long_rows && (wide_vectors(mk) || K >= kAheadFilters)));
        const bool ahead = runs_ahead && G == 1;
        const int64_t stream_items = std::min(G, x.batch() - n * G), task_k0 = kb0 * MR,
                      task_k1 = std::min(K, kb1 * MR);
        const bool stream_ahead =
            runs_ahead && G > 1 && qb0 == 0 && qb1 == nqb &&
            double(stream_items) * double(task_k1 - task_k0) * double(geo.out_length) * double(sizeof(T)) <=
                double(kStreamAheadBytes);
        for (int64_t i = 0; i < stream_items && stream_ahead; ++i)
            bias_ahead(mk, bias, y, n * G + i, task_k0, task_k1, 0, geo.out_length, built);
        // The next task's input (its item's positions of its column blocks,
        // with their halo), prefetched a share per column block this task
        // computes (InputAhead); under the static schedule the next task is
        // this thread's but for its last.
        InputAhead<T> next_input;
        if (G == 1 && head == nullptr && task + 1 < tasks) {
            const int64_t next = task + 1, next_n = next / (qgroups * row_groups);
            const int64_t next_qb0 = (next / row_groups % qgroups) * group;
            const int64_t next_qb1 = std::min(nqb, next_qb0 + group);
            next_input = InputAhead<T>(x, next_n, pc.qmin - P + next_qb0 * W,
                                       pc.qmin - P + next_qb1 * W + P + pc.qspread,
                                       ceil_div(kb1 - kb0, kg) * (qb1 - qb0));
        }
        for (int64_t kbg = kb0; kbg < kb1; kbg += kg) {
            const int64_t kbe = std::min(kb1, kbg + kg), k0 = kbg * MR, k1 = std::min(K, kbe * MR);
            const int64_t span = std::max<int64_t>(1, kBiasAheadBytes / ((k1 - k0) * int64_t(sizeof(T))));
            int64_t filled = t0;  // with `ahead`, rows k0..k1 hold the bias over [t0, filled)
            for (int64_t qb = qb0; qb < qb1; ++qb) {
                next_input.step();
                if (ahead && filled < boundary(qb + 1)) {
                    const int64_t end = std::min(t1, std::max(boundary(qb + 1), filled + span));
                    bias_ahead(mk, bias, y, n, k0, k1, filled, end, built);
                    filled = end;
                }
                for (int64_t p = 0; p < Sp && grouped; ++p) {
                    // Weights in place: the packed panel's sums, tap by tap.
                    const int64_t q0 = pc.first(p, qb), count = pc.count(p, qb);
                    if (count == 0) continue;
                    const T* slab = block_rows(qb) + (q0 - pc.qmin - qb * W) + P;
                    const int64_t ld = block_ld(qb);
                    // The first call of each tile's chain starts from zeros (rows_first).
                    const auto first = rows_first_for(mk, count), add = rows_chain_for(mk, count);
                    for (int64_t m = 0; m < taps(p, F, S); ++m)
                        for (int64_t c0 = 0; c0 < C; c0 += chunk)
                            for (int64_t kb = kbg; kb < kbe; ++kb)
                                (m == 0 && c0 == 0 ? first : add)(
                                    &rows->at(p + m * S, kb * MR, c0), rows->filter_index_stride,
                                    slab - m + c0 * ld, ld, std::min(chunk, C - c0), tile_at(kb - kbg, p));
                }
                for (int64_t kb = kbg; kb < kbe; ++kb) {
                    // Of each phase, when they are stored together: columns, first column
                    // (the first Sp entries set below, when together: zeroing them all
                    // took a string store each, 7% of a forward of short rows and few
                    // channels).
                    int64_t cols[kRunStoreMax], firsts[kRunStoreMax];
                    const T* tp[kRunStoreMax];
                    for (int64_t p = 0; p < Sp; ++p) {
                        const int64_t q0 = pc.first(p, qb), count = pc.count(p, qb);
                        T* tile = tile_at(kb - kbg, together || grouped ? p : 0);
                        if (together) tp[p] = tile, firsts[p] = q0, cols[p] = 0;  // Sp <= kRunStoreMax
                        if (count == 0) continue;  // this phase has fewer columns
                        const int64_t M = taps(p, F, S);
                        const T* slab = block_rows(qb) + (q0 - pc.qmin - qb * W) + P;
                        const int64_t ld = block_ld(qb);
                        if (rows == nullptr) {
                            // A block of few real rows (few output channels): those alone.
                            const auto panel = panel_rows_for(mk, std::min(MR, K - kb * MR), count);
                            panel(a + phase_offset[std::size_t(p)] + kb * M * C * MR, MR, slab,
                                  seg_off.data(), M, C, ld, tile, false);
                        } else if (!grouped) {  // one filter block, tap by tap
                            const auto first = rows_first_for(mk, count), add = rows_chain_for(mk, count);
                            for (int64_t m = 0; m < M; ++m)
                                (m == 0 ? first : add)(&rows->at(p + m * S, kb * MR, 0),
                                                       rows->filter_index_stride, slab - m, ld, C, tile);
                        }
                        if (together)
                            cols[p] = count;
                        else
                            store_tile(tile, NR, kb, MR, K, bias, y, n, q0 * S + p - geo.crop_left, S, count);
                    }
                    if (run_store && G > 1) {
                        // Gaps between the inputs' runs in a stream (F < S):
                        // each item's part of the block is its columns
                        // [la, le), item-local, and owns its outputs from
                        // la*S - l to le*S - l (from 0 in the item's first
                        // part, to the end in its last), written as one run.
                        const int64_t s0 = pc.qmin + qb * W;
                        for (int64_t i = 0; i < G && n * G + i < x.batch(); ++i) {
                            const int64_t base = i * pc.period;
                            const int64_t la = std::max(pc.qmin, s0 - base),
                                          le = std::min(item_columns, s0 + W - base);
                            if (la >= le) continue;  // the item lies wholly before or after the block
                            const int64_t ta = la == pc.qmin ? 0
                                                             : std::clamp<int64_t>(la * S - geo.crop_left, 0,
                                                                                   geo.out_length);
                            const int64_t te =
                                le == item_columns
                                    ? geo.out_length
                                    : std::clamp<int64_t>(le * S - geo.crop_left, 0, geo.out_length);
                            int64_t part_cols[kRunStoreMax], part_firsts[kRunStoreMax];
                            for (int64_t p = 0; p < Sp; ++p) {
                                part_firsts[p] = firsts[p] - base;
                                part_cols[p] = std::max<int64_t>(
                                    0, std::min(firsts[p] + cols[p], pc.item_end(p, i)) - firsts[p]);
                            }
                            store_tiles_runs(mk, tile_at(kb - kbg, 0), ts, part_cols, part_firsts, Sp, kb, K,
                                             bias, y, n * G + i, geo, ta, te, stream_ahead);
                        }
                    } else if (run_store) {
                        store_tiles_runs(mk, tile_at(kb - kbg, 0), ts, cols, firsts, Sp, kb, K, bias, y, n,
                                         geo, boundary(qb), boundary(qb + 1), ahead);
                    } else if (G > 1) {
                        // Each item's part of the block: the stream's columns
                        // from max(qb*W, i*period) on (a tile offset the same
                        // for every phase), up to the item's last.
                        // Items before floor(qb*W / period) end before the block.
                        for (int64_t i = qb * W / pc.period; i < G && n * G + i < x.batch(); ++i) {
                            const int64_t base = i * pc.period, skip = std::max<int64_t>(0, base - qb * W);
                            if (skip >= W) break;  // this item and the rest start after the block
                            const T* part[kRunStoreMax];
                            int64_t part_cols[kRunStoreMax], part_firsts[kRunStoreMax];
                            bool any = false;
                            for (int64_t p = 0; p < Sp; ++p) {
                                const int64_t a_p = firsts[p] + skip;
                                const int64_t b_p = std::min(firsts[p] + cols[p], pc.item_end(p, i));
                                part[p] = tp[p] + skip;
                                part_cols[p] = std::max<int64_t>(0, b_p - a_p);
                                part_firsts[p] = a_p - base;
                                any = any || part_cols[p] > 0;
                            }
                            if (any) store_phases(kb, n * G + i, part, part_cols, part_firsts);
                        }
                    } else if (together) {
                        store_phases(kb, n, tp, cols, firsts);
                    }
                }
            }
        }
    });
}

// The slab strategy's tasks: (batch item, group of column blocks, share of the
// filter blocks). A group's slabs stay in L2 (at most group_most blocks), and
// every weight panel a task reads serves each block of its group, so groups
// are kept as large as they can be; the threads get their parallelism first
// from the batch, then from sharing the filter blocks out (each share packing
// its own slabs), and only when neither balances them from smaller groups.
// Balanced: under OpenMP's static schedule (contiguous runs of tasks), the
// busiest thread's columns x filter blocks exceed the mean by at most a tenth.
inline void slab_plan(StrategyPlan& plan, const PhaseColumns& pc, int64_t B, int64_t nkb, int64_t group_most,
                      int most) {
    const int64_t nqb = pc.nqb, W = pc.width;
    int64_t longest = 0;
    for (std::size_t p = 0; p < pc.lo.size(); ++p) longest = std::max(longest, pc.hi[p] - pc.lo[p]);
    const auto balanced = [&](int64_t group, int64_t row_groups) {
        const int64_t groups = ceil_div(nqb, group), kbs = ceil_div(nkb, row_groups);
        const int64_t tasks = B * groups * row_groups;
        if (tasks > 4096) return tasks >= 4 * int64_t(most);  // many threads: enough tasks to even out
        const auto work = [&](int64_t task) {
            const int64_t g = task / row_groups % groups, r = task % row_groups;
            const int64_t cols = std::min(longest, (g + 1) * group * W) - std::min(longest, g * group * W);
            return double(cols) * double(std::min(nkb, (r + 1) * kbs) - std::min(nkb, r * kbs));
        };
        const auto [busiest, total] = static_loads(tasks, most, work);
        return 10.0 * busiest <= 11.0 * total / double(most);
    };
    const auto many_tasks = [&] {  // groups of a size that leaves about four tasks per thread
        const int64_t group = std::clamp<int64_t>(ceil_div(B * nqb, 4 * int64_t(most)), 1, group_most);
        plan.group = ceil_div(nqb, ceil_div(nqb, group));
        plan.row_groups = 1;
    };
    plan.group = ceil_div(nqb, ceil_div(nqb, group_most));
    plan.row_groups = 1;
    if (most == 1) return;
    for (int64_t groups = ceil_div(nqb, plan.group), last = 0;
         groups <= nqb && B * groups < 8 * int64_t(most); ++groups) {
        const int64_t group = ceil_div(nqb, groups);
        if (group == last) continue;  // the same grouping as fewer groups gave
        last = group;
        for (int64_t rows = 1; rows <= std::min(nkb, 4 * int64_t(most)); ++rows)
            if (balanced(group, rows)) {
                plan.group = group;
                plan.row_groups = rows;
                return;
            }
    }
    if (B * nqb >= 8 * int64_t(most)) {  // a batch, or a long item
        many_tasks();
        return;
    }
    // Nothing balances (a few blocks of everything): one block per task.
    plan.group = 1;
    plan.row_groups = std::min(nkb, ceil_div(int64_t(most), B * nqb));
}

// The batched strategy's tasks, (column block j, phase p) with the phase
// fastest: task t is block t / phases of phase t % phases (skipped where that
// phase has fewer blocks). So a thread's consecutive tasks write the same
// output rows at every phase, and two threads share few cache lines of y —
// phase-major tasks had both write every row, S apart (false sharing halved
// the speed-up at two threads).
struct BatchedTasks {
    int64_t phases = 0, blocks_most = 0, count = 0;  // count: the tasks that are not skipped
};

inline BatchedTasks batched_tasks(const Geometry& geo, const PhaseColumns& pc, int64_t B, int64_t NR) {
    BatchedTasks t;
    t.phases = phases_with_taps(geo.filter_size, geo.stride);
    for (int64_t p = 0; p < t.phases; ++p) {
        const int64_t blocks = ceil_div(B * (pc.hi[std::size_t(p)] - pc.lo[std::size_t(p)]), NR);
        t.blocks_most = std::max(t.blocks_most, blocks);
        t.count += blocks;
    }
    return t;
}

// The batched strategy, for inputs too short to fill a column block per batch
// item (latent expansions, a few positions per phase): the columns of a phase
// are the pairs (n, q) of every batch item, NR at a time, and a task packs its
// block explicitly, rows (m, c): b[(m*C + c)*NR + col] = x[n, c, q - m]. One
// panel call then reduces over all M*C in the same order as the slab strategy.
template <class T>
void forward_batched(const MicroKernels<T>& mk, const DataView<const T>& x, const T* a,
                     const std::vector<int64_t>& phase_offset, const BiasView<const T>& bias,
                     const Geometry& geo, const PhaseColumns& pc, const DataView<T>& y,
                     const StrategyPlan& plan, T* blocks) {
    const int64_t MR = mk.mr, NR = mk.nr, B = x.batch(), C = x.channels, K = y.channels, L = geo.length;
    const int64_t F = geo.filter_size, S = geo.stride, nkb = ceil_div(K, MR);
    const BatchedTasks tasks = batched_tasks(geo, pc, B, NR);
    const int64_t block = plan.per_thread;
    const int threads = plan.threads;
    const int64_t zero = 0;

    detail::parallel_for(threads, tasks.phases * tasks.blocks_most, [&](int64_t task) {
        const int64_t p = task % tasks.phases;
        const int64_t Q = pc.hi[std::size_t(p)] - pc.lo[std::size_t(p)], M = taps(p, F, S);
        const int64_t col0 = task / tasks.phases * NR;
        if (col0 >= B * Q) return;  // this phase has fewer column blocks
        const int64_t cols = std::min(NR, B * Q - col0);
        T* b = blocks + int64_t(detail::thread_index()) * block;
        const int64_t lo = pc.lo[std::size_t(p)];
        // Rows (m, c): x[n, c, q - m] for the columns (n, q), zero outside [0, L).
        int64_t off[64];  // nr <= 48 for every body
        const int64_t width = panel_width(mk, cols, NR);
        for (int64_t m = 0; m < M; ++m) {
            std::fill(off, off + NR, kNoElement);
            // NOLINTBEGIN(clang-analyzer-security.ArrayBound): 0 <= col + j < cols <= nr
            for_each_run(col0, cols, Q, [&](int64_t n, int64_t q, int64_t col, int64_t count) {
                for (int64_t j = 0; j < count; ++j) {
                    const int64_t i = lo + q + j - m;
                    if (i >= 0 && i < L) off[col + j] = x.batch_offset(n) + i * x.length_stride;
                }
            });
            // NOLINTEND(clang-analyzer-security.ArrayBound)
            gather_rows(x.data, x.channel_stride, off, C, width, NR, b + m * C * NR);
        }
        T tile[16 * 64];  // mr * nr <= 8 * 48 for every body
        for (int64_t kb = 0; kb < nkb; ++kb) {
            panel_for(mk, cols)(a + phase_offset[std::size_t(p)] + kb * M * C * MR, MR, b, &zero, 1, M * C,
                                NR, tile, false);
            for_each_run(col0, cols, Q, [&](int64_t n, int64_t q, int64_t col, int64_t count) {
                store_tile(tile + col, NR, kb, MR, K, bias, y, n, (lo + q) * S + p - geo.crop_left, S, count);
            });
        }
    });
}

// The gathered elements of the batched strategy's blocks (columns of several
// items, a few positions each on short inputs): 2 cycles each.
constexpr double kBatchedGatherCycles = 2.0;

// Scales on the strategies' estimates against the per-item one's, fitted by
// ranking: every strategy that could win forced in turn, alternated call by
// call in one process (this machine's speed moves in phases of minutes), one
// thread, 640 draws of the sweep's families in both dtypes; the scales (with
// the gather and weight-packing charges) that made the cheapest estimate pick
// the fastest strategy most often (summed log of chosen over fastest time
// 8.8 -> 2.7) were then checked on 495 other draws (12.1 -> 6.8, mis-ranked
// by over 5%: 61 -> 34). With the charges added since, for phase panels
// beyond L2: 3.3 and 6.5 (kept: measured on shapes outside these draws); for
// short copy calls (on the estimates as recorded): 2.5 and 6.6. Collected
// again (2026-12-01: 280 draws of sweep seeds 61-67 in both dtypes, checked
// on 160 of seeds 68-71) once the phase strategies' stores were charged for
// the real rows only: 5.6 -> 4.3 and 2.5 -> 2.1; with the float64 tap-wise
// scale 1.0 -> 1.05, 3.4 and 1.8 (mis-ranked by over 5%: 27 -> 15 and
// 18 -> 13). Again (2026-12-02) once the per-item strategy packed the
// weights where the in-place calls would cost more (kChainCallCycles):
// 348 draws of seeds 111-116 (both dtypes, with at least two strategies
// within 2x by their estimates), checked on 284 of seeds 117-121: float32
// 2.41 -> 2.04, float64 2.47 -> 1.60 (mis-ranked by over 5%: 14 -> 13 and
// 11 -> 7). The batched strategy ran slower than its panel calls and
// gathers say on every family (float32 most); the tap-wise one's
// read-modify-write of tiles and the dot products' lane sums cost more
// than counted.
// `one_filter`: the per-item strategy's estimate for one output channel,
// whose one-row panels are bound by their loads (a broadcast and a vector
// load per FMA, most of them straddling two lines): on a Zen 4 machine they
// ran 1.2-1.5 times their estimate where the tap-wise strategy ran 1.0-1.2
// (C = 16); fitted with the correlated rows' estimate (kRowsFit, in
// cpu/forward_rows.hpp, where the draws are given). 1.3-1.5 rank alike.
// `one_filter_taps`: the tap-wise strategy's for one output channel. 1 with
// the 512-bit body, where the rows were fitted. With the 256-bit body on a
// Zen 3 core (2026-12-06; four taps a tile where the 512-bit body's tile
// takes eight) it ran 1.1-2.2 times its estimate (median 1.6) in cache,
// where the correlated rows ran 0.7-1.1 times theirs: 100 one-output-channel
// float32 draws of sweep seeds 1361-1400, one thread, per-item, tap-wise and
// rows forced in turn, alternated call by call in one process. Mis-ranked so,
// (8, 64, 1, 16, 2, 2048, same) ran tap-wise in 1.4 ms, against 0.8 by rows
// and 0.84 by ONNX Runtime.
// `taps_whole`: the tap-wise strategy's whole estimate (its adds, where the
// latent GEMM is not a candidate; not one output channel's) against the
// others', where F >= S. 1 with the other bodies. With the 256-bit body on
// a Zen 3 core (2026-12-07) the tap-wise strategy ran slower than its
// estimate against the per-item one in float32: 430 draws of sweep seeds
// 1881-1910 (no latent or one-output-channel layers) whose per-item and
// tap-wise estimates lay within 1.5 times of each other, per-item, tap-wise
// and batched forced in turn, alternated call by call in one process, one
// thread. Scaled by 1.15 where F >= S, the summed log(chosen / fastest) of
// the three went 5.01 -> 2.84, choices more than 5% slower than the
// fastest 31 -> 18 (stride 1: 1.77 -> 0.01; (4, 256, 32, 3, 1, 256, same)
// had run tap-wise in 1.28 ms, per item in 1.04); flat from 1.15 to 1.3.
// F < S layers gained nothing from any scale (their adds are charged apart,
// above). Held out: the 20 choices it changed on seeds 1911-1960 (tap-wise
// to per item) ran in 0.887 of the time at one thread (geometric mean;
// 0.74-1.12) and 0.985 at two (0.77-1.30: one-item stride-1 layers, which
// the per-item strategy shares out less well). Float64 not measured: 1.
struct ForwardFit {
    double batched, taps, dots, one_filter, one_filter_taps, taps_whole;
};

template <class T>
ForwardFit forward_fit(const MicroKernels<T>& mk) {
    return {sizeof(T) == 4 ? 1.7 : 1.3,   sizeof(T) == 4 ? 1.15 : 1.2,
            sizeof(T) == 4 ? 1.2 : 1.3,   1.35,
            wide_vectors(mk) ? 1.0 : 1.6, mk.lanes * int(sizeof(T)) == 32 && sizeof(T) == 4 ? 1.15 : 1.0};
}

// Estimated cycles of each strategy, from the shape alone (so that the
// choice, and the result, never depend on the thread count): the FMAs of the
// panel calls (MR x vectors per step, two per cycle), a charge per call, the
// stores (the tap-wise strategy's read-modify-writes) of the tiles, the
// packing (gathered elements cost more than copied runs), and the outputs
// that hold the bias alone (every output, for the tap-wise strategy's pass
// that sets them before adding).
struct ForwardCosts {
    double per_item = 0, batched = 0, taps = 0;
    double taps_steps = 0;  // the tap-wise panel calls' steps, part of `taps`
};

// Cycles per byte of the per-item strategy's weight panels read again from
// beyond L2 (per_item_cycles).
constexpr double kPerItemPanelRereadCycles = 0.05;

// Rows of at least this many bytes whose column blocks are read in place
// are charged no copy for those blocks (per_item_cycles).
constexpr int64_t kInPlaceRowBytes = 2048;

// The per-item strategy's estimated cycles over B items, as streams of
// pc.items: the copies and FMAs of the panel calls, the stores, the panels
// read again from beyond L2, and the bias-only outputs.
template <class T>
double per_item_cycles(const MicroKernels<T>& mk, const Geometry& geo, const PhaseColumns& pc, int64_t B,
                       int64_t C, int64_t K) {
    const int64_t MR = mk.mr, F = geo.filter_size, S = geo.stride;
    const int64_t Sp = phases_with_taps(F, S), nkb = ceil_div(K, MR), streams = ceil_div(B, pc.items);
    const double width = double(pc.width + ceil_div(F, S) - 1 + pc.qspread);
    const int64_t P = ceil_div(F, S) - 1, group_room = slab_room<T>(geo, pc);
    const bool strips = input_strips(nkb * MR, F, S);
    // The column blocks read in place (slabs_in_place; a contiguous input
    // taken, the common layout, and no stream's head, which is copied whole)
    // copy nothing, where the item's rows are at least kInPlaceRowBytes long
    // (so also in the one-item baseline that stream_columns weighs streams
    // against). Charged with the copy, (8, 256, 32, 3, 1, 1024, same)
    // float32 was estimated level with the tap-wise strategy, which ran it
    // instead in 1.24-1.34 times the per-item time (a Zen 4 core, one and two
    // threads, alternated call by call in one process, 32 MB of caches
    // dirtied between calls). Uncharged on rows of every length, one-item
    // layers of 16 positions and F = 1 went per item and ran at 0.70-1.11
    // times the speed, mostly slower (their rows read in place are 64-128
    // bytes apiece). From 2 KB rows, of the draws of sweep seeds 1964-2039
    // with 256 channels or more and one phase (both dtypes), 9 changed
    // strategy and ran at 0.94-1.08 times the speed at one thread, 0.95-1.17
    // at two (geometric means 1.01 and 1.03).
    int64_t copied = pc.nqb;
    if (slabs_in_place(mk, pc, Sp, C, strips) && geo.length * int64_t(sizeof(T)) >= kInPlaceRowBytes)
        for (int64_t qb = 0; qb < pc.nqb; ++qb) copied -= slab_inside(pc, qb, P, geo.length) ? 1 : 0;
    double cycles = double(streams) * double(copied) * double(C) * width * 0.5;
    // A copy call per channel and block (slabs) or task (strips, one per
    // group of blocks within slab_room) costs kCopyCallCycles at least, the
    // elements' half cycle each above that: short rows cost the call more
    // than the copy ((8, 256, 16, 1, 6, 16, same) float64, a block of 16
    // positions per item: per-item 0.081 ms against tap-wise 0.044, estimated
    // the other way round). On the forward fit's draws (ForwardFit, their
    // estimates as recorded): summed log 2.7 -> 2.5, validation 6.9 -> 6.6.
    // Streams copy each item's row apart: a call each.
    const int64_t group = blocks_within(pc, group_room, P, C, sizeof(T), strips);
    {
        const double calls = double(streams) * double(C) * double(strips ? ceil_div(pc.nqb, group) : copied);
        const double row = strips ? double((group - 1) * pc.width) + width : width;
        cycles += calls * std::max(0.0, kCopyCallCycles - 0.5 * row);
        if (pc.items > 1) cycles += double(B) * double(C) * kCopyCallCycles;
    }
    for (int64_t p = 0; p < Sp; ++p) {
        const int64_t Q = pc.hi[std::size_t(p)] - pc.lo[std::size_t(p)], M = taps(p, F, S);
        const double depth = double(M * C);
        // The calls of every filter block, and the stores of the real rows
        // only (K of the nkb*MR: the tiles' padding rows are never written;
        // charged on every row, (1, 16, 4, 4, 4, 65536) float32 was estimated
        // above the tap-wise strategy, which ran instead: 1.44 ms against
        // 1.07).
        // Few output channels: their filter block's real rows alone, one
        // or half the tile's (panel_rows_for).
        // The taps past the first read the slab a few elements on.
        const int64_t rows = K == 1 ? 1 : 2 * K <= MR ? MR / 2 : 0;
        const double split = double(M - 1) / double(M);
        cycles +=
            double(streams) * over_blocks(Q, pc.width, [&](int64_t cols) {
                return double(nkb) * panel_cycles_loads(mk, depth, cols, 0.0, rows, split) + double(K * cols);
            });
    }
    // Weights beyond L2 (as phase panels) come from memory each time a task
    // reads them all again: the per-item strategy once per item and group of
    // column blocks (its slabs within slab_room), the batched one once per
    // column block of a phase. At first 0.1 cycles per byte, as for the
    // tap-wise strategy ((8, 512, 256, 6, 3, 16, [1 2]) float32, 3 MB of
    // panels read by each of 8 items: per-item 3.8 ms against tap-wise 2.0);
    // the per-item strategy's panels are read in order, which the
    // prefetchers stream from L3: at 0.05 (Zen 3, 2026-12-06; 100 draws
    // with 512 KB of weights or more and two items or more, sweep seeds
    // 1601-1700, per-item, tap-wise and batched forced, one thread,
    // alternated in one process) summed log(chosen / fastest) float64 4.95
    // -> 3.69, float32 unchanged; on seeds 1701-1800 the 10 choices that
    // changed (9 float64, short F < S inputs of 4-16 items and 128-256
    // channels, such as (16, 256, 256, 4, 8, 16, same) 5.7 -> 3.6 ms) all
    // ran faster, 0.64-0.89 of the time.
    const double panel_bytes = double(F) * double(C) * double(nkb * MR) * double(sizeof(T));
    if (panel_bytes > kBeyondL2Bytes)
        cycles += kPerItemPanelRereadCycles * panel_bytes * double(streams * ceil_div(pc.nqb, group) - 1);
    // The outputs of the phases without taps (F < S) hold the bias alone:
    // written in vectorized runs over whole rows (contiguous outputs, the
    // common layout), a twentieth of a cycle each (the batched strategy
    // writes them apart, the tap-wise one sets every output anyway).
    const double bias_only = double(B) * double(K) * double(geo.out_length) * double(S - Sp) / double(S);
    return cycles + bias_only * 0.05;
}

// The strategies' estimates (ForwardCosts); `whole_pass`: not one of a
// split's sub-passes (forward_pass's may_split), whose tap-wise steps stay
// scaled.
template <class T>
ForwardCosts forward_costs(const MicroKernels<T>& mk, const Geometry& geo, const PhaseColumns& pc, int64_t B,
                           int64_t C, int64_t K, const TapRows& rows, const TapBlocks& tb, bool whole_pass) {
    const int64_t MR = mk.mr, NR = mk.nr, F = geo.filter_size, S = geo.stride, L = geo.length;
    const int64_t Sp = phases_with_taps(F, S), nkb = ceil_div(K, MR);
    // The tap-wise strategy's row blocks per column block: those with a tap
    // whose products land in the kept window (the rest are skipped).
    const auto lands = [&](int64_t f) {
        const direct::InputRange r = direct::kept_inputs(f, geo);
        return r.hi > r.lo;
    };
    int64_t nrb = 0;
    for (int64_t rb = 0; rb < rows.blocks; ++rb) {
        if (rows.in_place) {
            nrb += lands(rb / nkb) ? 1 : 0;
            continue;
        }
        const int64_t first = rb * rows.height, last = std::min(F * K, first + rows.height) - 1;
        bool any = false;
        for (int64_t f = first / K; f <= last / K; ++f) any = any || lands(f);
        nrb += any ? 1 : 0;
    }
    const auto call = [&](double depth, int64_t cols, double store) {
        return panel_cycles_loads(mk, depth, cols, store);
    };
    const auto blocks = [&](int64_t count, auto&& cost_of) { return over_blocks(count, NR, cost_of); };
    ForwardCosts c;
    c.per_item = per_item_cycles(mk, geo, pc, B, C, K);
    for (int64_t p = 0; p < Sp; ++p) {
        const int64_t Q = pc.hi[std::size_t(p)] - pc.lo[std::size_t(p)], M = taps(p, F, S);
        const double depth = double(M * C);
        c.batched += blocks(saturating_mul(B, Q), [&](int64_t cols) {
            return cols > 0 ? double(nkb) * call(depth, cols, 0.0) + double(K * cols) +
                                  kBatchedGatherCycles * depth * double(NR)
                            : 0.0;
        });
    }
    // Panels beyond L2 are read from memory once per column block of a
    // phase (per_item_cycles).
    const double panel_bytes = double(F) * double(C) * double(nkb * MR) * double(sizeof(T));
    if (panel_bytes > kBeyondL2Bytes) {
        for (int64_t p = 0; p < Sp; ++p) {
            const int64_t Q = pc.hi[std::size_t(p)] - pc.lo[std::size_t(p)];
            c.batched += 0.1 * panel_bytes * double(taps(p, F, S)) / double(F) *
                         double(std::max<int64_t>(0, ceil_div(saturating_mul(B, Q), NR) - 1));
        }
    }
    // The outputs of the phases without taps (F < S) hold the bias alone:
    // written apart by the batched strategy, half a cycle each, and by the
    // per-item one in vectorized runs over whole rows (contiguous outputs,
    // the common layout), a tenth of that (the tap-wise strategy sets every
    // output to the bias anyway, below).
    const double bias_only = double(B) * double(K) * double(geo.out_length) * double(S - Sp) / double(S);
    c.batched += bias_only * 0.5;
    // Blocks of whole items are packed; blocks of a longer input are read in
    // place (contiguous inputs: the common case).
    // A tile row is added into the output element by element, S apart; with
    // stride 1 (contiguous outputs, the common layout) in vectors, cheaper
    // (fitted on the stride-1 shapes of 15 sweep draws, tap-wise against
    // per-item forced, one thread: 1.1 on one machine; 1.5 since a second
    // kind, with two FMA units, ran 12 stride-1 shapes per item 1.1-1.9x
    // faster wherever their weights packed in under 1 MB, e.g.
    // (1,256,64,7,1,1024) 1.78 against 2.04 ms).
    // The tile: the full one, or the wide one (half the rows, twice the
    // columns) for rows that fill half a tile or less.
    // With F < S and rows in place, 2.5 for a whole pass: there the panel
    // calls' steps go unscaled (forward_pass), and the adds carry what the fit
    // charged them; a split's sub-passes keep their steps scaled and 2.0.
    const double add = S == 1 ? 1.5 : rows.in_place && F < S && whole_pass ? 2.5 : 2.0;
    const int64_t TW = rows.width;
    const auto tap_cost = [&](int64_t cols, double packing) {
        return cols > 0 ? double(nrb) * panel_cycles_loads(mk, double(C), cols, add, rows.height) +
                              double(C * TW) * packing
                        : 0.0;
    };
    const auto tap_steps = [&](int64_t cols, double) {
        return double(nrb) * panel_steps_cycles(mk, double(C), cols, rows.height);
    };
    // Blocks of whole items (packed: `packing` per element), or of one item's positions.
    const auto over_tap_blocks = [&](auto&& cost_of) {
        if (L <= TW) {
            const int64_t per_block = TW / L, full = B / per_block;
            return double(full) * cost_of(per_block * L, 0.5) + cost_of((B % per_block) * L, 0.5);
        }
        return double(B) * over_blocks(L, TW, [&](int64_t cols) { return cost_of(cols, 0.0); });
    };
    c.taps = over_tap_blocks(tap_cost);
    c.taps_steps = over_tap_blocks(tap_steps);
    // The pass that sets y to the bias first: vectorized runs over whole
    // rows, a twentieth of a cycle per output. Charged half a cycle, it put
    // the tap-wise strategy behind where it ran fastest on F < S layers
    // (most outputs bias-only); at 0.05, over 240 draws of sweep seeds
    // 146-151 (float32, every strategy forced in turn, one thread) the summed
    // log of chosen over fastest time went 1.71 -> 1.24 (seeds 146-148) and
    // 1.26 -> 0.88 (149-151); float64 chose the same strategies (its
    // tap-wise estimates are dominated by the panel calls).
    c.taps += double(B) * double(K) * double(geo.out_length) * 0.05;
    // Every column block reads all the weights (in place or packed); beyond
    // L2 each block after the first reads them from memory again, where the
    // GEMM strategies pack them once and serve every column block of a group
    // from L2. Fitted on one-item vocoder stages of the sweeps (weights of
    // 1.5-8 MB in 2-22 column blocks, both dtypes; tap-wise and per-item
    // forced, one thread): 0.1 cycles per byte, within the 0.05-0.17 that
    // ranks them all as measured.
    // Tasks of whole items (taps_items_per_task) read them once per task;
    // filter blocks first (taps_filter_major), once, the inputs then read
    // once per filter block instead.
    const double weight_bytes = double(F) * double(K) * double(C) * double(sizeof(T));
    const int64_t items_per_task = taps_items_per_task(tb, rows, B, F, K, C, L, sizeof(T));
    const bool filter_major = taps_filter_major(tb, rows, B, F, K, C, L, MR, sizeof(T));
    const int64_t weight_reads =
        items_per_task > 0 ? ceil_div(B, items_per_task) : (filter_major ? 1 : tb.count);
    if (weight_bytes > kBeyondL2Bytes) c.taps += 0.1 * weight_bytes * double(weight_reads - 1);
    const double input_bytes = double(B) * double(C) * double(L) * double(sizeof(T));
    if (filter_major && input_bytes > kBeyondL2Bytes) c.taps += 0.1 * input_bytes * double(nkb - 1);
    // With F < S most outputs hold the bias alone and each of the rest one
    // tap's product: the per-item strategy writes every output once, the
    // tap-wise one twice (the bias pass, then each tile's read-modify-write).
    // Where the output and input exceed kTapOutputBytes, the second visit
    // reads the output from memory again: 0.1 cycles per byte, as for the
    // weights. Uncharged, (16, 128, 16, 1, 9, 1024, same) float32 (9 MB of
    // outputs) went tap-wise, 3.05 ms against 1.90 per item (one thread,
    // 64 MB of caches dirtied between calls). Not for F >= S, whose outputs
    // take F/S products each, where the FMAs hide that read: charged there
    // too, (256, 64, 256, 16, 4, 2, same) float64 left the tap-wise strategy
    // for the dot products, 1.65 times slower.
    const double output_bytes = double(B) * double(K) * double(geo.out_length) * double(sizeof(T));
    if (F < S && output_bytes + input_bytes > kTapOutputBytes) c.taps += 0.1 * output_bytes;
    return c;
}

// The dot-product strategy's estimated cycles (fitted on shapes run with it
// and the tap-wise strategy forced, one thread, B*L from 1 to 16 columns and
// the sweep's families, on the scale of the GEMM strategies' estimates): the
// weights streamed once at about 0.03 cycles per byte; per dot product of a
// tap whose input lands in the kept window 4 cycles (the sum of its lanes and
// the addition into the output) plus one per whole vector and half a cycle
// per remaining channel; beyond L2, the input columns read from memory once
// per pair of filters and tap; the columns packed channels-last (a transpose,
// 5 cycles per element) and the output set to the bias. The lane sums were
// 16 cycles (0.75 per vector) while they were added one by one; once by
// halves across the block (the bodies' lane_sums), refitted on 480 draws of
// sweep seeds 146-151 (every strategy forced in turn, one thread): summed
// log of chosen over fastest time 2.87 -> 1.90 (float32), 3.19 -> 2.21
// (float64).
template <class T>
double forward_dots_cost(const MicroKernels<T>& mk, const Geometry& geo, int64_t B, int64_t C, int64_t K) {
    const int64_t lanes = mk.lanes, F = geo.filter_size;
    double kept = 0;  // (tap, input) pairs that land in the kept window
    for (int64_t f = 0; f < F; ++f) {
        const direct::InputRange r = direct::kept_inputs(f, geo);
        kept += double(r.hi - r.lo);
    }
    const double columns = double(B) * double(geo.length),
                 column_bytes = columns * double(C) * double(sizeof(T));
    const double dots = kept * double(B) * double(K);
    const int64_t whole_vectors = C / lanes;  // the rest of the channels are summed one by one
    const double per_dot = 4.0 + double(whole_vectors) + 0.5 * double(C % lanes);
    const double from_memory =
        column_bytes > double(512 << 10)
            ? double(ceil_div(K, kDotRows)) * kept * double(B) * double(C) * double(sizeof(T)) / 4.0
            : 0.0;
    const double weight_bytes = double(F) * double(K) * double(C) * double(sizeof(T));
    return 1e3 + 0.03 * weight_bytes + dots * per_dot + from_memory + 5.0 * columns * double(C) +
           0.5 * double(B) * double(K) * double(geo.out_length);
}

// Streams of items for the per-item strategy: the items of a batch, each
// followed by P zeros (none where F <= S), are one input as far as the
// phase GEMMs go (pack_stream_block), so a stream's columns fill the tiles
// where one short item's would leave most of a last block idle ((2, 256,
// 128, 12, 6, 64) float32: 65 columns a phase, 80 computed per item; two
// items as one stream, 144 for 130: 0.96 -> 0.84 ms, one thread). With
// gaps between the inputs' runs (F < S), only into contiguous rows, each
// item's part of a block written as whole runs (store_tiles_runs): (16,
// 128, 128, 3, 9, 16, same) float32, 16 columns an item, streams of 8:
// 0.216 -> 0.177 ms in cache, 0.272 -> 0.209 from memory; (4, 256, 256, 1,
// 8, 16, same) streams of 2: 0.068 -> 0.060 and 0.115 -> 0.100 (one
// thread, alternated call by call).
// The stream whose estimate is lowest, if 3% below one item's (fewer,
// longer tasks otherwise), among those whose one block's slab fits in
// `room` elements. Items shorter than a vector are left to the other
// strategies, whose estimates were fitted on them (per-item on streams ran
// slower than the estimate said on latent expansions); items of more than
// 16 blocks lose less than a block in 16 to a last one. Chosen only once the
// per-item strategy is: the tap-wise strategy's estimate, fitted against
// one item's columns, ranked it wrongly against streams both ways
// ((8, 512, 256, 14, 7, 16, [3 4]) and the shape above).
constexpr int64_t kStreamItemsMost = 16;

template <class T>
PhaseColumns stream_columns(const MicroKernels<T>& mk, const Geometry& geo, const PhaseColumns& pc, int64_t B,
                            int64_t C, int64_t K, int64_t room) {
    const int64_t F = geo.filter_size, S = geo.stride, P = ceil_div(F, S) - 1;
    PhaseColumns best = pc;
    if (S > kRunStoreMax || B < 2 || geo.length < mk.lanes || geo.length > 16 * mk.nr) return best;
    const bool strips = input_strips(round_up(K, mk.mr), F, S);
    const double single = per_item_cycles(mk, geo, pc, B, C, K);
    double lowest = single;
    for (int64_t g = 2; g <= std::min(B, kStreamItemsMost); ++g) {
        const PhaseColumns streams = phase_columns(geo, mk.nr, mk.lanes, g);
        if (task_input(streams, 1, P, C, sizeof(T), strips).elems > room) continue;
        const double cost = per_item_cycles(mk, geo, streams, B, C, K);
        if (cost < lowest && cost < 0.97 * single) {
            lowest = cost;
            best = streams;
        }
    }
    return best;
}

// What a split's sub-pass would run, estimated (forward_pass's `estimate`):
// the cost of the strategy it would choose unforced, the strategy it
// chooses, and whether the per-item strategy fits its budget.
struct SubPassEstimate {
    double cost = 0.0;
    Strategy strategy = Strategy::automatic;
    bool per_item_fits = false;
};

// How a split's parts run their sub-passes (cpu/forward_split.hpp): by the
// per-item strategy, on at most `threads` threads.
struct SubPassPerItem {
    int threads = 1;
};

// The forward pass; `may_split`: whether it may run split in three
// (cpu/forward_split.hpp), false for the split's own sub-passes;
// `estimate`, where given: nothing is computed, what the pass would run is
// stored there (x, w and y need their shapes and strides only); `per_item`,
// where given: the per-item strategy (which must fit), on at most its
// threads.
template <class T>
bool forward_pass(const DataView<const T>& x, const WeightsView<const T>& w, const BiasView<const T>& bias,
                  const Geometry& geo, const DataView<T>& y, PhasePanels<T>* reuse,
                  const DataView<const T>* head, bool may_split, SubPassEstimate* estimate = nullptr,
                  const SubPassPerItem* per_item = nullptr) {
    const MicroKernels<T>& mk = kernels<T>();
    const int64_t MR = mk.mr, NR = mk.nr;
    const int64_t B = x.batch(), C = x.channels, K = w.num_filters, L = geo.length;
    const int64_t F = geo.filter_size, S = geo.stride, Sp = phases_with_taps(F, S);
    const int64_t Kp = round_up(K, MR), nkb = Kp / MR;
    // (A part's sub-pass, on one thread inside the parts' region, asks for
    // no thread count: that would check, on that thread, that a team can start.)
    const int nt =
        per_item != nullptr && per_item->threads == 1
            ? 1
            : std::min(threads_for(2.0 * double(B) * double(L) * double(C) * double(K) * double(F)),
                       per_item != nullptr ? per_item->threads : std::numeric_limits<int>::max());
    const PhaseColumns pc = phase_columns(geo, NR, mk.lanes);
    if (pc.nqb == 0) {  // every output kept lies between the inputs' runs or past Lfull
        if (estimate != nullptr) {
            *estimate = {double(elements(y)), Strategy::automatic, true};
            return true;
        }
        fill_bias_only(bias, geo, y, nt);
        return true;
    }

    // Workspace (R8.3: within the elements of the call's own arrays): the
    // packed weights (phase panels, or the tap-wise rows), then per thread
    // the input slabs of a column-block group, the batched strategy's block,
    // or the tap-wise strategy's block. The cheapest strategy that fits on
    // one thread runs, else the direct loop nest (cpu/strategy.hpp); the
    // threads are capped to what fits.
    const int64_t inputs = saturating_add(elements(x), head != nullptr ? elements(*head) : 0);
    const int64_t budget = workspace_budget<T>(
        saturating_add(saturating_add(inputs, elements(y)), F * K * C + (bias.data ? K : 0)));
    const int64_t phase_fixed = F * C * Kp;
    const TapRows tap_rows_plan = tap_rows(F, K, C, MR, NR);
    const int64_t taps_fixed = tap_rows_plan.packed;
    // The tap-wise column blocks, from the shape alone (any layout of x).
    const TapBlocks tap_blocks_plan =
        tap_blocks(B, L, F, S, tap_rows_plan.width, mk.lanes, C, sizeof(T), tap_rows_plan.blocks,
                   tap_rows_plan.in_place ? ceil_div(K, MR) : 1, tap_slabs(tap_rows_plan));
    const int64_t tap_scratch =
        tap_scratch_per_thread(tap_blocks_plan, tap_rows_plan, B, F, K, C, L, sizeof(T));
    const bool strips = input_strips(Kp, F, S);
    const int64_t slab_elems = task_input(pc, 1, ceil_div(F, S) - 1, C, sizeof(T), strips).elems;
    const int64_t block = saturating_mul(saturating_mul(ceil_div(F, S), C), NR);
    // Packed weights cost a scatter (and a finiteness check) per element,
    // except where the caller keeps the panels (the stream, R13): packed once,
    // at its first such call, they serve every later one.
    const ForwardCosts cost = forward_costs(mk, geo, pc, B, C, K, tap_rows_plan, tap_blocks_plan, may_split);
    const double packing = reuse != nullptr ? 0.0 : kPackedSetupCycles,
                 phase_weights = reuse != nullptr ? 0.0 : kPackWeightCycles * double(phase_fixed);
    // The per-item strategy reads the weights where they lie when they are
    // in the layer's layout and fill whole tiles (K a multiple of MR), unless
    // the caller keeps packed panels (the stream), and when the calls this
    // adds (a call per tap instead of per phase, for every filter block and
    // column block of every item) cost less than packing them: for few
    // channels or many columns the packed panels ran up to 2.4 times faster
    // (one input channel), for one short item with large weights the weights
    // in place up to 17% (no copy of them). With chunks of channels
    // (chain_grouped) a call per tap and chunk: counted per tap alone, one
    // item of 256 channels at stride 1 read its weights in place although
    // the packed panels ran 1-3.5% faster ((1, 256, 128, 5, 1, 512, 0) and
    // four more, float32, one thread).
    const int64_t chunks = chain_grouped(Sp, C, chain_chunk(mk, pc.width), sizeof(T))
                               ? ceil_div(C, chain_chunk(mk, pc.width))
                               : 1;
    const double chain_calls = double(F * chunks - Sp) * double(nkb) * double(B) * double(pc.nqb);
    const bool chain_pays = reuse == nullptr && K % MR == 0 &&
                            kChainCallCycles * chain_calls < kPackWeightCycles * double(phase_fixed);
    // Its estimate charges the weights that way too (from the shape alone:
    // the layout of the weights changes how fast, never which strategy),
    // where a phase's columns fill at least two vectors. Charged the packing
    // whatever the calls did, short vocoder stages of one or two items with
    // 32-64 positions went tap-wise although the per-item calls ran 10-35%
    // faster; with one vector of columns per call (16 positions, float32)
    // the chained calls ran level with the tap-wise strategy or up to 17%
    // slower, 15-45% above their estimate. Float32 forward, one thread,
    // alternated in one process: of 400 draws (seeds 410-419) 9 choices
    // changed, summed log(new / old) -1.84 (0.64-1.03 each); two threads,
    // 200 draws, 5 changed, -0.81; float64, 240 draws, 4 changed, -0.49.
    // Counted in bytes (two 512-bit vectors, kChainColumnBytes), not in the
    // body's vectors: with the 256-bit body 16 float32 positions are two
    // vectors, and there the chained calls ran 12-25% slower than the
    // tap-wise strategy ((2, 512, 256, 4, 2, 16, [1 1]) 0.448 against 0.393
    // ms, (1, 512, 256, 8, 4, 16, [2 2]) 0.484 against 0.403; Zen 3, one
    // thread, alternated in one process).
    const double per_item_weights = chain_pays && longest_phase(pc) * int64_t(sizeof(T)) >= kChainColumnBytes
                                        ? kChainCallCycles * chain_calls
                                        : phase_weights;
    const ForwardFit fit = forward_fit(mk);
    // Inputs of one position: the tap-wise strategy may run as one GEMM
    // straight into y (cpu/forward_latent.hpp). Its weights are packed anew
    // each call, which over few items costs more than the adds it saves:
    // taken for 2*MR items or more where its estimate is below 1.5 times
    // the adds' (whose estimate ran 1.2-2.6 times under their time on L = 1,
    // the GEMM's 0.7-1.0 times). Fitted on 79 random latent draws of L = 1
    // (float32 and float64, one thread, both forced in turn, alternated):
    // of the 51 with 16 items or more the GEMM was taken for 48 and ran
    // 0.97-6.7 times as fast as the adds (faster on 47); of the 3 left to
    // the adds one would have run 1.4 times as fast; with 8 items it ran
    // 0.56-2.3 times the adds' time, slower on 5 of 10.
    const LatentColumns lc = latent_columns(geo, K, mk.lanes, sizeof(T));
    // A whole pass at stride 1, or with F < S, with rows in place: the fit
    // scales what the panel calls' steps leave. Those steps are the per-item
    // strategy's own kernels over the same weights in place and run as fast;
    // what ran slower than counted is the rest (each tile's read-modify-write
    // into y, the bias pass). Scaled whole, one short item went per item, whose
    // last column block holds the few outputs past the input's last vector:
    // (1, 256, 256, 3, 1, 128, 0) float32 (130 outputs) ran 0.515 ms per item
    // against 0.471 tap-wise (at 128 outputs 0.474 and 0.473). Per-item and
    // tap-wise forced, one thread, summed log of chosen over faster time:
    // float32 6.12 -> 5.87 and 7.46 -> 7.16 (574 and 558 draws of sweep seeds
    // 701-780), float64 6.14 -> 6.02 (530 of 701-730). Not for a split's
    // sub-passes (may_split false): those the split shares out pass by pass,
    // tap-wise, ran at two threads 1.15-1.2 times as long as the whole pass
    // tap-wise ((1, 256, 128, 5, 1, 128, 0) float64 0.49 against 0.41 ms, three
    // runs). With F < S each output takes one tap's product at most, as in the
    // per-item strategy's phases of one tap; the adds, element by element S
    // apart, are charged 2.5 there (at 2.0, 29 float32 draws of seeds 881-1000
    // changed, 1.04 times as slow, geometric mean). At 2.5, the changed choices,
    // alternated in one process against the steps scaled: float32 one thread
    // 0.91 (12 draws, 0.61-1.09), two threads 0.92 (12, 0.62-1.38), float64 one
    // thread 0.90 (30, 0.66-1.15); seeds 1001-1100 float32 with caches dirtied
    // 0.98 (16, 0.76-1.27). Not at every S > 1 (F >= S: several taps' adds per
    // output), whose adds then had to be charged higher to rank alike, which
    // sent one output channel to the correlated rows' strategy, up to 1.37 times
    // slower and short inputs of many items from the tap-wise strategy to the
    // batched one, up to 1.3; nor for rows packed across taps (K < MR), another
    // kernel: one output channel (1, 16, 1, 4, 1, 16384, same) float64 went
    // tap-wise, 1.34 times slower. (With the 256-bit body, float32, the whole
    // of taps_adds, steps included, is scaled again below where F >= S:
    // ForwardFit's taps_whole, fitted on that body's own draws.)
    const double taps_steps =
        (S == 1 || F < S) && tap_rows_plan.in_place && may_split ? cost.taps_steps : 0.0;
    const double taps_adds =
        taps_steps + fit.taps * (cost.taps - taps_steps + kPackWeightCycles * double(taps_fixed) +
                                 (taps_fixed > 0 ? packing : 0.0));
    const double latent_gemm = L == 1 && B >= 2 * MR ? latent_cycles(mk, lc, geo, B, C, K) + packing
                                                     : std::numeric_limits<double>::infinity();
    const bool latent = latent_gemm < 1.5 * taps_adds;
    const bool taps_fit =
        latent ? latent_workspace(lc, B, C, MR, sizeof(T)) <= budget
               : saturating_add(saturating_add(taps_fixed, tap_rows_plan.copy), tap_scratch) <= budget;
    // Against the other strategies the tap-wise one counts as its adds'
    // estimate at most (the GEMM is taken where it runs faster), plus, with
    // the 512-bit body, the slab copies it makes over the layer's own layout
    // (cpu/forward_taps.hpp): counted from the shape alone, whatever the
    // input's strides, so that they never change the choice (R8.5).
    const double taps_copies =
        tap_slab_copy_cycles(mk, tap_blocks_plan, tap_rows_plan, L, double(B) * double(C) * double(L));
    const double taps_cost = latent ? (K == 1 ? fit.one_filter_taps : 1.0) * std::min(latent_gemm, taps_adds)
                                    : (K == 1   ? fit.one_filter_taps
                                       : F >= S ? fit.taps_whole
                                                : 1.0) *
                                              taps_adds +
                                          taps_copies;
    // Correlated rows (cpu/forward_rows.hpp): the reordered weights, a copy
    // of an input whose positions are not contiguous (counted whatever the
    // layout, so that it never changes the choice), one thread's block.
    const bool rows_fit = rows_apply(geo) && saturating_add(saturating_add(F * K * C, dots_workspace(x)),
                                                            rows_scratch(geo, C, mk.lanes)) <= budget;
    const std::initializer_list<Candidate> candidates = {
        {Strategy::per_item, saturating_add(phase_fixed, slab_elems) <= budget,
         (K == 1 ? fit.one_filter : 1.0) * (cost.per_item + per_item_weights + packing)},
        {Strategy::batched, saturating_add(phase_fixed, block) <= budget,
         fit.batched * (cost.batched + phase_weights + packing)},
        {Strategy::taps, taps_fit, taps_cost},
        {Strategy::dots, saturating_add(dots_workspace(x), F * K * C) <= budget,
         fit.dots * forward_dots_cost(mk, geo, B, C, K)},
        {Strategy::rows, rows_fit, forward_rows_cost(mk, geo, B, C, K)},
        {Strategy::direct, true,
         kDirectForwardCycles * products(B, L, F, K, C) +
             kDirectForwardOutputCycles * double(B) * double(K) * double(geo.out_length)},
    };
    const Strategy strategy = per_item != nullptr ? Strategy::per_item : choose_strategy(candidates);
    if (estimate != nullptr) {  // a split's sub-pass, estimated (its views hold no data)
        *estimate = {cheapest_cost(candidates), strategy, candidates.begin()->fits};
        return true;
    }
    // Split in three where that is estimated cheaper than the strategy
    // chosen for the whole pass (cpu/forward_split.hpp); never for a stream.
    const auto sub_estimate = [](const DataView<const T>& xh, const WeightsView<const T>& wh,
                                 const Geometry& gh, const DataView<T>& yh) {
        SubPassEstimate e;
        forward_pass<T>(xh, wh, BiasView<const T>{}, gh, yh, nullptr, nullptr, false, &e);
        return e;
    };
    if (may_split && reuse == nullptr && head == nullptr &&
        split_chosen<T>(mk, geo, w, B, C, budget, cheapest_cost(candidates),
                        [&](const auto&... sub) { return sub_estimate(sub...).cost; })) {
        // One item in parts, a thread each, where that pays; else pass by
        // pass on every thread.
        const std::vector<SplitPart> parts = split_parts<T>(
            w, geo, B, C, budget, nt, [&](const auto&... sub) { return sub_estimate(sub...).strategy; },
            [&](const auto&... sub) { return sub_estimate(sub...).per_item_fits; });
        if (!parts.empty()) {
            const auto sub_per_item = [](const DataView<const T>& xh, const WeightsView<const T>& wh,
                                         const Geometry& gh, const DataView<T>& yh, int threads) {
                const SubPassPerItem run{threads};
                forward_pass<T>(xh, wh, BiasView<const T>{}, gh, yh, nullptr, nullptr, false, nullptr, &run);
            };
            if (forward_split_parts(mk, x, w, bias, y, parts, nt, sub_per_item)) return true;
        } else {
            const auto sub = [](const DataView<const T>& xh, const WeightsView<const T>& wh,
                                const Geometry& gh, const DataView<T>& yh) {
                forward_pass<T>(xh, wh, BiasView<const T>{}, gh, yh, nullptr, nullptr, false);
            };
            if (forward_split(mk, x, w, bias, geo, y, nt, sub)) return true;
        }
    }
    // Panels kept by the caller (the stream) are packed once, into its memory.
    const bool reused = reuse != nullptr && reuse->mr == MR && reuse->rows == Kp && reuse->filter_size == F &&
                        reuse->stride == S && reuse->channels == C;
    // Only the slab packing reads a head, and only with panels already packed
    // from finite weights (the repair of non-finite ones reads x alone): else
    // nothing is written and the caller splits the call.
    if (head != nullptr && (strategy != Strategy::per_item || !reused || reuse->nonfinite)) return false;
    if (strategy == Strategy::direct) {
        direct::forward(x, w, bias, geo, y, nt, 0, geo.out_length);
        return true;
    }
    if (strategy == Strategy::rows) {
        // Inputs whose positions are not contiguous are copied first.
        const bool copy = x.length_stride != 1;
        const int64_t per_thread = rows_scratch(geo, C, mk.lanes);
        const int64_t shared = saturating_add(F * K * C, copy ? elements(x) : 0);
        const int threads = std::max(1, threads_within(budget, shared, per_thread, nt, B * L));
        detail::WorkspaceSize size;
        size.add<T>(F * K * C);
        size.add<T>(copy ? elements(x) : 0);
        size.add<T>(saturating_mul(per_thread, threads));
        detail::Workspace ws(size, "forward");
        T* wr = ws.take<T>(F * K * C);
        T* xc = ws.take<T>(copy ? elements(x) : 0);
        T* scratch = ws.take<T>(saturating_mul(per_thread, threads));
        DataView<const T> xs = x;
        if (copy) {
            const DataView<T> dst{xc, B, 1, C * L, 0, C, L, L, 1};
            detail::parallel_for_2d(threads, B, C, [&](int64_t n, int64_t c) {
                for (int64_t i = 0; i < L; ++i) dst.at(n, c, i) = x.at(n, c, i);
            });
            xs = DataView<const T>{dst.data, B, 1, C * L, 0, C, L, L, 1};
        }
        fill_bias_only(bias, geo, y, threads);
        forward_rows(mk, xs, w, bias, geo, y, wr, scratch, per_thread, threads);
        // Blocks at the input's ends read zeros: products with non-finite
        // weights that R3.1 does not have (cpu/nonfinite.hpp). The
        // reordered weights scanned in F runs of K*C.
        const bool nonfinite = detail::parallel_any(
            threads, F, [&](int64_t f) { return mk.any_nonfinite(wr + f * K * C, K * C); });
        if (nonfinite) recompute_forward_edges(x, w, bias, geo, y, threads);
        return true;
    }
    if (strategy == Strategy::dots) {
        // Weights whose channels are not contiguous (rare: a transposed
        // view) are first copied into the layer's layout; whether this
        // strategy runs never depends on that.
        const bool in_place = w.channel_stride == 1;
        detail::WorkspaceSize size;
        size.add<T>(dots_workspace(x));
        size.add<T>(in_place ? 0 : F * K * C);
        detail::Workspace ws(size, "forward");
        T* xt = ws.take<T>(dots_workspace(x));
        WeightsView<const T> rows = w;
        if (!in_place) rows = copy_to_layer_layout(w, ws.take<T>(F * K * C), nt);
        forward_dots(mk, x, rows, bias, geo, y, xt, nt);
        return true;  // only real products: non-finite weights need no second look
    }
    if (strategy == Strategy::taps && latent) {
        const int64_t nib = ceil_div(B, MR), tasks = nib * ceil_div(lc.count, NR);
        const int threads =
            std::max(1, threads_within(budget, latent_workspace(lc, B, C, MR, sizeof(T)), 0, nt, tasks));
        detail::WorkspaceSize size;
        size.add<T>(C * lc.ld);
        size.add<T>(nib * MR * C);
        size.add<T>(lc.count);
        size.add<int64_t>(lc.count);
        detail::Workspace ws(size, "forward");
        T* wr = ws.take<T>(C * lc.ld);
        T* xp = ws.take<T>(nib * MR * C);
        T* column_bias = ws.take<T>(lc.count);
        auto* offset = ws.take<int64_t>(lc.count);
        for (int64_t j = 0; j < lc.count; ++j) {
            const int64_t k = j / lc.taps, t = lc.t_lo + j % lc.taps;
            column_bias[j] = bias.data ? bias.at(k) : T(0);
            offset[j] = k * y.channel_stride + t * y.length_stride;
        }
        if (lc.taps < geo.out_length) fill_bias_only(bias, geo, y, nt);
        pack_latent_weights(mk, w, lc, geo.crop_left, wr, nt);
        forward_latent(mk, x, wr, lc, column_bias, offset, y, xp, nt, threads);
        return true;  // only real products: non-finite weights need no second look
    }
    if (strategy == Strategy::taps) {
        const TapBlocks& tb = tap_blocks_plan;
        const int64_t tap_tasks = tb.count * (tap_rows_plan.in_place ? ceil_div(K, MR) : 1);
        // Tasks of whole items read every block in place where x's positions
        // are contiguous: no scratch.
        const bool by_item_in_place = tap_by_item_in_place(tb, tap_rows_plan, x, F, K);
        const int64_t per_thread = by_item_in_place ? 0 : tap_scratch;
        // Weights read in place are read tap by tap (blocks [k][c], the taps
        // at any distance apart: the layer's layout, or a split's every other
        // tap); in another layout (rare: a transposed view) they are first
        // copied into the layer's. (A split's sub-passes copied their taps
        // each call: 9% of a one-item stride-1 pass at two threads.)
        const bool copy = tap_rows_plan.in_place && !tap_blocks_layout(w);
        const int threads = threads_within(budget, saturating_add(taps_fixed, copy ? F * K * C : 0),
                                           per_thread, nt, tap_tasks);
        // The input packed once for every filter block where the budget
        // holds it (then the threads need no scratch of their own; else
        // each task packs its block into its thread's); never for tasks of
        // whole items, which copy their items into their threads' scratch.
        int64_t whole =
            per_thread > 0 && taps_items_per_task(tb, tap_rows_plan, B, F, K, C, L, sizeof(T)) == 0
                ? taps_packed_input(tb, tap_rows_plan, B, F, K, C, L, MR, sizeof(T))
                : 0;
        if (saturating_add(saturating_add(taps_fixed, copy ? F * K * C : 0), whole) > budget) whole = 0;
        const int64_t scratch_elems = whole > 0 ? 0 : int64_t(threads) * per_thread;
        detail::WorkspaceSize size;
        size.add<T>(taps_fixed);
        size.add<T>(copy ? F * K * C : 0);
        size.add<T>(scratch_elems);
        size.add<T>(whole);
        detail::Workspace ws(size, "forward");
        T* a = ws.take<T>(taps_fixed);
        WeightsView<const T> rows = w;
        if (copy) rows = copy_to_layer_layout(w, ws.take<T>(F * K * C), nt);
        T* scratch = ws.take<T>(scratch_elems);
        T* packed_input = whole > 0 ? ws.take<T>(whole) : nullptr;
        pack_tap_rows(mk, rows, tap_rows_plan, a, nt);
        forward_taps(mk, x, rows, tap_rows_plan, a, bias, geo, y, tb, threads, scratch, nt, packed_input);
        return true;  // only real products: non-finite weights need no second look
    }
    const bool batched = strategy == Strategy::batched;
    const bool in_place = !batched && tap_blocks_layout(w) && chain_pays;
    const int64_t fixed = in_place ? 0 : phase_fixed, avail = budget - fixed;
    StrategyPlan plan;
    PhaseColumns ps = pc;  // the per-item strategy's columns: one item's, or a stream's
    if (batched) {
        plan.per_thread = block;
        plan.threads = threads_within(budget, fixed, block, nt, batched_tasks(geo, pc, B, NR).count);
    } else {
        const int64_t P = ceil_div(F, S) - 1;
        // Streams with gaps between the inputs' runs (F < S) write each
        // item's runs whole (store_tiles_runs), bias-only outputs included:
        // only into contiguous rows.
        if (head == nullptr && (F >= S || y.length_stride == 1))
            ps = stream_columns(mk, geo, pc, B, C, K, avail);
        const int64_t Bs = ceil_div(B, ps.items),
                      block_elems = task_input(ps, 1, P, C, sizeof(T), strips).elems;
        const int most =
            std::max(1, threads_within(budget, fixed, block_elems, nt, saturating_mul(Bs * ps.nqb, nkb)));
        // A task's input within slab_room and the budget.
        const int64_t room = std::min(slab_room<T>(geo, ps), avail / most);
        slab_plan(plan, ps, Bs, nkb, blocks_within(ps, room, P, C, sizeof(T), strips), most);
        plan.per_thread = task_input(ps, plan.group, P, C, sizeof(T), strips).elems;
        const int64_t col_tasks = Bs * ceil_div(ps.nqb, plan.group);
        plan.threads = threads_within(budget, fixed, plan.per_thread, most, col_tasks * plan.row_groups);
    }
    detail::WorkspaceSize size;
    size.add<T>(reuse != nullptr ? 0 : fixed);
    size.add<T>(int64_t(plan.threads) * plan.per_thread);
    detail::Workspace ws(size, "forward");
    if (reuse != nullptr && !reused) {
        reuse->mr = 0;  // not valid until packed below
        constexpr std::size_t line = 64 / sizeof(T);
        reuse->storage.assign(static_cast<std::size_t>(fixed) + line, T(0));
        const auto address = reinterpret_cast<std::uintptr_t>(reuse->storage.data());
        const auto skew = static_cast<std::ptrdiff_t>((64 - address % 64) % 64 / sizeof(T));  // elements
        reuse->data = reuse->storage.data() + skew;
    }
    T* a = reuse != nullptr ? reuse->data : ws.take<T>(fixed);
    T* scratch = ws.take<T>(int64_t(plan.threads) * plan.per_thread);

    // Weights: phase p, filter block kb is a panel [m][c][r] = W[p+m*S, kb*MR+r, c].
    std::vector<int64_t> phase_offset(static_cast<std::size_t>(Sp) + 1, 0);
    for (int64_t p = 0; p < Sp; ++p)
        phase_offset[std::size_t(p) + 1] = phase_offset[std::size_t(p)] + taps(p, F, S) * C * Kp;
    // Whether a non-finite weight was packed (or scanned, in place).
    bool nonfinite = reused && reuse->nonfinite;
    // Weights read in place: scanned filter tap by filter tap, in parallel.
    if (in_place)
        nonfinite =
            detail::parallel_any(nt, F, [&](int64_t f) { return mk.any_nonfinite(&w.at(f, 0, 0), K * C); });
    if (!reused && !in_place)
        nonfinite = detail::parallel_any(nt, Sp * nkb, [&](int64_t pk) {
            const int64_t p = pk / nkb, kb = pk % nkb, M = taps(p, F, S);
            T* panel = a + phase_offset[std::size_t(p)] + kb * M * C * MR;
            const int64_t n = std::min(MR, K - kb * MR);
            bool seen = false;
            for (int64_t m = 0; m < M; ++m) {
                const T* rows[kMaxMR];
                for (int64_t r = 0; r < n; ++r) rows[r] = &w.at(p + m * S, kb * MR + r, 0);
                T* out = panel + m * C * MR;
                interleave_rows(mk, rows, n, w.channel_stride, MR, C, out);
                seen = mk.any_nonfinite(out, C * MR) || seen;
            }
            return seen;
        });

    if (reuse != nullptr && !reused) {
        reuse->mr = MR;
        reuse->rows = Kp;
        reuse->filter_size = F;
        reuse->stride = S;
        reuse->channels = C;
        reuse->nonfinite = nonfinite;
    }

    if (batched) {
        forward_batched(mk, x, a, phase_offset, bias, geo, pc, y, plan, scratch);
        fill_bias_only(bias, geo, y, nt);
    } else {
        forward_slabs(mk, x, a, phase_offset, in_place ? &w : nullptr, bias, geo, ps, y, plan, scratch,
                      head);  // writes them too
    }
    if (nonfinite) recompute_forward_edges(x, w, bias, geo, y, nt);  // cpu/nonfinite.hpp
    return true;
}

template <class T>
bool forward(const DataView<const T>& x, const WeightsView<const T>& w, const BiasView<const T>& bias,
             const Geometry& geo, const DataView<T>& y, PhasePanels<T>* reuse,
             const DataView<const T>* head) {
    return forward_pass(x, w, bias, geo, y, reuse, head, true);
}

template bool forward<float>(const DataView<const float>&, const WeightsView<const float>&,
                             const BiasView<const float>&, const Geometry&, const DataView<float>&,
                             PhasePanels<float>*, const DataView<const float>*);
template bool forward<double>(const DataView<const double>&, const WeightsView<const double>&,
                              const BiasView<const double>&, const Geometry&, const DataView<double>&,
                              PhasePanels<double>*, const DataView<const double>*);

}  // namespace tconv1d::cpu
