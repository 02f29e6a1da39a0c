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
// channel's loads; the block's call and stores; the blocks at the ends of
// the input copied first. Scaled by kRowsFit against the other strategies'
// estimates: one thread, float32, on a Zen 4 machine, seven one-output-
// channel shapes each forced to this form, per item and tap-wise, alternated
// in one process, ran 1.0-1.7 times slower than this estimate says against
// the tap-wise one's (1.3-1.4 on four): (4, 16, 1, 16, 1, 2048, same) took
// 0.081 ms against the tap-wise 0.096 and the per-item 0.106, estimated
// cheapest; (4, 32, 1, 8, 1, 1024, same) 0.056 against 0.042, and with
// stride 2 or 4 (two to four taps per phase, each phase reading the inputs
// again) up to twice the tap-wise time, estimated dearer.
constexpr double kRowsFit = 1.4;

template <class T>
double forward_rows_cost(const MicroKernels<T>& mk, const Geometry& geo, int64_t B, int64_t C, int64_t K) {
    if (!rows_apply(geo)) return std::numeric_limits<double>::infinity();
    const int64_t lanes = mk.lanes, block = kRowVectors * lanes;
    double cycles = 2e3 + double(geo.filter_size) * double(K) * double(C);
    for (const RowPhase& ph : row_phases(geo, K, C)) {
        const double blocks = double(ceil_div(ph.q_hi - ph.q_lo, block));
        const double per_channel =
            double(kRowVectors * ph.taps) + 0.5 * double(rows_before(ph.taps, lanes) + kRowVectors + 1);
        cycles += double(B) * blocks * (double(K) * (double(C) * per_channel + 20.0 + double(block)));
        cycles += double(B) * 2.0 * double(C) * double(rows_edge_width(ph.taps, lanes));  // the ends' copies
    }
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

    int64_t chunks = 0;  // per phase and item
    for (const RowPhase& ph : phases)
        chunks = std::max(chunks, ceil_div(ceil_div(ph.q_hi - ph.q_lo, block), kRowTaskBlocks));
    const auto P = int64_t(phases.size());
    detail::parallel_for(nt, B * P * chunks, [&](int64_t task) {
        const int64_t n = task / (P * chunks), p = task / chunks % P, chunk = task % chunks;
        const RowPhase& ph = phases[std::size_t(p)];
        const int64_t M = ph.taps, before = rows_before(M, W) * W, width = rows_edge_width(M, W);
        const T* item = x.data + x.batch_offset(n);
        T* edge = scratch + int64_t(detail::thread_index()) * scratch_per_thread;
        alignas(64)
            T sums[std::size_t(kRowVectors) * 64 / sizeof(T)];  // kRowVectors vectors of up to 64 bytes
        for (int64_t b = chunk * kRowTaskBlocks; b < (chunk + 1) * kRowTaskBlocks; ++b) {
            const int64_t q0 = ph.q_lo + b * block;
            if (q0 >= ph.q_hi) break;
            // The block reads inputs [q0 - before, q0 - before + width).
            const T* rows = item + q0;
            int64_t ld = x.channel_stride;
            if (q0 - before < 0 || q0 - before + width > L) {
                for (int64_t c = 0; c < C; ++c)
                    for (int64_t e = 0; e < width; ++e) {
                        const int64_t i = q0 - before + e;
                        edge[c * width + e] = i >= 0 && i < L ? item[c * x.channel_stride + i] : T(0);
                    }
                rows = edge + before;
                ld = width;
            }
            const int64_t count = std::min(block, ph.q_hi - q0);
            for (int64_t k = 0; k < K; ++k) {
                mk.correlate_rows(rows, ld, C, wr + ph.offset + k * C * M, M, sums);
                T* out =
                    y.data + y.batch_offset(n) + k * y.channel_stride + (q0 * S + p - l) * y.length_stride;
                const T bk = bias.data ? bias.at(k) : T(0);
                const int64_t step = S * y.length_stride;
                for (int64_t j = 0; j < count; ++j) out[j * step] = bk + sums[j];
            }
        }
    });
}

}  // namespace tconv1d::cpu
