// The forward entry point with the packed weights kept by the caller: what
// tconv1d::forward does, validation included, for a caller that runs the same
// Weights many times (the stream, R13) and keeps their packed form between
// calls (cpu::PhasePanels); and its variant for an input in two parts. Not
// part of the public API.
#pragma once

#include "cpu/kernels.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::detail {

template <class T>
void forward_reusing(const DataView<const T>& x, const WeightsView<const T>& weights,
                     const BiasView<const T>& bias, const Geometry& g, const DataView<T>& y,
                     cpu::PhasePanels<T>* panels);

// The same over an input given in two parts, `head`'s samples then x's (the
// stream's held samples and its chunk; g.length counts both), where the
// kernels can read it so: returns false, having written nothing, where they
// cannot (the caller then splits the call at the seam).
template <class T>
bool forward_joined(const DataView<const T>& head, const DataView<const T>& x,
                    const WeightsView<const T>& weights, const BiasView<const T>& bias, const Geometry& g,
                    const DataView<T>& y, cpu::PhasePanels<T>* panels);

}  // namespace tconv1d::detail
