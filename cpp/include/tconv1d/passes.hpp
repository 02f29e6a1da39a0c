// The four passes of SPEC R3, for float and double.
//
// Each entry point validates that the views agree with each other and with the
// geometry (throwing std::invalid_argument naming the mismatch), then runs the
// fastest implementation that accepts the shape; the plain loop nests of
// reference.hpp are the last resort and the oracle for the others.
//
// Outputs are fully overwritten (never accumulated into), and inputs are only
// read. Outputs must not overlap inputs.
#pragma once

#include "tconv1d/export.h"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d {

// y = C^T x + b, cropped/extended per the geometry (R3.1).
// x: (N, C, L); y: (N, K, out_length); bias may be empty.
template <class T>
TCONV1D_API void forward(const DataView<const T>& x, const WeightsView<const T>& weights,
                         const BiasView<const T>& bias, const Geometry& geometry, const DataView<T>& y);

// dx = C dy_full (R3.3). dy: (N, K, out_length); dx: (N, C, L).
template <class T>
TCONV1D_API void backward_data(const DataView<const T>& dy, const WeightsView<const T>& weights,
                               const Geometry& geometry, const DataView<T>& dx);

// dW[f,k,c] = sum_{n,i} x[n,c,i] dy_full[n,k,i*S+f] (R3.3).
template <class T>
TCONV1D_API void backward_weights(const DataView<const T>& x, const DataView<const T>& dy,
                                  const Geometry& geometry, const WeightsView<T>& dweights);

// db[k] = sum_{n,t} dy[n,k,t] (R3.3).
template <class T>
TCONV1D_API void backward_bias(const DataView<const T>& dy, const BiasView<T>& dbias);

}  // namespace tconv1d
