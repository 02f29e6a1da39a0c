// The loop nests of SPEC R3, one output element at a time. Each output element
// is summed by one thread in a fixed order, so results do not depend on the
// thread count. float is accumulated in double: this is the oracle.
#include "tconv1d/reference.hpp"

#include <cstdint>

#include "threads.hpp"

namespace tconv1d::reference {

// float and double alike are summed in double.
using Acc = double;

template <class T>
void forward(const DataView<const T>& x, const WeightsView<const T>& weights, const BiasView<const T>& bias,
             const Geometry& g, const DataView<T>& y) {
    const std::int64_t batch = x.batch();
    const std::int64_t num_filters = weights.num_filters;
#pragma omp parallel for collapse(2) schedule(static) num_threads(detail::effective_threads())
    for (std::int64_t n = 0; n < batch; ++n) {
        for (std::int64_t k = 0; k < num_filters; ++k) {
            for (std::int64_t t = 0; t < g.out_length; ++t) {
                Acc sum = bias.data ? Acc(bias.at(k)) : Acc(0);
                // Output t is full position j = t + l; positions past Lfull are
                // the bias-only extension of "same" with F < S (R2.3).
                const std::int64_t j = t + g.crop_left;
                if (j < g.full_length) {
                    // yfull[i*S + f] collects W[f,k,c] x[c,i]: here f = j - i*S,
                    // f = j % S + s*S for s < taps (counted, so that f never
                    // steps past F by a stride near 2^63).
                    const std::int64_t f0 = j % g.stride;
                    const std::int64_t taps =
                        f0 < g.filter_size ? (g.filter_size - 1 - f0) / g.stride + 1 : 0;
                    for (std::int64_t s = 0; s < taps; ++s) {
                        const std::int64_t f = f0 + s * g.stride;
                        const std::int64_t i = (j - f) / g.stride;
                        if (i < 0 || i >= g.length) continue;
                        for (std::int64_t c = 0; c < x.channels; ++c)
                            sum += Acc(weights.at(f, k, c)) * Acc(x.at(n, c, i));
                    }
                }
                y.at(n, k, t) = T(sum);
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
            for (std::int64_t i = 0; i < g.length; ++i) {
                Acc sum = 0;
                for (std::int64_t k = 0; k < weights.num_filters; ++k) {
                    for (std::int64_t f = 0; f < g.filter_size; ++f) {
                        // dy_full[j] is dy[j - l] inside the kept window, else 0.
                        // The zero is still a term: an Inf weight times it is
                        // NaN, as IEEE arithmetic on R3.3's sum says (R3.6).
                        const std::int64_t t = i * g.stride + f - g.crop_left;
                        const bool kept = t >= 0 && t < g.out_length;
                        sum += Acc(weights.at(f, k, c)) * (kept ? Acc(dy.at(n, k, t)) : Acc(0));
                    }
                }
                dx.at(n, c, i) = T(sum);
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
            for (std::int64_t f = 0; f < g.filter_size; ++f) {
                Acc sum = 0;
                for (std::int64_t n = 0; n < batch; ++n) {
                    for (std::int64_t i = 0; i < g.length; ++i) {
                        // As in backward_data: the re-padding's zeros are terms too.
                        const std::int64_t t = i * g.stride + f - g.crop_left;
                        const bool kept = t >= 0 && t < g.out_length;
                        sum += Acc(x.at(n, c, i)) * (kept ? Acc(dy.at(n, k, t)) : Acc(0));
                    }
                }
                dweights.at(f, k, c) = T(sum);
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
