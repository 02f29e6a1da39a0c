// Internal: the forward pass split in three (R8.5 "split"), a two-parallel
// fast FIR filter: Karatsuba's product of two-term polynomials applied to
// each phase's taps and the input's positions.
//
// Phase s of the full output is a correlation of x with that phase's taps
// W[m*S + s], m = 0, 1, ...; as polynomials in the input position u,
// Y_s(u) = W_s(u) X(u). Split both into their even and odd terms,
// X(u) = X0(u^2) + u X1(u^2) and W_s(u) = W0_s(u^2) + u W1_s(u^2):
//   Y_s = W0 X0 + u^2 W1 X1 + u ((W0 + W1)(X0 + X1) - W0 X0 - W1 X1).
// The three products are forward passes of half the positions, each with
// about half the taps: A = (x0, W0), B = (x1, W1), C = (x0 + x1, W0 + W1),
// where x0[j] = x[2j], x1[j] = x[2j + 1] and W0, W1 hold the even and odd
// taps of every phase. Then, for the full output at slot q (q*S + s):
//   q = 2t:      A[t*S + s] + B[(t - 1)*S + s]
//   q = 2t + 1:  C[t*S + s] - (A[t*S + s] + B[t*S + s])
// Three products where the whole pass has four per pair of positions and
// phase (2*F0 + F1 taps over half the positions, against F over all): a
// quarter fewer with two taps per phase (vocoders, F = 2S), 17-22% fewer
// at stride 1 (F = 3 to 9; a quarter for long filters). The price is
// memory passes: the halves of x and their sum, the summed taps, two
// sub-outputs written and read back, and three packings of weights instead
// of one. The cost model (split_chosen) weighs the three sub-passes' own
// estimates and those passes against the whole pass's estimate.
//
// Exact arithmetic gives the whole pass's result; in floating point the
// sums differ in order and C's products are of sums, so the result differs
// within R3.5 (the error grows by a small factor, not with the size). Inf
// and NaN would not propagate as R3.6 asks (Inf - Inf in the last line), so
// an input or taps with any (found in the sums x0 + x1 and W0 + W1, which
// also catch an overflow there) runs the whole pass instead.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <mutex>
#include <type_traits>
#include <vector>

#include "cpu/budget.hpp"
#include "cpu/cost.hpp"
#include "cpu/index.hpp"
#include "cpu/microkernel.hpp"
#include "cpu/strategy.hpp"
#include "parallel.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"
#include "workspace.hpp"

namespace tconv1d::cpu {

// The sizes of a split: each half input has J = ceil(L/2) positions (x1 a
// zero at the end when L is odd); W0 (and W0 + W1) has F0 taps, W1 has F1.
// Sub-outputs are kept in rows of `row` elements, B's S elements in (so that
// B[(t - 1)*S + s] is read at t*S + s, zero for t = 0), zero past their ends.
struct SplitPlan {
    std::int64_t J = 0, F0 = 0, F1 = 0, M = 0, row = 0;
    bool views = false;  // W0 and W1 are views of the weights (S = 1 or two taps per phase)
};

// Taps of parity p (0 even, 1 odd) of the phases' taps: m = 2m' + p, at
// m'*S + s. The last group may be partial (F not a multiple of S).
inline std::int64_t split_taps(std::int64_t F, std::int64_t S, std::int64_t p) {
    const std::int64_t M = ceil_div(F, S), groups = ceil_div(M - p, 2);
    if (groups <= 0) return 0;
    return (groups - 1) * S + std::min(S, F - (2 * (groups - 1) + p) * S);
}

// Whether a split applies: two taps or more per phase (F > S) and two
// positions or more. (F > S also means no output lies past Lfull.)
inline bool split_applies(const Geometry& geo) { return geo.filter_size > geo.stride && geo.length >= 2; }

inline SplitPlan split_plan(const Geometry& geo) {
    const std::int64_t F = geo.filter_size, S = geo.stride, L = geo.length;
    SplitPlan sp;
    sp.J = ceil_div(L, 2);
    sp.M = ceil_div(F, S);
    sp.F0 = split_taps(F, S, 0);
    sp.F1 = split_taps(F, S, 1);
    // The highest index read: slot pair t <= (L + M - 2) / 2, D reads B one
    // pair on; every sub-output ends before (J + ceil(M/2)) * S.
    sp.row = (sp.J + ceil_div(sp.M, 2) + 2) * S;
    sp.views = S == 1 || sp.M == 2;
    return sp;
}

// Products of the three sub-passes.
inline double split_products(const SplitPlan& sp, std::int64_t B, std::int64_t K, std::int64_t C) {
    return double(B) * double(sp.J) * double(2 * sp.F0 + sp.F1) * double(K) * double(C);
}

// The weights' taps of parity p: a view of w (S = 1: every other tap; two
// taps per phase: the first S taps or the rest), or `own` (F_p*K*C
// elements, the layer's layout) where they are not one view.
template <class T>
WeightsView<const T> split_taps_view(const WeightsView<const T>& w, std::int64_t S, std::int64_t p,
                                     std::int64_t Fp, bool views, const T* own) {
    WeightsView<const T> v = w;
    v.filter_size = Fp;
    if (!views) return {own, Fp, w.num_filters, w.channels, w.num_filters * w.channels, w.channels, 1};
    if (S == 1) {
        v.data = w.data + p * w.filter_stride;
        v.filter_stride = 2 * w.filter_stride;
    } else {  // M = 2
        v.data = w.data + p * S * w.filter_stride;
    }
    return v;
}

// Copies the taps of parity p into `own` (where they are not one view).
template <class T>
void copy_split_taps(const WeightsView<const T>& w, std::int64_t S, std::int64_t p, std::int64_t Fp, T* own,
                     int nt) {
    const std::int64_t K = w.num_filters, C = w.channels;
    detail::parallel_for_2d(threads_for_elements(Fp * K * C, nt), Fp, K, [&](std::int64_t f, std::int64_t k) {
        const std::int64_t m = 2 * (f / S) + p, s = f % S;
        for (std::int64_t c = 0; c < C; ++c) own[(f * K + k) * C + c] = w.at(m * S + s, k, c);
    });
}

// ws[f] = w0[f] + w1[f] (w1 zero from F1 on), in the layer's layout; whether
// any sum is Inf or NaN (a non-finite tap, or an overflow).
template <class T>
bool sum_weights(const MicroKernels<T>& mk, const WeightsView<const T>& w0, const WeightsView<const T>& w1,
                 T* ws, int nt) {
    const std::int64_t F0 = w0.filter_size, F1 = w1.filter_size, K = w0.num_filters, C = w0.channels;
    return detail::parallel_any(threads_for_elements(F0 * K * C, nt), F0 * K, [&](std::int64_t fk) {
        const std::int64_t f = fk / K, k = fk % K;
        T* out = ws + fk * C;
        if (f < F1)
            for (std::int64_t c = 0; c < C; ++c) out[c] = w0.at(f, k, c) + w1.at(f, k, c);
        else
            for (std::int64_t c = 0; c < C; ++c) out[c] = w0.at(f, k, c);
        return mk.any_nonfinite(out, C);
    });
}

// x0, x1 and xs = x0 + x1, each (B, C, J) contiguous; whether any sum is
// Inf or NaN. Rows of short inputs are taken in chunks of at least
// kSplitInputChunk elements, each chunk's sums scanned in one call: row by
// row, a forward of (32, 256, 128, 4, 2, 4, 1) float32 spent 112 us here
// (14 ns a row of two sums), against 0.38 ms for the whole pass.
constexpr std::int64_t kSplitInputChunk = 4096;

template <class T>
bool split_input(const MicroKernels<T>& mk, const DataView<const T>& x, std::int64_t J, T* x0, T* x1, T* xs,
                 int nt) {
    const std::int64_t C = x.channels, L = x.length, ls = x.length_stride, rows = x.batch() * C;
    const std::int64_t per_chunk = ceil_div(kSplitInputChunk, J), chunks = ceil_div(rows, per_chunk);
    const auto split_row = [&](std::int64_t nc) {
        const T* in = &x.at(nc / C, nc % C, 0);
        T* e = x0 + nc * J;
        T* o = x1 + nc * J;
        T* s = xs + nc * J;
        // Contiguous positions with the stride a constant: a loop that
        // vectorizes (a third less time in this pass, (4, 256, 64, 5, 1,
        // 1024, same) float32).
        const auto halves = [&](auto unit) {
            const std::int64_t step = decltype(unit)::value ? 1 : ls;
            for (std::int64_t j = 0; j < L / 2; ++j) {
                e[j] = in[2 * j * step];
                o[j] = in[(2 * j + 1) * step];
                s[j] = e[j] + o[j];
            }
        };
        // Contiguous rows go through the body's permutes (the loop above
        // stays scalar: its loads are two apart and its rows may alias, 13%
        // of a split of (1, 128, 32, 7, 1, 1024, 0) float32 at two threads),
        // the sums in a loop of their own.
        if (ls == 1 && mk.deinterleave != nullptr && L >= 2) {
            T* const dst[2] = {e, o};
            mk.deinterleave(in, 2, 2, L / 2, dst);
            for (std::int64_t j = 0; j < L / 2; ++j) s[j] = e[j] + o[j];
        } else if (ls == 1) {
            halves(std::true_type{});
        } else {
            halves(std::false_type{});
        }
        if (L % 2 != 0) {
            e[J - 1] = in[(L - 1) * ls];
            o[J - 1] = T(0);
            s[J - 1] = e[J - 1];
        }
    };
    return detail::parallel_any(threads_for_elements(rows * J, nt), chunks, [&](std::int64_t chunk) {
        const std::int64_t first = chunk * per_chunk, end = std::min(rows, first + per_chunk);
        for (std::int64_t nc = first; nc < end; ++nc) split_row(nc);
        return mk.any_nonfinite(xs + first * J, (end - first) * J);
    });
}

// Sets [0, begin) and [end, row) of each of the n rows at `rows` (row
// apart) to zero: what a sub-pass did not write.
template <class T>
void zero_outside(T* rows, std::int64_t n, std::int64_t row, std::int64_t begin, std::int64_t end, int nt) {
    detail::parallel_for(threads_for_elements(n * (begin + row - end), nt), n, [&](std::int64_t r) {
        std::fill(rows + r * row, rows + r * row + begin, T(0));
        std::fill(rows + r * row + end, rows + (r + 1) * row, T(0));
    });
}

// out[(q*S + s - lo)*ls] = value(t*S + s) + add for the slots q = 2t + odd
// (odd 0 or 1) and s < S whose full position q*S + s lies in [lo, hi): one
// output row's even or odd slots. The slots wholly inside the window go
// without clipping, strides up to 4 as constants (with S a run-time value,
// the split of (64, 64, 128, 5, 2, 256, same) float32 took 19.3 ms at one
// thread; with S = 2 a constant, 17.5).
template <class T, class Value>
void put_slots(T* out, std::int64_t ls, std::int64_t lo, std::int64_t hi, std::int64_t S, std::int64_t odd,
               T add, Value&& value) {
    const auto clipped = [&](std::int64_t t) {
        const std::int64_t q = 2 * t + odd, s0 = std::max<std::int64_t>(0, lo - q * S),
                           s1 = std::min(S, hi - q * S);
        for (std::int64_t s = s0; s < s1; ++s) out[(q * S + s - lo) * ls] = value(t * S + s) + add;
    };
    // Pairs t whose slot starts at or after lo and ends by hi: inside.
    const std::int64_t first = lo <= odd * S ? 0 : ceil_div(ceil_div(lo, S) - odd, 2);
    const std::int64_t end = std::max(first, (hi / S - odd + 1) / 2);  // slots ending at or before hi
    for (std::int64_t t = std::max<std::int64_t>(0, (lo / S - odd) / 2 - 1); t < first; ++t) clipped(t);
    // Whole slots, the stride known to the compiler where it is small.
    const auto inside = [&](auto stride) {
        const std::int64_t SS = decltype(stride)::value > 0 ? std::int64_t(decltype(stride)::value) : S;
        for (std::int64_t t = first; t < end; ++t) {
            T* o = out + ((2 * t + odd) * SS - lo) * ls;
            for (std::int64_t s = 0; s < SS; ++s) o[s * ls] = value(t * SS + s) + add;
        }
    };
    switch (S) {
        case 1:
            inside(std::integral_constant<int, 1>{});
            break;
        case 2:
            inside(std::integral_constant<int, 2>{});
            break;
        case 3:
            inside(std::integral_constant<int, 3>{});
            break;
        case 4:
            inside(std::integral_constant<int, 4>{});
            break;
        default:
            inside(std::integral_constant<int, 0>{});
            break;
    }
    for (std::int64_t t = end; (2 * t + odd) * S < hi; ++t) clipped(t);
}

// The combining passes. Even (odd = false): the even slots' outputs,
// y_full[2t*S + s] = a[t*S + s] + b[t*S + s] (b holds B one slot pair
// late), then a[i] += b[i + S] (A + B, for the odd slots). Odd: the odd
// slots' y_full[(2t + 1)*S + s] = c[t*S + s] - a[t*S + s] (c in b's rows).
// Bias added last; the window of y only.
template <class T>
void split_combine(bool odd, T* a, const T* b, std::int64_t row, const BiasView<const T>& bias,
                   const Geometry& geo, const DataView<T>& y, int nt) {
    const std::int64_t S = geo.stride, K = y.channels, lo = geo.crop_left,
                       hi = geo.crop_left + geo.out_length;
    detail::parallel_for_2d(
        threads_for_elements(y.batch() * K * row, nt), y.batch(), K, [&](std::int64_t n, std::int64_t k) {
            T* ar = a + (n * K + k) * row;
            const T* br = b + (n * K + k) * row;
            T* out = y.data + y.batch_offset(n) + k * y.channel_stride;
            const T add = bias.data != nullptr ? bias.at(k) : T(0);
            if (odd) {
                put_slots(out, y.length_stride, lo, hi, S, 1, add,
                          [&](std::int64_t i) { return br[i] - ar[i]; });
                return;
            }
            put_slots(out, y.length_stride, lo, hi, S, 0, add, [&](std::int64_t i) { return ar[i] + br[i]; });
            for (std::int64_t i = 0; i + S < row; ++i) ar[i] += br[i + S];
        });
}

// Elements of the split's own workspace: the three half inputs, the summed
// taps (and W0, W1 where they are not views), two sub-output rows per item
// and filter.
inline std::int64_t split_workspace(const SplitPlan& sp, std::int64_t B, std::int64_t K, std::int64_t C) {
    const std::int64_t inputs = saturating_mul(saturating_mul(3 * B, C), sp.J);
    const std::int64_t taps = saturating_mul(sp.views ? sp.F0 : 2 * sp.F0 + sp.F1, K * C);
    return saturating_add(saturating_add(inputs, taps), saturating_mul(saturating_mul(2 * B, K), sp.row));
}

// The sub-passes' operands, over the split's workspace (or, to estimate
// their cost, over none: null data, the same shapes and strides).
template <class T>
struct SplitOperands {
    DataView<const T> x0, x1, xs;
    WeightsView<const T> w0, w1, ws;
    Geometry g0, g1;
    DataView<T> a, b, c;  // c: C's output, in b's rows once B's is used
};

template <class T>
SplitOperands<T> split_operands(const SplitPlan& sp, const WeightsView<const T>& w, std::int64_t B,
                                std::int64_t C, std::int64_t S, const T* x0, const T* x1, const T* xs,
                                const T* own, const T* wsum, T* a, T* b) {
    const std::int64_t K = w.num_filters, J = sp.J;
    const auto half = [&](const T* p) { return DataView<const T>{p, B, 1, C * J, 0, C, J, J, 1}; };
    SplitOperands<T> o;
    o.x0 = half(x0);
    o.x1 = half(x1);
    o.xs = half(xs);
    o.w0 = split_taps_view(w, S, 0, sp.F0, sp.views, own);
    o.w1 = split_taps_view(w, S, 1, sp.F1, sp.views, own == nullptr ? nullptr : own + sp.F0 * K * C);
    o.ws = {wsum, sp.F0, K, C, K * C, C, 1};
    o.g0 = resolve_geometry(J, sp.F0, S, CroppingSpec::manual(0, 0));
    o.g1 = resolve_geometry(J, sp.F1, S, CroppingSpec::manual(0, 0));
    // B items of K rows of `row` elements; B's output S elements in.
    const auto rows = [&](T* p, std::int64_t offset, std::int64_t length) {
        return DataView<T>{p == nullptr ? nullptr : p + offset, B, 1, K * sp.row, 0, K, sp.row, length, 1};
    };
    o.a = rows(a, 0, o.g0.full_length);
    o.b = rows(b, S, o.g1.full_length);
    o.c = rows(b, 0, o.g0.full_length);
    return o;
}

// The split's memory passes, in cycles per 4 bytes (they move bytes, so a
// float64 element costs twice): of the input (read, three halves written,
// their sum scanned), of the summed taps (and of each tap copied where W0
// and W1 are not views), and of a sub-output row (the sub-passes write
// three where the whole pass writes one output; two combining passes read
// them back), twice that where the two sub-outputs exceed
// kSplitCachedBytes (then they stream from memory). Fitted on 66 float32
// draws of the sweep's families with F > S (seeds 301-304 and 311-315),
// the split forced against the whole pass, one thread: least squares gave
// 0.9, 1.1 and 4.3 (the last with the sub-passes' own estimates' errors in
// it: layers of stride 2 whose sub-passes ran slower than estimated); with
// 3 per sub-output element the split is chosen for 5 of the 10 draws (of
// 76, float32) it ran 5-18% faster on, and for none it ran slower on; of
// the same draws in float64, for 7, each 8-16% faster. A latent float64 layer
// (256, 64, 256, 32, 8, 4, 0), whose sub-outputs (50 MB) are nearly as
// long as its output, ran 44% slower split: such passes cost about 7 per
// 4 bytes there. (These charges are scaled by the fit of split_fit below.)
constexpr double kSplitInputCycles = 1.0, kSplitTapCycles = 1.0, kSplitOutputCycles = 3.0;
constexpr double kSplitCachedBytes = 8 << 20;
// ...and per row, whatever its length (scaled by split_fit's `rows` alone):
// each item and filter's row goes through three zeroing and two combining
// passes, 42 ns in all at about 3.3 GHz; each item and channel's input row, 7
// ns (one thread, forced split, (32, 256, 128, 4, 2, 4, 1) float32: 173 and
// 60 us for 4096 and 8192 rows of two to four elements). Short inputs with
// many items are where these count: that layer ran 1.6 times as long split as
// whole.
constexpr double kSplitRowCycles = 140.0, kSplitInputRowCycles = 24.0;

// How the split's estimate is weighed against the whole pass's: the
// sub-passes' estimates and the memory passes above scaled by factors fitted
// on measurements, and a margin the estimate must clear. Fitted on 60
// float32 draws of the stride1, vocoder and autoencoder families (seeds
// 501-503), the split forced against the whole pass at one and two threads:
// least squares on the one-thread times gave 0.92 per cycle the sub-passes
// are estimated at (they run a little faster than their estimates say,
// against the whole pass's) and 0.64 per cycle of the passes (1.5 times
// that since, weighing two threads too: below). The split
// runs where that is 5% below the whole pass's estimate; with one batch
// item, 13% (8% since, below): then each sub-pass shares its filter
// blocks among the threads, each thread packing every column of the half
// input, and such splits that ran 7-9% faster at one thread ran 3-11%
// slower at two (K = 64, or 64 positions), where the choice may not
// depend on the thread count (R8.5).
// With the per-row charges above, of the 60 draws the split is then chosen
// for 10 of the 11 that it ran faster at both thread counts by 2% or more
// (0.85-0.94 of the time at one thread, 0.65-0.99 at two), and for none
// that it ran slower; the rule before (sub-passes of 2^25 products or more,
// no margin), for 6. On 56 other draws (seeds 511-515, float32 and float64)
// no chosen split ran slower than the whole pass beyond the VM's noise.
// The margin for several items was 7% at first; 40 further draws (seeds
// 711-713, the same families, the same runs) had two splits of 4 and 8
// items estimated 6% below that ran 10-14% faster at one thread and 3-11%
// at two ((8, 64, 64, 9, 1, 256, 1), (4, 256, 256, 7, 1, 128, same)), and
// none between 5% and 7% that ran slower; at 2.5% one ran 22% slower at
// two threads ((8, 256, 64, 5, 1, 256, same)). So 5%.
// The one-item margin again (2026-12-05, a Zen 4 machine, at the code of
// then): of the one-item draws of seeds 265-464 estimated between 13% and
// 5% below, 20 float32 timed split against whole (alternated call by call
// in one process) ran 2-17% faster at one thread, all of them, and at two
// from 11% faster to 2% slower where the estimate was 8% below or more,
// up to 40% slower above that; 12 float64 ran 0-12% faster at one thread
// and 10% faster to 8% slower at two. Checked on 14 float32 draws of seeds
// 465-564 estimated 7-13% below: 1-15% faster at one thread, at two 13%
// faster to 0.3% slower below 8%, 6-16% slower at 7.3-7.6%. So 8%: one-item
// stride-1 and vocoder layers near the FMA rate gain a tenth at one thread.
// Since (2026-12-05, the same machine) the float32 margin is 1%, and 5%
// only for several items whose weights (F x K x C) exceed four times their
// input (B x C x L). The margin trades time at two threads for time at
// one, and in float32 the trade pays: the choice may not depend on the
// thread count (R8.5), and at one thread the peers run such layers about
// as fast as the whole pass, at two they fall behind it. Float64 keeps 5%
// (the peers run it at half their float32 rate or less, and its splits
// gain less: below). Timed split against whole (float32, alternated call
// by call in one process), draws of seeds 280-400 estimated between 8%
// and 0% below:
// - one item: 16 draws, 0-18% faster at one thread but one (1.01 of the
//   time), 2-22% slower at two ((1, 256, 32, 5, 1, 512, 0): 0.91 and
//   1.22); in float64 0-13% faster at one thread, 6% faster to 23% slower
//   at two. The peers against the whole pass (ten of them, forward): 0.96-1.27
//   of its time at one thread, 1.52-2.11 at two (they parallelize one item
//   poorly);
// - several items, the weights at most four times the input: 11 draws,
//   0-10% faster at one thread, 7% faster to 12% slower at two; the peers
//   against the whole pass 1.01-1.28 of its time and 1.21-2.35 (in
//   float64, of these 11 draws nine ran split at 5% already, and the one
//   that 1% would turn ran 5% slower at one thread, 1% at two);
// - several items, larger weights (short inputs: (4, 512, 256, 12, 6, 32,
//   [3 3]) and (2, 256, 128, 18, 9, 32, [4 5]), 24 and 36 times the input):
//   10-15% faster at one thread but 23-43% slower at two, the three weight
//   sets packed and streamed by both threads for few columns.
// Above the whole pass's estimate the split ran 11% faster to 13% slower
// at one thread (22 one-item draws). (Before: 5%, and 8% for one item of
// fewer than 256 pairs of positions, in both precisions; the float64 ones
// that 5% turns to the split, 14 draws estimated 5-8% below, ran 2-12%
// faster at one thread, 9% faster to 11% slower at two.)
//
// Those fits are the 512-bit body's (the AVX-512 machines above). With the
// 256-bit body on a Zen 3 core (AVX2, 512 KB of L2; 2026-12-06) the split
// ran over them: timed against the fastest other strategy (every strategy
// forced in turn, alternated call by call in one process, one thread),
// split time / best other time ~ 1.12 x the sub-passes' share of the
// estimate + 1.6 x the passes' (least squares over 80 float32 draws where
// a split applies, sweep seeds 1361-1364), so that 23 of the 38 splits
// chosen ran slower than the whole pass, up to 1.48 times ((1, 64, 32, 10,
// 5, 256, [2 3])), while the ones of 128 channels and filters or more ran
// 5-18% faster. With the fits so scaled (1.03 both), the geometric mean of
// chosen over fastest time went 1.037 -> 1.008 on those draws, 1.036 ->
// 1.014 on 73 others (seeds 1365-1368) and 1.035 -> 1.008 on 71 float64
// ones. Narrower bodies take the same (not measured: no machine here
// lacked AVX2).
// Refitted per precision (2026-12-07, the same kind of core, inputs 16 bytes
// past a cache line as NumPy places them): every draw of sweep seeds
// 1801-1840 whose split was estimated within 12% above the whole pass or
// anywhere below it (311 float32, 358 float64), the split and each other
// strategy forced in turn, alternated call by call in one process, one
// thread. The chosen splits of one vocoder family, 128 channels to 64
// filters, ran 1.05 times the fastest other strategy's time (median of 25; up
// to 1.24, (2, 128, 64, 4, 2, 4096, [1 1])), those of 256 channels or more
// 0.81-0.97 (43 of 46): the memory passes, a larger share of the split where
// the channels are few, cost more than charged. Float32: the passes (the
// per-row charges too) at 1.4 times their charge above; the summed log(chosen
// / fastest) went 4.62 -> 3.54, and on 308 draws of seeds 1841-1880 5.39 ->
// 3.49 (choices more than 5% slower than the fastest 34 -> 28). Float64: the
// sub-passes at 0.97 times (1.0), the passes as they were: 4.68 -> 4.25 and
// 5.16 -> 3.63 (361 draws), more than 5% slower 29 -> 26 and 35 -> 22.
// (Float64 with float32's fit: 4.97 and 7.60.)
// The 512-bit body's passes refitted at one and two threads (2026-12-07, a
// Zen 4 core; the AVX-512 machines of the fit above were not measured again):
// the split against the whole pass (the strategy the whole pass would
// choose), alternated call by call in one process, every draw of sweep seeds
// 2044-2079 whose split was estimated within 15% above the whole pass or
// anywhere below it (289 float32, 347 float64). Its estimate ranked it well
// at one thread and too cheap at two (its memory passes gain less from a
// second thread than the products do): in the draws of seeds 2044-2061
// estimated 2.5-7.5% below the whole pass, split over whole time 0.97
// (float32, geometric mean) and 1.03 (float64) at one thread, 1.03 and 1.07
// at two. The choice may not depend on the thread count (the split's sums
// differ in order), so the fit weighs both: the passes (the per-row and setup
// charges too) at 1.5 times their charge before. Summed log(chosen / faster
// of the two) over both thread counts: float32 13.14 -> 9.83, float64 10.74
// -> 8.88 (seeds 2044-2061 and 2062-2079 each improved alone, the fit made on
// the first). Held out (seeds 2080-2099, 32 MB of caches dirtied between
// calls, 21 rounds), the 62 draws whose choice it changed ran 1.007 times as
// fast at one thread and 1.085 at two (geometric means; 0.73-1.21, the 0.73
// replayed at 0.94, and 0.92-1.35).
struct SplitFit {
    double subs, passes, rows;  // rows: the per-row charges
};
template <class T>
SplitFit split_fit(const MicroKernels<T>& mk) {
    constexpr SplitFit wide{0.92, 0.64 * 1.5, 1.5}, narrow_float{1.03, 1.03 * 1.4, 1.4},
        narrow_double{1.0, 1.03, 1.0};
    if (wide_vectors(mk)) return wide;
    return sizeof(T) == 4 ? narrow_float : narrow_double;
}
constexpr double kSplitFloat32Margin = 0.99, kSplitMargin = 0.95;
constexpr std::int64_t kSplitWeightsPerInput = 4;

// The workspace of a split, in elements: its own pieces and the three
// sub-passes' budgets (R8.3 for each sub-pass's arrays), all of them
// (`all`), or the largest (the sub-passes run one after another: what a
// split holds at once).
template <class T>
std::int64_t split_bound(const Geometry& geo, std::int64_t B, std::int64_t K, std::int64_t C, bool all) {
    const SplitPlan sp = split_plan(geo);
    const auto sub_budget = [&](std::int64_t Fs) {
        const std::int64_t full = (sp.J - 1) * geo.stride + Fs;
        return workspace_budget<T>(
            saturating_add(saturating_add(B * C * sp.J, saturating_mul(B * K, full)), Fs * K * C));
    };
    const std::int64_t a = sub_budget(sp.F0), b = sub_budget(sp.F1);  // C's as A's
    return saturating_add(split_workspace(sp, B, K, C),
                          all ? saturating_add(saturating_add(a, b), a) : std::max(a, b));
}

// Whether the forward runs split: forced (TCONV1D_STRATEGY=split) wherever
// it applies and fits, else where its estimate is below `whole` (the
// estimate of the strategy the whole pass would run; never under another
// forced strategy) by the margin above. Its estimate: the three sub-passes'
// own, by the same cost model (`estimate(x, w, geometry, y)` on operands
// without data), plus the memory passes above, each scaled by its fitted
// factor. It fits where its own pieces and the three
// sub-passes' budgets are within three times the pass's budget (R8.3).
template <class T, class Estimate>
bool split_chosen(const MicroKernels<T>& mk, const Geometry& geo, const WeightsView<const T>& w,
                  std::int64_t B, std::int64_t C, std::int64_t budget, double whole, Estimate&& estimate) {
    const Strategy forced = forced_strategy();
    if (!split_applies(geo) || (forced != Strategy::automatic && forced != Strategy::split)) return false;
    const SplitPlan sp = split_plan(geo);
    const std::int64_t K = w.num_filters, KC = K * C;
    if (split_bound<T>(geo, B, K, C, true) > saturating_mul(budget, 3)) return false;
    if (forced == Strategy::split) return true;
    // Halves of one position (L = 2) make each sub-pass a latent expansion
    // (L = 1) over half the taps of every weight: three passes over the
    // weights, each packing or reading them anew, for a quarter fewer
    // products, where those products were few per weight. Estimated below
    // the whole pass, such splits ran 1.5-2.8 times as long as it (float64
    // (32, 512, 256, 16, 8, 2, same) 19.8 against 7.2 ms tap-wise, (128, 256,
    // 64, 16, 8, 2, 0) 5.5 against 3.6; Zen 3, one thread), and on 60 random
    // latent draws (L <= 4, both precisions) none of L = 2 ran split faster
    // than the fastest other strategy by more than 2%.
    if (sp.J < 2) return false;
    const double words = double(sizeof(T)) / 4.0, rows = double(B * K * sp.row);
    const double streamed = 2.0 * rows * double(sizeof(T)) > kSplitCachedBytes ? 2.0 : 1.0;
    const SplitFit fit = split_fit(mk);
    const double passes = fit.passes * words *
                              (kSplitInputCycles * double(B * C * geo.length) +
                               kSplitTapCycles * double((sp.views ? sp.F0 : 2 * sp.F0 + sp.F1) * KC) +
                               streamed * kSplitOutputCycles * rows) +
                          fit.rows * kSplitRowCycles * double(B * K) +
                          fit.rows * kSplitInputRowCycles * double(B * C) + fit.rows * kPackedSetupCycles;
    // Float64, and several items whose weights exceed kSplitWeightsPerInput times their input, keep 5%.
    const bool weights_dominate =
        B > 1 && saturating_mul(geo.filter_size, K) >
                     saturating_mul(saturating_mul(kSplitWeightsPerInput, B), geo.length);
    const double margin = sizeof(T) == 4 && !weights_dominate ? kSplitFloat32Margin : kSplitMargin;
    // The sub-passes are estimated only where the split could be chosen
    // with them at 3/4 of the whole pass's cost per product (the least seen
    // on the draws above: 0.84, short inputs of 512 channels), which spares
    // small calls the three estimates.
    const double share = split_products(sp, B, K, C) / products(B, geo.length, geo.filter_size, K, C);
    if (fit.subs * 0.75 * share * whole + passes >= margin * whole) return false;
    const SplitOperands<T> o = split_operands<T>(sp, w, B, C, geo.stride, nullptr, nullptr, nullptr, nullptr,
                                                 nullptr, nullptr, nullptr);
    const double subs_cost =
        estimate(o.x0, o.w0, o.g0, o.a) + estimate(o.x1, o.w1, o.g1, o.b) + estimate(o.xs, o.ws, o.g0, o.c);
    return fit.subs * subs_cost + passes < margin * whole;
}

// The forward pass split in three: `sub(x, w, geometry, y)` runs one
// sub-pass (the whole forward, without bias, into a full output). False,
// with nothing written to y, where the input or the taps hold Inf or NaN
// (or their sums overflow): then the caller runs the whole pass.
template <class T, class SubPass>
bool forward_split(const MicroKernels<T>& mk, const DataView<const T>& x, const WeightsView<const T>& w,
                   const BiasView<const T>& bias, const Geometry& geo, const DataView<T>& y, int nt,
                   SubPass&& sub) {
    const SplitPlan sp = split_plan(geo);
    const std::int64_t B = x.batch(), C = x.channels, K = w.num_filters, S = geo.stride;
    const std::int64_t half = B * C * sp.J, own_taps = sp.views ? 0 : (sp.F0 + sp.F1) * K * C,
                       outputs = B * K * sp.row;
    detail::WorkspaceSize size;
    for (int i = 0; i < 3; ++i) size.add<T>(half);
    size.add<T>(sp.F0 * K * C);
    size.add<T>(own_taps);
    size.add<T>(outputs);
    size.add<T>(outputs);
    detail::Workspace ws(size, "forward");
    T* x0 = ws.take<T>(half);
    T* x1 = ws.take<T>(half);
    T* xs = ws.take<T>(half);
    T* wsum = ws.take<T>(sp.F0 * K * C);
    T* own = ws.take<T>(own_taps);
    T* a = ws.take<T>(outputs);
    T* b = ws.take<T>(outputs);
    const SplitOperands<T> o =
        split_operands<T>(sp, w, B, C, S, x0, x1, xs, sp.views ? nullptr : own, wsum, a, b);

    if (split_input(mk, x, sp.J, x0, x1, xs, nt)) return false;
    if (!sp.views) {
        copy_split_taps(w, S, 0, sp.F0, own, nt);
        copy_split_taps(w, S, 1, sp.F1, own + sp.F0 * K * C, nt);
    }
    if (sum_weights(mk, o.w0, o.w1, wsum, nt)) return false;

    sub(o.x0, o.w0, o.g0, o.a);
    zero_outside(a, B * K, sp.row, 0, o.g0.full_length, nt);
    sub(o.x1, o.w1, o.g1, o.b);
    zero_outside(b, B * K, sp.row, S, S + o.g1.full_length, nt);
    split_combine(false, a, b, sp.row, bias, geo, y, nt);
    sub(o.xs, o.ws, o.g0, o.c);
    zero_outside(b, B * K, sp.row, 0, o.g0.full_length, nt);
    split_combine(true, a, b, sp.row, bias, geo, y, nt);
    return true;
}

// One item's split on several threads: the item cut into parts, each split
// whole by one thread (its half inputs, sub-passes and combining passes).
// Shared out pass by pass instead, each sub-pass shares its filter blocks
// among the threads, each reading every half input, half of which the
// other thread has just written; with few filter blocks that lost the
// split's lead at two threads: 21 one-item stride-1 float32 draws of 32 or
// 64 filters (seeds 271-420, estimated 3-8% below the whole pass) ran 0.96
// to 1.24 times the whole pass's time shared, 0.96 to 1.03 in parts where
// they are long enough to cut ((1, 128, 32, 7, 1, 1024, 0): 1.21 -> 0.98),
// and they ran 5-12% faster split at one thread. With 128 filters or more,
// or strides above 1 (phases packed per part), parts ran 2-20% slower than
// shared ((1, 64, 256, 7, 1, 512, 1): 0.98 -> 1.12 of the whole pass).
//
// A part is a run of slot pairs [t0, t1) of the window's. It reads the
// inputs [i0, i1): from the earliest position that pair t0's sub-outputs
// read (A's and C's M0 - 1 pairs back, B's of pair t0 - 1 M1 - 1 back), an
// even one, so that the halves keep the item's parity, to 2*t1; it writes
// the window's outputs in its pairs. Each of its sub-outputs then sums the
// same inputs and taps as the item's, in the same order where the
// sub-passes run the per-item strategy (tap by tap, channel by channel,
// wherever its column blocks fall): bitwise the same for any cut.
struct SplitPart {
    std::int64_t i0 = 0, i1 = 0, y0 = 0;  // y0: the part's first output, in the window
    Geometry geo;                         // the part's inputs, cropped to its outputs
};

inline SplitPart split_part(const Geometry& geo, const SplitPlan& sp, std::int64_t t0, std::int64_t t1) {
    const std::int64_t S = geo.stride, lo = geo.crop_left, hi = geo.crop_left + geo.out_length;
    const std::int64_t M0 = ceil_div(sp.F0, S), M1 = ceil_div(sp.F1, S);
    SplitPart part;
    part.i0 = std::max<std::int64_t>(0, 2 * std::min(t0 - M0 + 1, t0 - M1));
    part.i1 = std::min(geo.length, 2 * t1);
    const std::int64_t first = std::max(lo, 2 * t0 * S), end = std::min(hi, 2 * t1 * S);
    const std::int64_t length = part.i1 - part.i0, full = (length - 1) * S + geo.filter_size;
    part.y0 = first - lo;
    part.geo = resolve_geometry(length, geo.filter_size, S,
                                CroppingSpec::manual(first - part.i0 * S, full - (end - part.i0 * S)));
    return part;
}

// Where one item's split runs in parts: stride 1 (one phase, the taps read
// in place by every part) and filters no more than this many.
constexpr std::int64_t kSplitPartFilters = 64;
// Pairs a part keeps at least: shorter sub-passes fill few column blocks.
constexpr std::int64_t kSplitPartPairs = 128;

// The parts of one item's split on up to nt threads, or none where the
// split is shared out pass by pass over the whole item instead. Parts run
// their sub-passes by the per-item strategy, so they apply (kSplitPartFilters)
// where each sub-pass of one part, the whole window, chooses it
// (`choice(x, w, geometry, y)`: what a sub-pass over those operands,
// without data, would choose); then one part per thread where each has at
// least kSplitPartPairs pairs, their sub-passes fit that strategy (`fits`)
// and their workspaces held at once (each part's own and one sub-pass's)
// stay within three times the call's `budget` (as the split's, R8.3); else
// one part, which the threads share pass by pass. Whether parts apply never
// depends on nt, nor do the inputs they read, whose Inf or NaN send the
// call to the whole pass.
template <class T, class Choice, class Fits>
std::vector<SplitPart> split_parts(const WeightsView<const T>& w, const Geometry& geo, std::int64_t B,
                                   std::int64_t C, std::int64_t budget, int nt, Choice&& choice,
                                   Fits&& fits) {
    if (B != 1 || geo.stride != 1 || w.num_filters > kSplitPartFilters) return {};
    const SplitPlan sp = split_plan(geo);
    const std::int64_t S = geo.stride, lo = geo.crop_left, hi = geo.crop_left + geo.out_length;
    const std::int64_t p0 = lo / (2 * S), p1 = ceil_div(hi, 2 * S);
    // Whether pred(x, w, geometry, y) holds for each sub-pass of `part`.
    const auto each_sub = [&](const SplitPart& part, auto&& pred) {
        const SplitOperands<T> o = split_operands<T>(split_plan(part.geo), w, 1, C, S, nullptr, nullptr,
                                                     nullptr, nullptr, nullptr, nullptr, nullptr);
        return pred(o.x0, o.w0, o.g0, o.a) && pred(o.x1, o.w1, o.g1, o.b) && pred(o.xs, o.ws, o.g0, o.c);
    };
    const auto cut = [&](std::int64_t count) {
        std::vector<SplitPart> parts;
        parts.reserve(std::size_t(count));
        for (std::int64_t i = 0; i < count; ++i)
            parts.push_back(
                split_part(geo, sp, p0 + (p1 - p0) * i / count, p0 + (p1 - p0) * (i + 1) / count));
        return parts;
    };
    std::vector<SplitPart> one = cut(1);
    const auto per_item = [&](const auto&... sub) { return choice(sub...) == Strategy::per_item; };
    if (!each_sub(one[0], per_item)) return {};
    // A thread each, or none: fewer parts than threads would leave threads idle.
    if (nt < 2 || (p1 - p0) / kSplitPartPairs < nt) return one;
    std::vector<SplitPart> parts = cut(nt);
    std::int64_t bound = 0;  // the parts' workspaces at once
    for (const SplitPart& part : parts)
        bound = saturating_add(bound, split_bound<T>(part.geo, 1, w.num_filters, C, false));
    if (bound <= saturating_mul(budget, 3) &&
        std::all_of(parts.begin(), parts.end(), [&](const SplitPart& part) { return each_sub(part, fits); }))
        return parts;
    return one;
}

// The split run part by part (split_parts): several parts a thread each,
// one part on nt threads; `sub(x, w, geometry, y, threads)` runs a
// sub-pass by the per-item strategy on at most `threads` threads. False
// where any part's inputs or the taps hold Inf or NaN (or their sums
// overflow): then the caller runs the whole pass, over every output.
template <class T, class SubPass>
bool forward_split_parts(const MicroKernels<T>& mk, const DataView<const T>& x, const WeightsView<const T>& w,
                         const BiasView<const T>& bias, const DataView<T>& y,
                         const std::vector<SplitPart>& parts, int nt, SubPass&& sub) {
    const int count = int(parts.size()), inner = count == 1 ? nt : 1;
    const auto sub_inner = [&](const DataView<const T>& xh, const WeightsView<const T>& wh,
                               const Geometry& gh, const DataView<T>& yh) { sub(xh, wh, gh, yh, inner); };
    // Part i: its views of the inputs and outputs, split; whether they hold Inf or NaN.
    const auto run = [&](std::int64_t i) {
        const SplitPart& part = parts[std::size_t(i)];
        DataView<const T> xp = x;
        xp.data = x.data + part.i0 * x.length_stride;
        xp.length = part.i1 - part.i0;
        DataView<T> yp = y;
        yp.data = y.data + part.y0 * y.length_stride;
        yp.length = part.geo.out_length;
        return !forward_split(mk, xp, w, bias, part.geo, yp, inner, sub_inner);
    };
    if (count == 1) return !run(0);
    // Exceptions (a workspace that cannot be allocated) may not leave an
    // OpenMP region: the first is kept, and thrown after it.
    std::exception_ptr error;
    std::mutex error_mutex;
    const bool nonfinite = detail::parallel_any(count, count, [&](std::int64_t i) {
        try {
            return run(i);
        } catch (...) {
            const std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
            return false;
        }
    });
    if (error) std::rethrow_exception(error);
    return !nonfinite;
}

}  // namespace tconv1d::cpu
