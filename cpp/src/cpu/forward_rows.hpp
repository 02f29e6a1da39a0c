// Internal: the forward pass as correlated rows, for few output channels
// (cpu/forward.cpp weighs it against the other strategies). Per filter k and
// phase p, y[n, k, q*S + p - l] = b[k] + sum over c, then m < M_p, of
// W[p + m*S, k, c] * x[n, c, q - m]: each input row correlated with the
// phase's taps, the sums over the channels kept in registers
// (correlate_rows). A GEMM tile has no rows to share its input loads with
// one output channel: the per-item kernel loads each input vector for one
// FMA, and the tap-wise one adds a row per tap into y. Here each channel's
// inputs are loaded once per block of outputs, for all of its taps. The
// input is read in place (a copy where its positions are not contiguous);
// blocks that reach past its ends read a copy with zeros there, whose
// products with non-finite weights the caller repairs (cpu/nonfinite.hpp).
// Each output is summed lane by lane in one order (channels, then taps)
// whatever block or thread computes it, so the result is the same bit for
// bit for any thread count, and for any split of a signal into a stream's
// calls (R13.2).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "cpu/alignment.hpp"
#include "cpu/index.hpp"
#include "cpu/microkernel.hpp"
#include "parallel.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"
#include "threads.hpp"

namespace tconv1d::cpu {

using std::int64_t;

// Blocks of outputs per task: enough calls that a task outweighs its
// bookkeeping, few enough that one long item still splits across threads.
constexpr int64_t kRowTaskBlocks = 8;

// Phases of at least this many blocks start their blocks on a whole vector
// (forward_rows). Split across two lines, the loads of rows coming from
// memory ran at half the rate: on a Zen 3 core (one thread, alternated in
// one process) (8, 64, 1, 4, 1, 16384, same) float32 5.1 -> 2.9 ms, (4, 64,
// 1, 16, 4, 16384, same) 4.5 -> 3.4, (4, 256, 1, 4, 2, 4096, same) 1.66 ->
// 1.38. The block that aligning adds (the outputs before q_lo) cost 5-10% on
// one item of 512 positions in cache, the misaligned loads little there.
constexpr int64_t kAlignedRowBlocks = 32;

// Phase p's weights in rows (K filters of C channels of M_p taps each, the
// phases one after another: F*K*C elements in all) and the outputs q with
// taps that land in the kept window, j = q*S + p in [l, jend).
struct RowPhase {
    int64_t offset, taps, q_lo, q_hi;
};

inline std::vector<RowPhase> row_phases(const Geometry& geo, int64_t K, int64_t C) {
    const int64_t S = geo.stride, F = geo.filter_size, l = geo.crop_left;
    const int64_t jend = std::min(geo.full_length, l + geo.out_length);
    std::vector<RowPhase> phases;
    int64_t offset = 0;
    for (int64_t p = 0; p < phases_with_taps(F, S); ++p) {
        const int64_t m = taps(p, F, S);
        const PhaseOutputs q = phase_outputs(p, S, l, jend);
        phases.push_back({offset, m, q.lo, q.hi});
        offset += K * m * C;
    }
    return phases;
}

// Vectors before a block that its taps read (P), and the elements of one
// channel's copy for a block at an end of the input.
inline int64_t rows_before(int64_t M, int64_t lanes) { return ceil_div(M - 1, lanes); }
inline int64_t rows_edge_width(int64_t M, int64_t lanes) {
    return (rows_before(M, lanes) + kRowVectors + 1) * lanes;
}

// The workspace per thread: one block's copy of every channel.
inline int64_t rows_scratch(const Geometry& geo, int64_t C, int64_t lanes) {
    return saturating_mul(C, rows_edge_width(ceil_div(geo.filter_size, geo.stride), lanes));
}

// Whether the taps of every phase fit one call.
inline bool rows_apply(const Geometry& geo) { return ceil_div(geo.filter_size, geo.stride) <= kRowTaps; }

// Estimated cycles (on the scale of forward.cpp's estimates): per block of
// kRowVectors vectors, filter and channel, the FMAs and the shifts that
// make their inputs (one per cycle: on AVX-512 both issue on one port of
// the development machine; on Zen 4 a 512-bit shift takes two), the
// channel's loads; the block's call and its stores (vectorized at stride 1,
// contiguous outputs being the common layout; one by one, S apart,
// otherwise); the blocks at the ends of the input copied first (a few calls
// per channel, and the elements). Scaled by kRowsFit against the other
// strategies' estimates. Fitted on 76 one-output-channel draws of the
// sweep's one_channel family (seeds 906-908; 60 float32, 16 float64; one
// thread; every strategy forced in turn, alternated call by call in one
// process), once the ends were copied as runs and the stride-1 stores
// vectorized, together with the per-item strategy's one-filter scale
// (ForwardFit in forward.cpp): the summed log of chosen over fastest time
// went 2.14 -> 0.17 (10 -> 1 mis-ranked by over 5%). Fitted on seeds 906-907
// alone, seed 908 went 0.80 -> 0.16. Checked on other draws: of 8000 per
// dtype (sweep seeds 465-664), 80 float32 and 69 float64 changed strategy;
// timed (40 and 30 of them, old and new choice alternated in one process)
// they took 0.87 and 0.72 times as long (geometric means), the worst 1.43
// times on a 3 us call ((1, 32, 1, 4, 1, 512, 0), rows for tap-wise). The
// stores' charges (0.5 and 2.5 cycles per output) are the fit's: at one
// cycle for both, stride-4 layers ran rows 1.4 times slower than the
// tap-wise strategy. Weighed for one
// output channel only, where it was fitted: with these charges, long thin
// signals of 4 filters ((1, 8, 4, 2, 1, 16384..65536), 4-8 channels) went
// from the per-item strategy to the rows and ran 1.0-1.6 times slower
// (each filter's call reads the block's rows again); never chosen for more
// filters before either (8000 draws, seeds 265-464). Forced, it runs any K.
// An input beyond the caches costs more again: a block reads C rows, each a
// channel stride apart, and those many streams wait on memory. On a Zen 3
// core (2026-12-06; 100 one-output-channel float32 draws, seeds 1361-1400,
// rows forced, one thread) the rows ran 0.75-1.1 times their estimate while
// the inputs came to 8 MB or less, and from 16 MB on 0.3-1.0 cycles per
// input byte more (up to 4 times the estimate: (4, 128, 1, 4, 1, 16384,
// same) 10 ms, against 3.7 tap-wise).
constexpr double kRowsFit = 1.2;
constexpr double kRowsStoreCycles = 0.5, kRowsStridedStoreCycles = 2.5;
constexpr double kRowsEdgeCallCycles = 10.0, kRowsEdgeElementCycles = 0.1;
constexpr double kRowsCachedBytes = 8 << 20, kRowsMemoryCycles = 0.6;
// With the 256-bit body on a Zen 3 core (2026-12-06), once the blocks start
// on whole vectors (kAlignedRowBlocks) and a chunk's phases run one after
// another, inputs beyond kRowsCachedBytes are charged the larger of the
// FMAs and 0.2 cycles per input byte, not their sum, at 0.9 of the other
// strategies' scale: the rows' reads hid under the FMAs wherever those took
// more (F = 16 at stride 1 ran at 0.9-1.0 of the estimate without any
// memory charge up to 256 MB), while the other strategies' estimates, which
// charge such inputs nothing, ran 1.3-2.5 times under their times there.
// Fitted on 277 one-output-channel draws (sweep seeds 1481-1600, both
// precisions, inputs of 32 KB to 256 MB; rows forced against the automatic
// choice, one thread, alternated in one process). At 0.9 for inputs in
// cache too, one item of 512-1024 positions went to the rows and ran up to
// 1.8 times slower in float32; those keep kRowsFit. Float64 in cache takes
// 0.9 as well: on 70 such draws 0.947 of the time (15 ran 10% or more
// faster, 8 slower, the worst 1.32 times on calls of 10-40 us), where
// float32 ran 1.030 (16 slower, 8 faster).
constexpr double kRowsNarrowFit = 0.9, kRowsNarrowMemoryCycles = 0.2;
// Refitted once the tap-wise slabs of rows a multiple of 4 KiB apart were
// copied (kTapSlabCopyBlocks, cpu/forward_taps.hpp): the fit above had been
// made on lengths of powers of two (every family of the sweep), where the
// tap-wise strategy then ran up to 1.6 times slower than its estimate. On
// 46 float32 and 80 float64 one-output-channel draws beyond 8 MB (sweep
// seeds 1601-1700; the input 16 bytes past a line, as NumPy places a large
// array; rows, tap-wise and per-item forced, one thread, alternated in one
// process), inputs beyond kRowsCachedBytes at 1.1 rather than 0.9: summed
// log(chosen / fastest) 2.43 -> 0.92 and 4.59 -> 1.13, draws 10% or more
// slower than the fastest 7 -> 3 and 18 -> 4. Float64 in cache keeps 0.9
// (at 1.1, 80 draws of the same seeds went 2.66 -> 6.37).
constexpr double kRowsNarrowMemoryFit = 1.1;

template <class T>
double forward_rows_cost(const MicroKernels<T>& mk, const Geometry& geo, int64_t B, int64_t C, int64_t K) {
    if (!rows_apply(geo) || K != 1) return std::numeric_limits<double>::infinity();
    const int64_t lanes = mk.lanes, block = kRowVectors * lanes;
    const double store = geo.stride == 1 ? kRowsStoreCycles : kRowsStridedStoreCycles;
    // One output channel (K == 1): per block, each channel's taps once.
    double cycles = 2e3 + double(geo.filter_size) * double(C);
    for (const RowPhase& ph : row_phases(geo, K, C)) {
        const double blocks = double(ceil_div(ph.q_hi - ph.q_lo, block));
        const double per_channel =
            double(kRowVectors * ph.taps) + 0.5 * double(rows_before(ph.taps, lanes) + kRowVectors + 1);
        cycles += double(B) * blocks * (double(C) * per_channel + 20.0 + store * double(block));
        const double edge =
            kRowsEdgeCallCycles + kRowsEdgeElementCycles * double(rows_edge_width(ph.taps, lanes));
        cycles += double(B) * 2.0 * double(C) * edge;  // the ends' copies
    }
    const double input_bytes = double(B) * double(C) * double(geo.length) * double(sizeof(T));
    if (!wide_vectors(mk) && input_bytes > kRowsCachedBytes)
        return kRowsNarrowMemoryFit * std::max(cycles, kRowsNarrowMemoryCycles * input_bytes);
    if (!wide_vectors(mk) && sizeof(T) == 8) return kRowsNarrowFit * cycles;
    return kRowsFit * cycles;
}

// y = bias + the correlations at every output a tap reaches (the others:
// fill_bias_only). wr: F*K*C elements; scratch: rows_scratch per thread.
template <class T>
void forward_rows(const MicroKernels<T>& mk, const DataView<const T>& x, const WeightsView<const T>& w,
                  const BiasView<const T>& bias, const Geometry& geo, const DataView<T>& y, T* wr, T* scratch,
                  int64_t scratch_per_thread, int nt) {
    const int64_t B = x.batch(), C = x.channels, K = w.num_filters, L = geo.length;
    const int64_t F = geo.filter_size, S = geo.stride, l = geo.crop_left, W = mk.lanes;
    const int64_t block = kRowVectors * W;
    const std::vector<RowPhase> phases = row_phases(geo, K, C);

    // Weights: phase p, filter k, channel c: its taps in order, m = 0, 1, ...
    detail::parallel_for(nt, F * K, [&](int64_t row) {
        const int64_t f = row / K, k = row % K;
        const RowPhase& ph = phases[std::size_t(f % S)];
        T* dst = wr + ph.offset + k * C * ph.taps + f / S;
        for (int64_t c = 0; c < C; ++c) dst[c * ph.taps] = w.at(f, k, c);
    });

    // Blocks of a phase of kAlignedRowBlocks blocks or more start where the
    // inputs' address is a whole vector (q_lo rounded down; the outputs
    // before q_lo computed and left), so that their loads lie within cache
    // lines. From q_lo on, "same" cropping's odd start split half of them
    // across two lines (see kAlignedRowBlocks), and so did an input 16 bytes
    // past a whole vector, as large NumPy arrays are (their allocation's
    // header): (8, 128, 1, 16, 4, 16000, 0) float32 on such an input 28.3 ->
    // 19.8 ms (19.6 from an aligned one; Zen 3, one thread, alternated). Every
    // row shares the first's offset where the strides are whole vectors;
    // otherwise the rows' own start counts. An output's sum is the same
    // whatever block computes it, so the result does not depend on the
    // address.
    const int64_t offset = std::max<int64_t>(0, row_vector_offset(x, W));
    const auto first_block = [&](const RowPhase& ph) {
        if (ceil_div(ph.q_hi - ph.q_lo, block) < kAlignedRowBlocks) return ph.q_lo;
        return ph.q_lo - (ph.q_lo + offset) % W;
    };
    int64_t chunks = 0;  // per phase and item
    for (const RowPhase& ph : phases)
        chunks = std::max(chunks, ceil_div(ceil_div(ph.q_hi - first_block(ph), block), kRowTaskBlocks));
    const auto P = int64_t(phases.size());
    detail::parallel_for(nt, B * P * chunks, [&](int64_t task) {
        // Phases innermost: a chunk's phases read the same inputs, which the
        // first leaves in cache for the others.
        const int64_t n = task / (P * chunks), chunk = task / P % chunks, p = task % P;
        const RowPhase& ph = phases[std::size_t(p)];
        const int64_t M = ph.taps, before = rows_before(M, W) * W, width = rows_edge_width(M, W);
        const T* item = x.data + x.batch_offset(n);
        T* edge = scratch + int64_t(detail::thread_index()) * scratch_per_thread;
        alignas(64)
            T sums[std::size_t(kRowVectors) * 64 / sizeof(T)];  // kRowVectors vectors of up to 64 bytes
        for (int64_t b = chunk * kRowTaskBlocks; b < (chunk + 1) * kRowTaskBlocks; ++b) {
            const int64_t q0 = first_block(ph) + b * block;
            if (q0 >= ph.q_hi) break;
            // The block reads inputs [q0 - before, q0 - before + width): in
            // place where they lie within the rows (q0 may be negative, or
            // past L, only where they do not: no pointer is formed there).
            const T* rows = nullptr;
            int64_t ld = x.channel_stride;
            const int64_t first = q0 - before;
            if (first >= 0 && first + width <= L) {
                rows = item + q0;
            } else {
                // Zeros, the inputs [lo, hi) of the block's window, zeros:
                // runs, not an element-wise test (which took a third of
                // the pass on short inputs, e.g. 8 items of 512 positions).
                const int64_t lo = std::clamp<int64_t>(-first, 0, width),
                              hi = std::clamp<int64_t>(L - first, lo, width);
                for (int64_t c = 0; c < C; ++c) {
                    T* dst = edge + c * width;
                    std::fill(dst, dst + lo, T(0));
                    std::copy(item + c * x.channel_stride + first + lo,
                              item + c * x.channel_stride + first + hi, dst + lo);
                    std::fill(dst + hi, dst + width, T(0));
                }
                rows = edge + before;
                ld = width;
            }
            const int64_t count = std::min(block, ph.q_hi - q0), skip = std::max<int64_t>(0, ph.q_lo - q0);
            for (int64_t k = 0; k < K; ++k) {
                mk.correlate_rows(rows, ld, C, wr + ph.offset + k * C * M, M, sums);
                // The block's first kept output (q0 + skip: never before y's row).
                T* out = y.data + y.batch_offset(n) + k * y.channel_stride +
                         ((q0 + skip) * S + p - l) * y.length_stride;
                const T bk = bias.data ? bias.at(k) : T(0);
                const int64_t step = S * y.length_stride;
                const T* kept = sums + skip;
                if (step == 1)  // contiguous outputs (stride 1): a loop the compiler vectorizes
                    for (int64_t j = 0; j < count - skip; ++j) out[j] = bk + kept[j];
                else
                    for (int64_t j = 0; j < count - skip; ++j) out[j * step] = bk + kept[j];
            }
        }
    });
}

}  // namespace tconv1d::cpu
