// Placeholder dispatch: no fast kernel takes any shape yet, so every call runs
// the reference. The polyphase GEMM kernels replace this file.
#include "cpu/kernels.hpp"

namespace tconv1d::cpu {

template <class T>
bool forward(const DataView<const T>&, const WeightsView<const T>&, const BiasView<const T>&,
             const Geometry&, const DataView<T>&) {
    return false;
}

template <class T>
bool backward_data(const DataView<const T>&, const WeightsView<const T>&, const Geometry&,
                   const DataView<T>&) {
    return false;
}

template <class T>
bool backward_weights(const DataView<const T>&, const DataView<const T>&, const Geometry&,
                      const WeightsView<T>&) {
    return false;
}

template <class T>
bool backward_bias(const DataView<const T>&, const BiasView<T>&) {
    return false;
}

#define TCONV1D_INSTANTIATE(T)                                                                   \
    template bool forward<T>(const DataView<const T>&, const WeightsView<const T>&,              \
                             const BiasView<const T>&, const Geometry&, const DataView<T>&);     \
    template bool backward_data<T>(const DataView<const T>&, const WeightsView<const T>&,        \
                                   const Geometry&, const DataView<T>&);                         \
    template bool backward_weights<T>(const DataView<const T>&, const DataView<const T>&,        \
                                      const Geometry&, const WeightsView<T>&);                   \
    template bool backward_bias<T>(const DataView<const T>&, const BiasView<T>&);

TCONV1D_INSTANTIATE(float)
TCONV1D_INSTANTIATE(double)
#undef TCONV1D_INSTANTIATE

}  // namespace tconv1d::cpu
