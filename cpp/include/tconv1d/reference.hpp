// Plain loop nests of SPEC R3, written to be read, not to be fast. They are the
// oracle for the fast kernels and the fallback for shapes nothing else takes.
// They assume the views were validated by the passes.hpp entry points.
#pragma once

#include "tconv1d/export.h"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::reference {

template <class T>
TCONV1D_API void forward(const DataView<const T>& x, const WeightsView<const T>& weights,
                         const BiasView<const T>& bias, const Geometry& geometry, const DataView<T>& y);

template <class T>
TCONV1D_API void backward_data(const DataView<const T>& dy, const WeightsView<const T>& weights,
                               const Geometry& geometry, const DataView<T>& dx);

template <class T>
TCONV1D_API void backward_weights(const DataView<const T>& x, const DataView<const T>& dy,
                                  const Geometry& geometry, const WeightsView<T>& dweights);

template <class T>
TCONV1D_API void backward_bias(const DataView<const T>& dy, const BiasView<T>& dbias);

}  // namespace tconv1d::reference
