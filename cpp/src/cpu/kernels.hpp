// Internal: the fast CPU implementations of the four passes. Each returns
// false when it does not take the shape (the caller then runs the reference).
// The views have already been validated.
#pragma once

#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::cpu {

template <class T>
bool forward(const DataView<const T>& x, const WeightsView<const T>& weights, const BiasView<const T>& bias,
             const Geometry& geometry, const DataView<T>& y);

template <class T>
bool backward_data(const DataView<const T>& dy, const WeightsView<const T>& weights, const Geometry& geometry,
                   const DataView<T>& dx);

template <class T>
bool backward_weights(const DataView<const T>& x, const DataView<const T>& dy, const Geometry& geometry,
                      const WeightsView<T>& dweights);

template <class T>
bool backward_bias(const DataView<const T>& dy, const BiasView<T>& dbias);

// Name of the micro-kernel body in use ("baseline", "avx2", "avx512"), chosen at
// first use from the CPU's features or the TCONV1D_ISA environment variable.
// Throws std::invalid_argument for an unknown TCONV1D_ISA value and
// std::runtime_error for a body this build or this CPU cannot run.
const char* isa_name();

}  // namespace tconv1d::cpu
