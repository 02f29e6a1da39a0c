// Forward pass (R3.1) on the packed kernels: per phase a GEMM of the packed
// weight panels against slabs of the input; crop, bias and the bias-only
// positions applied when tiles are stored (overview: cpu/kernels.hpp).
#include "cpu/kernels.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu/budget.hpp"
#include "cpu/direct.hpp"
#include "cpu/index.hpp"
#include "cpu/isa.hpp"
#include "cpu/microkernel.hpp"
#include "cpu/nonfinite.hpp"
#include "cpu/packing.hpp"
#include "threads.hpp"
#include "workspace.hpp"

namespace tconv1d::cpu {

using std::int64_t;

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

template bool forward<float>(const DataView<const float>&, const WeightsView<const float>&,
                             const BiasView<const float>&, const Geometry&, const DataView<float>&);
template bool forward<double>(const DataView<const double>&, const WeightsView<const double>&,
                              const BiasView<const double>&, const Geometry&, const DataView<double>&);

}  // namespace tconv1d::cpu
