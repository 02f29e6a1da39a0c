// The loop nests of SPEC R3. Each output element is summed by one thread in a
// fixed order, so results do not depend on the thread count. float is
// accumulated in double: this is the oracle.
//
// The sums of a row of up to kRow neighbouring outputs run side by side, each
// taking its terms in the order of R3's sum for that one output (the loop
// over the row is innermost): a single running sum would wait on the latency
// of every addition, while the row's sums are independent. The results are
// those of the sums one output at a time, bit for bit.
#include "tconv1d/reference.hpp"

#include <algorithm>
#include <cstdint>

#include "threads.hpp"

namespace tconv1d::reference {

// float and double alike are summed in double.
using Acc = double;

// Outputs summed side by side (a stack array: no allocation).
constexpr std::int64_t kRow = 256;

template <class T>
void forward(const DataView<const T>& x, const WeightsView<const T>& weights, const BiasView<const T>& bias,
             const Geometry& g, const DataView<T>& y) {
    const std::int64_t batch = x.batch();
    const std::int64_t num_filters = weights.num_filters;
    // Taps of the output with the most: ceil(F / S), at least 1 term for s = 0.
    const std::int64_t max_taps = (g.filter_size - 1) / g.stride + 1;
#pragma omp parallel for collapse(2) schedule(static) num_threads(detail::effective_threads())
    for (std::int64_t n = 0; n < batch; ++n) {
        for (std::int64_t k = 0; k < num_filters; ++k) {
            for (std::int64_t t0 = 0; t0 < g.out_length; t0 += kRow) {
                const std::int64_t row = std::min(kRow, g.out_length - t0);
                Acc sum[kRow];
                // Output t is full position j = t + l; positions past Lfull are
                // the bias-only extension of "same" with F < S (R2.3).
                // yfull[i*S + f] collects W[f,k,c] x[c,i]: here f = j - i*S,
                // f = f0 + s*S for s < taps with f0 = j % S (counted, so that f
                // never steps past F by a stride near 2^63), i = i0 - s.
                std::int64_t f0[kRow], taps[kRow], i0[kRow];
                for (std::int64_t u = 0; u < row; ++u) {
                    sum[u] = bias.data ? Acc(bias.at(k)) : Acc(0);
                    const std::int64_t j = t0 + u + g.crop_left;
                    f0[u] = j % g.stride;
                    taps[u] = j < g.full_length && f0[u] < g.filter_size
                                  ? (g.filter_size - 1 - f0[u]) / g.stride + 1
                                  : 0;
                    i0[u] = (j - f0[u]) / g.stride;
                }
                for (std::int64_t s = 0; s < max_taps; ++s)
                    for (std::int64_t c = 0; c < x.channels; ++c) {
                        const T* xc = &x.at(n, c, 0);
                        const T* wc = &weights.at(0, k, c);
                        for (std::int64_t u = 0; u < row; ++u) {
                            const std::int64_t i = i0[u] - s;
                            if (s >= taps[u] || i < 0 || i >= g.length) continue;
                            sum[u] += Acc(wc[(f0[u] + s * g.stride) * weights.filter_stride]) *
                                      Acc(xc[i * x.length_stride]);
                        }
                    }
                for (std::int64_t u = 0; u < row; ++u) y.at(n, k, t0 + u) = T(sum[u]);
            }
        }
    }
}

template <class T>
void backward_data(const DataView<const T>& dy, const WeightsView<const T>& weights, const Geometry& g,
                   const DataView<T>& dx) {
    const std::int64_t batch = dy.batch();
#pragma omp parallel for collapse(2) schedule(static) num_threads(detail::effective_threads())
    for (std::int64_t n = 0; n < batch; ++n) {
        for (std::int64_t c = 0; c < dx.channels; ++c) {
            for (std::int64_t i0 = 0; i0 < g.length; i0 += kRow) {
                const std::int64_t row = std::min(kRow, g.length - i0);
                Acc sum[kRow] = {};
                for (std::int64_t k = 0; k < weights.num_filters; ++k) {
                    for (std::int64_t f = 0; f < g.filter_size; ++f) {
                        const Acc w = Acc(weights.at(f, k, c));
                        const T* dyk = &dy.at(n, k, 0);
                        for (std::int64_t u = 0; u < row; ++u) {
                            // dy_full[j] is dy[j - l] inside the kept window, else 0.
                            // The zero is still a term: an Inf weight times it is
                            // NaN, as IEEE arithmetic on R3.3's sum says (R3.6).
                            const std::int64_t t = (i0 + u) * g.stride + f - g.crop_left;
                            const bool kept = t >= 0 && t < g.out_length;
                            sum[u] += w * (kept ? Acc(dyk[t * dy.length_stride]) : Acc(0));
                        }
                    }
                }
                for (std::int64_t u = 0; u < row; ++u) dx.at(n, c, i0 + u) = T(sum[u]);
            }
        }
    }
}

template <class T>
void backward_weights(const DataView<const T>& x, const DataView<const T>& dy, const Geometry& g,
                      const WeightsView<T>& dweights) {
    const std::int64_t batch = x.batch();
#pragma omp parallel for collapse(2) schedule(static) num_threads(detail::effective_threads())
    for (std::int64_t k = 0; k < dweights.num_filters; ++k) {
        for (std::int64_t c = 0; c < dweights.channels; ++c) {
            for (std::int64_t f0 = 0; f0 < g.filter_size; f0 += kRow) {
                const std::int64_t row = std::min(kRow, g.filter_size - f0);
                Acc sum[kRow] = {};
                for (std::int64_t n = 0; n < batch; ++n) {
                    const T* dyk = &dy.at(n, k, 0);
                    for (std::int64_t i = 0; i < g.length; ++i) {
                        const Acc xi = Acc(x.at(n, c, i));
                        for (std::int64_t u = 0; u < row; ++u) {
                            // As in backward_data: the re-padding's zeros are terms too.
                            const std::int64_t t = i * g.stride + f0 + u - g.crop_left;
                            const bool kept = t >= 0 && t < g.out_length;
                            sum[u] += xi * (kept ? Acc(dyk[t * dy.length_stride]) : Acc(0));
                        }
                    }
                }
                for (std::int64_t u = 0; u < row; ++u) dweights.at(f0 + u, k, c) = T(sum[u]);
            }
        }
    }
}

template <class T>
void backward_bias(const DataView<const T>& dy, const BiasView<T>& dbias) {
    const std::int64_t batch = dy.batch();
#pragma omp parallel for schedule(static) num_threads(detail::effective_threads())
    for (std::int64_t k = 0; k < dbias.num_filters; ++k) {
        Acc sum = 0;
        for (std::int64_t n = 0; n < batch; ++n)
            for (std::int64_t t = 0; t < dy.length; ++t) sum += Acc(dy.at(n, k, t));
        dbias.at(k) = T(sum);
    }
}

#define TCONV1D_INSTANTIATE(T)                                                                             \
    template void forward<T>(const DataView<const T>&, const WeightsView<const T>&,                        \
                             const BiasView<const T>&, const Geometry&, const DataView<T>&);               \
    template void backward_data<T>(const DataView<const T>&, const WeightsView<const T>&, const Geometry&, \
                                   const DataView<T>&);                                                    \
    template void backward_weights<T>(const DataView<const T>&, const DataView<const T>&, const Geometry&, \
                                      const WeightsView<T>&);                                              \
    template void backward_bias<T>(const DataView<const T>&, const BiasView<T>&);

TCONV1D_INSTANTIATE(float)
TCONV1D_INSTANTIATE(double)
#undef TCONV1D_INSTANTIATE

}  // namespace tconv1d::reference
