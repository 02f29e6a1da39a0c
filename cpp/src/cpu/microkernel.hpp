// Internal: the register-blocked micro-kernels every pass is built from, and
// the table through which the drivers (cpu/kernels.cpp) reach the body
// compiled for one instruction set. The bodies are one source
// (cpu/isa/microkernel_body.inc) compiled once per instruction set; the
// drivers, the packing and all allocation stay in code compiled for the
// baseline, so nothing built with wider instructions can run on a CPU
// without them.
#pragma once

#include <algorithm>
#include <cstdint>

#include "cpu/index.hpp"

namespace tconv1d::cpu {

// The most rows a tile has in any body (cmake/kernels.cmake): the bound of
// the drivers' arrays of one entry per tile row.
constexpr std::int64_t kMaxMR = 8;

// The most rows interleave_add and deinterleave take (strides up to this).
constexpr std::int64_t kInterleaveMax = 16;

// The strides up to which the 256-bit body's interleave_add builds its
// output vectors by permutes (one per phase and vector, and a blend) rather
// than by register transposes, and its deinterleave its rows likewise from
// stride 3: 5 for 8 lanes (float32), 3 for 4 (float64). Stride 2 included
// (interleave_add there: one output channel of F = S = 2, tap-wise,
// (8, 32, 1, 2, 2, 4096, 0) float32 0.27 -> 0.25 ms).
// On a Zen 3 core, one thread, alternated call by call in one process,
// against the transposes (F < S, every run built whole): float32 (4, 64, 64,
// 2, 3, 1024, 0) 3.54 -> 3.00 ms, (8, 16, 16, 2, 3, 2048, 0) 0.84 -> 0.59,
// (4, 64, 64, 3, 4, 1024, 0) 2.27 -> 2.20, (16, 16, 64, 3, 5, 256, same)
// 1.12 -> 1.09, but S = 6 (4, 64, 64, 4, 6, 1024, 0) 2.74 -> 2.94; float64
// at S = 3 3-7% less time, at S = 4 level.
constexpr std::int64_t permuted_max(std::int64_t lanes) { return lanes >= 8 ? 5 : 3; }

// The most sources interleave_rows_add takes: two pairs, two two-source
// permutes per output vector.
constexpr std::int64_t kSparseRows = 4;

// The shuffles of the AVX-512 interleave_add and deinterleave (and of the
// 256-bit body's transposes, interleave_pays) per group of
// `lanes` columns of `rows` rows at stride S: each vector built from
// ceil(S/2) two-source permutes (a vector per output row, or per S rows'
// worth of outputs), or the rows, padded to whole blocks of `lanes`,
// transposed in registers, log2(lanes) shuffles per vector. The body takes
// the transposes where they are fewer (by_transposes). Measured on the
// forward's runs (rows = S, one thread, alternated in one process): the
// transposes level at S = 9 and 10 float32, 3% faster at 11, 12-25% at 16;
// float64 4% slower at S = 6, level or faster from 7: where the counts put
// the switch.
constexpr std::int64_t permute_shuffles(std::int64_t S, std::int64_t rows) { return rows * ((S + 1) / 2); }
constexpr std::int64_t transpose_shuffles(std::int64_t S, std::int64_t lanes) {
    std::int64_t log2_lanes = 0;
    while ((std::int64_t(1) << log2_lanes) < lanes) ++log2_lanes;
    return (S + lanes - 1) / lanes * lanes * log2_lanes;
}
constexpr bool by_transposes(std::int64_t S, std::int64_t rows, std::int64_t lanes) {
    return transpose_shuffles(S, lanes) < permute_shuffles(S, rows);
}

// A tile is mr rows by nr columns, stored row-major (row r at out + r*nr).
template <class T>
struct MicroKernels {
    const char* name;  // "portable", "baseline", "avx2", "avx512"
    int mr;            // rows of a tile (broadcast operand)
    int nr;            // columns of a tile (vector operand), a multiple of the vector width
    int lanes;         // elements per vector: nr / lanes vectors per tile row (at most 4)

    // out[r][col] = (accumulate ? out[r][col] : 0) + (sum over segments s (in
    //   order), j < cnt (in order) of a[(s*cnt + j)*lda + r] * b[seg_off[s] + j*ld + col]).
    // a is a packed panel (lda = mr) or mr contiguous rows of weights read in
    // place (lda: their depth stride), b rows are read unaligned. Forward and
    // backward-data: a segment is one filter tap (shifted row of b).
    void (*panel)(const T* a, std::int64_t lda, const T* b, const std::int64_t* seg_off, std::int64_t nseg,
                  std::int64_t cnt, std::int64_t ld, T* out, bool accumulate);

    // panel_part[v-1]: panel for the first v*lanes columns of the tile only
    // (row stride still nr; the other columns are left untouched), with the
    // same order of operations per element as panel: a last column block with
    // few columns costs what it computes.
    void (*panel_part[4])(const T* a, std::int64_t lda, const T* b, const std::int64_t* seg_off,
                          std::int64_t nseg, std::int64_t cnt, std::int64_t ld, T* out, bool accumulate);

    // panel_row_part[v-1]: panel for row 0 of the tile only, its first
    // v*lanes columns (row stride still nr; the other rows and columns are
    // left untouched), the same order of operations per element: a filter
    // block of one real row (one output channel) computes that row alone,
    // not mr rows of which one is kept.
    void (*panel_row_part[4])(const T* a, std::int64_t lda, const T* b, const std::int64_t* seg_off,
                              std::int64_t nseg, std::int64_t cnt, std::int64_t ld, T* out, bool accumulate);

    // panel_half_part[v-1]: panel for the first mr/2 rows of the tile only,
    // their first v*lanes columns (as panel_row_part): a filter block whose
    // real rows fill half the tile or less (a few output channels) computes
    // those, not mr rows of which half or more are dropped.
    void (*panel_half_part[4])(const T* a, std::int64_t lda, const T* b, const std::int64_t* seg_off,
                               std::int64_t nseg, std::int64_t cnt, std::int64_t ld, T* out, bool accumulate);

    // panel on the wide tile: mr/2 rows by 2*nr columns (row stride 2*nr),
    // the same accumulators; and its variants for the first v*lanes columns
    // (panel_wide_part[v-1], row stride still 2*nr). For panels of mr/2 rows
    // or fewer, which would leave half the full tile idle.
    void (*panel_wide)(const T* a, std::int64_t lda, const T* b, const std::int64_t* seg_off,
                       std::int64_t nseg, std::int64_t cnt, std::int64_t ld, T* out, bool accumulate);
    void (*panel_wide_part[8])(const T* a, std::int64_t lda, const T* b, const std::int64_t* seg_off,
                               std::int64_t nseg, std::int64_t cnt, std::int64_t ld, T* out, bool accumulate);

    // out[r][col] += (sum over i < cnt, in order, of d[r*ldd + i] * xt[i*ldx + col]).
    // Backward-weights: rows of d are phase-split dy, rows of xt are the
    // transposed input; out is the tile's running sum over chunks of positions.
    void (*rows_by_columns)(const T* d, std::int64_t ldd, const T* xt, std::int64_t ldx, std::int64_t cnt,
                            T* out);

    // rows_by_columns_part[v-1]: rows_by_columns for the first v*lanes
    // columns of the tile only (row stride still nr), same order per element.
    void (*rows_by_columns_part[4])(const T* d, std::int64_t ldd, const T* xt, std::int64_t ldx,
                                    std::int64_t cnt, T* out);

    // rows_chain (and rows_chain_part[v-1], the first v*lanes columns):
    // out[r][col] = out[r][col] + d[r*ldd] * xt[col] + ... in order, one
    // running sum that goes on from out, as panel's over its segments.
    // Forward with weights read in place, a call per tap: the same sums in
    // the same order as the panel call over the packed taps.
    void (*rows_chain)(const T* d, std::int64_t ldd, const T* xt, std::int64_t ldx, std::int64_t cnt, T* out);
    void (*rows_chain_part[4])(const T* d, std::int64_t ldd, const T* xt, std::int64_t ldx, std::int64_t cnt,
                               T* out);

    // rows_first (and rows_first_part[v-1]): rows_chain from zeros, out not
    // read, only written (the same sums as rows_chain over a zeroed tile):
    // a chain's first call, so that the tile needs no zeroing first. The
    // zeroing was a memset per filter block and phase; without it, one
    // thread, alternated in one process: float32 (16, 256, 256, 2, 3, 64,
    // same) 2-4% less time, (8, 64, 16, 3, 9, 256, same) 4% (float64 6%),
    // (4, 128, 128, 1, 5, 1024, 0) 2-3%; stride 1 (several taps) unchanged.
    void (*rows_first)(const T* d, std::int64_t ldd, const T* xt, std::int64_t ldx, std::int64_t cnt, T* out);
    void (*rows_first_part[4])(const T* d, std::int64_t ldd, const T* xt, std::int64_t ldx, std::int64_t cnt,
                               T* out);

    // rows_chain_half[v-1] and rows_first_half[v-1]: rows_chain_part[v-1]
    // and rows_first_part[v-1] whose last vector is half a vector (its
    // first lanes/2 columns only): the same sums, bit for bit, in half the
    // FMA time where the core issues half-width FMAs twice as often. Null
    // where the body has none.
    void (*rows_chain_half[4])(const T* d, std::int64_t ldd, const T* xt, std::int64_t ldx, std::int64_t cnt,
                               T* out);
    void (*rows_first_half[4])(const T* d, std::int64_t ldd, const T* xt, std::int64_t ldx, std::int64_t cnt,
                               T* out);

    // out[r*ldo + j] = sum over c < cnt of a[r*lda + c] * b[j*ldb + c], for
    // r < rows <= kDotRows and j < cols <= kDotCols: per (r, j), one partial
    // sum per vector lane over the whole vectors of c, the lanes then added by
    // halves (lane t + lane t + lanes/2, then the same on the first half, down
    // to one lane), then the remaining c in order. Forward with the weights
    // read in place (rows along the channels) for inputs with few positions.
    void (*dots)(const T* a, std::int64_t lda, std::int64_t rows, const T* b, std::int64_t ldb,
                 std::int64_t cols, std::int64_t cnt, T* out, std::int64_t ldo);

    // out[(r*kDotCols + j)*lanes + l] += the sum over the whole vectors v of
    // c < cnt, in order, of a[r*lda + v*lanes + l] * b[j*ldb + v*lanes + l]
    // (one partial sum per lane, started from zero, added into out), then
    // out[(r*kDotCols + j)*lanes + e - c0] += a[r*lda + e] * b[j*ldb + e] for
    // the positions e past the last whole vector (c0 its end), in order; for
    // r < rows <= kDotRows and j < cols <= kDotCols. Backward-weights as dot
    // products along the positions: each output keeps its lanes' running sums
    // until every chunk of positions is in.
    void (*dot_lanes)(const T* a, std::int64_t lda, std::int64_t rows, const T* b, std::int64_t ldb,
                      std::int64_t cols, std::int64_t cnt, T* out);

    // dst[i*ldd + c] = src[c*lds + i] for c, i < lanes: one square block
    // transposed in registers (packing the transposed input of backward-weights).
    void (*transpose)(const T* src, std::int64_t lds, T* dst, std::int64_t ldd);

    // out[i] = base[idx[i]] + add for i < n: a run of outputs gathered from
    // tiles in one pass (forward with gaps between the inputs' runs: each
    // phase's products and, for the outputs between them, a slot holding
    // -0, so that they get exactly `add`). One addition per element
    // whatever the instruction set. Where the body has interleave_add, for
    // the runs it does not cover.
    void (*gather_add)(const T* base, const std::int32_t* idx, std::int64_t n, T add, T* out);

    // out[i] = value for i < n, a vector at a time (outputs set to the
    // bias ahead of their products: baseline code would store 16 bytes at a
    // time, and stores to lines not in cache ran 2-15% slower that way), or
    // on x86-64 by the string store for runs of 4 KiB or more.
    void (*fill)(T* out, std::int64_t n, T value);

    // dst[r*ldd + v] = 0 for v < lead, src[r*lds + v - lead] for lead <= v <
    // lead + n, 0 for lead + n <= v < lead + n + trail; r < rows (src is not
    // read where n = 0). The forward's packed input: a block of rows, each a
    // run of one channel between its zeros, in one call (a memcpy and two
    // fills per row of ~50 elements cost 14% of (8, 256, 32, 7, 1, 128, 0)).
    void (*pad_rows)(const T* src, std::int64_t lds, std::int64_t rows, std::int64_t lead, std::int64_t n,
                     std::int64_t trail, T* dst, std::int64_t ldd);

    // out[j*S + e] = src[e][j] + add for j*S + e < n, 2 <= S <= kInterleaveMax:
    // S rows of tile columns interleaved into one run of outputs (forward:
    // the phases' products, or the -0 slot for phases without taps, each
    // S outputs apart), vector permutes (or register transposes, where
    // they take fewer shuffles: by_transposes; the 256-bit body's by
    // one-source permutes and blends up to permuted_max, by transposes
    // beyond) instead of a gather per output. Null where the body
    // has no such kernel (then the products are stored over the bias:
    // forward.cpp, store_tiles_runs). One addition per element, as gather_add.
    void (*interleave_add)(const T* const* src, std::int64_t S, std::int64_t n, T add, T* out);

    // out[r*ldo + j*S + at[i]] = src[i][r*lds + j] + add[r] for i < count,
    // and out[r*ldo + t] = -0 + add[r] for the other t, t < n, r < rows;
    // 1 <= count <= kSparseRows sources at distinct slots at[i] < S, 2 <= S
    // <= kInterleaveMax: a tile's rows of the phases with taps interleaved
    // with the bias-only outputs between them (F < S), one two-source
    // permute per output vector and pair of sources where interleave_add
    // takes ceil(S/2) of them. The same sums, bit for bit, as interleave_add
    // with the -0 slot for the other rows. Null where the body has none.
    void (*interleave_rows_add)(const T* const* src, const std::int64_t* at, std::int64_t count,
                                std::int64_t S, std::int64_t lds, std::int64_t rows, std::int64_t n,
                                const T* add, T* out, std::int64_t ldo);

    // dst[e][j] = in[j*S + e] for e < rows <= S, j < cnt, 2 <= S <=
    // kInterleaveMax, in[0, cnt*S) all readable: one run split into its S
    // phases (dy's phase rows for the backward passes), the inverse of
    // interleave_add, by permutes or transposes (by_transposes, with
    // `rows` rows; the 256-bit body's by two-source shuffles at stride 2,
    // by one-source permutes at strides 3 to permuted_max, beyond by
    // transposes for four rows or more); null where the body has none
    // (then element by element, S apart).
    void (*deinterleave)(const T* in, std::int64_t S, std::int64_t rows, std::int64_t cnt, T* const* dst);

    // out[c*mr + r] = rows[r][c] for r < n <= mr (zero for the other rows),
    // c < cnt; rows contiguous. Weights packed into panels.
    void (*interleave)(const T* const* rows, std::int64_t n, std::int64_t cnt, T* out);

    // Whether any of p[0, n) is Inf or NaN (cpu/nonfinite.hpp's
    // any_nonfinite, a vector of the body's width at a time): weights just
    // packed, still in L1, or those the forward reads in place (R3.6).
    bool (*any_nonfinite)(const T* p, std::int64_t n);

    // out[j] = sum over c < C, then m < M, of w[c*M + m] * x[c*ldx + j - m],
    // for j < kRowVectors * lanes and 1 <= M <= kRowTaps, in that order (one
    // partial sum per output): one output channel's forward as a correlation
    // of each input row with its taps. Reads x[c*ldx + e] for e from
    // -ceil((M-1)/lanes)*lanes up to (kRowVectors + 1)*lanes (kRowVectors*lanes
    // when M = 1).
    void (*correlate_rows)(const T* x, std::int64_t ldx, std::int64_t C, const T* w, std::int64_t M, T* out);
};

// Whether the body's vectors are 512 bits (the AVX-512 body). The cost
// model's fits were made with it; where the 256-bit body ran otherwise (a Zen
// 3 core), a few choices and fits differ by this (forward.cpp,
// forward_split.hpp).
template <class T>
bool wide_vectors(const MicroKernels<T>& mk) {
    return std::int64_t(mk.lanes) * std::int64_t(sizeof(T)) >= 64;
}

// Whether interleave_add builds a run of S phases, `phases` of them
// products, in fewer operations than a store per product: per group of
// `lanes` columns, the AVX-512 body's permutes or transposes, whichever
// take fewer shuffles, or the 256-bit body's one-source permutes and blends
// (up to permuted_max) or transposes, and their whole-vector stores, against
// lanes x phases stores. On a Zen 3 core (float32, one thread, alternated
// call by call in one process) the 256-bit transposes against the stores:
// every phase with taps, S = 3 and 4 ran 3% slower, S = 5 to 8 2-4% faster,
// and S = 2 10% slower (the pair store vectorizes: left to it); half or
// fewer of the phases with products, F = 7 at S = 14 and 16 ran 4% slower,
// F = 4 at S = 8 3% faster: where the count puts the switch, but for the
// last. The permutes against the stores, float32: (16, 16, 64, 3, 3, 256,
// 0) 1.61 -> 1.27 ms, (16, 128, 64, 6, 3, 256, same) 7.85 -> 7.46, (8, 32,
// 32, 8, 4, 512, 0) 1.74 -> 1.70, the latent weights' packing of (64, 128,
// 128, 4, 4, 1, 0) 0.265 -> 0.243 (the whole forward).
template <class T>
bool interleave_pays(const MicroKernels<T>& mk, std::int64_t S, std::int64_t phases) {
    if (mk.interleave_add == nullptr || S > kInterleaveMax) return false;
    const std::int64_t transposes = transpose_shuffles(S, mk.lanes);
    if (wide_vectors(mk))
        return std::min(permute_shuffles(S, S), transposes) < std::int64_t(mk.lanes) * phases;
    if (S == 2) return false;  // the pair store's loop is vectorized: unpacks and whole stores
    const std::int64_t ops = S <= permuted_max(mk.lanes)
                                 ? S * S + S  // S permutes per vector (blends not counted), S stores
                                 : transposes + ceil_div(S, std::int64_t(mk.lanes)) * mk.lanes;
    return ops < std::int64_t(mk.lanes) * phases;
}

// Of a kernel and its variants for the first v vectors of a tile row
// (parts[v-1]), the one for a column block with `cols` valid columns: the
// full tile, or the narrowest variant that holds them.
template <class T, class Kernel>
Kernel kernel_for_columns(const MicroKernels<T>& mk, std::int64_t cols, Kernel full,
                          const Kernel (&parts)[4]) {
    const std::int64_t v = ceil_div(cols, mk.lanes);
    if (v >= mk.nr / mk.lanes) return full;
    return parts[std::clamp<std::int64_t>(v, 1, 4) - 1];  // cols >= 1: v >= 1
}

// The panel kernel for a column block with `cols` valid columns: the full
// tile, or a narrower variant when whole vectors would be wasted.
template <class T>
auto panel_for(const MicroKernels<T>& mk, std::int64_t cols) {
    return kernel_for_columns(mk, cols, mk.panel, mk.panel_part);
}

// The panel kernel for a filter block of one real row, `cols` valid columns.
template <class T>
auto panel_row_for(const MicroKernels<T>& mk, std::int64_t cols) {
    const std::int64_t v = std::min<std::int64_t>(ceil_div(cols, mk.lanes), mk.nr / mk.lanes);
    return mk.panel_row_part[std::clamp<std::int64_t>(v, 1, 4) - 1];  // cols >= 1: v >= 1
}

// The panel kernel for a filter block of `rows` real rows (1 to mr), `cols`
// valid columns: its one row alone, or the first mr/2 rows where they hold
// every real row, else the whole tile (the tile's other rows untouched).
template <class T>
auto panel_rows_for(const MicroKernels<T>& mk, std::int64_t rows, std::int64_t cols) {
    if (rows == 1) return panel_row_for(mk, cols);
    if (2 * rows > mk.mr) return panel_for(mk, cols);
    const std::int64_t v = std::min<std::int64_t>(ceil_div(cols, mk.lanes), mk.nr / mk.lanes);
    return mk.panel_half_part[std::clamp<std::int64_t>(v, 1, 4) - 1];  // cols >= 1: v >= 1
}

// The wide tile's panel kernel (mr/2 rows, 2*nr columns) for `cols` valid columns.
template <class T>
auto panel_wide_for(const MicroKernels<T>& mk, std::int64_t cols) {
    const std::int64_t v = ceil_div(cols, mk.lanes);
    if (v >= 2 * mk.nr / mk.lanes) return mk.panel_wide;
    return mk.panel_wide_part[std::clamp<std::int64_t>(v, 1, 8) - 1];  // cols >= 1: v >= 1
}

// The columns of each b row that panel_for(mk, cols) reads: whole vectors
// covering `cols`, at most the block's `ld`.
template <class T>
std::int64_t panel_width(const MicroKernels<T>& mk, std::int64_t cols, std::int64_t ld) {
    const std::int64_t v = ceil_div(cols, mk.lanes);
    return v >= mk.nr / mk.lanes ? ld : std::min(ld, v * mk.lanes);
}

// The rows_by_columns kernel for a column block with `cols` valid columns.
template <class T>
auto rows_by_columns_for(const MicroKernels<T>& mk, std::int64_t cols) {
    return kernel_for_columns(mk, cols, mk.rows_by_columns, mk.rows_by_columns_part);
}

// The rows_chain kernel for a column block with `cols` valid columns: its
// half-vector variant where the last vector's columns fill half of it or
// less.
template <class T, class Kernel>
Kernel chain_for_columns(const MicroKernels<T>& mk, std::int64_t cols, Kernel full, const Kernel (&parts)[4],
                         const Kernel (&halves)[4]) {
    const std::int64_t v = ceil_div(cols, mk.lanes), last = cols - (v - 1) * mk.lanes;
    if (halves[0] != nullptr && 2 * last <= mk.lanes && v <= mk.nr / mk.lanes)
        return halves[std::clamp<std::int64_t>(v, 1, 4) - 1];
    return kernel_for_columns(mk, cols, full, parts);
}
template <class T>
auto rows_chain_for(const MicroKernels<T>& mk, std::int64_t cols) {
    return chain_for_columns(mk, cols, mk.rows_chain, mk.rows_chain_part, mk.rows_chain_half);
}

// rows_first's variant for `cols` valid columns, as rows_chain_for.
template <class T>
auto rows_first_for(const MicroKernels<T>& mk, std::int64_t cols) {
    return chain_for_columns(mk, cols, mk.rows_first, mk.rows_first_part, mk.rows_first_half);
}

// correlate_rows() computes this many vectors of outputs per call, over up
// to kRowTaps taps.
constexpr int kRowVectors = 4;
constexpr std::int64_t kRowTaps = 16;

// dots() covers up to this many weight rows and input columns per call.
constexpr std::int64_t kDotRows = 2, kDotCols = 4;

#define TCONV1D_DECLARE_BODY(ns)                      \
    namespace ns {                                    \
    extern const MicroKernels<float> kernels_float;   \
    extern const MicroKernels<double> kernels_double; \
    }
TCONV1D_DECLARE_BODY(portable)
#ifdef TCONV1D_HAVE_VECTOR_BODIES
TCONV1D_DECLARE_BODY(baseline)
#endif
#ifdef TCONV1D_HAVE_X86_BODIES
TCONV1D_DECLARE_BODY(avx2)
TCONV1D_DECLARE_BODY(avx512)
#endif
#undef TCONV1D_DECLARE_BODY

}  // namespace tconv1d::cpu
