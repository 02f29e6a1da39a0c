// Entry points of the four passes: validate once, then hand the call to the
// first implementation in the list that takes the shape. The list is ordered
// fastest first with the reference last, as oneDNN orders its implementations;
// the fast kernels live in cpu/ and say "no" by returning false.
#include "tconv1d/passes.hpp"

#include <stdexcept>
#include <string>

#include "cpu/kernels.hpp"
#include "forward_reusing.hpp"
#include "tconv1d/reference.hpp"
#include "validate.hpp"

namespace tconv1d {

using namespace detail;

template <class T>
void forward(const DataView<const T>& x, const WeightsView<const T>& weights, const BiasView<const T>& bias,
             const Geometry& g, const DataView<T>& y) {
    detail::forward_reusing<T>(x, weights, bias, g, y, nullptr);
}

template <class T>
void detail::forward_reusing(const DataView<const T>& x, const WeightsView<const T>& weights,
                             const BiasView<const T>& bias, const Geometry& g, const DataView<T>& y,
                             cpu::PhasePanels<T>* panels) {
    validate_input(x, "x", g);
    validate_weights(weights, "weights", g);
    validate_bias(bias, "bias", weights.num_filters);
    validate_output(y, "y", g);
    validate_channels(x.channels, "x", weights.channels, "channel count (NumChannels)");
    validate_channels(y.channels, "y", weights.num_filters, "channel count (NumFilters)");
    validate_same_batch(x.batch(), "x", y.batch(), "y");
    if (cpu::forward(x, weights, bias, g, y, panels)) return;
    reference::forward(x, weights, bias, g, y);
}

template <class T>
bool detail::forward_joined(const DataView<const T>& head, const DataView<const T>& x,
                            const WeightsView<const T>& weights, const BiasView<const T>& bias,
                            const Geometry& g, const DataView<T>& y, cpu::PhasePanels<T>* panels) {
    validate_data(head, "head");
    validate_data(x, "x");
    if (head.length > g.length || x.length != g.length - head.length)
        throw std::invalid_argument("x: length " + std::to_string(x.length) + " after " +
                                    std::to_string(head.length) + " samples of the head, geometry length " +
                                    std::to_string(g.length));
    validate_weights(weights, "weights", g);
    validate_bias(bias, "bias", weights.num_filters);
    validate_output(y, "y", g);
    validate_channels(head.channels, "head", weights.channels, "channel count (NumChannels)");
    validate_channels(x.channels, "x", weights.channels, "channel count (NumChannels)");
    validate_channels(y.channels, "y", weights.num_filters, "channel count (NumFilters)");
    if (head.batch_outer != x.batch_outer || head.batch_inner != x.batch_inner)
        throw std::invalid_argument("head and x have different batch sizes");
    validate_same_batch(x.batch(), "x", y.batch(), "y");
    return cpu::forward(x, weights, bias, g, y, panels, &head);
}

template <class T>
void backward_data(const DataView<const T>& dy, const WeightsView<const T>& weights, const Geometry& g,
                   const DataView<T>& dx) {
    validate_output(dy, "dy", g);
    validate_weights(weights, "weights", g);
    validate_input(dx, "dx", g);
    validate_channels(dy.channels, "dy", weights.num_filters, "channel count (NumFilters)");
    validate_channels(dx.channels, "dx", weights.channels, "channel count (NumChannels)");
    validate_same_batch(dy.batch(), "dy", dx.batch(), "dx");
    if (cpu::backward_data(dy, weights, g, dx)) return;
    reference::backward_data(dy, weights, g, dx);
}

template <class T>
void backward_weights(const DataView<const T>& x, const DataView<const T>& dy, const Geometry& g,
                      const WeightsView<T>& dweights) {
    validate_input(x, "x", g);
    validate_output(dy, "dy", g);
    validate_weights(dweights, "dweights", g);
    validate_channels(x.channels, "x", dweights.channels, "channel count (NumChannels)");
    validate_channels(dy.channels, "dy", dweights.num_filters, "channel count (NumFilters)");
    validate_same_batch(x.batch(), "x", dy.batch(), "dy");
    if (cpu::backward_weights(x, dy, g, dweights)) return;
    reference::backward_weights(x, dy, g, dweights);
}

template <class T>
void backward_bias(const DataView<const T>& dy, const BiasView<T>& dbias) {
    if (dbias.data == nullptr) throw std::invalid_argument("dbias: no data");
    validate_data(dy, "dy");
    validate_bias(dbias, "dbias", dy.channels);
    if (cpu::backward_bias(dy, dbias)) return;
    reference::backward_bias(dy, dbias);
}

#define TCONV1D_INSTANTIATE(T)                                                                              \
    template void detail::forward_reusing<T>(const DataView<const T>&, const WeightsView<const T>&,         \
                                             const BiasView<const T>&, const Geometry&, const DataView<T>&, \
                                             cpu::PhasePanels<T>*);                                         \
    template bool detail::forward_joined<T>(const DataView<const T>&, const DataView<const T>&,             \
                                            const WeightsView<const T>&, const BiasView<const T>&,          \
                                            const Geometry&, const DataView<T>&, cpu::PhasePanels<T>*);     \
    template void forward<T>(const DataView<const T>&, const WeightsView<const T>&,                         \
                             const BiasView<const T>&, const Geometry&, const DataView<T>&);                \
    template void backward_data<T>(const DataView<const T>&, const WeightsView<const T>&, const Geometry&,  \
                                   const DataView<T>&);                                                     \
    template void backward_weights<T>(const DataView<const T>&, const DataView<const T>&, const Geometry&,  \
                                      const WeightsView<T>&);                                               \
    template void backward_bias<T>(const DataView<const T>&, const BiasView<T>&);

TCONV1D_INSTANTIATE(float)
TCONV1D_INSTANTIATE(double)
#undef TCONV1D_INSTANTIATE

}  // namespace tconv1d
