// The fast CPU passes: polyphase packed GEMMs over the micro-kernels of
// cpu/microkernel.hpp.
//
// A stride-S transposed convolution splits into S phases: full-output
// position j = q*S + p (phase p) collects taps f = p + m*S, m < M_p =
// ceil((F - p)/S), from inputs i = q - m:
//     yfull[n,k,q*S+p] = sum_m sum_c W[p+m*S,k,c] * x[n,c,q-m].
// Each phase is a stride-1 correlation, run as a GEMM whose rows are filters k
// (broadcast from a packed weight panel) and whose columns are positions q
// (vectors read from zero-padded slabs of x, shifted by m: no column buffer).
// Crop, bias and the bias-only "same" extension are applied when a tile is
// stored. backward-data is the same GEMM with rows c over the phase-split dy;
// backward-weights reduces phase-split dy rows against the transposed input.
//
// Determinism: every output element is reduced by exactly one micro-kernel
// call sequence in a fixed order; threads only split the set of tiles, so the
// result is bitwise identical for any thread count.
//
// Memory: the packed copies are sized per batch slice and the slice is chosen
// so that the workspace never exceeds the elements of the call's inputs and
// outputs (plus a tile set per thread); shapes where even one batch does not
// fit run the direct path (cpu/direct.hpp, no workspace at all). A pass sizes
// its workspace up front and takes it in one block (workspace.hpp) before any
// parallel region; each thread works in its own slice of it.
//
// Strides: only the phases that have taps (p < min(S, F)) are packed or
// looped over; outputs of the others hold the bias alone. Work and memory
// therefore follow the inputs and outputs, never the stride.
//
// Inf and NaN: the kernels skip or add products with zero padding, which only
// matters for non-finite operands; cpu/nonfinite.hpp repairs those entries.
#include "cpu/kernels.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/direct.hpp"
#include "cpu/index.hpp"
#include "cpu/microkernel.hpp"
#include "cpu/nonfinite.hpp"
#include "threads.hpp"
#include "workspace.hpp"

namespace tconv1d::cpu {

namespace {

using std::int64_t;

// ---------------------------------------------------------------- ISA choice

struct Body {
    const MicroKernels<float>* f;
    const MicroKernels<double>* d;
};

struct Choice {
    Body body{nullptr, nullptr};
    std::string error;         // non-empty when TCONV1D_ISA asks for something unusable
    bool unsupported = false;  // the set is known but this CPU lacks it
};

bool cpu_has(const std::string& name) {
    if (name == "baseline") return true;
#ifdef TCONV1D_HAVE_X86_BODIES
    __builtin_cpu_init();
    if (name == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (name == "avx512")
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
#endif
    return false;
}

Body body_named(const std::string& name) {
#ifdef TCONV1D_HAVE_X86_BODIES
    if (name == "avx512") return {&avx512::kernels_float, &avx512::kernels_double};
    if (name == "avx2") return {&avx2::kernels_float, &avx2::kernels_double};
#endif
    (void)name;
    return {&baseline::kernels_float, &baseline::kernels_double};
}

bool is_compiled(const std::string& name) {
#ifdef TCONV1D_HAVE_X86_BODIES
    if (name == "avx2" || name == "avx512") return true;
#endif
    return name == "baseline";
}

Choice choose() {
    Choice c;
    const char* env = std::getenv("TCONV1D_ISA");
    if (env != nullptr && *env != '\0') {
        const std::string want(env);
        if (want != "baseline" && want != "avx2" && want != "avx512") {
            c.error = "TCONV1D_ISA='" + want + "' is not one of baseline, avx2, avx512";
        } else if (!is_compiled(want)) {
            c.unsupported = true;
            c.error = "TCONV1D_ISA='" + want + "': this build has no " + want + " kernels";
        } else if (!cpu_has(want)) {
            c.unsupported = true;
            c.error = "TCONV1D_ISA='" + want + "': not supported by this CPU";
        } else {
            c.body = body_named(want);
        }
        return c;
    }
    for (const char* name : {"avx512", "avx2", "baseline"})
        if (is_compiled(name) && cpu_has(name)) {
            c.body = body_named(name);
            break;
        }
    return c;
}

const Body& body() {
    static const Choice choice = choose();
    if (!choice.error.empty()) {
        if (choice.unsupported) throw std::runtime_error(choice.error);
        throw std::invalid_argument(choice.error);
    }
    return choice.body;
}

template <class T>
const MicroKernels<T>& kernels();
template <>
const MicroKernels<float>& kernels<float>() {
    return *body().f;
}
template <>
const MicroKernels<double>& kernels<double>() {
    return *body().d;
}

// ---------------------------------------------------------------- helpers

// Taps of phase p: f = p + m*S for m < M_p.
int64_t taps(int64_t p, int64_t F, int64_t S) { return p < F ? ceil_div(F - p, S) : 0; }

// Threads for a call of `flops` floating-point operations: tiny calls are not
// worth waking a team for (the result does not depend on this).
int threads_for(double flops) {
    const int most = detail::effective_threads();
    const double per_thread = 4e5;
    const int useful = int(std::min<double>(most, std::max(1.0, flops / per_thread)));
    return std::max(1, useful);
}

// Batches per slice so that fixed + slice * per_batch <= budget; 0 = none fits.
int64_t batches_per_slice(int64_t batch, int64_t budget, int64_t fixed, int64_t per_batch) {
    if (budget - fixed < per_batch) return 0;
    return std::min(batch, (budget - fixed) / per_batch);
}

// The panel kernel for a column block with `cols` valid columns: the full
// tile, or a narrower variant when whole vectors would be wasted.
template <class T>
auto panel_for(const MicroKernels<T>& mk, int64_t cols) {
    const int64_t v = ceil_div(cols, mk.lanes);
    return v >= mk.nr / mk.lanes ? mk.panel : mk.panel_part[v - 1];
}

// The rows_by_columns kernel for a column block with `cols` valid columns.
template <class T>
auto rows_by_columns_for(const MicroKernels<T>& mk, int64_t cols) {
    const int64_t v = ceil_div(cols, mk.lanes);
    return v >= mk.nr / mk.lanes ? mk.rows_by_columns : mk.rows_by_columns_part[v - 1];
}

// Elements of a view; the sum of several saturates (views that broadcast an
// axis with stride 0 can claim more elements than memory holds).
template <class T>
int64_t elements(const DataView<T>& v) {
    return saturating_mul(saturating_mul(v.batch(), v.channels), v.length);
}

// Input of batch n cut into overlapping slabs, one per column block qb in
// [qb0, qb1): slab qb holds positions [first + qb*nr, first + qb*nr + width)
// of every channel, rows of `width` contiguous elements:
// dst[((qb - qb0)*C + c)*width + v], zero outside [0, L). The micro-kernel
// then reads a block's rows one after another.
template <class T>
void pack_input_block(const DataView<const T>& x, int64_t n, int64_t qb0, int64_t qb1, int64_t first,
                      int64_t nr, int64_t width, T* dst) {
    const int64_t C = x.channels, L = x.length;
    for (int64_t c = 0; c < C; ++c) {
        const T* in = x.data + x.batch_offset(n) + c * x.channel_stride;
        for (int64_t qb = qb0; qb < qb1; ++qb) {
            T* out = dst + ((qb - qb0) * C + c) * width;
            const int64_t s0 = first + qb * nr;
            const int64_t v0 = std::max<int64_t>(0, -s0), v1 = std::min(width, L - s0);
            std::fill(out, out + std::max<int64_t>(0, std::min(v0, width)), T(0));
            if (v1 > v0) {
                if (x.length_stride == 1)
                    std::memcpy(out + v0, in + s0 + v0, std::size_t(v1 - v0) * sizeof(T));
                else
                    for (int64_t v = v0; v < v1; ++v) out[v] = in[(s0 + v) * x.length_stride];
            }
            std::fill(out + std::max(v0, std::max<int64_t>(0, v1)), out + width, T(0));
        }
    }
}

// One phase row of the zero-re-padded dy: out[v] = dy_full[j0 + v*S] for
// v < width, i.e. in[(j0 + v*S - l) * ls] for full positions inside the kept
// window [l, jend) and zero elsewhere. Offsets are formed only for kept
// positions, so a stride near 2^63 never overflows them.
template <class T>
void gather_phase_row(const T* in, int64_t ls, int64_t j0, int64_t S, int64_t l, int64_t jend, int64_t width,
                      T* out) {
    const int64_t v0 = std::min(width, j0 >= l ? 0 : ceil_div(l - j0, S));
    const int64_t v1 = std::max(v0, std::min(width, j0 >= jend ? 0 : ceil_div(jend - j0, S)));
    std::fill(out, out + v0, T(0));
    if (v1 > v0) {
        const T* src = in + (j0 + v0 * S - l) * ls;
        // Two kept positions lie S apart inside dy, so S * ls is a real offset.
        const int64_t step = v1 - v0 > 1 ? S * ls : 0;
        if (step == 1)
            std::memcpy(out + v0, src, std::size_t(v1 - v0) * sizeof(T));
        else
            for (int64_t v = v0; v < v1; ++v, src += step) out[v] = *src;
    }
    std::fill(out + v1, out + width, T(0));
}

// Phase-split dy of batches n0..n0+G, for the Sp phases with taps:
// dst[((g*Sp + p)*Kp + k)*Lq + q] = dy_full[n, k, q*S + p], i.e. dy[n, k,
// q*S + p - l] inside the kept window and zero elsewhere (and for the padding
// rows k >= K).
template <class T>
void pack_phase_split(const DataView<const T>& dy, const Geometry& g_, int64_t n0, int64_t G, int64_t Kp,
                      int64_t Lq, T* dst, int nt) {
    const int64_t K = dy.channels, S = g_.stride, l = g_.crop_left;
    const int64_t Sp = phases_with_taps(g_.filter_size, S);
    // Kept full positions j = q*S + p: [l, jend).
    const int64_t jend = std::min(g_.full_length, l + g_.out_length);
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int64_t row = 0; row < G * Kp; ++row) {
        const int64_t g = row / Kp, k = row % Kp;
        T* base = dst + (g * Sp * Kp + k) * Lq;
        if (k >= K) {
            for (int64_t p = 0; p < Sp; ++p) std::fill(base + p * Kp * Lq, base + p * Kp * Lq + Lq, T(0));
            continue;
        }
        const T* in = dy.data + dy.batch_offset(n0 + g) + k * dy.channel_stride;
        for (int64_t p = 0; p < Sp; ++p)
            gather_phase_row(in, dy.length_stride, p, S, l, jend, Lq, base + p * Kp * Lq);
    }
}

// Phase-split dy cut into slabs per column block ib (positions q in
// [ib*nr, ib*nr + width)), for the Sp phases with taps:
// dst[(((g*nib + ib)*Sp + p)*K + k)*width + v] = dy_full[n, k, (ib*nr + v)*S + p],
// zero outside the kept window. A slab's rows are contiguous, so the
// micro-kernel reads them one after another.
template <class T>
void pack_dy_slabs(const DataView<const T>& dy, const Geometry& g_, int64_t n0, int64_t G, int64_t nib,
                   int64_t nr, int64_t width, T* dst, int nt) {
    const int64_t K = dy.channels, S = g_.stride, l = g_.crop_left;
    const int64_t Sp = phases_with_taps(g_.filter_size, S);
    const int64_t jend = std::min(g_.full_length, l + g_.out_length);
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int64_t row = 0; row < G * K; ++row) {
        const int64_t g = row / K, k = row % K;
        const T* in = dy.data + dy.batch_offset(n0 + g) + k * dy.channel_stride;
        for (int64_t ib = 0; ib < nib; ++ib)
            for (int64_t p = 0; p < Sp; ++p)
                gather_phase_row(in, dy.length_stride, ib * nr * S + p, S, l, jend, width,
                                 dst + (((g * nib + ib) * Sp + p) * K + k) * width);
    }
}

// The slab of one column block ib of batch n, as pack_dy_slabs lays it out:
// dst[(p*K + k)*width + v] = dy_full[n, k, (ib*nr + v)*S + p].
template <class T>
void pack_dy_block(const DataView<const T>& dy, const Geometry& g_, int64_t n, int64_t ib, int64_t nr,
                   int64_t width, T* dst) {
    const int64_t K = dy.channels, S = g_.stride, l = g_.crop_left;
    const int64_t Sp = phases_with_taps(g_.filter_size, S);
    const int64_t jend = std::min(g_.full_length, l + g_.out_length);
    for (int64_t p = 0; p < Sp; ++p)
        for (int64_t k = 0; k < K; ++k)
            gather_phase_row(dy.data + dy.batch_offset(n) + k * dy.channel_stride, dy.length_stride,
                             ib * nr * S + p, S, l, jend, width, dst + (p * K + k) * width);
}

// Transposed input of batch n, column block cb (channels cb*nr ..), positions
// [i0, i0 + cnt): dst[i*nr + cc] = x[n, cb*nr + cc, i0 + i], zero past C.
// The micro-kernel reads these rows of nr channels one after another.
template <class T>
void transpose_input_chunk(const DataView<const T>& x, int64_t n, int64_t cb, int64_t nr, int64_t i0,
                           int64_t cnt, T* dst) {
    const int64_t C = x.channels, ls = x.length_stride;
    const T* in = x.data + x.batch_offset(n) + i0 * ls;
    for (int64_t cc = 0; cc < nr; ++cc) {
        const int64_t c = cb * nr + cc;
        T* out = dst + cc;
        if (c < C) {
            const T* src = in + c * x.channel_stride;
            for (int64_t i = 0; i < cnt; ++i) out[i * nr] = src[i * ls];
        } else {
            for (int64_t i = 0; i < cnt; ++i) out[i * nr] = T(0);
        }
    }
}

// Transposed input in column blocks of nr channels:
// dst[((cb*G + g)*L + i)*nr + cc] = x[n0+g, cb*nr + cc, i], zero past C. A
// block's rows are contiguous, so the micro-kernel reads it sequentially.
template <class T>
void pack_transposed_input(const DataView<const T>& x, int64_t n0, int64_t G, int64_t Cp, int64_t nr, T* dst,
                           int nt) {
    const int64_t C = x.channels, L = x.length;
    constexpr int64_t kBlock = 32;  // positions per block: keeps the reads cache-friendly
    const int64_t blocks = ceil_div(L, kBlock);
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int64_t task = 0; task < G * blocks; ++task) {
        const int64_t g = task / blocks, i0 = (task % blocks) * kBlock;
        const int64_t i1 = std::min(L, i0 + kBlock);
        const T* in = x.data + x.batch_offset(n0 + g);
        for (int64_t c = 0; c < Cp; ++c) {
            T* out = dst + (((c / nr) * G + g) * L) * nr + c % nr;
            if (c < C)
                for (int64_t i = i0; i < i1; ++i)
                    out[i * nr] = in[c * x.channel_stride + i * x.length_stride];
            else
                for (int64_t i = i0; i < i1; ++i) out[i * nr] = T(0);
        }
    }
}

}  // namespace

// ---------------------------------------------------------------- forward

// Outputs that no product reaches hold only the bias (zero without one): the
// positions of phases p >= F between the inputs' runs when S > F, and the
// extension of "same" past Lfull (R2.3). Written run by run, so the cost is
// the number of such outputs, whatever the stride.
template <class T>
void fill_bias_only(const BiasView<const T>& bias, const Geometry& geo, const DataView<T>& y, int nt) {
    const int64_t S = geo.stride, F = geo.filter_size, l = geo.crop_left;
    const int64_t jend = std::min(geo.full_length, l + geo.out_length);
    // Gap after input q: full positions [q*S + F, (q+1)*S), for q < L - 1 (the
    // last one lies past Lfull), clipped to the kept window [l, jend).
    int64_t q_first = 0, q_end = 0;
    if (S > F && jend - F > 0) {
        q_first = l / S;
        q_end = std::min(geo.length - 1, ceil_div(jend - F, S));
    }
    const int64_t ext0 = jend - l;  // the extension: [ext0, out_length)
    if (q_end <= q_first && ext0 >= geo.out_length) return;
    const int64_t B = y.batch(), K = y.channels;
#pragma omp parallel for collapse(2) schedule(static) num_threads(nt)
    for (int64_t n = 0; n < B; ++n)
        for (int64_t k = 0; k < K; ++k) {
            const T b = bias.data ? bias.at(k) : T(0);
            T* out = y.data + y.batch_offset(n) + k * y.channel_stride;
            for (int64_t q = q_first; q < q_end; ++q) {
                const int64_t t0 = std::max(q * S + F, l) - l;
                const int64_t t1 = std::min(q * S + S, jend) - l;
                for (int64_t t = t0; t < t1; ++t) out[t * y.length_stride] = b;
            }
            for (int64_t t = ext0; t < geo.out_length; ++t) out[t * y.length_stride] = b;
        }
}

template <class T>
bool forward(const DataView<const T>& x, const WeightsView<const T>& w, const BiasView<const T>& bias,
             const Geometry& geo, const DataView<T>& y) {
    const MicroKernels<T>& mk = kernels<T>();
    const int64_t MR = mk.mr, NR = mk.nr;
    const int64_t B = x.batch(), C = x.channels, K = w.num_filters, L = geo.length;
    const int64_t F = geo.filter_size, S = geo.stride, Sp = phases_with_taps(F, S);
    const int64_t Mmax = ceil_div(F, S), P = Mmax - 1;
    const int64_t Kp = round_up(K, MR), nkb = Kp / MR;
    // Columns q of phase p that land in the output: j = q*S + p in [l, jend).
    const int64_t jend = std::min(geo.full_length, geo.crop_left + geo.out_length);
    std::vector<int64_t> q_lo(static_cast<std::size_t>(Sp)), q_hi(static_cast<std::size_t>(Sp));
    int64_t nqb = 0;  // column blocks of the longest phase
    for (int64_t p = 0; p < Sp; ++p) {
        q_lo[std::size_t(p)] = geo.crop_left > p ? ceil_div(geo.crop_left - p, S) : 0;
        q_hi[std::size_t(p)] = jend > p ? ceil_div(jend - p, S) : 0;
        nqb = std::max(nqb, ceil_div(std::max<int64_t>(0, q_hi[std::size_t(p)] - q_lo[std::size_t(p)]), NR));
    }
    // Column block qb of phase p reads inputs q_lo[p] + qb*NR + col - m: one
    // slab of width NR + P + (spread of q_lo over the phases) covers them all.
    const int64_t qmin = *std::min_element(q_lo.begin(), q_lo.end());
    const int64_t qspread = *std::max_element(q_lo.begin(), q_lo.end()) - qmin;
    const int64_t width = NR + P + qspread;
    // Saturating: views that broadcast (stride 0) can claim lengths whose packed
    // copies could not be counted in 64 bits; those take the direct path.
    const int64_t per_batch_elems = saturating_mul(saturating_mul(std::max<int64_t>(1, nqb), C), width);

    const int64_t budget =
        saturating_add(saturating_add(elements(x), elements(y)), F * K * C + (bias.data ? K : 0));
    const int64_t fixed = F * C * Kp;
    const int64_t G = batches_per_slice(B, budget, fixed, per_batch_elems);
    const int nt = threads_for(2.0 * double(B) * double(L) * double(C) * double(K) * double(F));
    if (G == 0) {
        direct::forward(x, w, bias, geo, y, nt, 0, geo.out_length);
        return true;
    }
    if (nqb == 0) {  // every output kept lies between the inputs' runs or past Lfull
        fill_bias_only(bias, geo, y, nt);
        return true;
    }

    // A task is one batch and a group of column blocks: it packs its slabs
    // of the input into its thread's slice of the workspace (sized to stay in
    // L2, so the packed copy never travels to memory and back) and runs every
    // filter block over them, column block by column block, phase fastest:
    // the phases interleave into the same output rows, so writing them one
    // after another keeps those cache lines in cache. A tile is one panel call
    // whatever the grouping and thread count.
    const int64_t slab_elems = C * width, avail = budget - fixed;  // avail >= nqb * slab_elems
    const int nt_used = int(std::max<int64_t>(1, std::min<int64_t>(nt, avail / slab_elems)));
    int64_t group = std::min<int64_t>(int64_t((512 << 10) / sizeof(T)) / slab_elems,
                                      avail / (int64_t(nt_used) * slab_elems));
    group = std::clamp<int64_t>(std::min(group, ceil_div(B * nqb, 4 * int64_t(nt_used))), 1,
                                std::max<int64_t>(1, nqb));
    const int64_t qgroups = ceil_div(nqb, group);
    group = ceil_div(nqb, qgroups);

    detail::WorkspaceSize size;
    size.add<T>(fixed);
    size.add<T>(int64_t(nt_used) * group * slab_elems);
    detail::Workspace ws(size, "forward");
    T* a = ws.take<T>(fixed);
    T* slabs = ws.take<T>(int64_t(nt_used) * group * slab_elems);

    // Weights: phase p, filter block kb is a panel [m][c][r] = W[p+m*S, kb*MR+r, c].
    std::vector<int64_t> phase_offset(static_cast<std::size_t>(Sp) + 1, 0);
    for (int64_t p = 0; p < Sp; ++p)
        phase_offset[std::size_t(p) + 1] = phase_offset[std::size_t(p)] + taps(p, F, S) * C * Kp;
    unsigned nonfinite = 0;  // 1 once a non-finite weight was packed (cpu/nonfinite.hpp)
#pragma omp parallel for schedule(static) num_threads(nt) reduction(| : nonfinite)
    for (int64_t pk = 0; pk < Sp * nkb; ++pk) {
        const int64_t p = pk / nkb, kb = pk % nkb, M = taps(p, F, S);
        T* panel = a + phase_offset[std::size_t(p)] + kb * M * C * MR;
        // Reads run along c (the weights' contiguous axis in the layer's layout).
        for (int64_t r = 0; r < MR; ++r) {
            const int64_t k = kb * MR + r;
            for (int64_t m = 0; m < M; ++m)
                for (int64_t c = 0; c < C; ++c) {
                    const T v = k < K ? w.at(p + m * S, k, c) : T(0);
                    panel[(m * C + c) * MR + r] = v;
                    nonfinite |= nonfinite_bit(v);
                }
        }
    }

    std::vector<int64_t> seg_off(static_cast<std::size_t>(Mmax));
    for (int64_t m = 0; m < Mmax; ++m) seg_off[std::size_t(m)] = -m;

#pragma omp parallel for schedule(static) num_threads(nt_used)
    for (int64_t task = 0; task < B * qgroups; ++task) {
        const int64_t n = task / qgroups, qb0 = (task % qgroups) * group;
        const int64_t qb1 = std::min(nqb, qb0 + group);
        T* xp = slabs + int64_t(detail::thread_index()) * group * slab_elems;
        pack_input_block(x, n, qb0, qb1, qmin - P, NR, width, xp);
        T tile[16 * 64];  // mr * nr <= 8 * 48 for every body
        for (int64_t kb = 0; kb < nkb; ++kb)
            for (int64_t qb = qb0; qb < qb1; ++qb)
                for (int64_t p = 0; p < Sp; ++p) {
                    const int64_t q0 = q_lo[std::size_t(p)] + qb * NR;
                    if (q0 >= q_hi[std::size_t(p)]) continue;  // this phase has fewer columns
                    const int64_t M = taps(p, F, S);
                    const T* slab = xp + (qb - qb0) * slab_elems + (q_lo[std::size_t(p)] - qmin) + P;
                    const int64_t cols = std::min(NR, q_hi[std::size_t(p)] - q0);
                    panel_for(mk, cols)(a + phase_offset[std::size_t(p)] + kb * M * C * MR, slab,
                                        seg_off.data(), M, C, width, tile, false);
                    const int64_t rows = std::min(MR, K - kb * MR);
                    for (int64_t r = 0; r < rows; ++r) {
                        const int64_t k = kb * MR + r;
                        const T b = bias.data ? bias.at(k) : T(0);
                        T* out = y.data + y.batch_offset(n) + k * y.channel_stride;
                        const int64_t t0 = q0 * S + p - geo.crop_left;
                        for (int64_t col = 0; col < cols; ++col)
                            out[(t0 + col * S) * y.length_stride] = tile[r * NR + col] + b;
                    }
                }
    }
    fill_bias_only(bias, geo, y, nt);
    if (nonfinite) recompute_forward_edges(x, w, bias, geo, y, nt);  // cpu/nonfinite.hpp
    return true;
}

// ---------------------------------------------------------------- backward-data

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

    const int64_t budget = saturating_add(saturating_add(elements(dy), elements(dx)), F * K * C);
    const int nt = threads_for(2.0 * double(B) * double(L) * double(C) * double(K) * double(F));
    // Workspace: the packed weights, the dy slabs of a batch slice and, per
    // thread, the tiles of up to nb_max column blocks. Whether this path is
    // taken does not depend on the thread count (the direct path rounds
    // differently); the tiles get what is left of the budget at that slice
    // size (at least one column block's), which only limits the grouping
    // and never changes the result.
    int64_t G = batches_per_slice(B, budget, F * K * Cp, slabs_per_batch);
    int64_t nb_max = 1;
    for (int64_t nb : {8, 4, 2}) {
        if (G > 0 &&
            batches_per_slice(B, budget, F * K * Cp + int64_t(nt) * nb * Cp * NR, slabs_per_batch) == G) {
            nb_max = nb;
            break;
        }
    }
    if (G == 0) {
        direct::backward_data(dy, w, geo, dx, nt);
        return true;
    }

    // Cache blocking. The reduction over taps is cut into tap blocks whose
    // weight panel chunk (seg_block taps x K rows x MR) fits in L1; a task
    // owns a group of nb column blocks and, per tap block and channel block,
    // runs that chunk against each of its column blocks in turn, so a weight
    // chunk is read from memory once per nb column blocks, and the group's
    // dy rows of the tap block (sized to stay in L2) are read from cache by
    // every channel block. Partial sums are added in tap-block order, a split
    // that depends on the shape only: the grouping never changes the result.
    const int64_t seg_block =
        std::max<int64_t>(1, int64_t((32 << 10) / sizeof(T)) / std::max<int64_t>(1, K * MR));
    const int64_t nb_cache = std::max<int64_t>(
        1,
        std::min<int64_t>(8, int64_t((1 << 20) / sizeof(T)) / std::max<int64_t>(1, seg_block * K * width)));
    struct Plan {
        int64_t nb, cb_per_task, col_tasks, cb_tasks;
        bool fused;
        int threads;
    };
    // Tasks with every channel block keep a tile set of Cp x NR per column
    // block: only when the budget holds them (else a task is one channel block).
    const bool whole_channels =
        batches_per_slice(B, budget, F * K * Cp + int64_t(nt) * nb_max * Cp * NR, slabs_per_batch) == G;
    const auto plan_for = [&](int64_t Gs) {
        const int64_t ncols = Gs * nib;
        // Enough column blocks for the threads: tasks are groups of column
        // blocks (a multiple of the thread count, for balance) with every
        // channel block; otherwise one column block and one channel block.
        Plan pl{1, 1, 0, 0, false, 1};
        if (ncols >= 4 * int64_t(nt) && whole_channels) {
            const int64_t groups = round_up(ceil_div(ncols, std::min(nb_cache, nb_max)), nt);
            pl.nb = ceil_div(ncols, groups);
            pl.cb_per_task = ncb;
        }
        pl.col_tasks = ceil_div(ncols, pl.nb);
        pl.cb_tasks = ceil_div(ncb, pl.cb_per_task);
        pl.threads = int(std::min<int64_t>(nt, pl.col_tasks * pl.cb_tasks));
        // When a task owns whole column blocks and their slabs fit in L2, the
        // task packs them itself (they never travel to memory and back);
        // otherwise the slice's slabs are packed up front. The threads' own
        // slabs take the place of a slice's, so they must not need more.
        pl.fused = pl.cb_tasks == 1 && pl.nb * slab <= int64_t((1 << 20) / sizeof(T)) &&
                   pl.threads * pl.nb <= G * nib;
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
    const int64_t d_elems = std::max(slab_region(full), slab_region(last));
    const int64_t tiles_per_thread =
        std::max(full.nb * full.cb_per_task, last.nb * last.cb_per_task) * MR * NR;
    const int64_t slices = std::max(full.threads, last.threads);
    detail::WorkspaceSize size;
    size.add<T>(F * K * Cp);
    size.add<T>(d_elems);
    size.add<T>(slices * tiles_per_thread);
    detail::Workspace ws(size, "backward-data");
    // Weights: channel block cb is a panel [p][m][k][r] = W[p+m*S, k, cb*MR+r];
    // its segments are the taps (p, m), each reading row block p of dy shifted by m.
    T* a = ws.take<T>(F * K * Cp);
    T* d = ws.take<T>(d_elems);
    T* tile_base = ws.take<T>(slices * tiles_per_thread);
    // Tap (p, m) is segment seg_of[f]; one task per row (f, k) of the weights,
    // read along c and scattered MR at a time into the ncb panels (reading a
    // panel's rows instead would touch a new page per element).
    std::vector<int64_t> seg_of(static_cast<std::size_t>(F));
    {
        int64_t seg = 0;
        for (int64_t p = 0; p < Sp; ++p)
            for (int64_t m = 0; m < taps(p, F, S); ++m) seg_of[std::size_t(p + m * S)] = seg++;
    }
    unsigned nonfinite = 0;  // 1 once a non-finite weight was packed (cpu/nonfinite.hpp)
#pragma omp parallel for schedule(static) num_threads(nt) reduction(| : nonfinite)
    for (int64_t fk = 0; fk < F * K; ++fk) {
        const int64_t f = fk / K, k = fk % K;
        const T* row = &w.at(f, k, 0);
        T* out = a + (seg_of[std::size_t(f)] * K + k) * MR;
        for (int64_t cb = 0; cb < ncb; ++cb, out += F * K * MR) {
            const int64_t c0 = cb * MR, n = std::min(MR, C - c0);
            if (w.channel_stride == 1) {
                std::memcpy(out, row + c0, std::size_t(n) * sizeof(T));
            } else {
                for (int64_t r = 0; r < n; ++r) out[r] = row[(c0 + r) * w.channel_stride];
            }
            for (int64_t r = 0; r < n; ++r) nonfinite |= nonfinite_bit(out[r]);  // in L1 now
            for (int64_t r = n; r < MR; ++r) out[r] = T(0);
        }
    }
    std::vector<int64_t> seg_off;
    for (int64_t p = 0; p < Sp; ++p)
        for (int64_t m = 0; m < taps(p, F, S); ++m) seg_off.push_back(p * K * width + m);
    const int64_t nseg = int64_t(seg_off.size());

    for (int64_t n0 = 0; n0 < B; n0 += G) {
        const int64_t Gs = std::min(G, B - n0);
        const int64_t ncols = Gs * nib;
        const Plan& pl = Gs == G ? full : last;
        const int64_t nb = pl.nb, cb_per_task = pl.cb_per_task, cb_tasks = pl.cb_tasks;
        const bool fused = pl.fused;
        if (!fused) pack_dy_slabs(dy, geo, n0, Gs, nib, NR, width, d, nt);
#pragma omp parallel for schedule(static) num_threads(pl.threads)
        for (int64_t task = 0; task < pl.col_tasks * cb_tasks; ++task) {
            const int64_t j0 = (task / cb_tasks) * nb, j1 = std::min(ncols, j0 + nb);
            const int64_t cb0 = (task % cb_tasks) * cb_per_task, cb1 = std::min(ncb, cb0 + cb_per_task);
            const int64_t tile_set = (cb1 - cb0) * MR * NR;
            const int64_t thread = detail::thread_index();
            T* tiles = tile_base + thread * tiles_per_thread;
            const T* slabs = nullptr;
            if (fused) {
                T* own = d + thread * nb * slab;
                for (int64_t j = j0; j < j1; ++j)
                    pack_dy_block(dy, geo, n0 + j / nib, j % nib, NR, width, own + (j - j0) * slab);
                slabs = own;
            } else {
                slabs = d + j0 * slab;
            }
            for (int64_t s0 = 0; s0 < nseg; s0 += seg_block)
                for (int64_t cb = cb0; cb < cb1; ++cb)
                    for (int64_t j = j0; j < j1; ++j)
                        panel_for(mk, std::min(NR, L - (j % nib) * NR))(
                            a + (cb * F + s0) * K * MR, slabs + (j - j0) * slab, seg_off.data() + s0,
                            std::min(seg_block, nseg - s0), K, width,
                            tiles + (j - j0) * tile_set + (cb - cb0) * MR * NR, s0 > 0);
            for (int64_t j = j0; j < j1; ++j) {
                const int64_t g = j / nib, i0 = (j % nib) * NR;
                const int64_t cols = std::min(NR, L - i0);
                for (int64_t cb = cb0; cb < cb1; ++cb) {
                    const T* tile = tiles + (j - j0) * tile_set + (cb - cb0) * MR * NR;
                    const int64_t rows = std::min(MR, C - cb * MR);
                    for (int64_t r = 0; r < rows; ++r) {
                        T* out = dx.data + dx.batch_offset(n0 + g) + (cb * MR + r) * dx.channel_stride;
                        for (int64_t col = 0; col < cols; ++col)
                            out[(i0 + col) * dx.length_stride] = tile[r * NR + col];
                    }
                }
            }
        }
    }
    if (nonfinite) add_padding_terms_to_dx(w, geo, dx);  // cpu/nonfinite.hpp
    return true;
}

// ---------------------------------------------------------------- backward-weights

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
    // dW's size, laid out tile by tile ([f][kb][cb][MR*NR]); the micro-kernel
    // adds each chunk of positions into its tile. Its size, and so the batch
    // slicing and the choice of this path, do not depend on the thread count.
    const int64_t tile = MR * NR;
    const int64_t fixed = F * Kp * Cp;
    const int64_t budget = saturating_add(saturating_add(elements(x), elements(dy)), F * K * C);
    const int64_t G = batches_per_slice(
        B, budget, fixed, saturating_add(saturating_mul(saturating_mul(Sp, Kp), Lq), saturating_mul(L, Cp)));
    const int nt = threads_for(2.0 * double(B) * double(L) * double(C) * double(K) * double(F));
    if (G == 0) {
        direct::backward_weights(x, dy, geo, dw, nt);
        return true;
    }

    // Cache blocking. A task owns a block of kbs filter blocks x cbs column
    // blocks and walks the positions once (batch, then chunk): for each
    // chunk it runs every tile of the block, so the task's running sums
    // (kbs x cbs x F tiles, sized to stay in L2) are the only long-lived
    // data, the chunk of the transposed input is read from memory once per
    // filter-block block and the rows of phase-split dy once per
    // column-block block. The block sizes minimize that traffic for enough
    // (balanced) tasks. Each tile's sum runs over batches then chunks of
    // positions, in order, whatever the blocking and thread count.
    const int64_t pair_budget =
        std::max<int64_t>(1, int64_t((1 << 20) / sizeof(T)) / std::max<int64_t>(1, F * tile));
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
        // plus the operand traffic at a rough memory bandwidth.
        const double flops_per_pair = 2.0 * double(MR * NR * F) * double(G * L);
        const double flop_rate = 150e9 * 4.0 / double(sizeof(T)), bandwidth = 20e9;
        double best = -1;
        for (int64_t kt = 1; kt <= nkb; ++kt) {
            const int64_t ks = ceil_div(nkb, kt);
            if (ceil_div(nkb, ks) != kt) continue;
            for (int64_t ct = 1; ct <= ncb; ++ct) {
                const int64_t cs = ceil_div(ncb, ct);
                if (ceil_div(ncb, cs) != ct || (whole ? ks > kbs_whole : ks * cs > pair_budget)) continue;
                const int64_t t = kt * ct;
                // Pairs (filter block, column block) of the busiest thread.
                double busiest = 0;
                if (t > 64 * int64_t(nt)) {
                    busiest = double(ks * cs) * double(ceil_div(t, nt));
                } else {
                    const int64_t base = t / nt, extra = t % nt;
                    int64_t i = 0;
                    for (int th = 0; th < nt; ++th) {
                        double load = 0;
                        for (int64_t e = 0; e < base + (th < extra ? 1 : 0); ++e, ++i) {
                            const int64_t kbi = i % kt, cbi = i / kt;
                            load += double(std::min(ks, nkb - kbi * ks) * std::min(cs, ncb - cbi * cs));
                        }
                        busiest = std::max(busiest, load);
                    }
                }
                const double traffic =
                    (double(kt) * input_size + double(ct) * dy_size) * double(G) * double(sizeof(T));
                const double time = busiest * flops_per_pair / flop_rate + traffic / bandwidth;
                if (best < 0 || time < best) {
                    best = time;
                    kbs = ks;
                    cbs = cs;
                }
            }
        }
    }
    const int64_t kb_tasks = ceil_div(nkb, kbs);
    const int64_t tasks = kb_tasks * ceil_div(ncb, cbs);
    // Positions per micro-kernel call: the register sums are flushed into the
    // tile's running sum every kChunk terms, which keeps float32 rounding
    // error growing with the number of chunks rather than of terms (and the
    // chunk of the transposed input in L1).
    constexpr int64_t kChunk = 128;

    // The transposed input: when one task covers all filter blocks (the
    // input is used once), each task makes it inside, into its thread's slice
    // of the workspace, which stays in cache (whole order: a column block's
    // whole slice; otherwise the current chunk of the task's column blocks),
    // so it never travels to memory and back; otherwise it is made once per
    // slice and read by every filter-block task.
    const bool fused = kb_tasks == 1;
    const int threads = int(std::min<int64_t>(nt, tasks));
    const int64_t xt_per_thread = fused ? (whole ? G * L * NR : kChunk * NR) : 0;
    detail::WorkspaceSize size;
    size.add<T>(fixed);
    size.add<T>(G * Sp * Kp * Lq);
    size.add<T>(fused ? 0 : G * L * Cp);
    size.add<T>(threads * xt_per_thread);
    detail::Workspace ws(size, "backward-weights");
    T* sums = ws.take<T>(fixed);
    std::fill(sums, sums + fixed, T(0));
    T* d = ws.take<T>(G * Sp * Kp * Lq);
    T* xt_all = ws.take<T>(fused ? 0 : G * L * Cp);
    T* xt_slices = ws.take<T>(threads * xt_per_thread);
    auto tile_of = [&](int64_t f, int64_t kb, int64_t cb) {
        return sums + ((f * nkb + kb) * ncb + cb) * tile;
    };
    for (int64_t n0 = 0; n0 < B; n0 += G) {
        const int64_t Gs = std::min(G, B - n0);
        pack_phase_split(dy, geo, n0, Gs, Kp, Lq, d, nt);
        if (!fused) pack_transposed_input(x, n0, Gs, Cp, NR, xt_all, nt);
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int64_t task = 0; task < tasks; ++task) {
            T* const mine = xt_slices + int64_t(detail::thread_index()) * xt_per_thread;
            const int64_t kb0 = (task % kb_tasks) * kbs, kb1 = std::min(nkb, kb0 + kbs);
            const int64_t cb0 = (task / kb_tasks) * cbs, cb1 = std::min(ncb, cb0 + cbs);
            if (whole) {
                T* xt = fused ? mine : nullptr;
                for (int64_t cb = cb0; cb < cb1; ++cb) {
                    const auto rbc = rows_by_columns_for(mk, std::min(NR, C - cb * NR));
                    if (fused)
                        for (int64_t g = 0; g < Gs; ++g)
                            for (int64_t i0 = 0; i0 < L; i0 += kChunk)
                                transpose_input_chunk(x, n0 + g, cb, NR, i0, std::min(kChunk, L - i0),
                                                      xt + (g * L + i0) * NR);
                    else
                        xt = xt_all + cb * Gs * L * NR;
                    for (int64_t kb = kb0; kb < kb1; ++kb)
                        for (int64_t g = 0; g < Gs; ++g)
                            for (int64_t i0 = 0; i0 < L; i0 += kChunk) {
                                const T* xchunk = xt + (g * L + i0) * NR;
                                const int64_t cnt = std::min(kChunk, L - i0);
                                for (int64_t f = 0; f < F; ++f) {
                                    const int64_t p = f % S, m = f / S;
                                    rbc(d + ((g * Sp + p) * Kp + kb * MR) * Lq + m + i0, Lq, xchunk, NR, cnt,
                                        tile_of(f, kb, cb));
                                }
                            }
                }
                continue;
            }
            T* xt = fused ? mine : nullptr;
            for (int64_t g = 0; g < Gs; ++g)
                for (int64_t i0 = 0; i0 < L; i0 += kChunk) {
                    const int64_t cnt = std::min(kChunk, L - i0);
                    for (int64_t cb = cb0; cb < cb1; ++cb) {
                        const auto rbc = rows_by_columns_for(mk, std::min(NR, C - cb * NR));
                        if (fused) transpose_input_chunk(x, n0 + g, cb, NR, i0, cnt, xt);
                        const T* xchunk = fused ? xt : xt_all + ((cb * Gs + g) * L + i0) * NR;
                        for (int64_t kb = kb0; kb < kb1; ++kb)
                            for (int64_t f = 0; f < F; ++f) {
                                const int64_t p = f % S, m = f / S;
                                rbc(d + ((g * Sp + p) * Kp + kb * MR) * Lq + m + i0, Lq, xchunk, NR, cnt,
                                    tile_of(f, kb, cb));
                            }
                    }
                }
        }
    }
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int64_t fk = 0; fk < F * K; ++fk) {
        const int64_t f = fk / K, k = fk % K, kb = k / MR, r = k % MR;
        T* out = &dw.at(f, k, 0);
        for (int64_t cb = 0; cb < ncb; ++cb) {
            const T* src = tile_of(f, kb, cb) + r * NR;
            const int64_t c0 = cb * NR, n = std::min(NR, C - c0);
            if (dw.channel_stride == 1)
                std::memcpy(out + c0, src, std::size_t(n) * sizeof(T));
            else
                for (int64_t cc = 0; cc < n; ++cc) out[(c0 + cc) * dw.channel_stride] = src[cc];
        }
    }
    add_padding_terms_to_dw(x, geo, dw);  // reads only the inputs that meet the padding
    return true;
}

// ---------------------------------------------------------------- backward-bias

// db[k] = sum over n, t of dy[n,k,t], one thread per k, accumulated in double
// in eight interleaved partial sums (a fixed order the compiler can vectorize).
template <class T>
bool backward_bias(const DataView<const T>& dy, const BiasView<T>& db) {
    const int64_t B = dy.batch(), K = dy.channels, Lo = dy.length;
    const int nt = threads_for(double(B) * double(K) * double(Lo));
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int64_t k = 0; k < K; ++k) {
        double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int64_t n = 0; n < B; ++n) {
            const T* in = dy.data + dy.batch_offset(n) + k * dy.channel_stride;
            int64_t t = 0;
            if (dy.length_stride == 1)
                for (; t + 8 <= Lo; t += 8)
                    for (int u = 0; u < 8; ++u) part[u] += double(in[t + u]);
            for (; t < Lo; ++t) part[t % 8] += double(in[t * dy.length_stride]);
        }
        const double total =
            ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
        db.at(k) = T(total);
    }
    return true;
}

const char* isa_name() { return kernels<float>().name; }

#define TCONV1D_INSTANTIATE(T)                                                                             \
    template bool forward<T>(const DataView<const T>&, const WeightsView<const T>&,                        \
                             const BiasView<const T>&, const Geometry&, const DataView<T>&);               \
    template bool backward_data<T>(const DataView<const T>&, const WeightsView<const T>&, const Geometry&, \
                                   const DataView<T>&);                                                    \
    template bool backward_weights<T>(const DataView<const T>&, const DataView<const T>&, const Geometry&, \
                                      const WeightsView<T>&);                                              \
    template bool backward_bias<T>(const DataView<const T>&, const BiasView<T>&);

TCONV1D_INSTANTIATE(float)
TCONV1D_INSTANTIATE(double)
#undef TCONV1D_INSTANTIATE

}  // namespace tconv1d::cpu
